"""compliance: judge whether sponsored captions are disclosed as advertising."""

__version__ = "0.1.0"
