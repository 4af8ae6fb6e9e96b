"""Arguments naming places, option-like values, environment, full disk (RLIMIT_FSIZE)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402


def move_base(r, o=None):
    r.write("ex/README.md", (r.path / "ex/README.md").read_text() + "more\n")
    r.commit("base moves")


def link_out(r, o):
    os.symlink(str(o), r.path.parent / "linkout")


def repo_intact(r, rc, out, err, before):
    if not (r.path / "ex/train.py").exists() or not (r.path / "howtos/manifest.toml").exists():
        return "files of the repository's work tree were removed"
    if r.git("status", "--porcelain"):
        return "work tree changed: " + r.git("status", "--porcelain")[:120]


def git_intact(r, rc, out, err, before):
    if r.git("fsck", "--no-progress", check=False) is None:
        return "fsck failed"
    cfg = (r.path / ".git/config").read_text()
    if "[core]" not in cfg:
        return ".git/config overwritten"
    if not (r.path / ".git/HEAD").read_text().startswith("ref:"):
        return ".git/HEAD overwritten"


PLACES = [
    ("render-out-repo", ["render", "--out", "{repo}"], repo_intact),
    ("render-out-ex", ["render", "--out", "{repo}/ex"], repo_intact),
    ("render-out-git", ["render", "--out", "{repo}/.git"], git_intact),
    ("render-out-outside-nonempty", ["render", "--out", "{outside}"], None),
    ("render-out-link", ["render", "--out", "{tmp}/linkout"], None),
    ("render-out-devnull", ["render", "--out", "/dev/null"], None),
    ("render-out-empty", ["render", "--out", ""], None),
    ("render-out-home", ["render", "--out", "~"], None),
    ("junit-git-config", ["test", "alpha", "--junit", ".git/config"], git_intact),
    ("junit-git-head", ["test", "alpha", "--junit", "{repo}/.git/HEAD"], git_intact),
    ("junit-diff-file", ["test", "alpha", "--junit", "howtos/diffs/alpha.diff"], repo_intact),
    ("junit-outside-link", ["test", "alpha", "--junit", "{tmp}/linkout/secret.txt"], None),
    ("check-rev-option", ["check", "--rev", "--output={outside}/x"], None),
    ("check-rev-tree", ["check", "--rev", "main^{{tree}}"], None),
    ("check-rev-blob", ["check", "--rev", "main:ex/train.py"], None),
    ("matrix-since-option", ["matrix", "--changed-since", "--output={outside}/x"], None),
    ("matrix-since-missing", ["matrix", "--changed-since", "nope"], None),
    ("matrix-ghout-git", ["matrix", "--github-output"], None),
    ("onto-option", ["rebase-all", "--onto", "--output={outside}/x"], None),
    ("onto-tree", ["rebase-all", "--onto", "main^{{tree}}"], None),
    ("onto-tag", ["rebase-all", "--onto", "v1"], None),
    ("onto-unrelated", ["rebase-all", "--onto", "orphan"], None),
    ("base-option", ["--base", "-x", "list"], None),
    ("base-unborn", ["--base", "nope", "save", "alpha"], None),
    ("new-existing", ["new", "alpha"], None),
    (
        "new-title-inject",
        ["new", "zeta", "--title", 'a"\n[howtos.evil]\ntest = "touch pwn"\n#'],
        None,
    ),
    ("new-title-ctrl", ["new", "zeta", "--title", "a\x1b[31m\x07"], None),
    ("new-example-out", ["new", "zeta", "--example", "../outside"], None),
    ("new-example-abs", ["new", "zeta", "--example", "{outside}"], None),
    ("init-example-out", ["init", "--example", "../outside"], None),
    ("init-action-ref-nl", ["init", "--action-ref", "v1\nrun: x"], None),
    ("init-twice", ["init"], None),
    ("backups-keep-huge", ["backups", "--prune", "--keep", "99999999999999999999999"], None),
    ("backups-keep-neg", ["backups", "--prune", "--keep", "-1"], None),
    ("publish-remote-option", ["publish", "--remote", "--receive-pack=touch {outside}/pwn"], None),
    ("publish-remote-ext", ["publish", "--remote", "ext::sh -c touch% {outside}/pwn2"], None),
    ("publish-remote-missing", ["publish", "--remote", "nope"], None),
    ("publish-remote-path", ["publish", "--remote", "{outside}"], None),
    ("resolve-path-outside", ["resolve", "beta", "--path", "{outside}"], None),
    ("resolve-path-file", ["resolve", "beta", "--path", "{outside}/secret.txt"], None),
    ("resolve-path-link", ["resolve", "beta", "--path", "{tmp}/linkout"], None),
    ("resolve-path-devnull", ["resolve", "beta", "--path", "/dev/null"], None),
    ("resolve-path-root", ["resolve", "beta", "--path", "/"], None),
    ("resolve-missing", ["resolve", "nope"], None),
    ("resolve-clean", ["resolve", "alpha"], None),
    ("resolve-continue-none", ["resolve", "beta", "--continue"], None),
    ("resolve-from-candidate-none", ["resolve", "beta", "--from-candidate"], None),
    ("test-devices-0", ["test", "alpha", "--devices", "0"], None),
    ("test-jobs-0", ["test", "alpha", "--jobs", "0"], None),
    ("test-jobs-huge", ["test", "alpha", "--jobs", "100000"], None),
    ("prove-timeout-neg", ["prove", "alpha", "--timeout", "-1"], None),
    ("prove-timeout-nan", ["prove", "alpha", "--timeout", "nan"], None),
    ("rebase-timeout-inf", ["rebase-all", "--auto-resolve", "--timeout", "inf"], None),
    ("rebase-prove-noar", ["rebase-all", "--prove"], None),
    ("C-subdir", ["-C", "{repo}/ex", "list"], None),
    ("C-gitdir", ["-C", "{repo}/.git", "list"], None),
    ("C-file", ["-C", "{repo}/ex/train.py", "list"], None),
]


def common(r, o):
    from harness import add_conflicting_beta

    add_conflicting_beta(r)
    link_out(r, o)
    r.git("tag", "v1", "main~1")
    r.git("switch", "-q", "--orphan", "orphan")
    r.write("o.txt", "o\n")
    r.git("rm", "-rq", "--cached", ".")
    r.git("add", "o.txt")
    r.git("commit", "-qm", "orphan")
    r.git("switch", "-qf", "main")
    r.git("clean", "-fdq")


for cid, args, exp in PLACES:

    def e(r, rc, out, err, before, exp=exp, cid=cid):
        for p in ("x", "pwn", "pwn2"):
            if (r.path.parent / "outside" / p).exists():
                return f"an option-like argument made git write {p}"
        if (r.path / "pwn").exists():
            return "manifest injection ran"
        if cid == "new-title-inject" and rc == 0:
            t = (r.path / "howtos/manifest.toml").read_text()
            if (
                "[howtos.evil]" in t.replace("\\n", "\n").split("title")[0]
                or "\n[howtos.evil]" in t
            ):
                return "title injected a manifest table"
        return exp(r, rc, out, err, before) if exp else None

    run_case(cid, "argument: " + " ".join(args), common, args, expect=e, timeout=120)

# --- environment
ENVS = {
    "home-unset": {"HOME": None},
    "tmpdir-link-out": {"TMPDIR": "{tmp}/linkout"},
    "tmpdir-missing": {"TMPDIR": "{tmp}/nope"},
    "tmpdir-relative": {"TMPDIR": "reltmp"},
    "tmpdir-is-file": {"TMPDIR": "{outside}/secret.txt"},
    "lang-turkish": {"LC_ALL": "tr_TR.UTF-8", "LANG": "tr_TR.UTF-8"},
    "pythonioencoding-ascii": {"PYTHONIOENCODING": "ascii"},
    "git-dir-other": {"GIT_DIR": "{outside}"},
    "git-config-params": {
        "GIT_CONFIG_PARAMETERS": "'core.hooksPath'='/nonexistent' 'diff.noprefix'='true'"
    },
    "git-config-count-junk": {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "diff.noprefix",
        "GIT_CONFIG_VALUE_0": "true",
    },
    "git-replace-base": {"GIT_REPLACE_REF_BASE": "refs/heads/"},
    "git-namespace": {"GIT_NAMESPACE": "ns"},
    "git-alt-odb": {"GIT_ALTERNATE_OBJECT_DIRECTORIES": "{outside}"},
    "columns-junk": {"COLUMNS": "-5"},
    "term-dumb": {"TERM": "dumb", "FORCE_COLOR": "1"},
}
for name, env in ENVS.items():
    for sub, args in [
        ("save", ["save", "alpha"]),
        ("rebase", ["rebase-all"]),
        ("test", ["test", "alpha"]),
    ]:

        def e(r, rc, out, err, before, sub=sub):
            if rc == 0 and sub == "save" and r.git("status", "--porcelain"):
                return "save under this environment rewrote the diff: " + r.git("diff")[:200]

        run_case(
            f"env-{name}-{sub}",
            f"environment {env}",
            lambda r, o: (link_out(r, o), move_base(r)),
            args,
            env=env,
            expect=e,
            timeout=120,
        )


# --- full disk
def big_branch(r, o):
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/big.py", "".join(f"x{i} = {i}\n" for i in range(20000)))
    r.commit("big")
    r.git("switch", "-q", "main")
    move_base(r)


for lim in (0, 1000, 50_000):
    for sub, args in [
        ("save", ["save", "alpha"]),
        ("rebase", ["rebase-all"]),
        ("restore", ["restore", "alpha", "--force"]),
        ("render", ["render", "--out", "{tmp}/site"]),
        ("test", ["test", "alpha"]),
        ("new", ["new", "zeta"]),
    ]:

        def e(r, rc, out, err, before, sub=sub):
            d = (r.path / "howtos/diffs/alpha.diff").read_bytes()
            if not d.endswith(b"\n") or b"diff --git" not in d:
                return f"diff file left truncated ({len(d)} bytes)"
            m = (r.path / "howtos/manifest.toml").read_text()
            if "[howtos.alpha]" not in m:
                return "manifest truncated"
            if rc == 0 and sub == "save" and "x19999" not in d.decode():
                return "save exit 0 but the diff is incomplete"

        run_case(
            f"fsize-{lim}-{sub}",
            f"RLIMIT_FSIZE={lim} bytes, big HOWTO",
            big_branch,
            args,
            expect=e,
            fsize=lim,
            timeout=120,
        )

write_tally()
