"""The command line's own error: usage and input problems exit 2, as the contract says."""

from __future__ import annotations

import click


class UsageProblem(click.ClickException):
    """Usage and input errors exit 2 (click's default is 1, which means "violation" here)."""

    exit_code = 2

    def format_message(self) -> str:
        return clean_message(self.message)


def clean_message(message: str) -> str:
    """A message for the terminal: file and member names (a zip's member names are the archive
    author's) may hold escape sequences; each line is printed with them made visible."""
    from compliance.reporters.terminal import clean  # late: `compliance --help` stays light

    return "\n".join(clean(line) for line in str(message).split("\n"))
