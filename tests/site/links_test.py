import pytest

from howtoctl.site import links


@pytest.mark.parametrize(
    "remote, web",
    [
        ("git@github.com:google/flax.git", "https://github.com/google/flax"),
        ("git@github.com:google/flax", "https://github.com/google/flax"),
        ("https://github.com/google/flax.git", "https://github.com/google/flax"),
        ("https://github.com/google/flax", "https://github.com/google/flax"),
        ("https://github.com/google/flax/", "https://github.com/google/flax"),
        ("ssh://git@github.com/google/flax.git", "https://github.com/google/flax"),
        ("ssh://git@github.com:22/google/flax.git", "https://github.com/google/flax"),
        ("https://user:s3cret@github.com/google/flax.git", "https://github.com/google/flax"),
        ("git://github.com/google/flax.git", "https://github.com/google/flax"),
        (
            "https://git.example.org:8443/team/sub/repo.git",
            "https://git.example.org:8443/team/sub/repo",
        ),
        ("/srv/git/flax.git", None),
        ("../flax", None),
        ("file:///srv/git/flax.git", None),
        ("localhost:flax/repo", None),
        ("C:/src/flax", None),
        ("https://github.com/google", None),
        ("https://github.com/google/../etc", None),
        ('https://github.com/o/r"><script>', None),
        ("", None),
        (None, None),
    ],
)
def test_web_url(remote, web):
    assert links.web_url(remote) == web


def test_compare_url():
    web = "https://github.com/google/flax"
    assert links.compare_url(web, "main", "howto/polyak") == f"{web}/compare/main...howto/polyak"
    assert links.compare_url(web, "release 1", "howto/x") == f"{web}/compare/release%201...howto/x"
    assert links.compare_url(None, "main", "howto/x") is None


def test_repo_label():
    assert links.repo_label("https://github.com/google/flax") == "google/flax"
    assert links.repo_label(None) is None
