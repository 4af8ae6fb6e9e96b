"""The site in a real browser: headless Chromium shoots a page (skipped without Chromium)."""

import importlib.util
import pathlib

import pytest

from tests import render_fixture

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("screenshots", ROOT / "bench" / "screenshots.py")
screenshots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(screenshots)

CHROMIUM = screenshots.find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _colours(png: pathlib.Path) -> tuple[int, tuple[int, int, int]]:
    """How many colours a screenshot has, and its most common one (the background)."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    top = max(colours)[1] if colours else (0, 0, 0)
    return len(colours), top


@pytest.mark.parametrize("scheme, dark", [("light", False), ("dark", True)])
def test_side_by_side_page_in_chromium(tmp_path, scheme, dark):
    repo = render_fixture.build(tmp_path / "repo")
    site = tmp_path / "site"
    assert screenshots.render(repo.path, site) == 0
    png = tmp_path / f"{scheme}.png"
    screenshots.shoot(CHROMIUM, (site / "polyak-averaging.html").as_uri(), png, (1000, 800), scheme)
    count, background = _colours(png)
    assert count > 50  # text, highlighting and diff colours, not a blank or error page
    assert (sum(background) < 100) == dark, background


def test_maintenance_page_in_chromium(tmp_path, monkeypatch):
    from PIL import Image

    from tests.commands.cost_test import _hand_made

    r, _ = _hand_made(tmp_path, monkeypatch)
    site = tmp_path / "site"
    assert screenshots.render(r.path, site) == 0
    png = tmp_path / "maintenance.png"
    screenshots.shoot(CHROMIUM, (site / "maintenance.html").as_uri(), png, (1000, 800), "light")
    count, background = _colours(png)
    assert count > 50 and sum(background) > 600, (count, background)
    # The plot was drawn: its first line's colour (matplotlib's C0, #1f77b4) is on the screen.
    pixels = Image.open(png).convert("RGB").get_flattened_data()
    assert sum(1 for p in pixels if abs(p[0] - 31) + abs(p[1] - 119) + abs(p[2] - 180) < 30) > 50
