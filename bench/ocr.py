"""On-screen label reading: recall, prominence error and throughput on a generated test set.

    python bench/ocr.py                 # 60 images, 3 videos
    python bench/ocr.py --images 120 --videos 5 --seed 1
    python bench/ocr.py --images 0 --videos 0 --pool-images 16 --jobs 1,2   # scan reading, --jobs 1 vs 2

Labels (English, German, French) are drawn onto plain, gradient and photo-like backgrounds in
six fonts at readable sizes (font 3-6% of the frame height, contrast at least 4.5:1, WCAG's
figure for normal text), plus a "busy" set of saturated colour blobs that is harder than most
photos. Prints recall, the worst and mean relative error of height share and contrast against
the rendered truth (and each label over 10%), images per second, and video seconds per second
of wall time.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compliance.media import prominence  # noqa: E402
from compliance.media.onscreen import analyse_video, frame_labels  # noqa: E402
from compliance.media.pool import reading  # noqa: E402
from compliance.media.probe import DEFAULT_LIMITS  # noqa: E402
from compliance.readers import ReadOptions  # noqa: E402
from tests import media_gen  # noqa: E402


def images(count: int, seed: int, kinds: tuple[str, ...]) -> None:
    rng = random.Random(seed)
    hits, h_err, c_err, over = 0, [], [], []
    started = time.perf_counter()
    for i in range(count):
        label = media_gen.LABELS[i % len(media_gen.LABELS)]
        kind = kinds[i % len(kinds)]
        image, truth = media_gen.render(rng, label=label, bg_kind=kind, share=rng.uniform(0.03, 0.06))
        found = [f for f in frame_labels(image, DEFAULT_LIMITS) if f[0] == truth.key]
        if not found:
            continue
        hits += 1
        measured = prominence.measure(image, found[0][2])
        h_err.append(abs(measured.box[3] / image.height - truth.height_share) / truth.height_share)
        c_err.append(abs(measured.contrast - truth.contrast) / truth.contrast)
        if h_err[-1] > 0.1 or c_err[-1] > 0.1:
            over.append(
                f"  #{i} {kind} {truth.text!r} read as {found[0][1]!r}: OCR box {found[0][2]}, ink box "
                f"{measured.box}, drawn {truth.box}; height error {h_err[-1]:.3f}, contrast "
                f"{measured.contrast:.2f} for {truth.contrast:.2f} (error {c_err[-1]:.3f})"
            )
    took = time.perf_counter() - started
    print(
        f"images [{'/'.join(kinds)}]: {count}, recall {hits / count:.3f}, "
        f"height share error max {max(h_err, default=0):.3f} mean {sum(h_err) / max(1, len(h_err)):.3f}, "
        f"contrast error max {max(c_err, default=0):.3f} mean {sum(c_err) / max(1, len(c_err)):.3f}, "
        f"both within 10% for {sum(h <= 0.1 and c <= 0.1 for h, c in zip(h_err, c_err, strict=False))}/{hits} found, "
        f"{count / took:.2f} images/s"
    )
    for line in over:
        print(line)


def videos(count: int, seed: int) -> None:
    rng = random.Random(seed)
    seconds, found, t_err, d_err = 0.0, 0, [], []
    took = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            length = rng.choice([6.0, 8.0, 10.0])
            start = round(rng.uniform(0.0, 2.0), 2)
            end = round(min(length, start + rng.uniform(3.0, 6.0)), 2)
            label = media_gen.LABELS[(i * 2 + 1) % len(media_gen.LABELS)]
            path = Path(tmp) / f"v{i}.mp4"
            media_gen.write_video(path, length, [(start, end)], rng, label=label)
            began = time.perf_counter()
            with open(path, "rb") as fh:
                result = analyse_video(fh, path.name)
            took += time.perf_counter() - began
            seconds += length
            rec = next((o for o in result["labels"] if o["label"] == label[1]), None)
            if rec is None:
                continue
            found += 1
            t_err.append(abs(rec["first_visible_s"] - start))
            d_err.append(abs(rec["duration_s"] - (end - start)) / (end - start))
    print(
        f"videos: {count} ({seconds:.0f} s of video), label found in {found}, first-visible error max "
        f"{max(t_err, default=0):.2f} s, duration error max {max(d_err, default=0):.3f}, "
        f"{seconds / took:.2f} video seconds/s"
    )


def scan_pool(count: int, seed: int, jobs_list: list[int]) -> None:
    """Images per second through the scan's reading path (`compliance.media.pool.reading`), which
    decodes and OCRs media in `--jobs` worker processes; the same files for each jobs value."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            label = media_gen.LABELS[i % len(media_gen.LABELS)]
            image, _ = media_gen.render(rng, label=label, bg_kind=("plain", "gradient", "photo")[i % 3], share=0.04)
            image.save(Path(tmp) / f"story{i:03d}.png")
        for jobs in jobs_list:
            began = time.perf_counter()
            records = list(reading([tmp], ReadOptions(), jobs))
            took = time.perf_counter() - began
            labelled = sum(bool(getattr(r, "metadata", {}).get("onscreen")) for r in records)
            print(
                f"scan reading, --jobs {jobs}: {count} images in {took:.1f} s, {count / took:.2f} images/s "
                f"(worker start-up included), {labelled} with a label"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=60)
    ap.add_argument("--videos", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pool-images", type=int, default=0, help="also time the scan's reading with --jobs")
    ap.add_argument("--jobs", default="1,2", help="the --jobs values to time (comma-separated)")
    args = ap.parse_args()
    if args.pool_images:
        scan_pool(args.pool_images, args.seed, [int(j) for j in args.jobs.split(",")])
        if not args.images and not args.videos:
            return
    images(args.images, args.seed, ("plain", "gradient", "photo"))
    images(max(6, args.images // 3), args.seed + 1, ("busy",))
    videos(args.videos, args.seed)


if __name__ == "__main__":
    main()
