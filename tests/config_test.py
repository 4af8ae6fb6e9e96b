import pytest

from howtoctl import config
from howtoctl.errors import HowtoError


def test_defaults_without_pyproject():
    c = config.load(None)
    assert c.base is None
    assert (c.branch_prefix, c.diff_dir, c.manifest) == (
        "howto/",
        "howtos/diffs",
        "howtos/manifest.toml",
    )


def test_reads_tool_table_and_base_override():
    text = '[tool.howtoctl]\nbase = "develop"\nbranch-prefix = "recipes/"\ndiff-dir = "docs/recipes/"\n'
    c = config.load(text)
    assert (c.base, c.branch_prefix, c.diff_dir) == ("develop", "recipes/", "docs/recipes")
    assert config.load(text, base_override="trunk").base == "trunk"


@pytest.mark.parametrize(
    "table",
    [
        '[tool.howtoctl]\ndiff-dir = "../outside"\n',
        '[tool.howtoctl]\ndiff-dir = "/abs"\n',
        '[tool.howtoctl]\nbranch-prefix = "howto"\n',
        "[tool.howtoctl]\nunknown = 1\n",
        "[tool.howtoctl\n",
    ],
)
def test_bad_config_is_refused(table):
    with pytest.raises(HowtoError):
        config.load(table)
