"""howtoctl: keep HOWTO diffs against ML training examples alive."""

__version__ = "0.1.0"
