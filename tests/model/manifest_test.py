import pytest

from howtoctl.errors import HowtoError
from howtoctl.model import manifest


def test_parse_and_append_round_trip():
    text = manifest.append_entry(
        None, manifest.Entry("alpha", title='Say "hi"\\n', summary="ünïcode")
    )
    text = manifest.append_entry(text, manifest.Entry("beta", example="examples/mnist"))
    entries = manifest.parse(text)
    assert entries["alpha"].title == 'Say "hi"\\n'
    assert entries["alpha"].summary == "ünïcode"
    assert entries["beta"].example == "examples/mnist"


def test_append_keeps_existing_text_byte_for_byte():
    original = "# my comments\n[howtos.a]\ntitle = 'A'   # trailing\n"
    assert manifest.append_entry(original, manifest.Entry("b")).startswith(original)


@pytest.mark.parametrize(
    "text",
    [
        "[howtos.Bad_Name]\n",
        "[howtos.a]\nbogus = 'x'\n",
        "[howtos.a]\ntitle = 3\n",
        "howtos = 1\n",
        "[[[",
    ],
)
def test_bad_manifests_are_refused(text):
    with pytest.raises(HowtoError):
        manifest.parse(text)


def test_duplicate_entry_refused():
    with pytest.raises(HowtoError):
        manifest.append_entry("[howtos.a]\n", manifest.Entry("a"))
