"""The command line: click commands that parse flags into settings and hand them to `run`."""
