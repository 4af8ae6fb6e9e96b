"""Tests for the examples' shared command line."""

import dataclasses

import pytest

from examples import config_cli


@dataclasses.dataclass(frozen=True)
class Config:
    data_dir: str = "/data"
    num_epochs: int = 3
    learning_rate: float = 0.1
    shuffle: bool = True


def parse(*flags):
    return config_cli.parse_args(["--workdir=/tmp/w", *flags], Config(), "test")


def test_no_flags_keep_the_defaults():
    assert parse() == ("/tmp/w", Config())


def test_each_field_is_parsed_as_the_type_of_its_default():
    workdir, config = parse(
        "--config.data_dir=/elsewhere",
        "--config.num_epochs=7",
        "--config.learning_rate",  # the value as the next argument works too
        "3",
        "--config.shuffle=False",
    )
    assert workdir == "/tmp/w"
    assert config == Config("/elsewhere", 7, 3.0, False)
    assert type(config.learning_rate) is float


@pytest.mark.parametrize("text, value", [("true", True), ("TRUE", True), ("False", False)])
def test_bools_are_true_or_false_in_any_case(text, value):
    assert parse(f"--config.shuffle={text}")[1].shuffle is value


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--config.shuffle=no", "argument --config.shuffle: expected true or false, got 'no'"),
        ("--config.shuffle=0", "argument --config.shuffle: expected true or false, got '0'"),
        ("--config.num_epochs=2.5", "argument --config.num_epochs: invalid int value: '2.5'"),
        ("--config.learning_rate=fast", "invalid float value: 'fast'"),
        ("--config.num_epoch=2", "unrecognized arguments: --config.num_epoch=2"),
        ("--config.num=2", "unrecognized arguments: --config.num=2"),  # no abbreviations
    ],
)
def test_a_bad_flag_exits_2_with_argparse_error(capsys, flag, message):
    with pytest.raises(SystemExit) as exit_info:
        parse(flag)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_workdir_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        config_cli.parse_args([], Config(), "test")
    assert exit_info.value.code == 2
    assert "--workdir" in capsys.readouterr().err


def test_a_field_of_another_type_is_refused_when_the_parser_is_built():
    @dataclasses.dataclass
    class Odd:
        sizes: tuple = (1, 2)

    with pytest.raises(TypeError, match="'sizes'"):
        config_cli.parse_args(["--workdir=/w"], Odd(), "test")


def test_help_lists_every_field_with_its_default(capsys):
    with pytest.raises(SystemExit):
        parse("--help")
    help_text = capsys.readouterr().out
    for field in dataclasses.fields(Config):
        assert f"--config.{field.name}" in help_text
    assert "default: 0.1" in help_text
