"""Unusual but legal git states, user configuration, odd refs."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402


def move_base(r, o=None):
    t = (r.path / "ex/README.md").read_text() + "more\n"
    r.write("ex/README.md", t)
    r.commit("base moves")


def tip(r, ref):
    return r.git("rev-parse", ref, check=False)


# --- odd refs
def tag_same_name(r, o):
    r.git("tag", "howto/alpha", "main~1")


def tag_main(r, o):
    r.git("tag", "main", "main~1")


def file_named_main(r, o):
    r.write("main", "x\n")
    r.commit("file named main")


def remote_tracking(r, o):
    r.git("update-ref", "refs/remotes/origin/howto/alpha", "main~1")


def branch_named_head(r, o):
    r.git("update-ref", "refs/heads/howto/HEAD", "main")
    r.git("update-ref", "refs/heads/howto/a..b", "main", check=False)


for cid, setup, label in [
    ("tag-alpha", tag_same_name, "tag refs/tags/howto/alpha at another commit"),
    ("tag-main", tag_main, "tag 'main' at main~1 (ambiguous base)"),
    ("file-main", file_named_main, "a file named 'main' at the top"),
    ("remote-alpha", remote_tracking, "refs/remotes/origin/howto/alpha elsewhere"),
    ("odd-branch", branch_named_head, "branch howto/HEAD"),
]:
    for sub, args in [
        ("save", ["save", "alpha"]),
        ("check", ["check"]),
        ("rebase", ["rebase-all"]),
        ("restore", ["restore", "alpha", "--force"]),
        ("list", ["list"]),
    ]:

        def exp(r, rc, out, err, before, sub=sub, cid=cid):
            if sub == "save" and rc == 0:
                d = (r.path / "howtos/diffs/alpha.diff").read_text()
                if "line 5 alpha" not in d:
                    return "saved diff lost alpha's change: " + d[:80]
            if sub == "check" and cid.startswith("tag") and rc == 0 and "ok" not in out:
                return "check not ok"

        run_case(f"{cid}-{sub}", label, setup, args, expect=exp)


write_tally()
