"""git/history.py: walks over history."""

from __future__ import annotations

from howtoctl.git import Repo


def test_commits_already_upstream_are_those_with_the_same_patch_under_another_id(repo):
    r = repo
    r.git("switch", "-q", "-c", "topic")
    r.replace("ex/train.py", "line 5\n", "line 5 picked\n")
    picked = r.commit("picked upstream")
    r.replace("ex/train.py", "line 30\n", "line 30 own\n")
    own = r.commit("only on topic")
    r.git("switch", "-q", "main")
    r.replace("ex/README.md", "An example.", "Upstream moved.")
    r.commit("upstream")
    r.git("cherry-pick", picked)  # the same patch, another id
    assert r.rev("main") != picked
    repo_ = Repo(str(r.path))
    assert repo_.commits_already_upstream(r.rev("main"), own) == {picked}
    assert repo_.commits_already_upstream(own, r.rev("main")) == {r.rev("main")}
