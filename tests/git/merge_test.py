"""git/merge.py: merges in memory, batched or one per process, and merge bases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from howtoctl.errors import HowtoError
from howtoctl.git import BlobId, CommitId, Repo, TreeId, split_evenly
from tests.git.helpers import branches_moving_apart


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=8))
def test_split_keeps_order_and_leaves_no_part_empty(items, parts):
    chunks = split_evenly(items, parts)
    assert [x for c in chunks for x in c] == items
    assert len(chunks) <= parts and all(chunks)
    if chunks:
        assert max(map(len, chunks)) - min(map(len, chunks)) <= 1


def test_merges_split_over_processes_give_the_same_results(repo):
    pairs = branches_moving_apart(repo, 12)
    r = Repo(str(repo.path))
    one = r.merge_trees(pairs, processes=1)
    three = r.merge_trees(pairs, processes=3)
    assert one == three
    # b8 edits line 10 too; b7 and b9 edit the lines next to it, which git also calls a conflict.
    assert [i for i, m in enumerate(one) if not m.clean] == [7, 8, 9]
    assert all(m.conflicted_paths == ("ex/train.py",) for m in one if not m.clean)
    assert all(isinstance(m.tree, TreeId) for m in one)
    stages = one[8].stages["ex/train.py"]
    assert sorted(stages) == [1, 2, 3] and all(isinstance(b, BlobId) for b in stages.values())


def test_git_without_merge_tree_stdin_merges_one_pair_per_process(repo):
    pairs = branches_moving_apart(repo, 4)
    batch = Repo(str(repo.path)).merge_trees(pairs)
    old = Repo(str(repo.path), version=(2, 38, 0))  # --write-tree, no --stdin
    assert old.merge_trees(pairs) == batch


def test_git_without_merge_tree_write_tree_is_refused_clearly(repo):
    pairs = branches_moving_apart(repo, 1)
    old = Repo(str(repo.path), version=(2, 37, 1))
    with pytest.raises(HowtoError, match="needs git 2.38 or newer; this is git 2.37.1"):
        old.merge_trees(pairs)


def test_merge_base_is_a_commit_id_or_none(repo, tmp_path):
    (main, tip), *_ = branches_moving_apart(repo, 1)
    r = Repo(str(repo.path))
    base = r.merge_base(main, tip)
    assert isinstance(base, CommitId) and base == repo.rev("main~1")
    assert r.is_ancestor(base, tip) and not r.is_ancestor(tip, main)
    repo.git("switch", "-q", "--orphan", "unrelated")
    repo.write("other.txt", "unrelated\n")
    repo.commit("no shared history")
    assert r.merge_base("unrelated", "main") is None
