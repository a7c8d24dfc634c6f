"""Fuzzing: hostile-text strategies and the reader fuzz harness (short run in pytest, long run by hand)."""
