"""`howtoctl render`: write the HOWTOs documentation site (default: site/ at the repository root).

Collects what the site shows (`howtoctl.site.collect`), renders with the pure
`howtoctl.site.pages`, and writes each page atomically.

A broken diff does not stop the site: its HOWTO is shown as "broken: <reason>" and the
command exits 1. Pages that an earlier render wrote and this one did not (a HOWTO removed or
broken since) are deleted; other files in the output directory are never touched, and a file
render did not write (or that was edited since) is never replaced: render refuses instead.
"""

from __future__ import annotations

import hashlib
import json
import os

from howtoctl import fsutil, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.site import collect
from howtoctl.site import pages as site_mod
from howtoctl.statuses import Change, Health, Hunk
from howtoctl.workspace import Workspace

DEFAULT_OUT = "site"
# Lists the pages the last render wrote, with a digest of each, so that the next one replaces
# or removes a file only while it holds what a render wrote.
MARKER = ".howtoctl-render.json"
MAX_PAGE_BYTES = 1 << 28
GENERATOR_TAG = b'<meta name="generator" content="howtoctl render">'


def _previous_pages(out_dir: str) -> tuple[dict[str, str], set[str]]:
    """What the last render says it wrote: {page: sha256 of what it wrote}, and the pages an
    older render listed without a digest."""
    data = fsutil.read_regular(os.path.join(out_dir, MARKER), out_dir, 1_000_000)
    if data is None:
        return {}, set()
    try:
        marker = json.loads(data)
        pages, digests = marker.get("pages", []), marker.get("sha256", {})
    except (ValueError, AttributeError):
        return {}, set()
    if not isinstance(pages, list) or not isinstance(digests, dict):
        return {}, set()

    # Only plain page names we could have written: never a path elsewhere.
    def plain(p: object) -> bool:
        return (
            isinstance(p, str)
            and p.endswith(".html")
            and "/" not in p
            and "\\" not in p
            and not p.startswith(".")
        )

    recorded = {p: d for p, d in digests.items() if plain(p) and isinstance(d, str)}
    return recorded, {p for p in pages if plain(p)} - set(recorded)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ours(data: bytes, digest: str | None, listed: bool) -> bool:
    """Whether a file's content is what a render wrote: its digest on record, or, listed by a
    render that kept no digests, a page that carries render's generator tag."""
    if digest is not None:
        return _digest(data) == digest
    return listed and GENERATOR_TAG in data


def write_site(out_dir: str, pages: dict[str, str]) -> list[str]:
    """Write `pages` into `out_dir`, drop pages of an earlier render that are gone; return removed.

    A file is replaced or removed only while it holds what a render wrote (its digest in the
    page list): a file of the user's at a page's name is refused before anything is written,
    and an old page the user has edited since is left where it is."""
    # A real directory only: a link could send the pages anywhere (a committed `site -> /x`).
    fsutil.require_directory(out_dir, "the output directory")
    digests, listed = _previous_pages(out_dir)
    encoded = {name: text.encode("utf-8") for name, text in pages.items()}
    foreign = []
    for filename, data in sorted(encoded.items()):
        current = fsutil.read_regular(os.path.join(out_dir, filename), out_dir, MAX_PAGE_BYTES)
        if current is not None and current != data:
            if not _ours(current, digests.get(filename), filename in listed):
                foreign.append(filename)
    if foreign:
        shown = ", ".join(os.path.join(out_dir, f) for f in foreign)
        raise HowtoError(
            f"render would replace {shown}, which it did not write (or which was changed since); "
            "nothing was written",
            "move the file away, or render into another directory with --out DIR",
        )
    marker = {
        "generator": "howtoctl render",
        "pages": sorted(pages),
        "sha256": {name: _digest(data) for name, data in sorted(encoded.items())},
    }
    # The pages and the list that says they are render's, as one step: a page written without
    # its digest on the list would be refused by the next render as the user's.
    fsutil.write_files(
        [fsutil.FileWrite(os.path.join(out_dir, f), data) for f, data in sorted(encoded.items())]
        + [
            fsutil.FileWrite(
                os.path.join(out_dir, MARKER), (json.dumps(marker, indent=1) + "\n").encode()
            )
        ],
        out_dir,
    )
    removed = []
    for filename in sorted((set(digests) | listed) - set(pages)):
        path = os.path.join(out_dir, filename)
        try:
            current = fsutil.read_regular(path, out_dir, MAX_PAGE_BYTES)
        except HowtoError as e:
            output.warn(f"left the old page {filename}: {e.message}")
            continue
        if current is None:
            continue
        if not _ours(current, digests.get(filename), filename in listed):
            output.warn(f"left the old page {filename}: it was changed since render wrote it")
            continue
        try:
            if fsutil.remove_file(path):
                removed.append(filename)
        except OSError as e:
            output.warn(f"cannot remove the old page {filename}: {e.strerror}")
    return removed


def default_out_dir(ws: Workspace) -> str:
    if ws.repo.toplevel is None:
        raise HowtoError(
            "this repository is bare: it has no work tree to put site/ in",
            "name the output directory: howtoctl render --out DIR",
        )
    out = os.path.join(ws.repo.toplevel, DEFAULT_OUT)
    fsutil.require_inside(out, ws.repo.toplevel)
    return out


def run(ws: Workspace, *, out: str | None = None) -> int:
    out_dir = os.path.abspath(out) if out else default_out_dir(ws)
    fsutil.require_outside_git(out_dir, "--out" if out else "the output directory", ws.git_dirs)
    src = collect.collect(ws)
    for filename in ws.invalid_diff_files():
        output.warn(f"skipped {ws.config.diff_dir}/{filename}: not a valid HOWTO name")
    unsaved = sorted(set(ws.manifest()) - {h.name for h in src.howtos})
    if unsaved:
        output.info(f"not shown (no diff file yet): {', '.join(unsaved)}")
    site = site_mod.render_site(src)
    removed = write_site(out_dir, site.pages)
    broken = dict(site.broken)
    for h in src.howtos:
        if h.name in broken:
            output.status_line(h.name, Health.BROKEN, broken[h.name])
        else:
            output.status_line(h.name, Change.RENDERED, site_mod.page_name(h.name))
    for h in src.howtos:
        unproved = sum(status == Hunk.UNPROVED for status, _ in h.proofs)
        if unproved:
            output.info(
                f"{h.name}: {unproved} hunk(s) not proved yet: howtoctl prove {h.name} --record"
            )
    if src.guide is None:
        output.info(f"no {collect.GUIDE_PATH}: the site has no maintainer guide page")
    if removed:
        output.info(f"removed old pages: {', '.join(removed)}")
    output.info(f"wrote {len(site.pages)} page(s) to {out_dir}")
    output.line(os.path.join(out_dir, site_mod.INDEX))
    return EXIT_PROBLEMS if broken else EXIT_OK
