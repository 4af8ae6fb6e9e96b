"""Adversarial runs against howtoctl: each case builds a fresh repository, runs one command in a
subprocess, and classifies the outcome (see CLASSES). Appends rows to review/tally.tsv."""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CLONE = HERE.parent
TALLY = HERE / "tally.tsv"
PY = "/work/venv/bin/python"  # the locked environment, whatever runs this script


def env_for(home: pathlib.Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", PYTHONPATH=str(CLONE), COLUMNS="200")
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def digest(root: pathlib.Path, skip_git: bool = True) -> str:
    h = hashlib.sha256()
    if not root.exists() and not root.is_symlink():
        return "absent"
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if skip_git and ".git" in dirnames and pathlib.Path(dirpath) == root:
            dirnames.remove(".git")
        for name in sorted(
            filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        ):
            p = os.path.join(dirpath, name)
            h.update(p.encode(errors="surrogateescape"))
            st = os.lstat(p)
            h.update(str(st.st_mode).encode())
            if os.path.islink(p):
                h.update(os.readlink(p).encode(errors="surrogateescape"))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def _limit(fsize):
    if fsize is None:
        return None
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


class Repo:
    def __init__(self, path: pathlib.Path, env: dict):
        self.path, self.env = path, env

    def git(self, *args, check=True, input=None) -> str:
        p = subprocess.run(
            ["git", "-c", "safe.directory=*", "-C", str(self.path), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            input=input,
        )
        if check and p.returncode:
            raise RuntimeError(f"git {args}: {p.stderr}")
        return p.stdout.strip()

    def write(self, rel, data):
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())

    def commit(self, msg="c"):
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", msg)

    def cli(self, *args, env=None, timeout=90, cwd=None, fsize=None):
        e = dict(self.env)
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        try:
            p = subprocess.run(
                [PY, "-m", "howtoctl", "-C", str(self.path), *args],
                env=e,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=cwd or self.path.parent,
                preexec_fn=_limit(fsize),
            )
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as ex:
            return "timeout", str(ex.stdout), str(ex.stderr)

    def refs(self) -> dict:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ") for line in out.splitlines() if line)

    def reachable(self) -> set:
        return set(self.git("rev-list", "--all", check=False).split())

    def snapshot(self):
        return (
            self.refs(),
            self.git("symbolic-ref", "-q", "HEAD", check=False),
            self.git("rev-parse", "HEAD", check=False),
            self.git("ls-files", "-s", check=False),
            digest(self.path),
        )


def base_repo(tmp: pathlib.Path, env: dict, test_cmd: str | None = "python -c 'print(1)'") -> Repo:
    r = Repo(tmp / "repo", env)
    r.path.mkdir()
    r.git("init", "-q", "-b", "main")
    r.git("config", "user.name", "T")
    r.git("config", "user.email", "t@example.com")
    r.git("config", "commit.gpgsign", "false")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.write("ex/README.md", "An example.\n")
    man = '[howtos.alpha]\ntitle = "Alpha"\nexample = "ex"\n'
    if test_cmd:
        man += f'test = "{test_cmd}"\n'
    r.write("howtos/manifest.toml", man)
    r.commit("base")
    r.git("switch", "-q", "-c", "howto/alpha")
    t = (r.path / "ex/train.py").read_text().replace("line 5\n", "line 5 alpha\n")
    r.write("ex/train.py", t)
    r.commit("alpha")
    r.git("switch", "-q", "main")
    rc, out, err = r.cli("save", "alpha")
    assert rc == 0, (out, err)
    r.commit("save alpha")
    return r


def add_conflicting_beta(r: Repo):
    r.write(
        "howtos/manifest.toml",
        (r.path / "howtos/manifest.toml").read_text() + '[howtos.beta]\ntitle = "Beta"\n',
    )
    r.commit("beta manifest")
    r.git("switch", "-q", "-c", "howto/beta")
    t = (r.path / "ex/train.py").read_text().replace("line 20\n", "line 20 beta\n")
    r.write("ex/train.py", t)
    r.commit("beta")
    r.git("switch", "-q", "main")
    assert r.cli("save", "beta")[0] == 0
    r.commit("save beta")
    t = (r.path / "ex/train.py").read_text().replace("line 20\n", "line 20 main\n")
    r.write("ex/train.py", t)
    r.commit("base moves")


def classify(rc, out, err, before, after, lost, outside_changed, expect_note):
    text = out + err
    if rc == 3 or "Traceback" in text or "hit a bug" in text:
        return "traceback", text.strip().splitlines()[-1][:150] if text.strip() else ""
    if outside_changed:
        return "data-loss/outside", "file outside the repository changed"
    if lost:
        return "data-loss/outside", f"commits no longer reachable: {sorted(lost)[:3]}"
    if rc == "timeout":
        return "wrong-result", "hung (timeout)"
    if expect_note:
        return "wrong-result", expect_note
    if rc == 2:
        if before != after:
            return "wrong-result", "refused (exit 2) yet changed the repository"
        msg = err.strip().splitlines()[0][:150] if err.strip() else out.strip()[:150]
        return "clear-error", msg
    return "harmless", (out.strip().splitlines() or [""])[0][:150]


RESULTS = []


def run_case(
    cid,
    label,
    setup,
    args,
    env=None,
    expect=None,
    test_cmd="python -c 'print(1)'",
    beta=False,
    cwd=None,
    timeout=90,
    fsize=None,
):
    """setup(r, outside) prepares; args may use {outside} {repo}; expect(r, rc, out, err, before)
    returns a string when the outcome is wrong."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="h21r-"))
    home = tmp / "home"
    home.mkdir()
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET\n")
    try:
        r = base_repo(tmp, env_for(home), test_cmd)
        if beta:
            add_conflicting_beta(r)
        setup(r, outside) if setup else None
        a = [x.format(outside=outside, repo=r.path, tmp=tmp) for x in args]
        e = {
            k: (v.format(outside=outside, repo=r.path, tmp=tmp) if isinstance(v, str) else v)
            for k, v in (env or {}).items()
        }
        before = r.snapshot()
        reach_before = r.reachable()
        out_before = digest(outside, skip_git=False)
        rc, out, err = r.cli(*a, env=e, timeout=timeout, cwd=cwd, fsize=fsize)
        after = r.snapshot()
        lost = reach_before - r.reachable()
        outside_changed = digest(outside, skip_git=False) != out_before
        note = None
        if expect:
            try:
                note = expect(r, rc, out, err, before)
            except Exception as ex:  # noqa: BLE001
                note = f"expect check crashed: {ex!r}"
        cls, msg = classify(rc, out, err, before, after, lost, outside_changed, note)
    except Exception as ex:  # noqa: BLE001
        cls, msg, rc, out, err = "setup-failed", repr(ex)[:200], None, "", ""
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(tmp)], check=False, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    row = tuple(
        str(x).replace("\t", " ").replace("\n", "\\n")
        for x in (cid, " ".join(args), label, cls, f"rc={rc} {msg}")
    )
    RESULTS.append(row)
    print("\t".join(map(str, row)), flush=True)
    return rc, out, err


def write_tally(append=True):
    mode = "a" if append and TALLY.exists() else "w"
    with open(TALLY, mode) as f:
        if mode == "w":
            f.write("id\tcommand\tinput\tclass\tnote\n")
        for row in RESULTS:
            f.write("\t".join(map(str, row)) + "\n")
    RESULTS.clear()
