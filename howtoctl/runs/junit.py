"""JUnit XML: read the outcome of each test of a pytest run, write howtoctl test results."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from howtoctl.runs.result import Outcomes, VariantResult
from howtoctl.statuses import Run


def _case_id(case: ET.Element) -> str:
    classname = case.get("classname", "")
    module = classname.replace(".", "/") + ".py" if classname else ""
    return f"{module}::{case.get('name', '?')}" if module else case.get("name", "?")


def outcomes(xml_text: str | bytes | None) -> Outcomes | None:
    """Each test's outcome in a pytest JUnit report; None when there is no readable report."""
    if not xml_text:
        return None
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return None
    found: dict[str, list[str]] = {"passed": [], "failed": [], "errored": [], "skipped": []}
    for case in root.iter("testcase"):
        # A call that failed and a teardown that errored after it: the test failed.
        if case.find("failure") is not None:
            kind = "failed"
        elif case.find("error") is not None:
            kind = "errored"
        elif case.find("skipped") is not None:
            kind = "skipped"
        else:
            kind = "passed"
        found[kind].append(_case_id(case))
    return Outcomes(**{k: tuple(v) for k, v in found.items()})


def _cases_with(xml_text: str | bytes | None, tags: tuple[str, ...]) -> tuple[str, ...]:
    if not xml_text:
        return ()
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return ()
    return tuple(
        _case_id(case)
        for case in root.iter("testcase")
        if any(case.find(tag) is not None for tag in tags)
    )


def failing_tests(xml_text: str | bytes | None) -> tuple[str, ...]:
    """Test ids ('file.py::test_name') that failed or errored in a pytest JUnit report."""
    return _cases_with(xml_text, ("failure", "error"))


def skipped_tests(xml_text: str | bytes | None) -> tuple[str, ...]:
    """Test ids that were skipped: a smoke test that skips its multi-device tests proves little."""
    return _cases_with(xml_text, ("skipped",))


def skip_reasons(xml_text: str | bytes | None) -> dict[str, str]:
    """{test id: why it was skipped}, from a pytest JUnit report."""
    ids = skipped_tests(xml_text)
    if not ids:
        return {}
    reasons = [
        (case.find("skipped").get("message", "") or "")  # type: ignore[union-attr]
        for case in ET.fromstring(xml_text).iter("testcase")  # type: ignore[arg-type]
        if case.find("skipped") is not None
    ]
    return dict(zip(ids, reasons, strict=True))


def render(results: Sequence[VariantResult], suite: str = "howtoctl test") -> bytes:
    failures = sum(r.status == Run.FAILED for r in results)
    errors = sum(r.status == Run.ERROR for r in results)
    total = sum(r.seconds for r in results)
    counts = {
        "name": suite,
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": str(errors),
        "time": f"{total:.3f}",
    }
    root = ET.Element("testsuites", counts)
    ts = ET.SubElement(root, "testsuite", counts)
    for r in results:
        case = ET.SubElement(
            ts, "testcase", classname="howto", name=r.name, time=f"{r.seconds:.3f}"
        )
        if r.status in (Run.FAILED, Run.ERROR):
            el = ET.SubElement(
                case, "failure" if r.status == Run.FAILED else "error", message=r.message
            )
            el.text = "\n".join([*(f"failed: {t}" for t in r.failing_tests), "", r.output_tail])
        if r.command:
            ET.SubElement(case, "system-out").text = f"$ {r.command}"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def seconds_by_howto(xml_text: str | bytes) -> dict[str, float] | None:
    """{HOWTO name: seconds} from a report `howtoctl test --junit` wrote (its testcases of
    class 'howto'); None when the text is no JUnit XML."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return None
    found = {}
    for case in root.iter("testcase"):
        if case.get("classname") == "howto" and case.get("name"):
            try:
                seconds = float(case.get("time", "0"))
            except ValueError:
                return None
            # nan or inf would reach `cost --json` as NaN / Infinity, which is not JSON.
            if not math.isfinite(seconds) or seconds < 0:
                return None
            found[case.get("name", "")] = seconds
    return found
