"""Command line: `compliance scan`, `compliance check` and friends.

Imports stay inside the commands so `compliance --help` and light commands start fast;
spaCy is loaded only by commands that analyse captions.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from compliance import __version__

DEFAULT_JURISDICTIONS = ("us", "uk", "de", "fr")


class UsageProblem(click.ClickException):
    """Usage and input errors exit 2, as the contract says (click's default is 1)."""

    exit_code = 2


def _format_choices() -> list[str]:
    from compliance.reporters import REPORTERS

    return REPORTERS.names()


def load_brand_file(path: str | None) -> list[str]:
    """One brand name or @handle per line; blank lines and `#` comments ignored."""
    if not path:
        return []
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageProblem(f"--brands {path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"--brands {path}: not valid UTF-8 at byte {exc.start}") from None
    brands = []
    for line in text.splitlines():
        line = line.strip()
        if not line or (line.startswith("#") and " " in line):
            continue
        brands.append(line)
    return brands


def build_scanner(jurisdictions, brands, rules_dirs=(), select=(), ignore=()):
    """Load rule files and the analysis pipeline; a broken rule file is a usage problem."""
    from compliance.engine import Scanner
    from compliance.rulefile import RuleFileError

    try:
        return Scanner(list(jurisdictions), brands=brands, rules_dirs=[Path(d) for d in rules_dirs],
                       select=list(select), ignore=list(ignore))
    except RuleFileError as exc:
        raise UsageProblem(str(exc)) from None


def write_output(report, fmt: str, output: str | None, options: dict) -> None:
    from compliance.reporters import REPORTERS

    render = REPORTERS.get(fmt)
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                render(report, out, options)
        except OSError as exc:
            raise UsageProblem(f"-o {output}: cannot write: {exc.strerror or exc}") from None
    else:
        render(report, sys.stdout, options)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
def main() -> None:
    """Check that sponsored social-media captions are disclosed as advertising."""


jurisdiction_option = click.option(
    "-j", "--jurisdiction", "jurisdictions", multiple=True, metavar="CODE",
    help="Jurisdiction to judge against (repeatable; default: us, uk, de, fr).")


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@jurisdiction_option
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands: one name or @handle per line.")
@click.option("--brand", "brand_names", multiple=True, metavar="NAME", help="A campaign brand (repeatable).")
@click.option("--format", "fmt", default="json", show_default=True, metavar="FORMAT",
              help="Output format: json, text, html, csv ... (see `compliance formats`).")
@click.option("-o", "--output", metavar="FILE", help="Write the report here (default: stdout).")
@click.option("--title", help="A title for human-readable reports.")
@click.option("--generated-at", metavar="TEXT", help="A date to print in human-readable reports (never in JSON).")
def scan(inputs, jurisdictions, brands_file, brand_names, fmt, output, title, generated_at):
    """Judge every post in INPUT... (JSONL files; `-` reads stdin)."""
    from compliance.readers import UnreadableInput, read_inputs
    from compliance.report import build_report

    if fmt not in _format_choices():
        raise UsageProblem(f"--format {fmt}: unknown format (choose from {', '.join(_format_choices())})")
    brands = load_brand_file(brands_file) + list(brand_names)
    scanner = build_scanner(jurisdictions or DEFAULT_JURISDICTIONS, brands)
    try:
        results = [scanner.judge_record(record) for record in read_inputs(list(inputs))]
    except UnreadableInput as exc:
        raise UsageProblem(str(exc)) from None
    report = build_report(results, scanner.jurisdictions, scanner.ruleset_meta(), list(inputs))
    write_output(report, fmt, output, {"title": title, "generated_at": generated_at})
    sys.exit(report.exit_code)


@main.command()
@click.argument("caption", required=False)
@jurisdiction_option
@click.option("--brand", "brand_names", multiple=True, metavar="NAME", help="A campaign brand or @handle (repeatable).")
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands: one per line.")
@click.option("--platform", default=None, help="Platform the caption is for (sets the 'more' fold).")
@click.option("--format", "fmt", default="text", show_default=True, metavar="FORMAT")
def check(caption, jurisdictions, brand_names, brands_file, platform, fmt):
    """Judge one caption: text, a file holding it, or `-` for stdin."""
    from compliance.model import Post, Source
    from compliance.report import build_report

    text, name = _caption_argument(caption)
    brands = load_brand_file(brands_file) + list(brand_names)
    scanner = build_scanner(jurisdictions or DEFAULT_JURISDICTIONS, brands)
    post = Post(id="caption", caption=text, source=Source(name), platform=platform)
    result = scanner.judge_record(post)
    report = build_report([result], scanner.jurisdictions, scanner.ruleset_meta(), [name])
    if fmt not in _format_choices():
        raise UsageProblem(f"--format {fmt}: unknown format")
    write_output(report, fmt, None, {})
    sys.exit(report.exit_code)


def _caption_argument(caption: str | None) -> tuple[str, str]:
    """A caption given inline, as a path to a text file, or `-`/nothing for stdin."""
    if caption is None or caption == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    elif "\n" not in caption and len(caption) < 4096 and Path(caption).is_file():
        data = Path(caption).read_bytes()
        name = caption
    else:
        return caption, "<argument>"
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"{name}: not valid UTF-8 at byte {exc.start}") from None


@main.command()
def formats():
    """List the output formats."""
    for name in _format_choices():
        click.echo(name)
