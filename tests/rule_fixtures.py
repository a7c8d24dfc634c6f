"""A minimal, made-up jurisdiction file for tests that must not depend on shipped rule files."""

from __future__ import annotations

from pathlib import Path

HEAD = """\
[ruleset]
code = "{code}"
name = "Testland"
version = "1"
extends = "base"
effective = 2023-10-01
reviewed = {reviewed}

[[authorities]]
name = "Testland Consumer Agency"
domains = ["agency.example"]

[[authorities]]
name = "Testland Courts"
domains = ["courts.example", "decisions.example"]

[labels]
accepted = {accepted}
review = ["gifted"]

[[rules]]
id = "{prefix}-001"
name = "missing-disclosure"
check = "requires-disclosure"
severity = "error"
message = "No disclosure."
citation = {{ source = "Testland Advertising Act", url = "https://www.agency.example/act", pinpoint = "§5(1)" }}
see_also = [ {{ source = "A commentary", url = "https://blog.example/post" }} ]
effective = 2023-10-01
examples.pass = ["#ad Glowly serum"]
examples.fail = ["Loving my Glowly serum"]
examples.brands = ["Glowly"]

[[rules]]
id = "{prefix}-002"
name = "unclear-label"
check = "label-review"
severity = "warning"
message = "\\"{{text}}\\" may not be clear."
citation = {{ source = "Testland Court, judgment 1/2024", url = "https://www.courts.example/1-2024", pinpoint = "para 12" }}
effective = 2024-01-15
reviewed = 2026-06-01
params = {{ labels = ["gifted"] }}
examples.pass = ["#ad Glowly serum"]
examples.fail = ["#gifted Glowly serum"]
examples.brands = ["Glowly"]
"""


def jurisdiction(code: str = "zz", *, reviewed: str = "2026-11-30", accepted: str = '["ad"]', extra: str = "") -> str:
    """The text of a valid jurisdiction file `code`, with `extra` TOML appended (cases, vocabulary ...)."""
    return HEAD.format(code=code, prefix=code.upper(), reviewed=reviewed, accepted=accepted) + extra


def write(folder: Path, code: str = "zz", text: str | None = None, **kw) -> Path:
    path = folder / f"{code}.toml"
    path.write_text(text if text is not None else jurisdiction(code, **kw), encoding="utf-8")
    return path


def case(cid: str = "ZZ-C-2024-001", **fields) -> str:
    """One [[cases]] table; `fields` override or add keys (a value None drops the key)."""
    base = {
        "id": cid,
        "title": "Decision on Jane Doe",
        "authority": "Testland Consumer Agency",
        "decided": "2024-03-02",
        "url": "https://agency.example/decisions/1",
        "caption": "Loving my Glowly serum",
        "outcome": "upheld",
        "expect": "violation",
        "brands": ["Glowly"],
    }
    base.update(fields)
    lines = ["", "[[cases]]"]
    for key, value in base.items():
        if value is None:
            continue
        if key == "decided" or isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(repr_toml(v) for v in value)}]")
        else:
            lines.append(f"{key} = {repr_toml(value)}")
    return "\n".join(lines) + "\n"


def repr_toml(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def modernise(text: str) -> str:
    """Add what a pre-issue-12 rule file lacks (dates, pinpoints, an authority covering its citation
    hosts), so tests about other checks run on files that h12old is still converting. Keys the
    file already has are left alone; on a converted file this changes nothing."""
    import re
    import tomllib
    from urllib.parse import urlsplit

    data = tomllib.loads(text)
    meta = data.get("ruleset", {})
    head = "".join(f"{k} = 2024-01-01\n" for k in ("effective", "reviewed") if k not in meta)
    text = text.replace("[ruleset]\n", "[ruleset]\n" + head, 1)
    for rule in data.get("rules", []):
        if "effective" not in rule:
            text = text.replace(f'id = "{rule["id"]}"\n', f'id = "{rule["id"]}"\neffective = 2024-01-01\n', 1)
    text = re.sub(
        r'(citation = \{ source = .*?url = "[^"]*")( \})$', r'\1, pinpoint = "p. 1"\2', text, flags=re.MULTILINE
    )
    text = re.sub(r'(pinpoint = "[^"]*"), pinpoint = "p. 1"', r"\1", text)
    if not data.get("authorities"):
        hosts = sorted({urlsplit(r["citation"]["url"]).hostname for r in data.get("rules", [])})
        text += f'\n[[authorities]]\nname = "Test authority"\ndomains = [{", ".join(repr_toml(h) for h in hosts)}]\n'
    return text
