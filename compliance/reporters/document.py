"""The one immutable report every reporter renders; built once from the judged posts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compliance import __version__
from compliance.model import STATUSES, PostResult, Waiver

SCHEMA_VERSION = 1


def empty_counts() -> dict[str, int]:
    return {status: 0 for status in STATUSES}


#: Exit code: the run finished, no violation, but some posts could not be judged (never 0).
NOT_ALL_JUDGED = 3


def summarise(
    posts: Iterable[Mapping[str, Any]], jurisdictions: list[str], waivers: Sequence[Waiver] = ()
) -> dict[str, Any]:
    """Counts per jurisdiction and status, from post dicts (so merged partial reports agree).

    With accepted exceptions, each is listed with how many findings it set aside: one that
    matched nothing is there with `matched: 0`, for someone to remove or correct.
    """
    by_j = {j: empty_counts() for j in jurisdictions}
    matched: Counter[tuple[str, str]] = Counter()
    total = errors = 0
    for post in posts:
        total += 1
        if post.get("error"):
            errors += 1
            continue
        for j, verdict in post["verdicts"].items():
            counts = by_j.get(j)
            if counts is None:
                counts = by_j[j] = empty_counts()
            counts[verdict["status"]] += 1
            waived = verdict.get("waived")
            if waived:
                for item in waived:
                    matched[(item["waiver"]["post"], item["waiver"]["rule"])] += 1
    summary: dict[str, Any] = {"posts": total, "errors": errors, "by_jurisdiction": by_j}
    if waivers:
        summary["waivers"] = [{**w.to_dict(), "matched": matched[(w.post, w.rule)]} for w in waivers]
    return summary


def unmatched_waivers(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [w for w in summary.get("waivers", ()) if not w["matched"]]


@dataclass(frozen=True)
class Report:
    """The report as data: `data` is exactly the JSON document of the contract."""

    data: Mapping[str, Any]

    @property
    def posts(self) -> list[dict[str, Any]]:
        return self.data["posts"]

    @property
    def jurisdictions(self) -> list[str]:
        return self.data["jurisdictions"]

    @property
    def exit_code(self) -> int:
        """The CLI contract: 1 at least one violation; else 3 when some post could not be judged
        (an error record); else 0. A violation wins: it is a definite finding to act on, and the
        report's `summary.errors` still counts the posts not judged; 0 is only ever "all judged"."""
        summary = self.data["summary"]
        if any(c.get("violation", 0) for c in summary["by_jurisdiction"].values()):
            return 1
        return NOT_ALL_JUDGED if summary.get("errors") else 0


def build_report(
    results: Iterable[PostResult],
    jurisdictions: list[str],
    rulesets: Mapping[str, Mapping[str, Any]],
    inputs: list[str],
    waivers: Sequence[Waiver] = (),
) -> Report:
    posts = [r.to_dict() for r in results]
    return report_from_posts(posts, jurisdictions, rulesets, inputs, waivers)


def report_from_posts(
    posts: Sequence[Mapping[str, Any]],
    jurisdictions: list[str],
    rulesets: Mapping[str, Mapping[str, Any]],
    inputs: list[str],
    waivers: Sequence[Waiver] = (),
) -> Report:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "compliance", "version": __version__},
        "inputs": list(inputs),
        "jurisdictions": list(jurisdictions),
        "rulesets": {code: dict(rulesets[code]) for code in jurisdictions if code in rulesets},
        "summary": summarise(posts, jurisdictions, waivers),
        "posts": posts,
    }
    return Report(data)
