"""howtoctl: keep HOWTO diffs against ML training examples alive."""


def __getattr__(name: str) -> str:
    # The version comes from git tags at build time (setuptools-scm) and lives in the installed
    # package's metadata; looked up only when asked, so importing howtoctl stays cheap.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("howtoctl")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
