"""Unusual but legal git states, user configuration, odd refs."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402


def move_base(r, o=None):
    t = (r.path / "ex/README.md").read_text() + "more\n"
    r.write("ex/README.md", t)
    r.commit("base moves")


def tip(r, ref):
    return r.git("rev-parse", ref, check=False)


# --- linked work trees
def wt_alpha(r, o):
    move_base(r)
    r.git("worktree", "add", "-q", str(o.parent / "wt"), "howto/alpha")
    r.write("../wt/ex/README.md", "dirty in wt\n")


def not_moved_if_checked_out(r, rc, out, err, before):
    wt = r.path.parent / "wt"
    if r.git("-C", str(wt), "status", "--porcelain").strip() not in ("M ex/README.md",):
        return "linked work tree of howto/alpha shows unexpected status: " + r.git(
            "-C", str(wt), "status", "--porcelain"
        )


for cid, args in [
    ("wt-rebase", ["rebase-all"]),
    ("wt-rebase-ar", ["rebase-all", "--auto-resolve"]),
    ("wt-restore", ["restore", "alpha", "--force"]),
    ("wt-undo", ["undo"]),
    ("wt-save", ["save", "alpha"]),
    ("wt-check", ["check"]),
    ("wt-list", ["list"]),
    ("wt-test", ["test", "alpha"]),
]:
    run_case(
        cid,
        "howto/alpha checked out (dirty) in a linked work tree; base moved",
        wt_alpha,
        args,
        expect=not_moved_if_checked_out,
    )


# running from inside the linked work tree
def wt_main(r, o):
    r.git("worktree", "add", "-q", "--detach", str(o.parent / "wt2"), "main")


for cid, args in [
    ("wtcwd-list", ["list"]),
    ("wtcwd-save", ["save", "alpha"]),
    ("wtcwd-check", ["check"]),
]:
    run_case(cid, "-C points to a linked detached work tree", wt_main, ["-C", "{tmp}/wt2", *args])


# --- detached HEAD
def detached(r, o):
    r.git("switch", "-q", "--detach", "main")


for cid, args in [
    ("det-save", ["save", "alpha"]),
    ("det-check", ["check"]),
    ("det-list", ["list"]),
    ("det-rebase", ["rebase-all"]),
    ("det-restore", ["restore", "--all", "--force"]),
    ("det-new", ["new", "gamma"]),
    ("det-test", ["test", "alpha"]),
]:
    run_case(cid, "detached HEAD at main", detached, args)


# --- bare repository
def bare(r, o):
    subprocess.run(
        ["git", "clone", "-q", "--bare", "--mirror", str(r.path), str(o.parent / "bare.git")],
        check=True,
        env=r.env,
    )


for cid, args in [
    ("bare-list", ["list"]),
    ("bare-check", ["check"]),
    ("bare-save", ["save", "alpha"]),
    ("bare-rebase", ["rebase-all"]),
    ("bare-restore", ["restore", "--all", "--force"]),
    ("bare-undo", ["undo"]),
    ("bare-backups", ["backups"]),
    ("bare-matrix", ["matrix"]),
    ("bare-render", ["render", "--out", "{tmp}/site"]),
    ("bare-test", ["test", "alpha"]),
    ("bare-resolve", ["resolve", "alpha"]),
    ("bare-init", ["init"]),
]:
    run_case(cid, "bare mirror clone", bare, ["-C", "{tmp}/bare.git", *args])


# --- shallow clone
def shallow(r, o):
    move_base(r)
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            f"file://{r.path}",
            str(o.parent / "sh"),
        ],
        check=True,
        env=r.env,
    )
    subprocess.run(
        ["git", "-C", str(o.parent / "sh"), "branch", "howto/alpha", "origin/howto/alpha"],
        check=False,
        env=r.env,
    )


for cid, args in [
    ("shallow-list", ["list"]),
    ("shallow-check", ["check"]),
    ("shallow-save", ["save", "alpha"]),
    ("shallow-rebase", ["rebase-all"]),
    ("shallow-restore", ["restore", "--all", "--force"]),
]:
    run_case(cid, "shallow clone depth 1 (howto/alpha grafted)", shallow, ["-C", "{tmp}/sh", *args])


# --- packed refs
def packed(r, o):
    move_base(r)
    r.cli("rebase-all")
    r.git("pack-refs", "--all")


for cid, args in [
    ("packed-undo", ["undo"]),
    ("packed-rebase", ["rebase-all"]),
    ("packed-backups-prune", ["backups", "--prune", "--keep", "0"]),
]:
    run_case(cid, "all refs packed after a rebase-all", packed, args)


# --- HOWTO identical to base / ancestor
def identical(r, o):
    r.git("branch", "howto/gamma", "main")
    r.write(
        "howtos/manifest.toml",
        (r.path / "howtos/manifest.toml").read_text() + "[howtos.gamma]\ntitle='G'\n",
    )
    r.commit("gamma")


def ancestor(r, o):
    r.git("branch", "howto/gamma", "main~1")
    r.write(
        "howtos/manifest.toml",
        (r.path / "howtos/manifest.toml").read_text() + "[howtos.gamma]\ntitle='G'\n",
    )
    r.commit("gamma")
    move_base(r)


for cid, setup in [("ident", identical), ("ancestor", ancestor)]:
    for sub, args in [
        ("save", ["save", "gamma"]),
        ("list", ["list", "--json"]),
        ("check", ["check"]),
        ("rebase", ["rebase-all"]),
        ("test", ["test", "gamma"]),
        ("prove", ["prove", "gamma"]),
        ("render", ["render", "--out", "{tmp}/site"]),
    ]:
        run_case(f"{cid}-{sub}", f"howto/gamma {cid} of main, no change", setup, args)


# --- odd refs
def tag_same_name(r, o):
    r.git("tag", "howto/alpha", "main~2")


def tag_main(r, o):
    r.git("tag", "main", "main~2")


def file_named_main(r, o):
    r.write("main", "x\n")
    r.commit("file named main")


def remote_tracking(r, o):
    r.git("update-ref", "refs/remotes/origin/howto/alpha", "main~2")


def branch_named_head(r, o):
    r.git("update-ref", "refs/heads/howto/HEAD", "main")
    r.git("update-ref", "refs/heads/howto/a..b", "main", check=False)


for cid, setup, label in [
    ("tag-alpha", tag_same_name, "tag refs/tags/howto/alpha at another commit"),
    ("tag-main", tag_main, "tag 'main' at main~2 (ambiguous base)"),
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


# --- user config that changes git's output
def cfg(*pairs):
    def s(r, o):
        for k, v in pairs:
            r.git("config", k, v)

    return s


def save_unchanged(r, rc, out, err, before):
    if rc != 0:
        return None
    if r.git("status", "--porcelain"):
        return "save under this config rewrote the diff: " + r.git("diff", "--stat")


for cid, pairs in [
    ("cfg-interhunk", [("diff.interHunkContext", "50")]),
    ("cfg-orderfile", [("diff.orderFile", "/dev/null")]),
    ("cfg-indent", [("diff.indentHeuristic", "false")]),
    ("cfg-quotepath", [("core.quotePath", "false")]),
    ("cfg-autocrlf", [("core.autocrlf", "true")]),
    ("cfg-noprefix", [("diff.noprefix", "true")]),
    ("cfg-suppress", [("diff.suppressBlankEmpty", "true")]),
    ("cfg-mnemonic", [("diff.mnemonicPrefix", "true")]),
]:
    run_case(cid, f"user config {pairs}", cfg(*pairs), ["save", "alpha"], expect=save_unchanged)


def ws_diff(r, o):
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/train.py", (r.path / "ex/train.py").read_text().replace("line 9\n", "line 9   \n"))
    r.commit("trailing ws")
    r.git("switch", "-q", "main")
    r.cli("save", "alpha")
    r.commit("save ws")


def restore_exact(r, rc, out, err, before):
    if rc == 0 and r.git("show", "howto/alpha:ex/train.py").count("line 9   \n") != 1:
        return "restore changed the HOWTO's content (whitespace fixed by apply.whitespace)"


for cid, val in [("apply-ws-fix", "fix"), ("apply-ws-error", "error")]:

    def s(r, o, val=val):
        ws_diff(r, o)
        r.git("branch", "-D", "howto/alpha")
        r.git("config", "apply.whitespace", val)

    run_case(
        cid,
        f"apply.whitespace={val}; diff with trailing whitespace",
        s,
        ["restore", "alpha"],
        expect=restore_exact,
    )
    run_case(
        cid + "-check",
        f"apply.whitespace={val}; diff with trailing whitespace",
        lambda r, o, val=val: (ws_diff(r, o), r.git("config", "apply.whitespace", val)),
        ["check"],
    )

write_tally(append=False)  # first batch starts the tally
