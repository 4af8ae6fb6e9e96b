"""cost --junit: what it reads from a report, and what it says of a path it cannot read."""

from __future__ import annotations

import os


def test_cost_refuses_a_nan_time_in_the_junit_report(repo_with_howto, tmp_path):
    """A time that is no finite number of seconds would reach --json as NaN, which is not
    JSON: the report is refused."""
    r = repo_with_howto
    report = tmp_path / "j.xml"
    for bad in ("nan", "inf", "-1"):
        report.write_text(
            '<testsuites><testsuite name="howtoctl">'
            f'<testcase classname="howto" name="alpha" time="{bad}"/></testsuite></testsuites>'
        )
        res = r.cli("cost", "--json", "--junit", str(report))
        assert res.code == 2, res
        assert "is not a JUnit XML report" in res.err


def test_cost_junit_names_a_directory_and_a_fifo(repo_with_howto, tmp_path):
    r = repo_with_howto
    res = r.cli("cost", "--junit", str(tmp_path))
    assert res.code == 2, res
    assert "is a directory" in res.err, res.err
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    res = r.cli("cost", "--junit", str(fifo))
    assert res.code == 2, res
    assert "not a regular file" in res.err, res.err
    res = r.cli("cost", "--json", "--junit", str(tmp_path / "absent.xml"))
    assert res.code == 2 and "no such file" in res.err, res
