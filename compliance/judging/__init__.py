"""Judging: one post against the selected rules of each jurisdiction -> verdicts; and the fixer."""
