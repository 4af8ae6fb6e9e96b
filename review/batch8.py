"""init in odd repositories, GITHUB_OUTPUT targets, broken pipes."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import PY, RESULTS, run_case, write_tally  # noqa: E402


def git_ok(r, rc, out, err, before):
    p = subprocess.run(
        ["git", "-C", str(r.path), "status"], env=r.env, capture_output=True, text=True
    )
    if p.returncode:
        return "repository broken afterwards: " + p.stderr.strip()[:120]


GH = [
    ("ghout-git-config", {"GITHUB_OUTPUT": "{repo}/.git/config"}),
    ("ghout-git-head", {"GITHUB_OUTPUT": "{repo}/.git/HEAD"}),
    ("ghout-relative", {"GITHUB_OUTPUT": "out.txt"}),
    ("ghout-dir", {"GITHUB_OUTPUT": "{outside}"}),
    ("ghout-devfull", {"GITHUB_OUTPUT": "/dev/full"}),
    ("ghout-missing-dir", {"GITHUB_OUTPUT": "{outside}/no/such/file"}),
]
for cid, env in GH:
    run_case(
        cid,
        f"matrix --github-output with {env}",
        None,
        ["matrix", "--github-output"],
        env=env,
        expect=git_ok,
    )


def unborn(r, o):
    r.git("switch", "-q", "--orphan", "fresh")


def github_file(r, o):
    r.write(".github", "not a dir\n")
    r.commit("file")


def workflows_exist(r, o):
    r.write(".github/workflows/howtos.yml", "name: mine\n")
    r.commit("own workflow")


def precommit_link(r, o):
    os.symlink(str(o / "secret.txt"), r.path / ".pre-commit-config.yaml")
    r.commit("link")


INIT = [
    ("init-unborn", unborn, ["init"]),
    ("init-github-file", github_file, ["init"]),
    ("init-workflows-exist", workflows_exist, ["init"]),
    ("init-precommit-link", precommit_link, ["init"]),
    ("init-example-missing", None, ["init", "--example", "nope"]),
    ("init-example-file", None, ["init", "--example", "ex/train.py"]),
    ("new-unborn", unborn, ["new", "zeta"]),
    ("list-unborn", unborn, ["list"]),
    ("save-unborn", unborn, ["save", "alpha"]),
]
for cid, setup, args in INIT:

    def e(r, rc, out, err, before, cid=cid):
        if (
            cid == "init-workflows-exist"
            and (r.path / ".github/workflows/howtos.yml").read_text() != "name: mine\n"
        ):
            return "init overwrote the user's workflow"
        return git_ok(r, rc, out, err, before)

    run_case(cid, cid, setup, args, expect=e)


# broken pipe: list | head -c 1
def pipe_case(cid, args):
    def s(r, o):
        pass

    def e(r, rc, out, err, before):
        p = subprocess.run(
            f"{PY} -m howtoctl -C {r.path} {' '.join(args)} | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
            env=r.env,
        )
        if "Traceback" in p.stderr or "hit a bug" in p.stderr:
            return "broken pipe traceback: " + p.stderr.strip().splitlines()[-1][:100]

    run_case(
        cid, f"{' '.join(args)} piped into head -c 1", s, ["--version"] if False else args, expect=e
    )


for cid, args in [
    ("pipe-list", ["list"]),
    ("pipe-check", ["check"]),
    ("pipe-list-json", ["list", "--json"]),
    ("pipe-matrix", ["matrix"]),
    ("pipe-backups", ["backups"]),
]:
    pipe_case(cid, args)
assert RESULTS is not None
write_tally()
