from howtoctl import output


def test_plain_table_aligns_columns_by_display_width():
    text = output.plain_table(
        ["name", "title", "state"],
        [("alpha", "数据并行", "fresh"), ("b", "Polyak [averaging]", "")],
    )
    assert text.splitlines() == [
        "name   title               state",
        "alpha  数据并行            fresh",  # four wide characters take eight cells
        "b      Polyak [averaging]",  # no markup is interpreted, no trailing blanks
    ]


def test_table_is_plain_in_a_pipe_and_styled_when_colour_is_forced(capsys, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    output.table(["name", "state"], [("alpha", "fresh")], status_column="state")
    assert capsys.readouterr().out == "name   state\nalpha  fresh\n"
    monkeypatch.setenv("FORCE_COLOR", "1")
    output.table(["name", "state"], [("alpha", "fresh")], status_column="state")
    assert "\x1b[" in capsys.readouterr().out


def test_styled_output_prints_text_as_it_is():
    console = output.stdout()
    with console.capture() as captured:
        console.print(output.escape("Fix :bug: [now]"))
    assert captured.get().strip() == "Fix :bug: [now]"  # no emoji codes, no markup


def test_every_status_the_commands_print_has_a_style():
    """A status written out in a command (`output.status_line(name, "dropped")`) is styled like
    the others: a new one without a style printed unstyled among coloured ones."""
    import ast
    import pathlib

    from howtoctl import output

    root = pathlib.Path(output.__file__).parent
    literal = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "status_line"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                literal.add(node.args[1].value)
    assert literal and not literal - set(output.STATUS_STYLES), literal - set(output.STATUS_STYLES)
