"""Legal but unusual content on a HOWTO branch: save, then restore from the diff must give
the same tree. Also submodules, sparse checkout and ownership."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402


def on_branch(change):
    def s(r, o):
        r.git("switch", "-q", "howto/alpha")
        change(r)
        r.commit("unusual change")
        r.git("switch", "-q", "main")

    return s


def roundtrip(r, rc, out, err, before):
    if rc != 0:
        return None
    want = r.git("rev-parse", "howto/alpha^{tree}")
    r.commit("saved")
    r.git("branch", "-D", "howto/alpha")
    rrc, rout, rerr = r.cli("restore", "alpha")
    if rrc != 0:
        return "save exit 0 but restore of that diff fails: " + rerr.strip()[:150]
    got = r.git("rev-parse", "howto/alpha^{tree}")
    # the restored branch also holds the saved diff file itself (committed on main)
    stat = r.git("diff", "--stat", want, got, "--", ".", ":!howtos/diffs")
    if stat:
        return "restore of the saved diff gives another tree: " + stat[:150]
    crc, cout, cerr = r.cli("check")
    if crc != 0:
        return "check after save+restore: " + cout.strip()[:150]


def w(rel, data, mode=None):
    def c(r):
        r.write(rel, data)
        if mode:
            os.chmod(r.path / rel, mode)

    return c


def chmod_x(r):
    os.chmod(r.path / "ex/train.py", 0o755)


def delete(r):
    os.unlink(r.path / "ex/README.md")


def crlf_existing(r):
    r.write("ex/train.py", (r.path / "ex/train.py").read_text().replace("\n", "\r\n"))


CONTENT = {
    "crlf-new-file": w("ex/run.bat", "@echo off\r\necho hi\r\n"),
    "crlf-whole-file": crlf_existing,
    "mode-only": chmod_x,
    "new-executable": w("ex/run.sh", "#!/bin/sh\necho hi\n", 0o755),
    "empty-file": w("ex/empty.py", ""),
    "delete-file": delete,
    "no-final-newline": w("ex/nonl.py", "x = 1"),
    "tab-in-name": w("ex/a\tb.py", "x\n"),
    "newline-in-name": w("ex/a\nb.py", "x\n"),
    "non-utf8-name": w(b"ex/\xff.py".decode("utf-8", "surrogateescape"), "x\n"),
    "dash-name": w("ex/-rf.py", "x\n"),
    "option-name": w("ex/--output=x.py", "x\n"),
    "unicode-name": w("ex/\u00fcber.py", "x\n"),
    "nfd-name": w("ex/u\u0308ber.py", "x\n"),
    "backslash-name": w("ex/a\\b.py", "x\n"),
    "quote-name": w('ex/a"b.py', "x\n"),
    "space-dir": w("ex/my dir/a.py", "x\n"),
    "formfeed-line": w("ex/ff.py", "a\n\x0cb\n\x0bc\r\nd\n"),
    "nul-content": w("ex/nul.txt", "a\x00b\n"),
    "latin1-content": w("ex/l1.py", b"# \xe9\n"),
    "diff-lookalike": w("ex/fake.txt", "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n"),
    "conflict-lookalike": w("ex/doc.rst", "Title\n=======\n"),
    "huge-file": w("ex/huge.py", "".join(f"v{i} = {i}\n" for i in range(150000))),
    "deep-path": w("ex/" + "/".join(["d"] * 60) + "/x.py", "x\n"),
    "gitattributes-eol": w(".gitattributes", "*.py text eol=crlf\n"),
    "gitmodules-file": w(".gitmodules", '[submodule "x"]\n\tpath = ex/x\n\turl = ../../outside\n'),
}
for name, change in CONTENT.items():
    run_case(
        f"rt-{name}",
        f"HOWTO branch: {name}; save then restore",
        on_branch(change),
        ["save", "alpha"],
        expect=roundtrip,
        timeout=180,
    )


write_tally()
