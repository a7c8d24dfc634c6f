"""Rule sets: TOML rule files parsed and validated, their examples and cases, the check types."""
