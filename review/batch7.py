"""resolve, undo, publish and backups flows in odd states."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import add_conflicting_beta, run_case, write_tally  # noqa: E402


def wt(r):
    return r.path.parent / "repo-resolve-beta"


def resolving(extra):
    def s(r, o):
        add_conflicting_beta(r)
        r.cli("resolve", "beta")
        extra(r, o)

    return s


def fix_conflict(r):
    p = wt(r) / "ex/train.py"
    t = p.read_text()
    import re

    t = re.sub(r"<<<<<<<[^\n]*\n(.*?)=======\n(.*?)>>>>>>>[^\n]*\n", r"\2", t, flags=re.S)
    p.write_text(t)
    subprocess.run(["git", "-C", str(wt(r)), "add", "-A"], env=r.env, check=True)


def kept_beta(r, rc, out, err, before):
    if "refs/heads/howto/beta" not in r.refs():
        return "howto/beta gone"


CASES = [
    ("res-cont-fixed", lambda r, o: fix_conflict(r), ["resolve", "beta", "--continue"]),
    ("res-cont-unfixed", lambda r, o: None, ["resolve", "beta", "--continue"]),
    (
        "res-cont-branch-deleted",
        lambda r, o: r.git("branch", "-D", "howto/beta"),
        ["resolve", "beta", "--continue"],
    ),
    (
        "res-abort-branch-deleted",
        lambda r, o: r.git("branch", "-D", "howto/beta"),
        ["resolve", "beta", "--abort"],
    ),
    (
        "res-cont-extra-commit",
        lambda r, o: (
            fix_conflict(r),
            subprocess.run(
                ["git", "-C", str(wt(r)), "-c", "core.editor=true", "rebase", "--continue"],
                env=r.env,
            ),
            (wt(r) / "ex/extra.py").write_text("x\n"),
            subprocess.run(["git", "-C", str(wt(r)), "add", "-A"], env=r.env),
            subprocess.run(["git", "-C", str(wt(r)), "commit", "-qm", "extra"], env=r.env),
        ),
        ["resolve", "beta", "--continue"],
    ),
    (
        "res-cont-wt-switched",
        lambda r, o: subprocess.run(
            ["git", "-C", str(wt(r)), "switch", "-qf", "--detach", "main"], env=r.env
        ),
        ["resolve", "beta", "--continue"],
    ),
    (
        "res-cont-wt-is-file",
        lambda r, o: (subprocess.run(["rm", "-rf", str(wt(r))]), wt(r).write_text("x")),
        ["resolve", "beta", "--continue"],
    ),
    (
        "res-abort-wt-link",
        lambda r, o: (subprocess.run(["rm", "-rf", str(wt(r))]), os.symlink(str(o), wt(r))),
        ["resolve", "beta", "--abort"],
    ),
    (
        "res-cont-main-moved",
        lambda r, o: (fix_conflict(r), r.write("ex/README.md", "again\n"), r.commit("base again")),
        ["resolve", "beta", "--continue"],
    ),
    ("res-again-while", lambda r, o: None, ["resolve", "beta"]),
    ("res-from-candidate-while", lambda r, o: None, ["resolve", "beta", "--from-candidate"]),
    ("res-rebase-all-while", lambda r, o: None, ["rebase-all"]),
    ("res-restore-while", lambda r, o: None, ["restore", "beta", "--force"]),
    ("res-undo-while", lambda r, o: None, ["undo"]),
]
for cid, extra, args in CASES:
    run_case(
        cid,
        "during a resolve of beta: " + cid,
        resolving(extra),
        args,
        expect=kept_beta if "deleted" not in cid else None,
    )


def after_autoresolve(r, o):
    add_conflicting_beta(r)
    r.cli("rebase-all", "--auto-resolve")


run_case(
    "res-from-candidate",
    "after rebase-all --auto-resolve",
    after_autoresolve,
    ["resolve", "beta", "--from-candidate"],
)


# undo in odd states
def backups_then(extra):
    def s(r, o):
        r.write("ex/README.md", "moved\n")
        r.commit("base moves")
        r.cli("rebase-all")
        extra(r, o)

    return s


def undo_exp(r, rc, out, err, before):
    if rc == 0 and "refs/heads/howto/alpha" not in r.refs():
        return "undo removed howto/alpha"


UNDO = [
    ("undo-branch-deleted", lambda r, o: r.git("branch", "-D", "howto/alpha")),
    ("undo-branch-checked-out", lambda r, o: r.git("switch", "-q", "howto/alpha")),
    (
        "undo-branch-amended",
        lambda r, o: (
            r.git("switch", "-q", "howto/alpha"),
            r.git("commit", "-q", "--amend", "-m", "amended"),
            r.git("switch", "-q", "main"),
        ),
    ),
    (
        "undo-backup-commit-missing",
        lambda r, o: [
            r.git("update-ref", k, "0" * 39 + "1", check=False)
            for k in r.refs()
            if k.startswith("refs/howtoctl/backup/")
        ],
    ),
    ("undo-new-howto-since", lambda r, o: r.git("branch", "howto/newer", "main")),
    ("undo-twice", lambda r, o: r.cli("undo")),
    (
        "undo-backup-non-howto",
        lambda r, o: r.git(
            "update-ref", "refs/howtoctl/backup/20990101-000000-000000/main", "main~1"
        ),
    ),
]
for cid, extra in UNDO:
    run_case(cid, cid, backups_then(extra), ["undo"], expect=undo_exp)
    run_case(cid + "-dry", cid, backups_then(extra), ["undo", "--dry-run"])


# publish to a bare remote
def remote(extra):
    def s(r, o):
        bare = r.path.parent / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", str(bare)], env=r.env, check=True)
        r.git("remote", "add", "origin", str(bare))
        r.git("push", "-q", "origin", "main")
        extra(r, o, bare)

    return s


def push_foreign(r, o, bare):
    r.git("push", "-q", "origin", "main~1:refs/heads/howto/alpha")


def published_then_edited(r, o, bare):
    r.cli("publish")
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/x.py", "x\n")
    r.commit("x")
    r.git("switch", "-q", "main")
    r.git("push", "-q", "origin", "howto/alpha:refs/heads/howto/alpha", "-f")


def remote_unreachable(r, o, bare):
    r.git("remote", "set-url", "origin", str(bare) + "-gone")


def remote_pushurl_ext(r, o, bare):
    r.git("remote", "set-url", "--push", "origin", f"ext::sh -c touch% {o}/pwn")


PUB = [
    ("pub-fresh", lambda r, o, b: None, ["publish"]),
    ("pub-foreign", push_foreign, ["publish"]),
    ("pub-edited-remote", published_then_edited, ["publish"]),
    ("pub-prune-none", lambda r, o, b: None, ["publish", "--prune"]),
    ("pub-unreachable", remote_unreachable, ["publish"]),
    ("pub-ext-pushurl", remote_pushurl_ext, ["publish"]),
    ("pub-dry", push_foreign, ["publish", "--dry-run"]),
]
for cid, extra, args in PUB:

    def e(r, rc, out, err, before, cid=cid):
        if (r.path.parent / "outside" / "pwn").exists():
            return "ext:: transport ran a command"
        if cid in ("pub-foreign", "pub-edited-remote"):
            remote_tip = subprocess.run(
                [
                    "git",
                    "-C",
                    str(r.path.parent / "remote.git"),
                    "rev-parse",
                    "refs/heads/howto/alpha",
                ],
                capture_output=True,
                text=True,
                env=r.env,
            ).stdout.strip()
            if remote_tip == r.git("rev-parse", "howto/alpha"):
                return "publish replaced a remote branch it did not publish"

    run_case(cid, cid, remote(extra), args, expect=e)

write_tally()
