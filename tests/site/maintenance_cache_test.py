"""render's maintenance-plot cache is howtoctl's own file: what stands there otherwise stays."""

from __future__ import annotations

import os


def test_render_leaves_a_foreign_maintenance_plot_cache_alone(repo_with_howto, tmp_path):
    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 moved\n")
    r.commit("base moves")
    cache = r.path / ".git/howtoctl/maintenance-plot"
    cache.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(str(r.path / "ex/README.md"), cache)
    readme = (r.path / "ex/README.md").read_bytes()
    res = r.cli("render", "--out", str(tmp_path / "site"))
    assert res.code == 0, res
    assert os.path.islink(cache), "render replaced the link at .git/howtoctl/maintenance-plot"
    assert (r.path / "ex/README.md").read_bytes() == readme
