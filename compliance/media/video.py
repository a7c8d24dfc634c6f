"""Sample a video's frames with PyAV (which ships FFmpeg): a steady rate plus scene changes.

A frame is taken every 1/fps seconds, and also wherever the picture changes abruptly between
two decoded frames (a cut, a caption appearing), so the time a label appears and disappears is
known to the frame rather than to the sampling step. Duration, frame count and wall time are
bounded; going over any of them is a MediaError, never a hang.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from compliance.media.probe import Limits, MediaError

_GRID = 8  # the change detector compares an 8x8 grid of cells ...
_SMALL = (64, 64)  # ... of a 64x64 grey thumbnail of each frame
_CELL_CHANGE = 10.0  # mean grey difference in one cell that counts as a change


@dataclass
class Frame:
    index: int  # position among the sampled frames
    time_s: float
    image: object  # PIL.Image, RGB


@dataclass
class VideoInfo:
    duration_s: float
    width: int
    height: int


def _changed(a, b) -> bool:
    import numpy as np

    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    h, w = diff.shape
    cells = diff.reshape(_GRID, h // _GRID, _GRID, w // _GRID).mean(axis=(1, 3))
    return bool(cells.max() > _CELL_CHANGE)


def probe_video(container) -> VideoInfo:
    if not container.streams.video:
        raise MediaError("no video stream")
    stream = container.streams.video[0]
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    return VideoInfo(duration or 0.0, stream.codec_context.width, stream.codec_context.height)


def sample(source, limits: Limits, info_out: list | None = None):
    """Yield `Frame`s; `info_out` (a list) receives the VideoInfo, with the decoded duration."""
    import av

    started = time.monotonic()
    try:
        container = av.open(source, mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError("not a readable video: " + re.sub(r"<[^<>]*>", "the file", str(exc))) from None
    try:
        info = probe_video(container)
        if info.duration_s > limits.max_duration_s:
            raise MediaError(f"{info.duration_s:.0f} s long, over the {limits.max_duration_s:.0f} s limit; not sampled")
        if info.width * info.height > limits.max_pixels:
            raise MediaError(f"{info.width}x{info.height} frames are over the pixel limit")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        step = 1.0 / limits.fps
        rate = float(stream.average_rate or 25)
        slack = 0.5 / rate  # take the frame nearest each sampling time, not the one after it
        next_t = 0.0
        last_taken = float("-inf")
        previous = None
        count = 0
        end = 0.0
        try:
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else end
                end = max(
                    end, t + (float(frame.duration * frame.time_base) if frame.duration and frame.time_base else 0.0)
                )
                if t > limits.max_duration_s:
                    raise MediaError(f"runs past the {limits.max_duration_s:.0f} s limit; not sampled")
                if time.monotonic() - started > limits.max_seconds:
                    raise MediaError(f"sampling took over {limits.max_seconds:.0f} s; stopped")
                small = frame.to_ndarray(format="gray", width=_SMALL[0], height=_SMALL[1])
                take = t >= next_t - slack
                if not take and previous is not None and t - last_taken >= limits.scene_gap_s:
                    take = _changed(small, previous)
                previous = small
                if not take:
                    continue
                count += 1
                if count > limits.max_frames:
                    raise MediaError(f"more than {limits.max_frames} sampled frames; stopped")
                yield Frame(count - 1, round(t, 3), frame.to_image())
                last_taken = t
                while next_t <= t + slack:
                    next_t += step
        except av.error.FFmpegError as exc:
            raise MediaError(f"decoding stopped at {end:.1f} s: {exc}") from None
        info.duration_s = round(max(info.duration_s, end), 3)
        if info_out is not None:
            info_out.append(info)
    finally:
        container.close()
