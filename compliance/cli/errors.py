"""The command line's own error: usage and input problems exit 2, as the contract says."""
from __future__ import annotations

import click


class UsageProblem(click.ClickException):
    """Usage and input errors exit 2 (click's default is 1, which means "violation" here)."""

    exit_code = 2
