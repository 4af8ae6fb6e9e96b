"""JUnit XML: read the failing tests of a pytest run, write howtoctl test results."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Sequence


@dataclasses.dataclass
class VariantResult:
    name: str
    status: str  # "passed" | "failed" | "error"
    seconds: float
    command: str = ""
    failing_tests: tuple[str, ...] = ()
    skipped_tests: tuple[str, ...] = ()
    message: str = ""
    output_tail: str = ""
    worktree: str = ""
    returncode: int | None = None  # the smoke command's exit status, where it ran to the end
    passed_tests: tuple[str, ...] | None = None  # None: no JUnit report (not a pytest command)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _cases_with(xml_text: str | bytes | None, tags: tuple[str, ...]) -> tuple[str, ...]:
    if not xml_text:
        return ()
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return ()
    found = []
    for case in root.iter("testcase"):
        if any(case.find(tag) is not None for tag in tags):
            classname = case.get("classname", "")
            module = classname.replace(".", "/") + ".py" if classname else ""
            found.append(f"{module}::{case.get('name', '?')}" if module else case.get("name", "?"))
    return tuple(found)


def failing_tests(xml_text: str | bytes | None) -> tuple[str, ...]:
    """Test ids ('file.py::test_name') that failed or errored in a pytest JUnit report."""
    return _cases_with(xml_text, ("failure", "error"))


def passed_tests(xml_text: str | bytes | None) -> tuple[str, ...]:
    """Test ids that ran and passed (no failure, error or skip): which tests a run exercised."""
    quiet = ("failure", "error", "skipped")
    try:
        cases = list(ET.fromstring(xml_text).iter("testcase")) if xml_text else []
    except ET.ParseError:
        return ()
    ran = [c for c in cases if not any(c.find(tag) is not None for tag in quiet)]
    ids = []
    for case in ran:
        classname = case.get("classname", "")
        module = classname.replace(".", "/") + ".py" if classname else ""
        ids.append(f"{module}::{case.get('name', '?')}" if module else case.get("name", "?"))
    return tuple(ids)


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
    failures = sum(r.status == "failed" for r in results)
    errors = sum(r.status == "error" for r in results)
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
        if r.status in ("failed", "error"):
            el = ET.SubElement(
                case, "failure" if r.status == "failed" else "error", message=r.message
            )
            el.text = "\n".join([*(f"failed: {t}" for t in r.failing_tests), "", r.output_tail])
        if r.command:
            ET.SubElement(case, "system-out").text = f"$ {r.command}"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
