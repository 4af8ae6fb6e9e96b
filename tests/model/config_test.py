import pytest

from howtoctl.errors import HowtoError
from howtoctl.model import config


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


@pytest.mark.parametrize(
    "table",
    [
        '[tool.howtoctl]\nbranch-prefix = "h/\\nx/"\n',
        '[tool.howtoctl]\nbranch-prefix = "a..b/"\n',
        '[tool.howtoctl]\nbranch-prefix = "x.lock/"\n',
        '[tool.howtoctl]\nbase = "-x"\n',
        '[tool.howtoctl]\nbase = "a b"\n',
        '[tool.howtoctl]\ndiff-dir = "d*"\n',
        "[tool.howtoctl]\nmax-diff-bytes = 0\n",
        '[tool.howtoctl]\nkeep-backups = "20"\n',
        '[tool.howtoctl]\nauto-resolve = "yes"\n',
        "[tool.howtoctl]\nauto-resolve-prove = 1\n",
    ],
)
def test_hostile_values_are_refused(table):
    with pytest.raises(HowtoError):
        config.load(table)


def test_nested_prefix_and_new_keys():
    c = config.load('[tool.howtoctl]\nbranch-prefix = "docs/howto/"\nkeep-backups = 3\n')
    assert (c.branch_prefix, c.keep_backups, c.max_diff_bytes) == ("docs/howto/", 3, 1_000_000)


def test_auto_resolve_flags():
    c = config.load("[tool.howtoctl]\nauto-resolve = true\nauto-resolve-prove = true\n")
    assert (c.auto_resolve, c.auto_resolve_prove) == (True, True)
    assert (config.load(None).auto_resolve, config.load(None).auto_resolve_prove) == (False, False)
