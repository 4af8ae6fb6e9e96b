"""Concurrent runs, render's page list, a few leftovers."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import PY, run_case, write_tally  # noqa: E402


def move_base(r):
    r.write("ex/README.md", (r.path / "ex/README.md").read_text() + "more\n")
    r.commit("base moves")


def concurrent(cmd_a, cmd_b):
    state = {}

    def setup(r, o):
        from harness import add_conflicting_beta

        add_conflicting_beta(r)
        move_base(r)
        state["r"] = r

    def exp(r, rc, out, err, before):
        # second process started right after the first; the harness runs cmd_b
        pa = state["pa"]
        oa, ea = pa.communicate(timeout=120)
        if pa.returncode == 3 or b"hit a bug" in ea:
            return "first process traceback: " + ea.decode()[-150:]
        if rc == 3:
            return "second process traceback"
        f = subprocess.run(
            ["git", "-C", str(r.path), "fsck", "--no-dangling"], env=r.env, capture_output=True
        )
        if f.returncode:
            return "fsck fails: " + f.stderr.decode()[:100]
        if (
            r.git("status", "--porcelain")
            and "save" not in cmd_a + cmd_b
            and "new" not in cmd_a + cmd_b
        ):
            return "work tree changed: " + r.git("status", "--porcelain")
        state["codes"] = (pa.returncode, rc)
        return None

    def setup_and_start(r, o):
        setup(r, o)
        args_a = [x.format(tmp=r.path.parent) for x in cmd_a]
        state["pa"] = subprocess.Popen(
            [PY, "-m", "howtoctl", "-C", str(r.path), *args_a],
            env=r.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    return setup_and_start, exp


PAIRS = [
    (["rebase-all"], ["rebase-all"]),
    (["rebase-all", "--auto-resolve"], ["rebase-all"]),
    (["save", "--all"], ["rebase-all"]),
    (["rebase-all"], ["undo"]),
    (["test", "alpha"], ["test", "alpha"]),
    (["resolve", "beta"], ["resolve", "beta"]),
    (["restore", "--all", "--force"], ["rebase-all"]),
    (["render", "--out", "{tmp}/site"], ["render", "--out", "{tmp}/site"]),
    (["new", "zeta"], ["new", "eta"]),
    (["prove", "alpha"], ["test", "alpha"]),
    (["backups", "--prune", "--keep", "1"], ["undo"]),
    (["rebase-all", "--auto-resolve"], ["resolve", "beta"]),
]
for i, (a, b) in enumerate(PAIRS):
    s, e = concurrent(a, b)
    run_case(f"conc-{i:02d}", f"concurrently with: {' '.join(a)}", s, b, expect=e, timeout=150)


# render's page list from a previous render is trusted
def marker(pages, user_files):
    def s(r, o):
        site = r.path / "site"
        site.mkdir()
        for f in user_files:
            (site / f).write_text("user's own page\n")
        (site / ".howtoctl-render.json").write_text(
            json.dumps({"generator": "howtoctl render", "pages": pages})
        )
        r.commit("site with a page list")

    return s


def kept(files):
    def e(r, rc, out, err, before):
        gone = [f for f in files if not (r.path / "site" / f).exists()]
        if gone:
            return f"render removed committed files it never wrote: {gone}"

    return e


run_case(
    "render-marker-committed",
    "committed site/.howtoctl-render.json listing docs.html",
    marker(["docs.html"], ["docs.html"]),
    ["render"],
    expect=kept(["docs.html"]),
)
run_case(
    "render-marker-index",
    "site/ with a user's own index.html, no page list",
    marker([], ["index.html"]),
    ["render"],
    expect=lambda r, rc, o, e, b: (
        None
        if (r.path / "site/index.html").read_text() == "user's own page\n"
        else "render overwrote the user's index.html (committed file)"
    ),
)


# save with a symlink on the branch (is restore of a symlink diff consistent?)
def branch_symlink(r, o):
    r.git("switch", "-q", "howto/alpha")
    os.symlink("/etc/passwd", r.path / "ex/link")
    r.commit("symlink")
    r.git("switch", "-q", "main")


run_case(
    "save-symlink-branch",
    "HOWTO branch commits ex/link -> /etc/passwd",
    branch_symlink,
    ["save", "alpha"],
)
run_case(
    "check-symlink-branch",
    "HOWTO branch commits ex/link -> /etc/passwd, saved",
    lambda r, o: (branch_symlink(r, o), r.cli("save", "alpha"), r.commit("s")),
    ["check"],
)
run_case(
    "render-symlink-branch",
    "HOWTO branch commits ex/link -> /etc/passwd, saved",
    lambda r, o: (branch_symlink(r, o), r.cli("save", "alpha"), r.commit("s")),
    ["render", "--out", "{tmp}/site"],
    expect=lambda r, rc, o, e, b: (
        "render shows /etc/passwd content"
        if any("root:x:0" in p.read_text() for p in (r.path.parent / "site").glob("*.html"))
        else None
    ),
)
write_tally()
