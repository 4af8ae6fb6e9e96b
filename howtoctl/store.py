"""howtoctl's per-clone state: `<git common dir>/howtoctl/` and the lock file beside it.

Shared by every work tree of the clone, never committed. The one module that knows where each
record lives and how it is written; every other module asks a `Store`:

- `howtoctl.lock` (in the common dir itself): the advisory lock of the one writer (lock.py).
- `howtoctl/sync/<name>`: the branch tip and diff a HOWTO was last saved or restored at
  (`SyncRecord`, key-value lines), so check and save can tell which side moved since.
- `howtoctl/resolve/<name>.json`: a `howtoctl resolve` under way (`ResolveRecord`).
- `howtoctl/auto-resolved/<name>.json`, `howtoctl/auto-resolve-partial/<name>.json`: what
  `rebase-all --auto-resolve` leaves for later commands (`AcceptedRecord`, `PartialRecord`;
  autoresolve_record.py says what they are for).
- `howtoctl/tmp/`: temporary files that must not land in the work tree.
- `howtoctl/maintenance-plot`: the last maintenance plot drawn, with its key (a cache).

Records are howtoctl's own, but a torn write, another tool or a damaged disk may leave anything
there: a record that cannot be read is no record (the resolve record alone says it is damaged,
since it names a work tree to clean up).
"""

from __future__ import annotations

import dataclasses
import json
import os

from howtoctl import fsutil

LOCK_NAME = "howtoctl.lock"
_ACCEPTED = "auto-resolved"
_PARTIAL = "auto-resolve-partial"
# A resolve record is a few hundred bytes: anything much larger is not one of ours.
_RESOLVE_LIMIT = 1 << 16


def digest(data: bytes) -> str:
    import hashlib  # lazily: loading OpenSSL costs start-up time on every command

    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True)
class SyncRecord:
    tip: str  # branch commit at the last sync
    diff_digest: str  # sha256 of the diff file's bytes at the last sync
    # Where the branch forked from the base, and how the diff was made (paths left out), at the
    # last sync. With tip and file unchanged too, the diff `save` would write is the same: a
    # quick answer to "is it fresh?" without running git diff. Empty in records of older versions.
    fork: str = ""
    recipe: str = ""

    def encode(self) -> bytes:
        return (
            f"tip {self.tip}\ndiff {self.diff_digest}\nfork {self.fork}\nrecipe {self.recipe}\n"
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> SyncRecord | None:
        try:
            text = data.decode()
        except UnicodeDecodeError:
            return None  # torn or damaged: as good as no record (the next save writes a new one)
        fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
        if "tip" not in fields or "diff" not in fields:
            return None
        return cls(fields["tip"], fields["diff"], fields.get("fork", ""), fields.get("recipe", ""))


@dataclasses.dataclass(frozen=True)
class ResolveRecord:
    worktree: str  # where the rebase runs
    old_tip: str  # the branch's tip when the resolve started
    onto: str  # the base tip it rebases onto
    base: str  # the base branch's name then
    # The worktree lock reason only this resolve writes, and the work tree's git directory:
    # absent in records of older versions, or of a run killed before git added the work tree.
    lock: str | None = None
    git_dir: str | None = None
    moving_to: str | None = None  # --continue is moving the branch here

    _REQUIRED = ("worktree", "old_tip", "onto", "base")

    def encode(self) -> bytes:
        fields = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return json.dumps(fields).encode()

    @classmethod
    def decode(cls, data: bytes) -> ResolveRecord | None:
        try:
            fields = json.loads(data)
        except ValueError:
            return None
        if not isinstance(fields, dict) or not all(
            isinstance(fields.get(k), str) for k in cls._REQUIRED
        ):
            return None
        optional = ("lock", "git_dir", "moving_to")
        return cls(
            *(fields[k] for k in cls._REQUIRED),
            **{k: fields[k] if isinstance(fields.get(k), str) else None for k in optional},
        )


@dataclasses.dataclass(frozen=True)
class AcceptedRecord:
    """A branch moved by an automatic resolution that awaits review (autoresolve_record.py)."""

    tip: str  # the tip the resolution gave the branch
    method: str
    diff: str | None = None  # digest of the base's committed diff file then ("": none)
    onto: str | None = None  # the base tip it was made on
    proof: str | None = None  # with --prove: the record `save` writes beside the diff
    report: dict = dataclasses.field(default_factory=dict)  # the rest of the attempt's report

    def encode(self) -> bytes:
        named = {"onto": self.onto, "proof": self.proof}
        return json.dumps(
            {
                "tip": self.tip,
                "method": self.method,
                **self.report,
                **{k: v for k, v in named.items() if v is not None},
                "diff": self.diff,
            }
        ).encode()

    @classmethod
    def decode(cls, fields: dict) -> AcceptedRecord | None:
        if not isinstance(fields.get("tip"), str) or not isinstance(fields.get("method"), str):
            return None
        named = ("tip", "method", "diff", "onto", "proof")
        return cls(
            fields["tip"],
            fields["method"],
            *(fields.get(k) if isinstance(fields.get(k), str) else None for k in named[2:]),
            report={k: v for k, v in fields.items() if k not in named},
        )


@dataclasses.dataclass(frozen=True)
class PartialRecord:
    """The best candidate of a rebase no candidate resolved (autoresolve_record.py)."""

    old_tip: str  # the branch tip and base tip of that rebase
    onto: str
    commit: str  # the branch's commit whose conflict it resolves
    method: str
    failed: str  # the check it failed, and why
    detail: str
    files: dict[str, str | None]  # its merged files as blob ids (None: deleted)
    report: dict = dataclasses.field(default_factory=dict)  # the rest of the attempt's report

    def encode(self) -> bytes:
        fields = dataclasses.asdict(self)
        report = fields.pop("report")
        return json.dumps({**fields, **report}).encode()

    @classmethod
    def decode(cls, fields: dict) -> PartialRecord | None:
        named = [f.name for f in dataclasses.fields(cls) if f.name not in ("files", "report")]
        files = fields.get("files")
        if not all(isinstance(fields.get(k), str) for k in named) or not (
            isinstance(files, dict) and all(isinstance(v, str | None) for v in files.values())
        ):
            return None
        return cls(
            *(fields[k] for k in named),
            files=files,
            report={k: v for k, v in fields.items() if k not in (*named, "files")},
        )


class DamagedRecord(Exception):
    """A record that is there but cannot be read, where reading it as none would lose track
    of something (a resolve's work tree)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Store:
    """The state of the clone whose git common directory is `common_dir`."""

    def __init__(self, common_dir: str) -> None:
        self.common_dir = common_dir
        self.root = os.path.join(common_dir, "howtoctl")

    # -- places ---------------------------------------------------------------------------------

    @property
    def lock_path(self) -> str:
        return os.path.join(self.common_dir, LOCK_NAME)

    @property
    def scratch_dir(self) -> str:
        """For temporary files, inside the git directory: a kill leaves none in the work tree."""
        return os.path.join(self.root, "tmp")

    @property
    def plot_cache_path(self) -> str:
        return os.path.join(self.root, "maintenance-plot")

    def _sync_path(self, name: str) -> str:
        return os.path.join(self.root, "sync", name)

    def resolve_path(self, name: str) -> str:
        return os.path.join(self.root, "resolve", f"{name}.json")

    def _auto_path(self, kind: str, name: str) -> str:
        return os.path.join(self.root, kind, f"{name}.json")

    # -- sync records ---------------------------------------------------------------------------

    def sync(self, name: str) -> SyncRecord | None:
        data = fsutil.read_or_none(self._sync_path(name))
        return None if data is None else SyncRecord.decode(data)

    def write_sync(self, name: str, record: SyncRecord) -> None:
        fsutil.write_atomic(self._sync_path(name), record.encode())

    # -- resolve records ------------------------------------------------------------------------

    def resolving(self, name: str) -> bool:
        """Whether a resolve of `name` is under way (its record is there, readable or not)."""
        return os.path.exists(self.resolve_path(name))

    def resolve(self, name: str) -> ResolveRecord | None:
        """The record of the resolve of `name` under way, None when there is none; raises
        DamagedRecord for one that cannot be read."""
        path = self.resolve_path(name)
        data = fsutil.read_private(path, _RESOLVE_LIMIT)
        if not data:
            return None
        record = ResolveRecord.decode(data)
        if record is None:
            raise DamagedRecord(path)
        return record

    def write_resolve(self, name: str, record: ResolveRecord) -> None:
        fsutil.write_atomic(self.resolve_path(name), record.encode())

    def forget_resolve(self, name: str) -> None:
        fsutil.remove_file(self.resolve_path(name))

    # -- auto-resolve records -------------------------------------------------------------------

    def _read_json(self, path: str) -> dict | None:
        data = fsutil.read_or_none(path)
        if not data:
            return None
        try:
            record = json.loads(data)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def accepted(self, name: str) -> AcceptedRecord | None:
        fields = self._read_json(self._auto_path(_ACCEPTED, name))
        return None if fields is None else AcceptedRecord.decode(fields)

    def write_accepted(self, name: str, record: AcceptedRecord) -> None:
        fsutil.write_atomic(self._auto_path(_ACCEPTED, name), record.encode())

    def partial(self, name: str) -> PartialRecord | None:
        fields = self._read_json(self._auto_path(_PARTIAL, name))
        return None if fields is None else PartialRecord.decode(fields)

    def write_partial(self, name: str, record: PartialRecord) -> None:
        fsutil.write_atomic(self._auto_path(_PARTIAL, name), record.encode())

    def forget_partial(self, name: str) -> None:
        fsutil.remove_file(self._auto_path(_PARTIAL, name))
