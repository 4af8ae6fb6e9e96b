import xml.etree.ElementTree as ET

from howtoctl.runs import junit, result

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
        result.VariantResult("a", "passed", 1.5, command="pytest"),
        result.VariantResult(
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


def test_outcomes_tell_call_failures_from_setup_and_collection_errors():
    xml = PYTEST_XML.replace(
        "</testsuite>",
        '<testcase classname="ex.calc_test" name="test_skip" time="0"><skipped message="s"/></testcase>'
        '<testcase classname="ex.calc_test" name="test_both" time="0"><failure message="a"/>'
        '<error message="teardown"/></testcase>'
        '<testcase classname="" name="ex.other_test" time="0">'
        '<error message="collection failure">ImportError</error></testcase></testsuite>',
    )
    found = junit.outcomes(xml)
    assert found == result.Outcomes(
        passed=("ex/calc_test.py::test_ok",),
        failed=("ex/calc_test.py::test_bad", "ex/calc_test.py::test_both"),
        errored=("ex/calc_test.py::test_err", "ex.other_test"),
        skipped=("ex/calc_test.py::test_skip",),
    )
    assert junit.outcomes("not xml") is None and junit.outcomes(None) is None
