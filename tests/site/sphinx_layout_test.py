"""The `howto` directive's side-by-side view in Sphinx's default theme (alabaster), measured in
headless Chromium: both columns fit the page, long lines wrap (skipped without Chromium)."""

import importlib.util
import json
import pathlib
import re
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("screenshots", ROOT / "bench" / "screenshots.py")
screenshots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(screenshots)

CHROMIUM = screenshots.find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
sphinx_cmd = pytest.importorskip("sphinx.cmd.build", reason="needs the docs extra (sphinx)")
pytest.importorskip("myst_parser", reason="needs the docs extra (myst-parser)")

LONG = "x = configure(" + ", ".join(f"option_{i}={i}" for i in range(30)) + ")"
# Runs when the page has loaded; what it finds is written into the DOM Chromium dumps.
MEASURE = """<script>
window.addEventListener("load", () => {
  const page = document.documentElement.clientWidth;
  const box = document.querySelector(".howtoctl .scroll");
  const right = [...document.querySelectorAll(".howtoctl table.split td.src.new")];
  const out = {
    page,
    box_scroll: box.scrollWidth, box_client: box.clientWidth,
    right_edge: Math.max(...right.map(td => td.getBoundingClientRect().right)),
    right_overflow: Math.max(...right.map(td => td.scrollWidth - td.clientWidth)),
    left_width: document.querySelector(".howtoctl table.split td.src.old").offsetWidth,
    right_width: right[0].offsetWidth,
  };
  const pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _dom(url: str) -> str:
    with tempfile.TemporaryDirectory(prefix="howtoctl-chromium-") as profile:
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1000,800",
            "--dump-dom",
            url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_side_by_side_fits_alabasters_page(repo_with_howto, tmp_path):
    r = repo_with_howto
    r.add_howto("wide", {"ex/train.py": ("line 9\n", f"line 9\n{LONG}\n")})
    docs = r.path / "docs"
    docs.mkdir()
    # No html_theme: Sphinx's default, alabaster.
    (docs / "conf.py").write_text(
        'extensions = ["myst_parser", "howtoctl.sphinx"]\nhowtoctl_repository = ".."\n'
    )
    (docs / "index.md").write_text("# Docs\n\n```{howto} wide\n:view: side-by-side\n```\n")
    out = tmp_path / "html"
    assert sphinx_cmd.build_main(["-q", "-W", "-E", "-b", "html", str(docs), str(out)]) == 0
    page = out / "index.html"
    assert "alabaster" in page.read_text()
    page.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    found = re.search(r'<pre id="measured">(.*?)</pre>', _dom(page.as_uri()))
    assert found, "the measuring script did not run"
    m = json.loads(found.group(1))
    assert m["box_scroll"] <= m["box_client"], m  # no horizontal scrolling
    assert m["right_edge"] <= m["page"], m  # the right column ends inside the page
    assert m["right_overflow"] <= 0, m  # the long line wraps inside its cell
    assert abs(m["left_width"] - m["right_width"]) <= 1, m  # two halves
