"""Real-data results on a HOWTO's page: the table from the JSON, the plot as an inert image."""

import base64
import json

from howtoctl.site import results
from tests import htmlcheck

RESULT = {
    "name": "polyak-averaging",
    "data": "the 5,000-digit MNIST subset",
    "generated": "2026-11-27",
    "machine": {"devices": "1 x cpu", "cpus": 2, "jax": "0.10.2"},
    "base": {
        "command": "python -m examples.mnist.main --workdir=WORKDIR",
        "seconds": 20.5,
        "metrics": [
            {"epoch": 1, "test_accuracy": 0.9, "test_loss": 0.3},
            {"epoch": 2, "test_accuracy": 0.95, "test_loss": 0.15},
        ],
    },
    "variant": {
        "command": "python -m examples.mnist.main --workdir=WORKDIR",
        "seconds": 21.0,
        "metrics": [
            {"epoch": 1, "test_accuracy": 0.9, "test_loss": 0.3, "test_ema_accuracy": 0.8},
            {"epoch": 2, "test_accuracy": 0.95, "test_loss": 0.15, "test_ema_accuracy": 0.96},
        ],
    },
}


def test_table_shows_the_final_held_out_metrics_of_both_runs():
    html = results.results_html(json.dumps(RESULT).encode(), None)
    text = htmlcheck.Page(html).text
    assert "95.00%" in text and "96.00%" in text  # final accuracy; the average's accuracy
    assert "test_ema_accuracy" in text and "0.1500" in text
    assert "20.5 s" in text and "21.0 s" in text
    assert "5,000-digit MNIST subset" in text and "epoch 2" in text


def test_plot_is_an_image_not_inline_markup():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = results.results_html(json.dumps(RESULT).encode(), svg)
    assert "<script" not in html and "<svg" not in html
    src = html.split('src="', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")) == svg


def test_text_from_the_file_is_escaped():
    evil = dict(RESULT, data="<b>x</b>", name='"><script>')
    html = results.results_html(json.dumps(evil).encode(), None)
    assert "<b>x" not in html and "<script>" not in html


def test_no_results_no_section_and_a_bad_file_says_so():
    assert results.results_html(None, None) == ""
    assert "could not be read" in results.results_html(b"{not json", None)
    assert "could not be read" in results.results_html(b'{"base": 1}', None)


def test_render_puts_committed_results_on_the_howto_page(tmp_path):
    from tests import render_fixture

    repo = render_fixture.build(tmp_path / "repo")
    name = render_fixture.HOWTOS[0][0]
    repo.write(f"howtos/results/{name}.json", json.dumps(dict(RESULT, name=name)))
    repo.write(f"howtos/results/{name}.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    repo.commit("results")
    assert repo.cli("render").code == 0
    page = htmlcheck.Page((repo.path / "site" / f"{name}.html").read_text())
    assert "Results on real data" in page.text and "96.00%" in page.text
    assert any(tag == "img" and url.startswith("data:image/svg+xml") for tag, _, url in page.links)
    others = [n for n, *_ in render_fixture.HOWTOS[1:]]
    assert all(
        "Results on real data" not in (repo.path / "site" / f"{n}.html").read_text() for n in others
    )


def test_malformed_results_degrade_to_could_not_be_read():
    for bad in (
        {**RESULT, "machine": "x"},
        {**RESULT, "machine": ["x"]},
        {**RESULT, "base": {**RESULT["base"], "metrics": [{"test_accuracy": 10**400}]}},
        {**RESULT, "variant": "x"},
    ):
        got = results.results_html(json.dumps(bad).encode(), None)
        assert "could not be read" in got or "&ndash;" in got, got
    huge = {**RESULT, "base": {**RESULT["base"], "metrics": [{"test_accuracy": 10**400}]}}
    assert "<td>&ndash;</td>" in results.results_html(json.dumps(huge).encode(), None)
    inf = json.dumps(RESULT).replace('0.95, "test_loss": 0.15}', '1e400, "test_loss": 0.15}')
    assert "results-table" in results.results_html(inf.encode(), None)


def test_a_summary_row_after_the_evaluations_is_shown_for_the_variant():
    lora = json.loads(json.dumps(RESULT))
    lora["variant"]["metrics"].append(
        {"rotated_test_accuracy_before": 0.129, "rotated_test_accuracy_after": 0.903}
    )
    text = htmlcheck.Page(results.results_html(json.dumps(lora).encode(), None)).text
    assert "95.00%" in text  # the last evaluation is still the final one
    assert "rotated_test_accuracy_after" in text and "90.30%" in text and "12.90%" in text


SEEDED = {
    "format": 2,
    "name": "polyak-averaging",
    "data": "the 5,000-digit MNIST subset",
    "generated": "2026-12-04",
    "command": "python howtos/results/generate.py polyak-averaging --seeds 0 1 2",
    "seeds": [0, 1, 2],
    "machine": {"cpus": 2, "jax": "0.10.2"},
    "figures": [
        {
            "label": "moving average (EMA)",
            "arm": "variant",
            "key": "test_ema_accuracy",
            "seeds": [0, 1, 2],
            "values": [0.95, 0.96, 0.97],
            "mean": 0.96,
            "min": 0.95,
            "max": 0.97,
            "std": 0.01,
        }
    ],
    "not_logged": ["members (test_member_accuracy): not logged by the variant"],
    "timings": [
        {
            "arm": "base",
            "devices": 8,
            "mean": 21.0,
            "min": 20.0,
            "max": 22.0,
            "std": 1.0,
            "load_1min": {"min": 1.5, "max": 3.25},
        }
    ],
}


def test_seeded_results_show_each_figure_as_mean_and_spread_with_its_seeds_and_the_load():
    html = results.results_html(json.dumps(SEEDED).encode(), None)
    rows = htmlcheck.Page(html).text
    assert "moving average (EMA)" in rows and "test_ema_accuracy" in rows
    assert "96.00%" in rows and "95.00% – 97.00%" in rows and "1.00%" in rows
    assert "3 seeds (0, 1, 2)" in rows
    assert "21.0 s" in rows and "20.0 – 22.0 s" in rows and "load average 1.5–3.2" in rows
    assert "test_member_accuracy" in rows  # what the variant did not log is said
    assert "--seeds 0 1 2 --check" in rows
    assert "One run per arm" not in rows and "<img" not in html  # no plot: a table only


def test_malformed_seeded_results_degrade_to_could_not_be_read():
    for bad in (
        {**SEEDED, "figures": "x"},
        {**SEEDED, "figures": [{"label": "x"}]},
        {**SEEDED, "figures": [{**SEEDED["figures"][0], "mean": "high"}]},
        {**SEEDED, "timings": [{**SEEDED["timings"][0], "mean": 10**400}]},
    ):
        assert "could not be read" in results.results_html(json.dumps(bad).encode(), None)


def test_one_run_per_arm_is_said_to_be_one_run():
    assert (
        "One run per arm"
        in htmlcheck.Page(results.results_html(json.dumps(RESULT).encode(), None)).text
    )


def test_measured_text_quotes_each_figure_with_its_spread_and_seeds_and_nothing_else():
    assert results.measured_text(json.dumps(SEEDED).encode()) == (
        "moving average (EMA) 96.0% (95.0%-97.0%); 3 seeds"
    )
    for data in (None, b"{not json", json.dumps(RESULT).encode()):  # one run per arm: no figure
        assert results.measured_text(data) == ""
    bad = {**SEEDED, "figures": [{**SEEDED["figures"][0], "min": None}]}
    assert results.measured_text(json.dumps(bad).encode()) == ""
