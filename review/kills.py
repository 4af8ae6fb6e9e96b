"""Signal kills at random moments; after each: fsck, refs all-old or all-new, reruns converge."""

import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import PY, RESULTS, Repo, base_repo, env_for, write_tally  # noqa: E402

random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 45


def template(tmp):
    home = tmp / "home"
    home.mkdir()
    r = base_repo(tmp, env_for(home))
    man = (r.path / "howtos/manifest.toml").read_text()
    for i in range(8):
        man += f'[howtos.h{i}]\ntitle = "H{i}"\nexample = "ex"\ntest = "python -c \'print(1)\'"\n'
    man += '[howtos.beta]\ntitle = "B"\nexample = "ex"\ntest = "python -c \'print(1)\'"\n'
    r.write("howtos/manifest.toml", man)
    r.commit("manifest")
    for i in range(8):
        r.git("switch", "-q", "-c", f"howto/h{i}", "main")
        t = (
            (r.path / "ex/train.py")
            .read_text()
            .replace(f"line {30 + i}\n", f"line {30 + i} h{i}\n")
        )
        r.write("ex/train.py", t)
        r.write(
            f"ex/h{i}_test.py",
            f"def test_h{i}():\n    assert 'h{i}' in open('ex/train.py').read()\n",
        )
        r.commit(f"h{i}")
    r.git("switch", "-q", "-c", "howto/beta", "main")
    r.write(
        "ex/train.py", (r.path / "ex/train.py").read_text().replace("line 20\n", "line 20 beta\n")
    )
    r.commit("beta")
    r.git("switch", "-q", "main")
    assert r.cli("save", "--all")[0] == 0
    r.commit("save all")
    r.write(
        "ex/train.py", (r.path / "ex/train.py").read_text().replace("line 20\n", "line 20 main\n")
    )
    r.commit("base moves")
    return r


COMMANDS = [
    ["rebase-all"],
    ["rebase-all", "--auto-resolve"],
    ["rebase-all", "--auto-resolve", "--prove"],
    ["save", "--all"],
    ["restore", "--all", "--force"],
    ["undo"],
    ["resolve", "beta"],
    ["test", "h0", "h1", "h2"],
    ["prove", "h0"],
    ["render", "--out", "{tmp}/site"],
    ["backups", "--prune", "--keep", "1"],
    ["rebase-all", "--auto-resolve", "--dry-run"],
]


def howto_refs(r):
    return {k: v for k, v in r.refs().items() if k.startswith("refs/heads/howto/")}


def main():
    base_tmp = pathlib.Path(tempfile.mkdtemp(prefix="h21r-kt-"))
    tpl = template(base_tmp)
    tpl.cli("rebase-all")  # one backup run so undo has something
    tpl.cli("save", "--all")
    tpl.commit("resave")
    tpl.write("ex/README.md", "moved again\n")
    tpl.commit("base moves again")
    for k in range(N):
        args = random.choice(COMMANDS)
        sig = random.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
        delay = random.uniform(0.03, float(sys.argv[4]) if len(sys.argv) > 4 else 0.9)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="h21r-k-"))
        shutil.copytree(base_tmp / "repo", tmp / "repo", symlinks=True)
        r = Repo(tmp / "repo", tpl.env)
        if args[0] == "resolve" and random.random() < 0.5:
            r.cli("resolve", "beta")
            args = random.choice(
                [["resolve", "beta", "--continue"], ["resolve", "beta", "--abort"]]
            )
        a = [x.format(tmp=tmp) for x in args]
        before = howto_refs(r)
        reach = r.reachable()
        p = subprocess.Popen(
            [PY, "-m", "howtoctl", "-C", str(r.path), *a],
            env=r.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp,
            start_new_session=True,
        )
        time.sleep(delay)
        finished = p.poll() is not None
        if not finished:
            os.killpg(p.pid, sig)
        out, err = p.communicate()
        rc = p.returncode
        notes = []
        cls = "harmless"
        after = howto_refs(r)
        fsck = subprocess.run(
            ["git", "-C", str(r.path), "fsck", "--no-progress", "--no-dangling"],
            env=r.env,
            capture_output=True,
            text=True,
        )
        if fsck.returncode:
            cls, notes = "data-loss/outside", notes + ["fsck: " + fsck.stderr.strip()[:120]]
        lost = reach - r.reachable()
        if lost:
            cls, notes = "data-loss/outside", notes + [f"{len(lost)} commits unreachable"]
        moved = [k_ for k_ in before if after.get(k_) != before[k_]]
        if args[0] == "rebase-all" and "--dry-run" not in args and 0 < len(moved) < len(before) - 1:
            # beta may stay (conflict): all-old or all-new for the rest
            notes.append(f"partial move: {len(moved)}/{len(before)}")
            cls = "data-loss/outside" if cls == "harmless" else cls
        if b"Traceback" in err or b"hit a bug" in err:
            cls, notes = "traceback", notes + [err.decode().strip().splitlines()[-1][:120]]
        # rerun: must converge
        rerun = [x for x in a]
        if args[0] == "resolve" and "--continue" in args:
            rerun = ["resolve", "beta", "--abort"]
        rrc, rout, rerr = r.cli(*rerun, timeout=180)
        if rrc == 3 or "hit a bug" in rerr:
            cls, notes = "traceback", notes + ["rerun: " + rerr.strip().splitlines()[-1][:120]]
        elif rrc == 2 and not (args[0] in ("undo", "resolve") or "backups" in args):
            cls = "wrong-result" if cls == "harmless" else cls
            notes.append("rerun refused: " + rerr.strip().splitlines()[0][:160])
        elif rrc == 2:
            notes.append("rerun exit 2: " + rerr.strip().splitlines()[0][:160])
        wts = r.git("worktree", "list", "--porcelain").count("worktree ")
        if args[0] in ("test", "prove", "rebase-all") and wts > 1:
            cls = "wrong-result" if cls == "harmless" else cls
            notes.append(f"{wts - 1} extra work trees after rerun")
        st = r.git("status", "--porcelain")
        if st and args[0] not in ("save",) and not args[0] == "render":
            notes.append("status: " + st[:80])
            if args[0] != "resolve":
                cls = "wrong-result" if cls == "harmless" else cls
        row = (
            f"kill{sys.argv[3] if len(sys.argv) > 3 else ''}-{k:02d}",
            " ".join(a),
            f"{sig.name} after {delay:.2f}s" + (" (had finished)" if finished else ""),
            cls,
            f"rc={rc} rerun={rrc} " + "; ".join(notes),
        )
        RESULTS.append(tuple(str(x).replace("\t", " ").replace("\n", "\\n") for x in row))
        print("\t".join(RESULTS[-1]), flush=True)
        subprocess.run(
            ["git", "-C", str(r.path), "worktree", "prune"], env=r.env, capture_output=True
        )
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(base_tmp, ignore_errors=True)
    write_tally()


main()
