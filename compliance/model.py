"""The records that flow one way through the tool: post -> spans -> findings -> verdicts.

Everything here is plain data. Offsets are character offsets into `Post.caption`, the text
as read, so a reader of the report can always check `caption[start:end] == text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

_T = TypeVar("_T")

PLATFORMS = ("instagram", "tiktok", "youtube", "x", "facebook", "linkedin")
STATUSES = ("violation", "review", "compliant", "clear")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """Where a post came from: the file as given on the command line, and a place in it."""

    file: str
    line: int | None = None
    row: int | None = None
    index: int | None = None
    member: str | None = None  # a file inside an archive

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file}
        if self.member is not None:
            out["member"] = self.member
        if self.line is not None:
            out["line"] = self.line
        if self.row is not None:
            out["row"] = self.row
        if self.index is not None:
            out["index"] = self.index
        return out

    def where(self) -> str:
        parts = [self.file]
        if self.member:
            parts.append(self.member)
        for key in ("line", "row", "index"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key} {value}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Post:
    """One caption to judge, as a reader produced it."""

    id: str
    caption: str
    source: Source
    platform: str | None = None
    author: str | None = None
    posted_at: str | None = None
    paid_partnership: bool = False
    brands: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InputError:
    """Something in an input that could not be read as a post: it still gets a record."""

    source: Source
    message: str
    id: str | None = None
    caption: str | None = None
    platform: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Span:
    """A stretch of the caption: a commercial signal or a disclosure label."""

    kind: str  # signal kind (brand, affiliate_link, ...) or "disclosure"
    text: str
    start: int
    end: int
    label: str | None = None  # disclosure: the vocabulary key (ad, werbung, sp ...)
    value: str | None = None  # signal: the brand, code or host it stands for
    confidence: str = "high"  # high | medium | low: how sure the detector is
    zone: tuple[str, ...] = ()  # disclosure: start, first_line, above_fold, hashtag_block ...
    cls: str | None = None  # disclosure statement: payment-explained, sponsorship-named ... (rulefile)
    inner: tuple[str, ...] = ()  # disclosure statement: vocabulary labels found inside it
    programme: str | None = None  # affiliate_link: the catalogue's programme or network
    # A short link followed with --resolve-links: (key, value) pairs of the resolution (hashable).
    resolved: tuple[tuple[str, Any], ...] | None = None

    def signal_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
        }
        if self.value is not None:
            out["value"] = self.value
        if self.programme is not None:
            out["programme"] = self.programme
        if self.resolved is not None:
            out["resolved"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.resolved}
        return out

    def disclosure_dict(self) -> dict[str, Any]:
        out = {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "placement": list(self.zone),
        }
        if self.cls is not None:
            out["class"] = self.cls
        if self.inner:
            out["labels"] = list(self.inner)
        return out

    def moved(self, **changes: Any) -> Span:
        """A copy with some fields changed. `dataclasses.replace` re-runs `__init__` and cost a
        second per 25,000 spans on a caption of glued labels; spans are plain frozen records."""
        new = object.__new__(Span)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


@dataclass(frozen=True)
class Citation:
    source: str
    url: str
    pinpoint: str | None = None  # section, paragraph, page or question in `source`

    def to_dict(self) -> dict[str, str]:
        """A new dict each time (a caller may change it), copied from one made at first use: a
        rule's citation is written into every finding of that rule."""
        try:
            return self.__dict__["_dict"].copy()
        except KeyError:
            pass
        out = {"source": self.source, "url": self.url}
        if self.pinpoint:  # only when present, so reports of files without pinpoints stay unchanged
            out["pinpoint"] = self.pinpoint
        object.__setattr__(self, "_dict", out)  # not a field: equality, hash and repr ignore it
        return out.copy()


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: str
    message: str
    citation: Citation
    fix: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    confidence: str = "high"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "confidence": self.confidence,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "citation": self.citation.to_dict(),
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Waiver:
    """An accepted exception: rule `rule` (id, name, group or prefix) is not applied to post `post`.

    Kept with its reason and who signed it off and when, so a report shows what was waived and why.
    """

    post: str
    rule: str
    reason: str | None = None
    by: str | None = None
    date: str | None = None
    source: str | None = None  # the config file or "--exception"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"post": self.post, "rule": self.rule}
        for key in ("reason", "by", "date", "source"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Verdict:
    status: str
    findings: tuple[Finding, ...] = ()
    waived: tuple[tuple[Finding, Waiver], ...] = ()  # what an accepted exception set aside

    def to_dict(self) -> dict[str, Any]:
        """At most FINDINGS_CAP findings (and waived ones) are written, the most severe and earliest
        first; the rest are counted, so a caption of 12,000 "#sp" cannot blow a report up to 39 MB.
        The status is decided on all of them."""
        if not self.waived and len(self.findings) <= FINDINGS_CAP:  # most verdicts of most posts
            return {"status": self.status, "findings": [f.to_dict() for f in self.findings]}
        out: dict[str, Any] = {"status": self.status, "findings": [f.to_dict() for f in self.findings[:FINDINGS_CAP]]}
        if len(self.findings) > FINDINGS_CAP:
            out["findings_omitted"] = len(self.findings) - FINDINGS_CAP
        if self.waived:
            out["waived"] = [{**f.to_dict(), "waiver": w.to_dict()} for f, w in self.waived[:FINDINGS_CAP]]
            if len(self.waived) > FINDINGS_CAP:
                out["waived_omitted"] = len(self.waived) - FINDINGS_CAP
        return out


# Output amplification bounds (issue 17): what one post may put into a report.
FINDINGS_CAP = 50  # findings (and waived findings) per post and jurisdiction
SPANS_CAP = 200  # signals, and disclosures, per post


@dataclass(frozen=True)
class PostResult:
    """What the report says about one input record: a judged post or an input error."""

    id: str | None
    source: Source
    caption: str | None
    platform: str | None = None
    author: str | None = None
    posted_at: str | None = None
    paid_partnership: bool = False
    error: str | None = None
    signals: tuple[Span, ...] = ()
    disclosures: tuple[Span, ...] = ()
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    discovery: dict[str, Any] | None = None  # --discover only: score, confidence, cue kinds
    onscreen: tuple[dict[str, Any], ...] = ()  # labels read off the post's image or video
    media: dict[str, Any] | None = None  # the media file those came from (or why it was not read)

    def to_dict(self) -> dict[str, Any]:
        signals, disclosures, verdicts = self.signals, self.disclosures, self.verdicts
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source.to_dict(),
            "platform": self.platform,
            "author": self.author,
            "posted_at": self.posted_at,
            "paid_partnership": self.paid_partnership,
            "caption": self.caption,
            "error": self.error,
            "signals": [s.signal_dict() for s in signals[:SPANS_CAP]],  # a tuple within the cap: itself
            "disclosures": [d.disclosure_dict() for d in disclosures[:SPANS_CAP]],
            # Jurisdiction order: the scanner's verdicts come in rule-set order, sorted here.
            "verdicts": {j: verdicts[j].to_dict() for j in sorted(verdicts)},
        }
        if len(signals) > SPANS_CAP:
            out["signals_omitted"] = len(signals) - SPANS_CAP
        if len(disclosures) > SPANS_CAP:
            out["disclosures_omitted"] = len(disclosures) - SPANS_CAP
        if self.discovery is not None:
            out["discovery"] = self.discovery
        if self.media is not None:
            out["media"] = self.media
            out["onscreen"] = list(self.onscreen)
        return out


def new_record(cls: type[_T], values: dict[str, Any]) -> _T:
    """An instance of one of these frozen dataclasses made without its generated `__init__`, which
    sets each field through `object.__setattr__` (findings, verdicts and results are made for
    every post: this is a fifth of the cost). `values` must give every field; the result equals
    `cls(**values)`. For internal hot paths only: nothing is checked (the tests check the fields)."""
    new = object.__new__(cls)
    new.__dict__.update(values)
    return new
