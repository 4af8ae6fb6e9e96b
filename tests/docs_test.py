"""The documentation in docs/: the tutorial's commands run as written, the site builds with
warnings as errors, its generated pages follow the code and the benchmarks' files, and two
pages read well in headless Chromium."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from howtoctl import cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _blocks(page: pathlib.Path, lang: str) -> list[str]:
    """The fenced code blocks of a Markdown page in one language, in order."""
    return re.findall(rf"^```{lang}\n(.*?)^```$", page.read_text(), flags=re.S | re.M)


def test_the_tutorial_runs_as_written(tmp_path):
    """Every `sh` block of the tutorial, in order, in one shell in an empty directory: the
    first failing command fails the test."""
    blocks = _blocks(DOCS / "tutorial.md", "sh")
    assert len(blocks) >= 6
    # `howtoctl` on PATH is this checkout's, run by this interpreter.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "howtoctl"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m howtoctl "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    work = tmp_path / "work"
    work.mkdir()
    script = "set -euo pipefail\n" + "".join(
        f"echo '--- block {i}' >&2\n{block}" for i, block in enumerate(blocks, 1)
    )
    proc = subprocess.run(
        ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    demo = work / "demo"
    assert (demo / "howtos" / "diffs" / "warmup.diff").is_file()
    status = subprocess.run(
        ["git", "-C", str(demo), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""  # everything the tutorial made is committed


def test_the_readme_installs_from_the_repository_until_a_release():
    """No release is on PyPI yet: every install command the README gives in a code block
    installs from the repository (or, in the Quickstart, from the lock and the checkout)."""
    from howtoctl.errors import BUG_REPORT_URL

    repository = BUG_REPORT_URL.removesuffix("/issues")
    readme = ROOT / "README.md"
    lines = [ln for b in _blocks(readme, "sh") for ln in b.splitlines() if "pip install" in ln]
    assert lines
    for line in lines:
        for command in re.findall(r"pip install [^&#]*", line):
            from_lock = "--require-hashes -r requirements/" in command or "-e ." in command
            from_repo = f"git+{repository}" in command or "./howtoctl" in command
            assert from_lock or from_repo, line
    assert f"git clone {repository}" in readme.read_text()


def _needs_the_docs_extra() -> None:
    for module in ("sphinx", "myst_parser", "sphinx_click", "sphinx_book_theme"):
        pytest.importorskip(module, reason=f"needs the docs extra ({module})")


# A results file shaped like those the benchmarks write, beside the real ones.
COST = {
    "definition": {"ratio": "howtoctl's time over the baseline's"},
    "seconds": 1.25,
    "runs": [{"case": "gate", "howtoctl": 0.5, "baseline": 0.4}],
    "per_howto": {"alpha": {"seconds": 2.5, "ratio": 1.1}},
    "skipped": [],
    "notes": {},
}


def _sphinx(src: pathlib.Path, out: pathlib.Path, *extra: str) -> tuple[int, str]:
    """Build `src` in a child process (Sphinx keeps module state between builds)."""
    _needs_the_docs_extra()
    code = "import sys; from sphinx.cmd.build import build_main; sys.exit(build_main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "-W", "-q", "-b", "html", *extra, str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return proc.returncode, proc.stdout + proc.stderr


def _copy_docs(dest: pathlib.Path) -> pathlib.Path:
    """docs/ without what a build generates in it, so a test build writes nothing here."""
    shutil.copytree(DOCS, dest, ignore=shutil.ignore_patterns("_build", "howtos", "__pycache__"))
    return dest


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    src = _copy_docs(tmp / "docs")
    results = tmp / "results"
    shutil.copytree(ROOT / "bench" / "results", results)
    (results / "cost.json").write_text(json.dumps(COST))
    out = tmp / "html"
    code, log = _sphinx(
        src,
        out,
        "-D",
        f"howtoctl_repository={ROOT}",
        "-D",
        f"howtoctl_bench_results={results}",
    )
    assert code == 0, log[-5000:]
    return out


def _text(page: pathlib.Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text()))


def test_the_reference_documents_every_command(site):
    page = (site / "reference" / "cli.html").read_text()
    for name, command in cli.cli.commands.items():
        assert f'id="howtoctl-{name}"' in page, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in page, f"{name} {opt}"


def test_configuration_and_manifest_tables_follow_the_code(site):
    from howtoctl.model import config, manifest

    text = _text(site / "reference" / "configuration.html")
    for key in config._KEYS:
        assert key in text
    text = _text(site / "reference" / "manifest.html")
    for key in (*manifest._FIELDS, "devices", "exempt"):
        assert key in text


def test_every_benchmark_results_file_has_a_section(site):
    page = (site / "benchmarks.html").read_text()
    for name in [*sorted(p.name for p in (ROOT / "bench" / "results").glob("*.json")), "cost.json"]:
        assert f'id="bench-{name.replace(".", "-").replace("_", "-")}"' in page, name
    text = _text(site / "benchmarks.html")
    assert "1.25" in text and "gate" in text and "alpha" in text and "1.1" in text


def test_every_howto_has_a_page_drawn_by_the_directive(site):
    from howtoctl.workspace import Workspace

    for name in Workspace(str(ROOT)).names_in_manifest_order():
        page = (site / "howtos" / f"{name}.html").read_text()
        assert f'id="howto-{name}"' in page and '<table class="diff split">' in page


def test_the_howto_index_names_tests_as_proof_and_quotes_results_as_measurements(site):
    from howtoctl.model import proof
    from howtoctl.site import results
    from howtoctl.workspace import Workspace

    text = _text(site / "howtos" / "index.html")
    assert "HOWTO proved by measured" in text
    ws = Workspace(str(ROOT))
    quoted = 0
    for name in ws.names_in_manifest_order():
        record = proof.read_record(
            (ROOT / "howtos" / "proofs" / f"{name}.json").read_bytes(), ws.read_diff(name)
        )
        for hunk in (record or {}).values():
            if hunk["status"] == "proved":
                assert hunk["failing_test"].rpartition("::")[2] in text, name
        path = ROOT / "howtos" / "results" / f"{name}.json"
        if path.is_file():  # with or without a plot, the page shows the numbers
            assert "Results on real data" in _text(site / "howtos" / f"{name}.html"), name
            measured = results.measured_text(path.read_bytes())
            assert measured in text, name
            quoted += bool(measured)
    assert quoted, "no result over seeds is committed to quote"


def test_a_link_to_a_missing_test_fails_the_build(tmp_path):
    src = _copy_docs(tmp_path / "docs")
    page = src / "explanation" / "guarantees.md"
    page.write_text(page.read_text() + "\n{test}`tests/faults_test.py::test_no_such_test`\n")
    code, log = _sphinx(src, tmp_path / "html", "-D", f"howtoctl_repository={ROOT}")
    assert code != 0 and "has no test test_no_such_test" in log


# --- in a real browser ---------------------------------------------------------------------

_spec = importlib.util.spec_from_file_location("screenshots", ROOT / "bench" / "screenshots.py")
screenshots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(screenshots)
CHROMIUM = screenshots.find_chromium()

# Appended to a copy of a page: once laid out, it writes what a reader would see into the DOM,
# which Chromium's --dump-dom prints.
PROBE = """<script>
window.addEventListener("load", () => {
  const el = document.documentElement;
  const headings = [...document.querySelectorAll("main h1, main h2")]
    .filter((h) => h.getClientRects().length > 0)
    .map((h) => h.textContent.replace(/[#\\u00b6]/g, "").trim());
  const pre = document.createElement("pre");
  pre.id = "probe";
  // Diff tables scroll inside their own box: count those whose content is cut off.
  const cut = [...document.querySelectorAll(".scroll")]
    .filter((s) => s.scrollWidth > s.clientWidth + 1).length;
  pre.textContent = JSON.stringify(
    {scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, headings, cut});
  document.body.appendChild(pre);
});
</script>"""


def _probe(page: pathlib.Path, width: int) -> dict:
    probe = page.with_name("probe-" + page.name)
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    with screenshots.tempfile.TemporaryDirectory(prefix="howtoctl-chromium-") as profile:
        proc = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--window-size={width},900",
                "--virtual-time-budget=5000",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = re.search(r'<pre id="probe"[^>]*>(.*?)</pre>', proc.stdout, flags=re.S)
    assert found, proc.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize(
    "page, heading",
    [("tutorial.html", "Your first HOWTO in five minutes"), ("howtos/lora.html", "LoRA")],
)
def test_pages_fit_the_window_with_their_headings(site, page, heading, width):
    seen = _probe(site / page, width)
    assert seen["scrollWidth"] <= seen["clientWidth"], seen  # no horizontal scrollbar
    assert any(h.startswith(heading) for h in seen["headings"]), seen["headings"]
    if width >= 1280:  # wide enough for both columns of a side-by-side diff, uncut
        assert seen["cut"] == 0, seen
