"""The local web page (`compliance serve`)."""
