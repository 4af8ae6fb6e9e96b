"""A tiny helper around a real git repository for tests."""

from __future__ import annotations

import dataclasses
import os
import pathlib

import git  # GitPython: drives the real git binary

from howtoctl import cli

IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Cy Committer",
    "GIT_COMMITTER_EMAIL": "cy@example.com",
}


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str


@dataclasses.dataclass
class GitRepo:
    path: pathlib.Path
    base: str

    @classmethod
    def create(cls, path, base: str = "main", object_format: str = "sha1") -> GitRepo:
        path = pathlib.Path(path)
        path.mkdir(parents=True, exist_ok=True)
        r = git.Repo.init(path, initial_branch=base, object_format=object_format)
        with r.config_writer() as cw:
            cw.set_value("user", "name", "Test User")
            cw.set_value("user", "email", "test@example.com")
            cw.set_value("commit", "gpgsign", "false")
        return cls(path, base)

    @property
    def gp(self) -> git.Repo:
        return git.Repo(self.path)

    def git(self, *args: str, **kwargs) -> str:
        return self.gp.git.execute(["git", *args], **kwargs)

    def write(self, rel: str, text: str | bytes) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text()

    def exists(self, rel: str) -> bool:
        return (self.path / rel).exists()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.rev("HEAD")

    def rev(self, rev: str) -> str:
        return self.git("rev-parse", rev)

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        return dict(line.split(" ") for line in out.splitlines() if line)

    def branches(self) -> dict[str, str]:
        return self.refs("refs/heads/howto/")

    def head(self) -> str:
        return self.git("symbolic-ref", "-q", "HEAD")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, (rel, old)
        self.write(rel, text.replace(old, new, 1))

    def add_howto(
        self, name: str, edits: dict[str, tuple[str, str]], save: bool = True, commits: int = 1
    ) -> str:
        """Branch howto/NAME from the base tip with `edits` (old -> new per file), saved and committed."""
        self.git("switch", "-q", "-c", f"howto/{name}", self.base)
        items = list(edits.items())
        for i in range(commits):
            chunk = items[i::commits]
            for rel, (old, new) in chunk:
                self.replace(rel, old, new)
            self.commit(f"{name}: step {i + 1}")
        tip = self.rev("HEAD")
        self.git("switch", "-q", self.base)
        if save:
            res = self.cli("save", name)
            assert res.code == 0, res
            self.commit(f"save HOWTO {name}")
        return tip

    def cli(self, *args: str, env: dict | None = None) -> Result:
        """Run howtoctl in-process against this repository, capturing its output."""
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        old_env = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(["-C", str(self.path), *args])
        finally:
            for k, v in old_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return Result(code, out.getvalue(), err.getvalue())

    def snapshot(self) -> tuple:
        """Everything a command must not change when it refuses: refs, HEAD, index, work tree."""
        from tests.conftest import tree_digest

        return (
            self.refs(),
            self.git("rev-parse", "--symbolic-full-name", "HEAD"),
            self.git("ls-files", "-s"),
            tree_digest(self.path),
        )
