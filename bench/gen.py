"""Synthetic, varied captions for the batch benchmarks: realistic mix, ever-growing vocabulary.

Random words are made up per post so spaCy's string store would grow without bound if the
scan did not release it: that is what the memory benchmark must show does not happen.
"""

from __future__ import annotations

import json
import random

BRANDS = [
    "Solara",
    "Kettle & Crumb",
    "Velocy",
    "Mira Beauty",
    "Orbit Audio",
    "Target",
    "Glowly",
    "Nordwind",
    "Maison Lune",
    "Pixelhaus",
]
HANDLES = ["@kettleandcrumb", "@velocybikes", "@mirabeauty", "@orbitaudio", "@glowlyskin", "@nordwind.de"]
LABELS = [
    "#ad",
    "#Werbung",
    "#sponsored",
    "Ad |",
    "#publicité",
    "#partenariat",
    "Anzeige:",
    "#gifted",
    "Paid partnership with {brand}",
    "#{brand}Partner",
    "#collab",
    "#spon",
    "(ad)",
    "AD:",
]
LINKS = [
    "https://amzn.to/3xY{n}",
    "https://shop.example.com/p/{n}?ref=creator{n}",
    "https://bit.ly/z{n}",
    "https://www.solara.com/summer",
    "linktr.ee/creator{n}",
]
CODES = ["Use code {W}{n} for 20% off", "Code: SAVE{n}", "mit dem Code {W}10 sparst du 15%", "avec le code {W}{n} -10%"]
PHRASES = [
    "Morning run by the lake",
    "Trying the new serum tonight",
    "Weekend in Lisbon",
    "Mein neues Lieblingsrezept",
    "Petit déjeuner au soleil",
    "Finally finished the puzzle",
    "Thanks {brand} for sending this!",
    "Loving my new {brand} headphones",
    "In Zusammenarbeit mit {brand}",
    "En partenariat avec {brand}",
    "Gifted by {brand}",
    "Ce matin au marché",
    "Nuevo vídeo en el canal",
    "Nuova ricetta oggi",
]
EMOJI = ["✨", "🥶", "🏃", "🌿", "📝", "🔥", "💄", "🎧", "🇩🇪", "🇫🇷", "😍", "👉", "⬇️"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zen", "qua", "ber", "lin", "dor", "fey"]
PLATFORMS = ["instagram", "tiktok", "youtube", "x", None]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def caption(rng: random.Random, n: int) -> tuple[str, list[str]]:
    brand = rng.choice(BRANDS)
    parts = [rng.choice(PHRASES).format(brand=brand)]
    parts += [_word(rng) for _ in range(rng.randint(2, 12))]
    roll = rng.random()
    if roll < 0.5:
        parts.append(rng.choice(LABELS).format(brand=brand.replace(" ", "").replace("&", "")))
    if rng.random() < 0.3:
        parts.append(rng.choice(HANDLES))
    if rng.random() < 0.25:
        parts.append(rng.choice(LINKS).format(n=n))
    if rng.random() < 0.15:
        parts.append(rng.choice(CODES).format(n=n % 100, W=_word(rng).upper()))
    if rng.random() < 0.6:
        parts.append(rng.choice(EMOJI))
    if rng.random() < 0.4:
        parts.append(" ".join("#" + _word(rng) for _ in range(rng.randint(1, 6))))
    if rng.random() < 0.2:
        parts.insert(0, rng.choice(LABELS).format(brand=brand.replace(" ", "")))
    sep = "\n" if rng.random() < 0.2 else " "
    brands = [brand] if rng.random() < 0.1 else []
    return sep.join(parts), brands


def post(rng: random.Random, n: int) -> dict:
    text, brands = caption(rng, n)
    out = {"id": f"p{n:07d}", "caption": text}
    platform = rng.choice(PLATFORMS)
    if platform:
        out["platform"] = platform
    if brands:
        out["brands"] = brands
    if rng.random() < 0.05:
        out["paid_partnership"] = True
    return out


def write_posts(path: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(post(rng, n), ensure_ascii=False))
            out.write("\n")


def brands_file(path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(BRANDS + HANDLES) + "\n")


if __name__ == "__main__":
    import sys

    write_posts(sys.argv[1], int(sys.argv[2]))
