"""Command line: `compliance scan`, `compliance check` and friends.

This layer parses flags into the one `Settings` object and hands it on. The modules that do the
work (scanner, readers, reporters, run, web) are imported inside the commands, on purpose:
`compliance --help` answers without loading the analysis, rule machinery or jinja2 (measured with
`python -X importtime -m compliance --help`; tests/test_check_cli.py checks the import set).
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import click

from compliance import __version__
from compliance.cli.errors import UsageProblem
from compliance.cli.options import batch_options
from compliance.config import ConfigError, Settings, resolve, rule_options
from compliance.lifetime import long_lived
from compliance.model import InputError, Post, Source


def _format_choices() -> list[str]:
    from compliance.reporters.registry import REPORTERS

    return REPORTERS.names()


def configured_scanner(
    jurisdictions, brands_file, brand_names, rule_flags: dict, discover: bool = False, lazy: bool = False
):
    """The one `Settings` (project config under the command line's flags) -> a Scanner; `lazy`:
    its analyser (spaCy) built only when a post is judged (a `--state` re-run may judge none)."""
    return scanner_for(
        resolve_settings(
            jurisdictions=jurisdictions,
            brands_file=brands_file,
            brand_names=brand_names,
            discover=discover,
            **rule_flags,
        ),
        lazy=lazy,
    )


def scanner_for(settings: Settings, lazy: bool = False):
    with long_lived():
        return _scanner_for(settings, lazy)


def _scanner_for(settings: Settings, lazy: bool = False):
    from compliance.judging.scanner import Scanner
    from compliance.ruleset.loader import RuleFileError

    try:
        scanner = Scanner.from_settings(settings)
        if not lazy:
            scanner.analyser  # noqa: B018  (built now: its errors are start-up errors, exit 2)
        else:  # the catalogues it reads are still checked now (and the state's fingerprint holds them)
            from compliance.analysis import affiliates, discover

            affiliates.load_catalogue()
            if settings.discover:
                discover.load_catalogue()
        return scanner
    except (RuleFileError, ConfigError) as exc:  # ConfigError: a severity/select/ignore key naming no rule
        raise UsageProblem(str(exc)) from None
    except ValueError as exc:  # a broken discover catalogue (compliance.analysis.discover.CatalogueError)
        raise UsageProblem(str(exc)) from None


def _check_rule_keys(settings: Settings) -> None:
    """severity/select/ignore keys naming no rule are exit 2 before `serve` listens (each page
    request builds its own scanner, too late to stop the command)."""
    from compliance.judging.scanner import check_rule_keys
    from compliance.ruleset.loader import RuleFileError, default_dirs

    dirs = default_dirs([Path(d) for d in settings.rules_dirs])
    try:
        check_rule_keys(settings, [], dirs)
    except (RuleFileError, ConfigError) as exc:
        raise UsageProblem(str(exc)) from None


def resolve_settings(**flags) -> Settings:
    try:
        return resolve(**flags)
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def write_output(report, fmt: str, output: str | None, options: dict) -> None:
    from compliance.reporters.registry import REPORTERS

    render = REPORTERS.get(fmt)
    if output and output != "-":
        try:
            from compliance.outputs import atomic_text

            with atomic_text(output) as out:  # the old file stays until the new one is complete
                render(report, out, options)
        except OSError as exc:
            raise UsageProblem(f"-o {output}: cannot write: {exc.strerror or exc}") from None
    else:
        render(report, sys.stdout, options)


# Writing the output failed (stdout to a full disk, `> /dev/full`): exit 2 with a message.
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EPIPE, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
# The reader of stdout went away (`compliance scan ... | head -1`): stop quietly, like `yes | head`,
# with the status a shell gives a command that SIGPIPE ended (128 + 13), so `set -o pipefail`
# scripts can tell it from a verdict.
CLOSED_PIPE_EXIT = 141


class _Main(click.Group):
    """The command group: an output that cannot be written is a message and exit 2, never a
    traceback; a reader that closed the pipe ends the run quietly (CLOSED_PIPE_EXIT)."""

    def invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # what is still buffered fails here, not at interpreter exit
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS:
                raise
            _drop_stdout()
            if exc.errno == errno.EPIPE:
                raise click.exceptions.Exit(CLOSED_PIPE_EXIT) from None
            raise UsageProblem(f"cannot write the output: {exc.strerror or exc}") from None


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of the failed buffer cannot fail too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
def main() -> None:
    """Check that sponsored social-media captions are disclosed as advertising."""


discover_option = click.option(
    "--discover",
    is_flag=True,
    help="Also find posts that look commercial when no brand list names the brand (@handles with calls "
    'to action, prices, codes, "link in bio", giveaways, credit lists ...): each cue is a `cue-*` '
    "signal, and a post that scores high enough gets a `review` finding, never a violation.",
)

jurisdiction_option = click.option(
    "-j",
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    metavar="CODE",
    help="Jurisdiction to judge against (repeatable; default: the rule files marked default, us, uk, de, fr).",
)


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@jurisdiction_option
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands: one name or @handle per line.")
@click.option("--brand", "brand_names", multiple=True, metavar="NAME", help="A campaign brand (repeatable).")
@click.option(
    "--format",
    "fmt",
    default="json",
    show_default=True,
    metavar="FORMAT",
    help="Output format: json, text, html, csv ... (see `compliance formats`).",
)
@click.option("-o", "--output", metavar="FILE", help="Write the report here (default: stdout).")
@click.option("--title", help="A title for human-readable reports.")
@click.option("--generated-at", metavar="TEXT", help="A date to print in human-readable reports (never in JSON).")
@click.option(
    "--platform", "default_platform", metavar="NAME", help="Platform for posts whose input does not say (JSONL, CSV)."
)
@click.option("--id-column", metavar="NAME", help="CSV column holding the post id.")
@click.option("--caption-column", metavar="NAME", help="CSV column holding the caption.")
@click.option("--author-column", metavar="NAME", help="CSV column holding the author.")
@discover_option
@batch_options
@rule_options
def scan(
    inputs,
    jurisdictions,
    brands_file,
    brand_names,
    fmt,
    output,
    title,
    generated_at,
    default_platform,
    id_column,
    caption_column,
    author_column,
    rule_flags,
    discover=False,
    **batch,
):
    """Judge every post in INPUT...: JSONL (`-` reads stdin), CSV, platform exports
    (Instagram, TikTok, X, YouTube), or a zip or folder of them.

    Exit 0 every post judged and no violation, 1 a violation, 2 the run could not be done,
    3 the run finished but some posts could not be judged (error records) and none is a violation,
    141 stdout was closed by its reader (`| head`): the run stops quietly."""
    from compliance.readers import ReadOptions, UnreadableInput

    if fmt not in _format_choices():
        raise UsageProblem(f"--format {fmt}: unknown format (choose from {', '.join(_format_choices())})")
    if fmt == "xlsx":  # an optional extra: say so before the scan, not after it
        from compliance.reporters.xlsx_report import require

        require()
    # With a state file the analyser waits until a post needs judging: a re-run of unchanged
    # posts never builds it (its catalogues are still read at once, for the state's fingerprint).
    lazy = bool(batch.get("state_path")) and batch.get("engine") != "dask"
    scanner = configured_scanner(jurisdictions, brands_file, brand_names, rule_flags, discover, lazy=lazy)
    from compliance.judging.scanner import encodable_text  # a non-UTF-8 file name must not break the report
    from compliance.run.scan import run_from_cli

    read_options = ReadOptions(
        id_column=id_column,
        caption_column=caption_column,
        author_column=author_column,
        default_platform=default_platform,
    )
    try:  # streams, pools (--jobs), remembers (--state), or hands over to Dask (--engine dask)
        code = run_from_cli(
            list(inputs),
            [encodable_text(name) for name in inputs],
            read_options,
            scanner,
            fmt,
            output,
            {"title": title, "generated_at": generated_at},
            batch,
        )
    except UnreadableInput as exc:
        raise UsageProblem(str(exc)) from None
    sys.exit(code)


@main.command()
@click.argument("captions", nargs=-1, metavar="[CAPTION | FILE | -]...")
@jurisdiction_option
@click.option("--brand", "brand_names", multiple=True, metavar="NAME", help="A campaign brand or @handle (repeatable).")
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands: one per line.")
@click.option("--platform", default=None, help="Platform the caption is for (sets the 'more' fold).")
@click.option(
    "--files",
    "as_files",
    is_flag=True,
    help="Every argument is a file holding one caption draft (what a pre-commit hook passes).",
)
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    metavar="FORMAT",
    help="text: the short answer; json: the post record of a scan report; or a report format.",
)
@click.option(
    "--resolve-links",
    "resolve_links",
    is_flag=True,
    help="Off by default. Follow links through known shorteners (bit.ly, goo.gl ...) to judge their "
    "real target: only with it are a caption's links contacted (HEAD requests, no cookies; "
    'see README, "Short links").',
)
@discover_option
@rule_options
def check(
    captions,
    jurisdictions,
    brand_names,
    brands_file,
    platform,
    as_files,
    fmt,
    rule_flags,
    discover=False,
    resolve_links=False,
):
    """Judge a caption: text, a file holding it, or `-`/nothing for stdin. With several
    arguments (or --files) each is a file holding one draft.

    Per jurisdiction: the verdict, the offending text marked, why, and a corrected caption.
    Exit 0 no violation, 1 a violation, 2 usage error or a caption that could not be read,
    3 a caption that could not be judged (and no violation)."""
    from compliance.reporters.document import build_report

    if fmt not in ("text", "json") and fmt not in _format_choices():
        known = ["text", "json"] + [n for n in _format_choices() if n not in ("text", "json")]
        raise UsageProblem(f"--format {fmt}: unknown format (choose from {', '.join(known)})")
    drafts = _check_inputs(captions, as_files)
    scanner = configured_scanner(jurisdictions, brands_file, brand_names, rule_flags, discover)
    records = [
        Post(id=post_id, caption=text, source=Source(name), platform=platform)
        if problem is None
        else _input_error(name, problem, platform)
        for post_id, text, name, problem in drafts
    ]
    if resolve_links:  # the only network use; asked for by name
        from compliance.run.resolver import resolving  # (start-up: network code only when asked for)

        resolved, close = resolving(records)
        records = list(resolved)
        close()
    results = [scanner.judge_record(record) for record in records]
    report = build_report(
        results,
        scanner.jurisdictions,
        scanner.ruleset_meta(),
        [d[2] for d in drafts],
        [w for w in scanner.settings.exceptions if any(w.post == d[0] for d in drafts)],
    )
    if fmt == "json":
        data = report.posts[0] if len(report.posts) == 1 else report.posts
        click.echo(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2))
    elif fmt == "text":
        _echo_check_answers(scanner, results, report, several=len(drafts) > 1)
    else:
        write_output(report, fmt, None, {})
    sys.exit(2 if any(d[3] for d in drafts) else report.exit_code)  # 3: read but not judged


def _check_inputs(captions, as_files: bool) -> list[tuple[str, str, str, str | None]]:
    """(post id, caption, source name, problem) per draft; an unreadable file is a problem, not a stop."""
    if not captions:
        captions = ("-",)
    if len(captions) == 1 and not as_files:
        text, name = _caption_argument(captions[0])
        return [("caption", text, name, None)]
    drafts = []
    for path in captions:
        try:
            text, problem = Path(path).read_bytes().decode("utf-8-sig"), None
        except OSError as exc:
            text, problem = "", f"cannot read: {exc.strerror or exc}"
        except UnicodeDecodeError as exc:
            text, problem = "", f"not valid UTF-8 at byte {exc.start}"
        drafts.append((path, text, path, problem))
    return drafts


def _input_error(name: str, problem: str, platform: str | None):
    return InputError(Source(name), f"{name}: {problem}", id=name, platform=platform)


def _echo_check_answers(scanner, results, report, several: bool) -> None:
    from compliance.judging.fixer import Fixer
    from compliance.reporters.terminal import clean, render_post

    whys = {rule.id: rule.why for rs in scanner.rulesets for rule in rs.rules}
    fixer = Fixer(scanner)
    for result, post in zip(results, report.posts, strict=False):
        fixed = fixed_for = None
        if not result.error and any(v.status not in ("compliant", "clear") for v in result.verdicts.values()):
            attempt = fixer.fix(
                Post(
                    id=result.id or "caption",
                    caption=result.caption or "",
                    source=result.source,
                    platform=result.platform,
                ),
                before=result,
            )
            fixed, fixed_for = attempt.caption, attempt.unsatisfied
        if several:
            click.echo(
                ("\n" if post is not report.posts[0] else "")
                + click.style(f"== {clean(result.source.file)}", bold=True)
            )
        click.echo(render_post(post, report.data["rulesets"], whys, scanner.jurisdictions, fixed, fixed_for or ()))


def _is_file(name: str) -> bool:
    """A caption too long or odd for a file name (OSError: name too long; NUL) is just a caption."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


def _caption_argument(caption: str | None) -> tuple[str, str]:
    """A caption given inline, as a path to a text file, or `-`/nothing for stdin."""
    if caption is None or caption == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    elif "\n" not in caption and len(caption) < 4096 and _is_file(caption):
        data = Path(caption).read_bytes()
        name = caption
    else:
        return caption, "<argument>"
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"{name}: not valid UTF-8 at byte {exc.start}") from None


@main.command()
@click.argument("caption", required=False, metavar="[CAPTION | FILE | -]")
@click.option(
    "-j",
    "--jurisdiction",
    "jurisdictions",
    multiple=True,
    metavar="CODE",
    help="An audience to fix for (repeatable; required unless the project config names them).",
)
@click.option("--brand", "brand_names", multiple=True, metavar="NAME", help="A campaign brand or @handle (repeatable).")
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands: one per line.")
@click.option("--platform", default=None, help="Platform the caption is for (sets the 'more' fold).")
@click.option("--explain", is_flag=True, help="Say on stderr what was changed and why.")
@rule_options
def fix(caption, jurisdictions, brand_names, brands_file, platform, explain, rule_flags):
    """Print the caption corrected for every -j audience, and nothing else, on stdout.

    The accepted label of each jurisdiction, in its language, goes at the start (or the
    creator's own buried label hashtag moves there); no word or hashtag is deleted. The result
    is judged again: exit 0 when every jurisdiction is compliant or clear, 1 (with the reason on
    stderr) when one cannot be satisfied, 2 on a usage error."""
    from compliance.judging.fixer import Fixer, make_post

    # The same rules `check` applies, project config included; the audience must be named.
    settings = resolve_settings(
        jurisdictions=jurisdictions, brands_file=brands_file, brand_names=brand_names, **rule_flags
    )
    if not settings.jurisdictions:
        raise UsageProblem("say who the audience is: -j CODE (repeatable), e.g. -j us -j de")
    text, name = _caption_argument(caption)
    scanner = scanner_for(settings)
    result = Fixer(scanner).fix(make_post(text, name, platform))
    if result.error:
        click.echo(f"compliance fix: {name}: could not judge this caption: {result.error}", err=True)
        sys.exit(2)
    sys.stdout.write(result.caption if result.caption.endswith("\n") else result.caption + "\n")
    sys.stdout.flush()
    if explain:
        for edit in result.edits if result.changed else ("nothing to change",):
            click.echo(f"compliance fix: {edit}", err=True)
    for code in result.unsatisfied:
        verdict = result.after.verdicts.get(code)
        reasons = "; ".join(f"{f.rule}: {f.message}" for f in verdict.findings) if verdict else "not judged"
        status = verdict.status if verdict else "unknown"
        click.echo(f"compliance fix: {code}: still {status} after the fix ({reasons})", err=True)
    sys.exit(1 if result.unsatisfied else 0)


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default keeps the page on this computer.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--brands", "brands_file", metavar="FILE", help="Campaign brands the page always knows: one per line.")
@click.option(
    "--state",
    "state_file",
    metavar="FILE.sqlite",
    help="Instead: a read-only dashboard over the scan history a `scan --state FILE.sqlite` keeps.",
)
@rule_options
def serve(host, port, brands_file, state_file, rule_flags):
    """A local web page: paste a caption, tick audience countries, get it checked and corrected.

    The page judges as `compliance check` does here: the project config and --rules-dir apply.
    With --state, a dashboard over the scan history instead (compliance/web/dashboard.py)."""
    if state_file is not None:
        from compliance.run.state import StateError

        try:
            from compliance.web.dashboard import serve_dashboard
        except ImportError as exc:  # pygal, the charts' extra
            raise UsageProblem(f"serve --state needs {exc.name}: pip install 'compliance[dashboard]'") from None

        try:
            serve_dashboard(state_file, host, port)
        except StateError as exc:
            raise UsageProblem(str(exc)) from None
        except OSError as exc:
            raise UsageProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        return
    from compliance.web.server import serve as run_server

    settings = resolve_settings(brands_file=brands_file, **rule_flags)
    _check_rule_keys(settings)
    try:
        run_server(host, port, settings)
    except OSError as exc:
        raise UsageProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@main.command()
def formats():
    """List the output formats."""
    for name in _format_choices():
        click.echo(name)


from compliance.cli.rules import rules  # noqa: E402  (light: loads rule files only when run)

main.add_command(rules)

from compliance.cli.fetch import fetch  # noqa: E402  (platform clients load only when run)

main.add_command(fetch)
