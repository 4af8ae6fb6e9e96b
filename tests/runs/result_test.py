from howtoctl.runs import result


def test_outcomes_stay_out_of_the_json_of_a_result():
    r = result.VariantResult("a", "passed", 1.0, outcomes=result.Outcomes(passed=("t.py::x",)))
    assert "outcomes" not in r.as_dict() and r.as_dict()["name"] == "a"
