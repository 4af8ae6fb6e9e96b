"""A pytest plugin for CI: with HOWTOCTL_STRICT_SKIPS=1 a test skipped for any reason but needing a
TPU fails the run, so a missing tool (chromium, actionlint) can't turn CI green by skipping."""

from __future__ import annotations

import os

import pytest

# Popped, not read: the variants' own pytest runs, started by the tests, keep their usual rules.
STRICT = os.environ.pop("HOWTOCTL_STRICT_SKIPS", "") == "1"
ALLOWED_SKIP = "needs a TPU"


def _unexpected_skips(session: pytest.Session) -> list[str]:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    return [
        f"{report.nodeid}: {report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr}"
        for report in skipped
        if ALLOWED_SKIP not in str(report.longrepr)
    ]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not STRICT:
        return
    unexpected = _unexpected_skips(session)
    if unexpected:
        print(f"\n{len(unexpected)} test(s) skipped for a reason other than {ALLOWED_SKIP!r}:")
        for line in unexpected:
            print(f"  {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
