"""howtoctl/store.py owns `<git common dir>/howtoctl/*` and the lock beside it: the one place
that knows where each record lives and how it is written, and reads a damaged one as none."""

from __future__ import annotations

import ast
import json
import pathlib
import re

import pytest

from howtoctl import store

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "howtoctl"

# A path component of howtoctl's own state: `howtoctl`, `howtoctl/...`, `howtoctl.lock`.
_OURS = re.compile(r"(^|/)howtoctl([./]|$)")


def _mentions_common_dir(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "common_dir")
        or (isinstance(n, ast.Attribute) and n.attr == "common_dir")
        for n in ast.walk(node)
    )


def _names_our_state(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and _OURS.search(n.value)
        for n in ast.walk(node)
    )


def _assemblies(tree: ast.AST):
    """Lines that build a path from the common dir and a name of howtoctl's state."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call | ast.BinOp | ast.JoinedStr):
            if _mentions_common_dir(node) and _names_our_state(node):
                yield node.lineno


def test_only_the_store_builds_paths_under_the_common_dir():
    found = [
        f"howtoctl/{path.relative_to(PACKAGE).as_posix()}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() != "store.py"
        for line in sorted(set(_assemblies(ast.parse(path.read_text()))))
    ]
    assert not found, "ask howtoctl/store.py for paths of the clone's state:\n" + "\n".join(found)


def test_the_scan_sees_each_way_of_building_such_a_path():
    source = (
        "os.path.join(repo.common_dir, 'howtoctl', 'sync', name)\n"
        "f'{common_dir}/howtoctl/resolve/{name}.json'\n"
        "pathlib.Path(ws.repo.common_dir) / 'howtoctl.lock'\n"
        "os.path.join(ws.repo.common_dir, 'worktrees')\n"  # git's own: not ours
    )
    assert sorted(set(_assemblies(ast.parse(source)))) == [1, 2, 3]


def test_a_resolve_record_round_trips_and_reads_records_of_older_versions():
    record = store.ResolveRecord("/w", "a" * 40, "b" * 40, "main", lock="reason", git_dir="/g")
    assert store.ResolveRecord.decode(record.encode()) == record
    # Older records carry no lock or git directory; a field of the wrong type is left out.
    old = {"worktree": "/w", "old_tip": "a", "onto": "b", "base": "main", "lock": 5}
    assert store.ResolveRecord.decode(json.dumps(old).encode()) == store.ResolveRecord(
        "/w", "a", "b", "main"
    )
    assert store.ResolveRecord.decode(b'{"worktree": "/w"}') is None
    assert store.ResolveRecord.decode(b"[]") is None


def test_a_damaged_resolve_record_is_reported_not_ignored(tmp_path):
    s = store.Store(str(tmp_path))
    s.write_resolve("alpha", store.ResolveRecord("/w", "a", "b", "main"))
    assert s.resolving("alpha") and s.resolve("alpha").worktree == "/w"
    pathlib.Path(s.resolve_path("alpha")).write_bytes(b"{torn")
    with pytest.raises(store.DamagedRecord) as e:
        s.resolve("alpha")
    assert e.value.path == s.resolve_path("alpha")
    s.forget_resolve("alpha")
    assert not s.resolving("alpha") and s.resolve("alpha") is None


def test_a_sync_record_round_trips(tmp_path):
    s = store.Store(str(tmp_path))
    assert s.sync("alpha") is None
    record = store.SyncRecord("a" * 40, store.digest(b"diff"), "b" * 40, "recipe")
    s.write_sync("alpha", record)
    assert s.sync("alpha") == record


@pytest.mark.parametrize("kind", ["auto-resolved", "auto-resolve-partial"])
@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"{torn", b"\xff"])
def test_an_auto_resolve_record_that_is_no_json_object_is_no_record(repo_with_howto, kind, data):
    """A list or string where the record of an automatic resolution belongs made list, check
    and resolve --from-candidate end in "hit a bug" (AttributeError): it reads as none."""
    r = repo_with_howto
    r.git("commit", "-q", "--allow-empty", "-m", "move the base")  # so resolve has work to do
    path = r.path / ".git/howtoctl" / kind / "alpha.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    res = r.cli("list", "--json")
    assert res.code in (0, 1), res
    assert json.loads(res.out)
    res = r.cli("resolve", "alpha", "--from-candidate")
    assert res.code == 2 and "hit a bug" not in res.err, res


def test_auto_resolve_records_round_trip_and_a_wrong_field_is_no_record(tmp_path):
    s = store.Store(str(tmp_path))
    accepted = store.AcceptedRecord(
        "a" * 40, "wiggle", "d", "b" * 40, "{}", report={"passed": ["smoke"], "failed": None}
    )
    s.write_accepted("alpha", accepted)
    assert s.accepted("alpha") == accepted
    partial = store.PartialRecord(
        "a", "b", "c", "wiggle", "smoke", "it failed", {"x.py": "e" * 40, "gone.py": None}
    )
    s.write_partial("alpha", partial)
    assert s.partial("alpha") == partial
    s.forget_partial("alpha")
    assert s.partial("alpha") is None
    assert store.AcceptedRecord.decode({"tip": "a", "method": 1}) is None
    fields = json.loads(partial.encode())
    assert store.PartialRecord.decode({**fields, "files": {"x.py": 5}}) is None
    assert store.PartialRecord.decode({**fields, "commit": None}) is None
