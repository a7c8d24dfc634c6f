"""Project settings, so a team writes its choices once instead of on every command line.

Read from `compliance.toml` (top-level keys) or `pyproject.toml` (`[tool.compliance]`), the
nearest one found from the working directory upwards. Every key mirrors a command-line flag,
and a flag given on the command line replaces that key's value. Paths in a config file are
relative to the file. A config that cannot be used stops the run (exit 2), naming file and line.

    jurisdictions = ["us", "uk"]             # -j/--jurisdiction
    brands = "brands.txt"                    # --brands
    rules_dir = ["house-rules"]              # --rules-dir
    select = ["FTC", "ASA-00"]               # --select
    ignore = ["FTC-007"]                     # --ignore
    severity = { "FTC-008" = "error" }       # --severity FTC-008=error
    exceptions = ["p12:FTC-005",             # --exception p12:FTC-005
                  { post = "p40", rule = "ASA-009", reason = "bilingual audience", by = "legal@brand", date = 2026-03-02 }]

`Settings` is the one configuration object: the command line and the config file make it, and it
goes unchanged to the scanner, the worker processes and Dask workers.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from compliance.model import SEVERITIES, Waiver

CONFIG_FILE = "compliance.toml"
PYPROJECT = "pyproject.toml"
KEYS = ("jurisdictions", "brands", "rules_dir", "select", "ignore", "severity", "exceptions")


class ConfigError(Exception):
    """A config file or flag value that cannot be used; the message says where."""


@dataclass(frozen=True)
class Settings:
    """What to judge by: every choice a user can make on the command line or in a config file."""

    jurisdictions: tuple[str, ...] = ()  # empty: the rule files' defaults
    brands_file: str | None = None
    brands: tuple[str, ...] = ()  # --brand names and the brands file's, in order
    rules_dirs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    exceptions: tuple[Waiver, ...] = ()
    discover: bool = False  # --discover: look for ads no brand list names (verdicts `review` only)
    source: str | None = None  # the config file these came from, if any
    # ("severity" | "select" | "ignore", rule key) -> where it was given ("file:line: severity.KEY",
    # "--select KEY"), so a key that names no rule is reported there (see the scanner's check)
    origins: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    def waivers_for(self, post_id: str | None) -> list[Waiver]:
        return [w for w in self.exceptions if w.post == post_id]


# ------------------------------------------------------------------------------- discovery
def find_config(start: Path | None = None) -> Path | None:
    """The nearest compliance.toml, or pyproject.toml with [tool.compliance], at or above `start`."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = folder / PYPROJECT
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "tool.compliance" not in text:
        return False  # someone else's pyproject: never fail on it
    tool = _parse(path, text).get("tool", {})
    return isinstance(tool, dict) and "compliance" in tool  # `tool = 5`: not a compliance config


def _parse(path: Path, text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        import re

        line = re.search(r"at line (\d+)", str(exc))
        raise ConfigError(f"{path}{':' + line.group(1) if line else ''}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: TOML nested too deeply to read") from None


# ----------------------------------------------------------------------------------- loading
def load_config(path: Path) -> Settings:
    """Read one config file; relative paths are taken from the file's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    data = _parse(path, text)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("[tool.compliance")), 0)
    if path.name == PYPROJECT or "tool" in data:
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}:{_line(lines, 'tool')}: tool must be a table ([tool.compliance]), not {tool!r}")
        data = tool.get("compliance", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.compliance] must be a table")
    table = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in KEYS:
            close = difflib.get_close_matches(name, KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{path}:{_line(lines, key, start)}: unknown config key {key!r}{hint}; known: {', '.join(KEYS)}"
            )
        table[name] = (value, f"{path}:{_line(lines, key, start)}: {key}")
    base = path.parent

    origins: dict[tuple[str, str], str] = {}

    def strings(name: str) -> tuple[str, ...]:
        if name not in table:
            return ()
        value, where = table[name]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a string or a list of strings")
        items = split_list(value)
        if name in ("select", "ignore"):
            key_line = int(where.rsplit(":", 2)[-2])
            for item in items:
                origins[(name, item)] = f"{path}:{_item_line(lines, item, key_line)}: {name} {item!r}"
        return items

    brands = None
    if "brands" in table:
        value, where = table["brands"]
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a file path")
        brands = str(base / value)
    severity: dict[str, str] = {}
    if "severity" in table:
        value, where = table["severity"]
        if not isinstance(value, dict):
            raise ConfigError(f'{where} must be a table of rule = "error|warning|info"')
        severity = {str(rule): _severity(level, f"{where}.{rule}") for rule, level in value.items()}
        key_line = _line(lines, next(k for k in data if k.replace("-", "_") == "severity"), start)
        for rule in severity:
            origins[("severity", rule)] = f"{path}:{_item_line(lines, rule, key_line)}: severity.{rule}"
    exceptions: list[Waiver] = []
    if "exceptions" in table:
        value, where = table["exceptions"]
        if not isinstance(value, list):
            raise ConfigError(f'{where} must be a list of "POST:RULE" strings or {{ post, rule }} tables')
        exceptions = [_exception(item, where, str(path)) for item in value]
    return Settings(
        jurisdictions=tuple(j.lower() for j in strings("jurisdictions")),
        brands_file=brands,
        rules_dirs=tuple(str(base / d) for d in strings("rules_dir")),
        select=strings("select"),
        ignore=strings("ignore"),
        severity=severity,
        exceptions=tuple(exceptions),
        source=str(path),
        origins=origins,
    )


def load_brand_file(path: str | None) -> list[str]:
    """One brand name or @handle per line; blank lines and `#` comments ignored."""
    if not path:
        return []
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"--brands {path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--brands {path}: not valid UTF-8 at byte {exc.start}") from None
    brands = []
    for line in text.splitlines():
        line = line.strip()
        if not line or (line.startswith("#") and " " in line):
            continue
        brands.append(line)
    return brands


def _line(lines: list[str], key: str, start: int = 0) -> int:
    """The 1-based line that sets `key`, at or after line index `start` (0 if not found)."""
    for i in range(start, len(lines)):
        if lines[i].strip().startswith((key + " ", key + "=", f'"{key}"', f"[{key}]", f"[tool.compliance.{key}]")):
            return i + 1
    return 0


def _item_line(lines: list[str], item: str, key_line: int) -> int:
    """The line, at or after the key's (1-based) line, that names `item` (the key's line if none)."""
    if key_line <= 0:
        return key_line
    quoted = (f'"{item}"', f"'{item}'", f"{item} =", f"{item}=")
    for i in range(key_line - 1, min(len(lines), key_line + 200)):
        if any(q in lines[i] for q in quoted):
            return i + 1
    return key_line


def _severity(level: Any, where: str) -> str:
    if level not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {level!r}")
    return level


WAIVER_KEYS = {"post", "rule", "reason", "by", "date"}


def _exception(item: Any, where: str, source: str) -> Waiver:
    if isinstance(item, dict):
        unknown = set(item) - WAIVER_KEYS
        if unknown or not isinstance(item.get("post"), str) or not isinstance(item.get("rule"), str):
            raise ConfigError(
                f"{where}: an exception table needs `post` and `rule` strings "
                f"(and optional `reason`, `by`, `date`), got {sorted(item)}"
            )
        for key in ("reason", "by"):
            if key in item and not isinstance(item[key], str):
                raise ConfigError(f"{where}: an exception's `{key}` must be a string")
        date = item.get("date")
        if date is not None and not isinstance(date, (str, datetime.date)):
            raise ConfigError(f"{where}: an exception's `date` must be a date (2026-03-02) or a string")
        return Waiver(
            item["post"],
            item["rule"].strip(),
            reason=item.get("reason"),
            by=item.get("by"),
            date=date.isoformat() if isinstance(date, datetime.date) else date,
            source=source,
        )
    if isinstance(item, str):
        return parse_exception(item, where, source)
    raise ConfigError(f'{where}: an exception is "POST:RULE" or {{ post = ..., rule = ... }}')


def parse_exception(text: str, where: str = "--exception", source: str = "--exception") -> Waiver:
    """`POST:RULE`; the post id may itself hold colons, a rule never does."""
    post, sep, rule = text.rpartition(":")
    if not sep or not post or not rule.strip():
        raise ConfigError(f"{where}: {text!r} is not POST:RULE (e.g. p12:FTC-005)")
    return Waiver(post, rule.strip(), source=source)


def parse_severity(text: str) -> tuple[str, str]:
    rule, sep, level = text.partition("=")
    if not sep or not rule.strip():
        raise ConfigError(f"--severity {text!r} is not RULE=LEVEL (e.g. FTC-008=error)")
    return rule.strip(), _severity(level.strip(), f"--severity {text}")


def split_list(values) -> tuple[str, ...]:
    """Repeated or comma-separated values, in order, without blanks or repeats."""
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


# ---------------------------------------------------------------------------- merging flags
def resolve(
    *,
    config_file: str | None = None,
    no_config: bool = False,
    jurisdictions=(),
    brands_file: str | None = None,
    brand_names=(),
    rules_dirs=(),
    select=(),
    ignore=(),
    severities=(),
    exceptions=(),
    discover: bool = False,
) -> Settings:
    """The config file's settings with every flag given on the command line taking its place."""
    if config_file:
        base = load_config(Path(config_file))
    else:
        found = None if no_config else find_config()
        base = load_config(found) if found else Settings()
    severity = dict(parse_severity(s) for s in severities) if severities else base.severity
    flags = {"select": select, "ignore": ignore}
    origins = {k: v for k, v in base.origins.items() if not (severities if k[0] == "severity" else flags[k[0]])}
    for given in severities:
        origins[("severity", given.partition("=")[0].strip())] = f"--severity {given}"
    for name, values in flags.items():
        for item in split_list(values):
            origins[(name, item)] = f"--{name} {item}"
    excepted = tuple(parse_exception(item) for item in exceptions) if exceptions else base.exceptions
    brands_file = brands_file or base.brands_file
    return Settings(
        jurisdictions=tuple(j.lower() for j in split_list(jurisdictions)) or base.jurisdictions,
        brands_file=brands_file,
        brands=tuple(load_brand_file(brands_file)) + tuple(brand_names),
        rules_dirs=tuple(rules_dirs) or base.rules_dirs,
        select=split_list(select) or base.select,
        ignore=split_list(ignore) or base.ignore,
        severity=severity,
        exceptions=excepted,
        discover=discover,
        source=base.source,
        origins=origins,
    )


# Each flag mirrors a config key; `rules` commands use the last three to find rule folders.
OPTIONS = {
    "select": click.option(
        "--select",
        multiple=True,
        metavar="RULES",
        help="Only these rules: ids, names, groups or prefixes (repeatable or comma-separated).",
    ),
    "ignore": click.option(
        "--ignore", multiple=True, metavar="RULES", help="Skip these rules (same forms as --select)."
    ),
    "severities": click.option(
        "--severity",
        "severities",
        multiple=True,
        metavar="RULE=LEVEL",
        help="Change a rule's severity to error, warning or info (repeatable).",
    ),
    "exceptions": click.option(
        "--exception",
        "exceptions",
        multiple=True,
        metavar="POST:RULE",
        help="An accepted exception: do not apply RULE to post POST (repeatable).",
    ),
    "rules_dirs": click.option(
        "--rules-dir",
        "rules_dirs",
        multiple=True,
        metavar="DIR",
        help="A folder of rule files searched before the shipped ones (house rules, stricter variants).",
    ),
    "config_file": click.option(
        "--config",
        "config_file",
        metavar="FILE",
        help="Project config to use (default: nearest compliance.toml or pyproject.toml [tool.compliance]).",
    ),
    "no_config": click.option("--no-config", is_flag=True, help="Do not read a project config file."),
}
DIR_FLAGS = ("rules_dirs", "config_file", "no_config")


def rule_options(func, names=tuple(OPTIONS)):
    """The flags that mirror the config keys, for every command that judges posts.

    The command receives them together as one `rule_flags` dict, ready for `resolve`.
    """

    @functools.wraps(func)
    def command(*args, **kwargs):
        flags = {name: kwargs.pop(name) for name in names}
        return func(*args, rule_flags=flags, **kwargs)

    for name in reversed(names):
        command = OPTIONS[name](command)
    return command


def dir_options(func):
    """Only --rules-dir, --config and --no-config, as one `rule_flags` dict."""
    return rule_options(func, DIR_FLAGS)
