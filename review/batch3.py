"""Hostile configuration values, arguments, output places and environment."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_case, write_tally  # noqa: E402

MAN = "howtos/manifest.toml"


def move_base(r):
    r.write("ex/README.md", (r.path / "ex/README.md").read_text() + "more\n")
    r.commit("base moves")


def pyproject(text):
    def s(r, o):
        r.write("pyproject.toml", text.format(outside=o))
        r.commit("pyproject")

    return s


def manifest(text):
    def s(r, o):
        r.write(MAN, text.format(outside=o))
        r.commit("manifest")

    return s


PY = {
    "base-option": '[tool.howtoctl]\nbase = "--output={outside}/x"\n',
    "base-HEAD": '[tool.howtoctl]\nbase = "HEAD"\n',
    "base-refs-heads": '[tool.howtoctl]\nbase = "refs/heads/main"\n',
    "base-rev-expr": '[tool.howtoctl]\nbase = "main~1"\n',
    "base-range": '[tool.howtoctl]\nbase = "main..main"\n',
    "base-list": '[tool.howtoctl]\nbase = ["main"]\n',
    "prefix-empty": '[tool.howtoctl]\nbranch-prefix = ""\n',
    "prefix-refs": '[tool.howtoctl]\nbranch-prefix = "refs/heads/howto/"\n',
    "prefix-no-slash": '[tool.howtoctl]\nbranch-prefix = "howto"\n',
    "prefix-dotdot": '[tool.howtoctl]\nbranch-prefix = "../"\n',
    "diffdir-dot": '[tool.howtoctl]\ndiff-dir = "."\n',
    "diffdir-climb": '[tool.howtoctl]\ndiff-dir = "howtos/../../x"\n',
    "diffdir-ex": '[tool.howtoctl]\ndiff-dir = "ex"\n',
    "manifest-is-pyproject": '[tool.howtoctl]\nmanifest = "pyproject.toml"\n',
    "keep-true": "[tool.howtoctl]\nkeep-backups = true\n",
    "keep-zero": "[tool.howtoctl]\nkeep-backups = 0\n",
    "keep-huge": "[tool.howtoctl]\nkeep-backups = 100000000000000000000\n",
    "keep-float": "[tool.howtoctl]\nkeep-backups = 2.5\n",
    "maxbytes-true": "[tool.howtoctl]\nmax-diff-bytes = true\n",
    "maxbytes-neg": "[tool.howtoctl]\nmax-diff-bytes = -5\n",
    "autoresolve-str": '[tool.howtoctl]\nauto-resolve = "no"\n',
    "unknown-key": '[tool.howtoctl]\nbsae = "x"\n',
    "howtoctl-not-table": "tool = {{howtoctl = 3}}\n",
    "deep-nesting": "x = " + "[" * 5000 + "]" * 5000 + "\n",
}
for name, text in PY.items():
    for sub, args in [("list", ["list"]), ("save", ["save", "alpha"]), ("rebase", ["rebase-all"])]:

        def exp(r, rc, out, err, before, name=name, sub=sub):
            if (r.path.parent / "outside" / "x").exists() or os.path.exists(
                str(r.path.parent / "x")
            ):
                return "git wrote a file named by the config"
            if (
                name in ("keep-true", "keep-float", "maxbytes-true", "autoresolve-str", "base-list")
                and rc == 0
            ):
                return f"config value of the wrong type accepted ({name})"
            if name == "diffdir-ex" and rc == 0 and sub == "save":
                return "diff-dir inside the example accepted"

        run_case(
            f"py-{name}-{sub}", f"pyproject: {text.strip()[:60]}", pyproject(text), args, expect=exp
        )

MANI = {
    "title-newline-inject": '[howtos.alpha]\ntitle = "A"\ntest = "python -c \'print(1)\'"\nexample = "ex"\nsummary = "<script>alert(1)</script>"\n',
    "example-symlink-out": None,
    "example-is-file": '[howtos.alpha]\nexample = "ex/train.py"\ntest = "python -c \'print(1)\'"\n',
    "example-missing": '[howtos.alpha]\nexample = "nope"\ntest = "python -c \'print(1)\'"\n',
    "example-git": '[howtos.alpha]\nexample = ".git"\ntest = "python -c \'print(1)\'"\n',
    "example-dotgit-case": '[howtos.alpha]\nexample = ".GIT"\ntest = "python -c \'print(1)\'"\n',
    "test-empty": '[howtos.alpha]\nexample = "ex"\ntest = ""\n',
    "test-list": '[howtos.alpha]\nexample = "ex"\ntest = ["ls"]\n',
    "devices-bool": '[howtos.alpha]\nexample = "ex"\ndevices = true\n',
    "devices-huge": '[howtos.alpha]\nexample = "ex"\ndevices = 99999999\n',
    "title-int": "[howtos.alpha]\ntitle = 3\n",
    "howtos-array": "howtos = [1, 2]\n",
    "exempt-regex-bomb": '[howtos.alpha]\nexample="ex"\n[[howtos.alpha.exempt]]\nfile = "ex/train.py"\nmatch = "(a+)+$"\nreason = "r"\n',
    "name-unicode": '[howtos."\u0430lpha"]\ntitle = "cyrillic a"\n',
}


def example_symlink(r, o):
    (o / "conftest.py").write_text("open(__file__ + '.ran', 'w').write('x')\n")
    os.symlink(str(o), r.path / "exlink")
    r.write(MAN, '[howtos.alpha]\nexample = "exlink"\ntest = "python -m pytest -q exlink"\n')
    r.commit("example is a link outside")


for name, text in MANI.items():
    setup = example_symlink if text is None else manifest(text)
    for sub, args in [
        ("list", ["list"]),
        ("check", ["check"]),
        ("test", ["test", "alpha"]),
        ("render", ["render", "--out", "{tmp}/site"]),
    ]:

        def exp(r, rc, out, err, before, name=name, sub=sub):
            if name in ("devices-bool", "title-int", "test-list") and rc == 0:
                return f"manifest value of the wrong type accepted ({name})"
            if name == "title-newline-inject" and sub == "render" and rc == 0:
                site = r.path.parent / "site"
                for p in site.rglob("*.html"):
                    if "<script>alert(1)" in p.read_text():
                        return "summary HTML not escaped in " + p.name

        run_case(f"man-{name}-{sub}", f"manifest: {name}", setup, args, expect=exp, timeout=120)

write_tally()
