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


def test_every_status_has_a_style():
    """Every word of every status vocabulary is styled like the others: a new one without a
    style printed unstyled among coloured ones."""
    from howtoctl import statuses

    missing = [
        f"{vocabulary.__name__}.{member.name}"
        for vocabulary in statuses.VOCABULARIES
        for member in vocabulary
        if member not in output.STATUS_STYLES
    ]
    assert not missing, missing
    words = {member for vocabulary in statuses.VOCABULARIES for member in vocabulary}
    assert set(output.STATUS_STYLES) <= words, set(output.STATUS_STYLES) - words


def test_the_commands_print_statuses_from_the_vocabularies():
    """A status is a member of a statuses.py enum, never a word written out in a command
    (`output.status_line(name, "dropped")`): so every one has a style, and --json and the
    terminal say the same word."""
    import ast
    import pathlib

    root = pathlib.Path(output.__file__).parent
    literal = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "status_line"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant | ast.JoinedStr | ast.BinOp)
            ):
                literal.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not literal, literal


def test_a_status_prints_as_its_word(capsys, monkeypatch):
    from howtoctl.statuses import Change

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    output.status_line("alpha", Change.LEFT_ALONE, "why")
    assert capsys.readouterr().out == f"{'left alone':<14} alpha  why\n"
