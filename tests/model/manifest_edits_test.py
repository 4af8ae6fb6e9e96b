"""The manifest text new and drop write: the rest of the file kept, every string valid TOML."""

from __future__ import annotations

import tomllib


def _manifest(r, text):
    r.write("howtos/manifest.toml", text)
    r.commit("manifest")


def test_drop_keeps_the_comment_that_introduces_the_next_entry(repo_with_howto):
    """Comment lines right above the next table header belong to that table: only alpha's
    header, keys and body go."""
    r = repo_with_howto
    _manifest(
        r,
        '[howtos.alpha]\ntitle = "Alpha"\n\n# Beta shows the second trick.\n'
        '[howtos.beta]\ntitle = "Beta"\n',
    )
    res = r.cli("drop", "alpha")
    assert res.code == 0, res
    assert r.read("howtos/manifest.toml") == (
        '# Beta shows the second trick.\n[howtos.beta]\ntitle = "Beta"\n'
    )


def test_drop_still_takes_the_comments_inside_the_entry(repo_with_howto):
    r = repo_with_howto
    _manifest(
        r,
        '[howtos.beta]\ntitle = "Beta"\n\n[howtos.alpha]\n# alpha\'s own note\ntitle = "Alpha"\n',
    )
    assert r.cli("drop", "alpha").code == 0
    assert r.read("howtos/manifest.toml") == '[howtos.beta]\ntitle = "Beta"\n'


def test_new_escapes_a_control_character_in_the_title(repo_with_howto):
    """TOML allows DEL in no string (json.dumps leaves it as it is): it is written escaped, not
    reported as the user's manifest being invalid TOML."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    res = r.cli("new", "gamma", "--title", "a\x7fb")
    assert res.code == 0, res
    assert tomllib.loads(r.read("howtos/manifest.toml"))["howtos"]["gamma"]["title"] == "a\x7fb"
