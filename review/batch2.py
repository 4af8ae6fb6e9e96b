"""Hooks, attributes, hostile diff files, hostile configuration and arguments."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402

DIFF = "howtos/diffs/alpha.diff"


def move_base(r):
    r.write("ex/README.md", (r.path / "ex/README.md").read_text() + "more\n")
    r.commit("base moves")


def pwned(o):
    def e(r, rc, out, err, before):
        if (o_ := r.path.parent / "outside" / "pwned").exists():
            return "a program from the HOWTO branch / repository ran: " + o_.read_text()[:80]

    return e


# --- a HOWTO branch that commits hooks, with core.hooksPath relative (husky style)
def hooks_on_branch(r, o):
    r.git("config", "core.hooksPath", ".githooks")
    r.git("switch", "-q", "howto/alpha")
    for h in (
        "post-checkout",
        "pre-commit",
        "post-commit",
        "reference-transaction",
        "post-rewrite",
        "pre-rebase",
        "post-merge",
        "pre-auto-gc",
        "post-index-change",
    ):
        r.write(f".githooks/{h}", f"#!/bin/sh\necho {h} >> {o}/pwned\n")
        os.chmod(r.path / f".githooks/{h}", 0o755)
    r.commit("hooks")
    r.git("switch", "-q", "main")
    move_base(r)


for cid, args in [
    ("hooks-check", ["check"]),
    ("hooks-list", ["list"]),
    ("hooks-rebase", ["rebase-all"]),
    ("hooks-rebase-ar", ["rebase-all", "--auto-resolve"]),
    ("hooks-restore", ["restore", "alpha", "--force"]),
    ("hooks-undo", ["undo"]),
    ("hooks-render", ["render", "--out", "{tmp}/site"]),
    ("hooks-resolve", ["resolve", "alpha"]),
    ("hooks-matrix", ["matrix"]),
]:

    def s(r, o):
        hooks_on_branch(r, o)

    run_case(
        cid,
        "core.hooksPath=.githooks, HOWTO branch commits hooks that write outside",
        s,
        args,
        expect=None,
    )


# --- .gitattributes on the branch naming a filter/diff driver the user configured
def attrs(r, o):
    r.git("config", "filter.evil.smudge", f"sh -c 'echo smudge >> {o}/pwned; cat'")
    r.git("config", "filter.evil.clean", f"sh -c 'echo clean >> {o}/pwned; cat'")
    r.git("config", "diff.evil.textconv", f"sh -c 'echo textconv >> {o}/pwned; cat \"$0\"'")
    r.git("config", "merge.evil.driver", f"sh -c 'echo merge >> {o}/pwned; true'")
    r.git("switch", "-q", "howto/alpha")
    r.write(".gitattributes", "* filter=evil diff=evil merge=evil\n")
    r.commit("attrs")
    r.git("switch", "-q", "main")
    (o / "pwned").unlink(missing_ok=True)
    move_base(r)
    (o / "pwned").unlink(missing_ok=True)


for cid, args in [
    ("attr-save", ["save", "alpha"]),
    ("attr-check", ["check"]),
    ("attr-list", ["list"]),
    ("attr-rebase", ["rebase-all"]),
    ("attr-rebase-ar", ["rebase-all", "--auto-resolve"]),
    ("attr-restore", ["restore", "alpha", "--force"]),
    ("attr-render", ["render", "--out", "{tmp}/site"]),
]:
    run_case(
        cid,
        "user-configured filter/textconv/merge drivers named by the branch's .gitattributes",
        attrs,
        args,
    )


# --- hostile diff files (edited by hand, committed on main)
def diff_edit(fn, drop_branch=True):
    def s(r, o):
        p = r.path / DIFF
        p.write_bytes(fn(p.read_bytes(), o))
        r.commit("hostile diff")
        if drop_branch:
            r.git("branch", "-D", "howto/alpha")

    return s


def newfile(path, body=b"x\n", mode=b"100644", extra=b""):
    return lambda d, o: (
        b"diff --git a/"
        + path
        + b" b/"
        + path
        + b"\nnew file mode "
        + mode
        + b"\n"
        + extra
        + b"index 0000000000000000000000000000000000000000..e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n"
        + b"--- /dev/null\n+++ b/"
        + path
        + b"\n@@ -0,0 +1 @@\n+x\n"
    )


SYMLINK_OUT = (
    b"diff --git a/ex/link b/ex/link\nnew file mode 120000\n--- /dev/null\n+++ b/ex/link\n"
    b"@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n"
)
RENAME_UP = (
    b"diff --git a/ex/README.md b/../../escaped.md\nsimilarity index 100%\nrename from ex/README.md\n"
    b"rename to ../../escaped.md\n"
)
MODE = b"diff --git a/ex/train.py b/ex/train.py\nold mode 100644\nnew mode 100755\n"
BINARY = (
    b"diff --git a/ex/blob.bin b/ex/blob.bin\nnew file mode 100644\nindex 0000000..1111111\n"
    b"GIT binary patch\nliteral 5\nMcmZQzWMXCj0000U0RR91\n\nliteral 0\nHcmV?d00001\n\n"
)
GITDIR = (
    b"diff --git a/.git/hooks/post-checkout b/.git/hooks/post-checkout\nnew file mode 100755\n"
    b"--- /dev/null\n+++ b/.git/hooks/post-checkout\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+touch pwned\n"
)
SUBMOD = (
    b"diff --git a/ex/sub b/ex/sub\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n"
    b"+++ b/ex/sub\n@@ -0,0 +1 @@\n+Subproject commit 1234567890123456789012345678901234567890\n"
)
QUOTED_NL = (
    b'diff --git "a/ex/a\\nb" "b/ex/a\\nb"\nnew file mode 100644\n--- /dev/null\n+++ "b/ex/a\\nb"\n'
    b"@@ -0,0 +1 @@\n+x\n"
)
UNICODE = (
    "diff --git a/ex/\u00fcber\u202e.py b/ex/\u00fcber\u202e.py\nnew file mode 100644\n--- /dev/null\n"
    "+++ b/ex/\u00fcber\u202e.py\n@@ -0,0 +1 @@\n+x\n"
).encode()
DELETE_MANIFEST = (
    b"diff --git a/howtos/manifest.toml b/howtos/manifest.toml\ndeleted file mode 100644\n"
    b"--- a/howtos/manifest.toml\n+++ /dev/null\n@@ -1,4 +0,0 @@\n-[howtos.alpha]\n"
    b'-title = "Alpha"\n-example = "ex"\n-test = "python -c \'print(1)\'"\n'
)
TOUCH_OWN = (
    b"diff --git a/howtos/diffs/alpha.diff b/howtos/diffs/alpha.diff\n--- a/howtos/diffs/alpha.diff\n"
    b"+++ b/howtos/diffs/alpha.diff\n@@ -1 +1 @@\n-diff --git a/ex/train.py b/ex/train.py\n+x\n"
)
DOTDOT = (
    b"diff --git a/ex/../../x.py b/ex/../../x.py\nnew file mode 100644\n--- /dev/null\n"
    b"+++ b/ex/../../x.py\n@@ -0,0 +1 @@\n+x\n"
)
ABS = b"diff --git a//tmp/x.py b//tmp/x.py\nnew file mode 100644\n--- /dev/null\n+++ b//tmp/x.py\n@@ -0,0 +1 @@\n+x\n"
CASES = {
    "symlink-out": lambda d, o: d + SYMLINK_OUT,
    "rename-up": lambda d, o: d + RENAME_UP,
    "mode-change": lambda d, o: d + MODE,
    "binary": lambda d, o: d + BINARY,
    "into-git": lambda d, o: d + GITDIR,
    "submodule": lambda d, o: d + SUBMOD,
    "quoted-newline": lambda d, o: d + QUOTED_NL,
    "unicode-bidi": lambda d, o: d + UNICODE,
    "delete-manifest": lambda d, o: d + DELETE_MANIFEST,
    "touch-own-diff": lambda d, o: d + TOUCH_OWN,
    "dotdot": lambda d, o: d + DOTDOT,
    "absolute": lambda d, o: d + ABS,
    "many-files": lambda d, o: (
        d + b"".join(newfile(f"ex/f{i}.py".encode())(d, o) for i in range(3000))
    ),
    "long-line": lambda d, o: (
        d + newfile(b"ex/long.py")(d, o).replace(b"+x\n", b"+" + b"y" * 900_000 + b"\n")
    ),
    "no-newline-end": lambda d, o: d.rstrip(b"\n"),
    "bom": lambda d, o: b"\xef\xbb\xbf" + d,
    "cr-only": lambda d, o: d.replace(b"\n", b"\r"),
    "hunk-count-lie": lambda d, o: d.replace(b"@@ -2,7 +2,7 @@", b"@@ -2,700 +2,7 @@"),
    "two-same-file": lambda d, o: d + d,
    "latin1-path": lambda d, o: d + newfile(b"ex/\xff\xfe.py")(d, o),
}
for name, fn in CASES.items():
    for sub, args in [
        ("check", ["check"]),
        ("restore", ["restore", "alpha"]),
        ("render", ["render", "--out", "{tmp}/site"]),
        ("test", ["test", "alpha"]),
    ]:
        if sub in ("render", "test") and name in ("many-files",):
            continue

        def exp(r, rc, out, err, before, name=name, sub=sub):
            if (r.path.parent / "escaped.md").exists() or (r.path.parent / "x.py").exists():
                return "file written beside the repository"
            if (r.path / ".git/hooks/post-checkout").exists():
                return "diff wrote into .git/hooks"
            if (
                sub == "restore"
                and rc == 0
                and name in ("symlink-out", "into-git", "dotdot", "absolute")
            ):
                return "restore accepted a diff with a path " + name
            if (
                sub == "check"
                and rc == 0
                and name
                in (
                    "into-git",
                    "dotdot",
                    "absolute",
                    "hunk-count-lie",
                    "touch-own-diff",
                    "delete-manifest",
                )
            ):
                return f"check says ok for a diff with {name}"

        run_case(
            f"diff-{name}-{sub}",
            f"committed diff: {name}",
            diff_edit(fn, sub != "check"),
            args,
            expect=exp,
        )

write_tally()
