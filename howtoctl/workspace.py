"""The HOWTOs of one repository: where their branches and diffs are, and how they relate.

A `Workspace` ties the git facade to the configuration. Names come from three places, any of
which may be missing: diff files, `howto/*` branches, and manifest entries.
"""

from __future__ import annotations

import os
import posixpath

from howtoctl import output
from howtoctl import store as store_mod
from howtoctl.errors import HowtoError
from howtoctl.git import Repo
from howtoctl.model import config as config_mod
from howtoctl.model import manifest as manifest_mod
from howtoctl.model import names, patch
from howtoctl.model.names import HEADS, BranchRef, short_branch

# Configuration and metadata files are small; anything bigger is refused, not read.
MAX_TEXT_BYTES = 1_000_000


def decode_text(data: bytes, relpath: str) -> str:
    """A configuration file's text; bytes that are not UTF-8 are bad input, not a crash."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise HowtoError(
            f"{relpath} is not valid UTF-8 text (line {line})", "save it as UTF-8"
        ) from None


class Workspace:
    def __init__(self, path: str = ".", base: str | None = None) -> None:
        self.repo = Repo(path)
        self._left_out: dict[str, list[str]] = {}
        # One look at every branch serves the checks below and the base branch's tip.
        self._heads = self.repo.refs(HEADS)
        if not self._heads and self.repo.rev_parse("HEAD") is None:
            raise HowtoError(
                "the repository has no commits yet",
                "commit the base examples first, then create HOWTOs with `howtoctl new NAME`",
            )
        self.config = config_mod.load(self._read_top_file("pyproject.toml"), base)
        self.base = self._resolve_base()
        self.base_ref = BranchRef.of(self.base)
        self.prefix_ref = BranchRef.of(self.config.branch_prefix)
        self._base_tip: str | None = None
        self._manifest: dict[str, manifest_mod.Entry] | None = None
        self._from_worktree: bool | None = None

    # -- configuration -------------------------------------------------------------------------

    def _read_top_file(self, relpath: str) -> str | None:
        if self.repo.toplevel is not None:
            data = self.read_worktree_file(relpath)
        else:
            data = self.repo.show_file("HEAD", relpath)
        return decode_text(data, relpath) if data is not None else None

    def read_worktree_file(
        self, relpath: str, limit: int = MAX_TEXT_BYTES, limit_name: str = ""
    ) -> bytes | None:
        """A regular file of this work tree, which must resolve inside it; None when absent."""
        from howtoctl import fsutil

        data = fsutil.read_regular(self.repo.path(relpath), self.repo.path(), limit, limit_name)
        if data is None and relpath in self.left_out(relpath):
            data = self.repo.show_file("", relpath)  # the index's: what a checkout would write
            if data is not None and len(data) > limit:
                raise HowtoError(
                    f"{relpath} is {len(data):,} bytes, over the limit of {limit:,}",
                    f"raise it with [tool.howtoctl] {limit_name} if the file is right"
                    if limit_name
                    else None,
                )
        return data

    def left_out(self, relpath: str) -> list[str]:
        """The files at or under `relpath` that git has but this work tree's sparse checkout
        leaves off the disk (read from the index instead: they are there, only not checked
        out). git is asked only in a work tree that has sparse-checkout patterns."""
        if relpath not in self._left_out:
            sparse = os.path.join(self.repo.git_dir, "info", "sparse-checkout")
            self._left_out[relpath] = (
                self.repo.left_out_by_sparse_checkout([relpath])
                if self.repo.toplevel is not None and os.path.exists(sparse)
                else []
            )
        return self._left_out[relpath]

    def _resolve_base(self) -> str:
        wanted = self.config.base
        candidates = (wanted,) if wanted else config_mod.DEFAULT_BASE_CANDIDATES
        for name in candidates:
            if BranchRef.of(name) in self._heads:
                return name
        if wanted:
            raise HowtoError(
                f"the base branch {wanted!r} does not exist in this repository",
                "fetch or create it, or name another one with --base or [tool.howtoctl] base",
            )
        raise HowtoError(
            "found neither a 'master' nor a 'main' branch to use as the base",
            'name the base branch with --base BRANCH or `base = "..."` under [tool.howtoctl] '
            "in pyproject.toml",
        )

    @property
    def git_dirs(self) -> tuple[str, ...]:
        """This work tree's git directory and the common one: no output the user names goes
        there (fsutil.require_outside_git)."""
        return (self.repo.git_dir, self.repo.common_dir)

    @property
    def store(self) -> store_mod.Store:
        """The clone's own state (sync and resolve records, the lock, ...)."""
        return store_mod.Store(self.repo.common_dir)

    @property
    def scratch_dir(self) -> str:
        """howtoctl's private directory for temporary files, inside the git directory."""
        return self.store.scratch_dir

    # -- the base branch -----------------------------------------------------------------------

    @property
    def base_tip(self) -> str:
        if self._base_tip is None:
            tip = self._heads.get(self.base_ref) or self.repo.rev_parse(self.base_ref)
            if tip is None:
                raise HowtoError(f"the base branch {self.base!r} disappeared")
            self._base_tip = tip
        return self._base_tip

    def require_base_worktree(self, command: str, into: str | None = None) -> None:
        """Refuse to write into a work tree that has anything but the base branch checked out
        (`into`: the directory the command writes, by default the diff directory)."""
        if self.repo.toplevel is None:
            raise HowtoError(f"`howtoctl {command}` writes files, but this repository is bare")
        head = self.repo.head_ref()
        if head == self.base_ref:
            self._require_checked_out(command, into or self.config.diff_dir)
            return
        where = f"branch {short_branch(head)!r}" if head else "a detached HEAD"
        raise HowtoError(
            f"`howtoctl {command}` writes into {into or self.config.diff_dir}/ of the base branch "
            f"{self.base!r}, but this work tree has {where} checked out",
            f"switch to the base branch first: git switch {self.base}",
        )

    def _require_checked_out(self, command: str, into: str) -> None:
        """Refuse to write where a sparse checkout leaves git's files off the disk: a manifest
        written afresh there would drop every committed entry, a diff file go unseen."""
        missing = [p for p in (into, self.config.manifest) if self.left_out(p)]
        if missing:
            dirs = sorted({p if p == into else posixpath.dirname(p) or p for p in missing})
            raise HowtoError(
                f"`howtoctl {command}` writes {' and '.join(missing)}, but this work tree's sparse "
                "checkout leaves them out",
                f"add them to the checkout first: git sparse-checkout add {' '.join(dirs)}",
            )

    def diffs_from_worktree(self) -> bool:
        """Whether diff files are read from this work tree (else from the base branch's tip).

        A HOWTO branch's own copy of the diff directory is an old snapshot of the base's, so
        on such a branch (or in a bare repository) the base tip is the source of truth.
        """
        if self.repo.toplevel is None:
            return False
        if self._from_worktree is None:  # asked for every file: ask git once per command
            head = self.repo.head_ref()
            self._from_worktree = not (head and head.startswith(self.prefix_ref))
        return self._from_worktree

    # -- names ---------------------------------------------------------------------------------

    def branch_ref(self, name: str) -> BranchRef:
        return BranchRef.of_howto(self.config.branch_prefix, name)

    def branches(self, fresh: bool = True) -> dict[str, str]:
        """{HOWTO name: tip} for every `howto/*` branch with a valid name.

        `fresh=False` reuses the look at the branches taken when the workspace was opened:
        enough for commands that only read; commands that move refs ask again under the lock.
        """
        refs = self.repo.refs(self.prefix_ref) if fresh else self._heads
        result = {}
        for ref, oid in refs.items():
            if not ref.startswith(self.prefix_ref):
                continue
            name = names.name_from_branch(self.config.branch_prefix, short_branch(ref))
            if name:
                result[name] = oid
        return result

    def diff_relpath(self, name: str) -> str:
        return names.diff_path(self.config.diff_dir, name)

    def diff_file_names(self) -> list[str]:
        """Every *.diff file name in the diff directory (valid HOWTO names or not)."""
        if self.diffs_from_worktree():
            directory = self.diff_dir_path()
            try:
                files = os.listdir(directory)
            except FileNotFoundError:
                files = []
            top = self.config.diff_dir.rstrip("/")
            files += [
                posixpath.basename(p)
                for p in self.left_out(top)
                if posixpath.dirname(p) == top and posixpath.basename(p) not in files
            ]
        else:
            files = self.repo.ls_tree_names(self.base_tip, self.config.diff_dir)
        return sorted(f for f in files if f.endswith(names.DIFF_SUFFIX))

    def diff_dir_path(self) -> str:
        """The diff directory in this work tree: refused if it leads outside or is no directory."""
        from howtoctl import fsutil

        path = self.repo.path(self.config.diff_dir)
        fsutil.require_inside(path, self.repo.path())
        if os.path.exists(path) and not os.path.isdir(path):
            raise HowtoError(
                f"{self.config.diff_dir} is not a directory",
                "move that file out of the way, or name another diff-dir in [tool.howtoctl]",
            )
        return path

    def diff_names(self) -> list[str]:
        return [n for f in self.diff_file_names() if (n := names.name_from_diff_file(f))]

    def invalid_diff_files(self) -> list[str]:
        return [f for f in self.diff_file_names() if names.name_from_diff_file(f) is None]

    def manifest(self) -> dict[str, manifest_mod.Entry]:
        if self._manifest is None:
            self._manifest = manifest_mod.parse(self.read_manifest_text(), self.config.manifest)
        return self._manifest

    def read_manifest_text(self) -> str | None:
        if self.diffs_from_worktree():
            data = self.read_worktree_file(self.config.manifest)
        else:
            data = self.repo.show_file(self.base_tip, self.config.manifest)
        return decode_text(data, self.config.manifest) if data is not None else None

    def entry(self, name: str) -> manifest_mod.Entry:
        return self.manifest().get(name) or manifest_mod.Entry(name=name)

    def all_names(self) -> list[str]:
        return sorted(
            set(self.diff_names()) | set(self.branches(fresh=False)) | set(self.manifest())
        )

    def names_in_manifest_order(self) -> list[str]:
        """Every HOWTO in the order the manifest lists them (the order they are shown in),
        then those it does not list, alphabetically."""
        everything = self.all_names()
        listed = [n for n in self.manifest() if n in everything]
        return listed + [n for n in everything if n not in set(listed)]

    def select(
        self, requested: tuple[str, ...], all_: bool, default_all: bool = False
    ) -> list[str]:
        """Validate the names a command was given; `--all` (or none, where allowed) means every HOWTO."""
        if requested and all_:
            raise HowtoError("give HOWTO names or --all, not both")
        for name in requested:
            names.validate_name(name)
        self.refuse_misspelt(requested)
        if requested:
            return list(dict.fromkeys(requested))
        if all_ or default_all:
            return self.all_names()
        raise HowtoError("name at least one HOWTO, or pass --all")

    def refuse_misspelt(self, requested) -> None:
        """Refuse a name no HOWTO has but one is close to (a typo), saying which: left alone,
        a command would suggest creating a HOWTO of the misspelt name."""
        if not requested:
            return
        known = self.all_names()
        for name in requested:
            if name not in known and (close := names.close_matches(name, known)):
                raise HowtoError(
                    f"no HOWTO named {name!r}",
                    "did you mean " + " or ".join(map(repr, close)) + "?",
                )

    # -- diffs ---------------------------------------------------------------------------------

    def read_diff(self, name: str) -> bytes | None:
        rel = self.diff_relpath(name)
        limit = self.config.max_diff_bytes
        if self.diffs_from_worktree():
            self.diff_dir_path()
            return self.read_worktree_file(rel, limit, "max-diff-bytes")
        data = self.repo.show_file(self.base_tip, rel)
        if data is not None and len(data) > limit:
            raise HowtoError(
                f"{rel} on {self.base} is {len(data):,} bytes, over the limit of {limit:,}",
                "raise it with [tool.howtoctl] max-diff-bytes if the file is right",
            )
        return data

    def load_patch(self, name: str) -> tuple[bytes, patch.Patch]:
        data = self.read_diff(name)
        if data is None:
            raise HowtoError(
                f"no diff file {self.diff_relpath(name)} for HOWTO {name!r}",
                "see `howtoctl list` for the HOWTOs there are",
            )
        try:
            parsed = patch.parse(data)
        except patch.PatchError as e:
            raise HowtoError(
                f"{self.diff_relpath(name)} is not a valid HOWTO diff: {e.message}", e.hint
            ) from None
        # What git will touch, as git reads the headers, must be what we show and check.
        touched = self.repo.patch_paths(data)
        if touched != set(parsed.paths):
            raise HowtoError(
                f"{self.diff_relpath(name)} is not a valid HOWTO diff: git would change "
                f"{', '.join(sorted(touched))}, its hunks name {', '.join(parsed.paths)}",
                "regenerate it from its branch with `howtoctl save NAME`",
            )
        return data, parsed

    def _no_shared_history(self, name: str) -> HowtoError:
        shallow = (
            " (this is a shallow clone: run `git fetch --unshallow`)"
            if self.repo.is_shallow
            else ""
        )
        return HowtoError(
            f"{self.config.branch_prefix}{name} shares no history with {self.base!r}{shallow}"
        )

    def branch_diff(self, name: str, tip: str) -> bytes:
        """What `save` writes for a branch: its changes since it forked from the base."""
        data = self.repo.diff_since_fork(self.base_tip, tip, excludes=self.config.howtos_paths)
        if data is None:
            raise self._no_shared_history(name)
        return data

    @property
    def diff_recipe(self) -> str:
        """What besides the commits decides the bytes `save` writes (paths left out)."""
        return ",".join(self.config.howtos_paths)

    def fork_points(self, tips: dict[str, str]) -> dict[str, str | None]:
        """{name: the commit each branch forked from the base at}, for all branches in one
        `git rev-list`; None where a branch's history is not a simple line (then ask git)."""
        from howtoctl.rebase import plan

        if not tips:
            return {}
        parents = self.repo.commits_not_in(tips.values(), self.base_tip)
        return {name: walk.boundary for name, walk in plan.own_commits(tips, parents).items()}

    def commits_behind(self, tip: str, fork: str | None = None) -> int:
        """Base commits the branch lacks, not counting ones that only touch HOWTO bookkeeping
        (committing a saved diff moves the base, but changes nothing a HOWTO is built on)."""
        if fork is not None and fork == self.base_tip:
            return 0
        return self.repo.count_commits(f"{tip}..{self.base_tip}", excludes=self.config.howtos_paths)

    def record_sync(self, name: str, tip: str, diff: bytes, fork: str | None = None) -> None:
        """Remember that `diff` and branch tip `tip` (forked at `fork`) are in sync."""
        if fork is None:
            fork = self.repo.merge_base(self.base_tip, tip) or ""
        # The record only spares check a rebuild: callers have moved refs or written the diff
        # by now, so failing to write it is a warning, not an exit that says nothing changed.
        try:
            record = store_mod.SyncRecord(tip, store_mod.digest(diff), fork, self.diff_recipe)
            self.store.write_sync(name, record)
        except HowtoError as e:
            output.warn(
                f"{name}: could not record that its branch and diff are in sync ({e.message}); "
                f"check may call it stale until the next howtoctl save {name}"
            )
