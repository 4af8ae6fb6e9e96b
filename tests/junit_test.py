import xml.etree.ElementTree as ET

from howtoctl import junit

PYTEST_XML = """<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="3">
<testcase classname="ex.calc_test" name="test_ok" time="0.1"/>
<testcase classname="ex.calc_test" name="test_bad" time="0.1"><failure message="boom">x</failure></testcase>
<testcase classname="ex.calc_test" name="test_err" time="0.1"><error message="e">y</error></testcase>
</testsuite></testsuites>"""


def test_failing_tests_from_pytest_report():
    assert junit.failing_tests(PYTEST_XML) == (
        "ex/calc_test.py::test_bad",
        "ex/calc_test.py::test_err",
    )
    assert junit.failing_tests("not xml") == ()
    assert junit.failing_tests(None) == ()


def test_render_counts_and_escapes():
    results = [
        junit.VariantResult("a", "passed", 1.5, command="pytest"),
        junit.VariantResult(
            "b", "failed", 2.0, failing_tests=("t.py::x",), message="exit 1 <&>", output_tail="out"
        ),
    ]
    root = ET.fromstring(junit.render(results))
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.findall("testcase")[1].find("failure")
    assert failure.get("message") == "exit 1 <&>" and "t.py::x" in failure.text


def test_skip_reasons_from_pytest_report():
    xml = PYTEST_XML.replace(
        '<testcase classname="ex.calc_test" name="test_ok" time="0.1"/>',
        '<testcase classname="ex.calc_test" name="test_ok" time="0.1">'
        '<skipped type="pytest.skip" message="needs 8 devices: run with XLA_FLAGS=...">s</skipped>'
        "</testcase>",
    )
    assert junit.skip_reasons(xml) == {
        "ex/calc_test.py::test_ok": "needs 8 devices: run with XLA_FLAGS=..."
    }
    assert junit.skip_reasons(PYTEST_XML) == {} and junit.skip_reasons("not xml") == {}


def test_passed_tests_are_those_without_failure_error_or_skip():
    xml = PYTEST_XML.replace(
        "</testsuite>",
        '<testcase classname="ex.calc_test" name="test_skip"><skipped message="s"/></testcase>'
        "</testsuite>",
    )
    assert junit.passed_tests(xml) == ("ex/calc_test.py::test_ok",)
    assert junit.passed_tests("not xml") == () and junit.passed_tests(None) == ()
