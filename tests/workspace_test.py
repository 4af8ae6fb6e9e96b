from howtoctl.workspace import Workspace


def test_behind_is_zero_without_git_when_forked_at_the_tip(repo_with_howto):
    r = repo_with_howto
    r.cli("rebase-all")
    ws = Workspace(str(r.path))
    tip = r.rev("howto/alpha")
    assert ws.commits_behind(tip, ws.fork_points({"alpha": tip})["alpha"]) == 0
    r.replace("ex/README.md", "An example.", "Moved.")
    r.commit("base moves")
    ws = Workspace(str(r.path))
    assert ws.commits_behind(tip, ws.fork_points({"alpha": tip})["alpha"]) == 1
