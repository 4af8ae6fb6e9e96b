"""Screenshots of the rendered HOWTOs site in headless Chromium: light, dark and narrow.

    python bench/screenshots.py                      # the fixture repository, into site/screenshots
    python bench/screenshots.py --repo PATH --out DIR
    python bench/screenshots.py --repo PATH --docs docs   # also the two small PNGs kept in docs/

Renders the site with `howtoctl render` into a temporary directory (or takes --site DIR as
it is), then shoots the index, one side-by-side page and the maintainer guide, each in light
and dark colour schemes at 1280 px wide, and at 420 px wide. Needs Chromium
(Debian: apt-get install chromium) and, for --docs, pillow. Run from the repository root.
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SCHEMES = {
    "light": ["--blink-settings=preferredColorScheme=1"],
    "dark": ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"],
}
SIZES = {"wide": (1280, 1600), "narrow": (420, 1200)}
DOCS_MAX_BYTES = 300_000


def find_chromium(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def shoot(chromium: str, url: str, png: pathlib.Path, size: tuple[int, int], scheme: str) -> None:
    """One screenshot of `url` into `png`, with a throwaway profile and no network chatter."""
    with tempfile.TemporaryDirectory(prefix="howtoctl-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *SCHEMES[scheme],
            f"--screenshot={png}",
            f"--window-size={size[0]},{size[1]}",
            url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0 or not png.exists():
            raise SystemExit(f"chromium failed for {url}:\n{proc.stderr[-2000:]}")


def render(repo: pathlib.Path, site: pathlib.Path) -> int:
    from howtoctl import cli

    code = cli.main(["-C", str(repo), "render", "--out", str(site)])
    if code not in (0, 1):
        raise SystemExit(f"howtoctl render failed with exit code {code}")
    return code


def pick_howto_page(site: pathlib.Path, name: str | None) -> str:
    if name:
        return f"{name}.html"
    pages = sorted(
        p.name for p in site.glob("*.html") if p.name not in ("index.html", "maintaining.html")
    )
    if not pages:
        raise SystemExit(f"no HOWTO page in {site}")
    return pages[0]


def small_png(src: pathlib.Path, dest: pathlib.Path, crop_height: int | None = None) -> int:
    """Copy a screenshot to `dest`, cropped and palette-reduced until under DOCS_MAX_BYTES."""
    from PIL import Image

    img = Image.open(src).convert("RGB")
    if crop_height and img.height > crop_height:
        img = img.crop((0, 0, img.width, crop_height))
    for colors, scale in ((256, 1.0), (128, 1.0), (128, 0.8), (64, 0.7)):
        im = (
            img
            if scale == 1.0
            else img.resize((int(img.width * scale), int(img.height * scale)), Image.LANCZOS)
        )
        buf = io.BytesIO()
        im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buf, format="PNG", optimize=True
        )
        if buf.tell() <= DOCS_MAX_BYTES:
            break
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())
    return buf.tell()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--repo",
        type=pathlib.Path,
        help="Repository to render (default: a fresh fixture repository).",
    )
    ap.add_argument(
        "--site", type=pathlib.Path, help="Shoot this already rendered site instead of rendering."
    )
    ap.add_argument(
        "--out",
        type=pathlib.Path,
        default=ROOT / "site" / "screenshots",
        help="Where the PNGs go (default: site/screenshots, git-ignored).",
    )
    ap.add_argument(
        "--howto",
        metavar="NAME",
        help="HOWTO whose side-by-side page to shoot (default: the first).",
    )
    ap.add_argument(
        "--docs",
        type=pathlib.Path,
        metavar="DIR",
        help="Also write small index and side-by-side PNGs (light) to DIR.",
    )
    ap.add_argument("--chromium", help="Chromium binary (default: found on PATH).")
    args = ap.parse_args(argv)

    chromium = find_chromium(args.chromium)
    if chromium is None:
        print(
            "chromium not found: apt-get install chromium (or pass --chromium PATH)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="howtoctl-shots-") as tmp:
        tmp = pathlib.Path(tmp)
        if args.site:
            site = args.site.resolve()
        else:
            repo = args.repo
            if repo is None:
                from tests import render_fixture

                repo = tmp / "repo"
                render_fixture.build(repo)
            site = tmp / "site"
            render(repo.resolve(), site)
        args.out.mkdir(parents=True, exist_ok=True)
        pages = {"index": "index.html", "howto": pick_howto_page(site, args.howto)}
        if (site / "maintaining.html").exists():
            pages["maintaining"] = "maintaining.html"
        shots = {}
        for label, filename in pages.items():
            url = (site / filename).as_uri()
            for scheme in SCHEMES:
                for size_name, size in SIZES.items():
                    png = args.out / f"{label}-{scheme}-{size_name}.png"
                    shoot(chromium, url, png, size, scheme)
                    shots[(label, scheme, size_name)] = png
                    print(png)
        if args.docs:
            for label, dest in (
                ("index", "howtos-index.png"),
                ("howto", "howtos-side-by-side.png"),
            ):
                size = small_png(shots[(label, "light", "wide")], args.docs / dest)
                print(f"{args.docs / dest} ({size // 1000} KB)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "120")
    raise SystemExit(main())
