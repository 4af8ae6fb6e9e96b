"""Pages of this documentation that are generated from the code and the repository, so that no
figure, key or field is typed twice:

- ``{config-keys}``, ``{manifest-fields}``, ``{exit-codes}``: tables read from
  ``howtoctl.model.config``, ``howtoctl.model.manifest`` and ``howtoctl.errors``;
- ``{fields} module.Class``: a dataclass's fields (the objects ``--json`` prints), with the
  comment on each field's line and the values of an enum-typed field;
- ``{bench-results}``: every ``bench/results/*.json`` a benchmark wrote, one section each;
- ``{test}`path/to/file_test.py::test_name```: a link to a test in the repository, a build
  warning (an error under ``-W``) when the file or the test does not exist;
- the pages under ``howtos/``: one per HOWTO, in manifest order, through the ``howto``
  directive of ``howtoctl.sphinx``, written when the build starts.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import io
import json
import os
import shutil
import tokenize
import typing

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

REPOSITORY_URL = "https://github.com/howtoctl/howtoctl"
HOWTO_PAGES = "howtos"  # generated, ignored by git
MARKER = ".generated"

# What each [tool.howtoctl] key means. The keys and defaults come from howtoctl.model.config; a key
# the code knows and this table does not (or the reverse) fails the build.
CONFIG_KEYS = {
    "base": "The base branch: it holds the examples and the diff files. Default: `master` if "
    "it exists, else `main`.",
    "branch-prefix": "Prefix of the HOWTO branches (`howto/NAME`).",
    "diff-dir": "Where the diff files live, one `NAME.diff` per HOWTO. The proof records go "
    "to `proofs/` beside it.",
    "manifest": "The manifest: titles, summaries, examples, smoke tests, devices, exemptions.",
    "max-diff-bytes": "A larger diff file is refused, never read whole.",
    "keep-backups": "Backup runs kept under `refs/howtoctl/backup/`; older ones are pruned "
    "after each run that writes one.",
    "auto-resolve": "`rebase-all` tries verified automatic merges of conflicts "
    "(`--no-auto-resolve` to turn it off for one run).",
    "example": "The example directory `howtoctl new` gives a HOWTO unless `--example` says "
    "otherwise; `init` saves it.",
    "test": "The smoke-test command `howtoctl new` gives a HOWTO unless told otherwise; `init "
    "--test` saves it.",
    "auto-resolve-prove": "Whenever auto-resolve runs, it also proves every hunk of the "
    "merged HOWTO (`--no-prove` to turn it off for one run).",
}

MANIFEST_FIELDS = {
    "title": "Shown in lists and as the heading of the rendered page.",
    "summary": "One line: what the HOWTO shows.",
    "example": "The example directory the HOWTO modifies; its smoke test runs there.",
    "test": "The smoke-test command. Default: `python -m pytest` on the example.",
    "devices": "Devices its tests need: a run with fewer fails (it does not skip).",
    "exempt": "Hunks `prove` need not see a test fail for: an array of tables with `file`, "
    "`match` (a piece of one of the hunk's changed lines) and a written `reason`.",
}


def _comments(cls: type) -> dict[str, str]:
    """For each name assigned in the class body, the comment on its line, else the comment
    lines right above it."""
    source = inspect.getsource(cls)
    trailing: dict[int, str] = {}
    whole: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            (whole if tok.line.strip().startswith("#") else trailing)[tok.start[0]] = text
    found = {}
    for node in ast.parse(source).body[0].body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            text = trailing.get(node.lineno, "")
            line = node.lineno - 1
            above = []
            while line in whole:
                above.insert(0, whole[line])
                line -= 1
            found[target.id] = text or " ".join(above)
    return found


def _type_name(tp) -> str:
    text = tp if isinstance(tp, str) else getattr(tp, "__name__", repr(tp))
    return text.replace("typing.", "")


def _table(header: list[str] | None, rows: list[list], widths: list[int] | None = None):
    """A docutils table of text or node cells; `header` None: a key-value table, no header."""
    cols = len(header) if header else len(rows[0])
    table = nodes.table()
    group = nodes.tgroup(cols=cols)
    table += group
    for w in widths or [1] * cols:
        group += nodes.colspec(colwidth=10 * w)  # relative in HTML, characters in text
    if header:
        head = nodes.thead()
        group += head
        head += _row(header)
    body = nodes.tbody()
    group += body
    for r in rows:
        body += _row(r)
    return table


def _row(cells) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=str(cell))
        row += entry
    return row


def _code(text: str) -> nodes.paragraph:
    p = nodes.paragraph()
    p += nodes.literal(text=text)
    return p


def _rich(text: str) -> nodes.paragraph:
    """Plain text with `code` spans."""
    p = nodes.paragraph()
    for i, part in enumerate(text.split("`")):
        if part:
            p += nodes.literal(text=part) if i % 2 else nodes.Text(part)
    return p


class ConfigKeys(Directive):
    def run(self):
        from howtoctl.model import config

        defaults = {f.name: f.default for f in dataclasses.fields(config.Config)}
        keys = [k for k in CONFIG_KEYS if k in config._KEYS]
        keys += sorted(set(config._KEYS) - set(keys))
        missing = set(config._KEYS) ^ set(CONFIG_KEYS)
        if missing:
            logger.warning(f"config-keys: documented and known keys differ: {sorted(missing)}")
        rows = []
        for key in keys:
            default = defaults.get(key.replace("-", "_"), dataclasses.MISSING)
            shown = "see below" if default in (None, dataclasses.MISSING) else json.dumps(default)
            rows.append([_code(key), _code(shown), _rich(CONFIG_KEYS.get(key, ""))])
        return [_table(["key", "default", "what"], rows, [2, 2, 6])]


class ManifestFields(Directive):
    def run(self):
        from howtoctl.model import manifest

        known = [*manifest._FIELDS, "devices", "exempt"]
        entry = {f.name: f for f in dataclasses.fields(manifest.Entry)}
        missing = set(known) ^ set(MANIFEST_FIELDS)
        if missing:
            logger.warning(f"manifest-fields: documented and known fields differ: {missing}")
        rows = []
        for key in known:
            f = entry.get(key)
            kind = "array of tables" if key == "exempt" else _type_name(f.type if f else "")
            rows.append([_code(key), _code(kind), _rich(MANIFEST_FIELDS.get(key, ""))])
        return [_table(["field", "type", "what"], rows, [2, 2, 6])]


class ExitCodes(Directive):
    def run(self):
        from howtoctl import errors

        source = inspect.getsource(errors)
        rows = []
        for line in source.splitlines():
            if line.startswith("EXIT_") and "=" in line:
                name, rest = line.split("=", 1)
                value, _, comment = rest.partition("#")
                meaning = comment.strip() or "all good"
                rows.append([_code(value.strip()), _code(name.strip()), _rich(meaning)])
        rows.append([_code("130"), "", _rich("interrupted (Ctrl-C)")])
        return [_table(["code", "name", "meaning"], rows, [1, 2, 7])]


class Fields(Directive):
    """``{fields} howtoctl.inspection.Report``: the fields of a dataclass as ``--json`` shows
    them (`:exclude:` names fields it leaves out)."""

    required_arguments = 1
    option_spec = {"exclude": lambda arg: arg.split(), "only": lambda arg: arg.split()}

    def run(self):
        path, _, name = self.arguments[0].rpartition(".")
        cls = getattr(importlib.import_module(path), name)
        comments = _comments(cls)
        hints = typing.get_type_hints(cls, vars(importlib.import_module(path)))
        rows = []
        for f in dataclasses.fields(cls):
            if f.name in self.options.get("exclude", ()):
                continue
            if "only" in self.options and f.name not in self.options["only"]:
                continue
            tp = hints.get(f.name, f.type)
            what = comments.get(f.name, "")
            if isinstance(tp, type) and issubclass(tp, enum.Enum):
                values = ", ".join(f"`{m.value}`" for m in tp)
                what = f"{what}; one of {values}" if what else f"one of {values}"
                shown = "string"
            else:
                shown = _type_name(f.type)
            rows.append([_code(f.name), _code(shown), _rich(what)])
        return [_table(["field", "type", "what"], rows, [2, 2, 6])]


class Enum(Directive):
    """``{enum} module.Enum``: an enum's values, with the comment on each member's line."""

    required_arguments = 1

    def run(self):
        path, _, name = self.arguments[0].rpartition(".")
        cls = getattr(importlib.import_module(path), name)
        comments = _comments(cls)
        rows = [[_code(str(m.value)), _rich(comments.get(m.name, ""))] for m in cls]
        return [_table(["value", "what"], rows, [3, 7])]


class ActionInputs(SphinxDirective):
    """The inputs and outputs of the repository's GitHub Action, from its action.yml."""

    def run(self):
        import yaml

        path = os.path.join(_repository(self.env), "action.yml")
        self.env.note_dependency(path)
        with open(path, encoding="utf-8") as f:
            action = yaml.safe_load(f)
        rows = []
        for kind in ("inputs", "outputs"):
            for name, spec in (action.get(kind) or {}).items():
                default = spec.get("default", "")
                shown = f"default `{default}`" if default not in ("", None) else ""
                what = " ".join(str(spec.get("description", "")).split())
                rows.append([_code(name), kind[:-1], _rich(f"{what} {shown}".strip())])
        return [_table(["name", "kind", "what"], rows, [2, 1, 7])]


# --- benchmark results ---------------------------------------------------------------------


def _scalar(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if _scalar(value):
        return "" if value is None else str(value)
    if isinstance(value, list) and all(_scalar(v) for v in value):
        return ", ".join(_shown(v) for v in value)
    return json.dumps(value, separators=(", ", ": "))


def _records(items: list[dict]) -> nodes.Node:
    columns: list[str] = []
    for item in items:
        columns += [k for k in item if k not in columns]
    rows = [[_shown(item.get(c)) for c in columns] for item in items]
    return _table(columns, rows)


def _value_node(key: str, value) -> list[nodes.Node]:
    """One key of a results file: a table where the value has rows, else a line."""
    if not value:
        return [nodes.paragraph(text="(empty)")]
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        return [_records([{"": k, **v} for k, v in value.items()])]  # a row per key
    if isinstance(value, dict):
        return [_table(None, [[_code(k), _shown(v)] for k, v in value.items()], [3, 7])]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [_records(value)]
    return [_table(None, [[_code(key), _shown(value)]], [3, 7])]


def _results_dir(env) -> str:
    where = env.config.howtoctl_bench_results or os.path.join("bench", "results")
    return os.path.join(_repository(env), where)


def _repository(env) -> str:
    return os.path.abspath(os.path.join(str(env.srcdir), env.config.howtoctl_repository or "."))


class BenchResults(SphinxDirective):
    """Every JSON file under bench/results/, as the benchmark wrote it: its scalar values in
    one table, then a section per structured value."""

    def run(self):
        folder = _results_dir(self.env)
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
        out: list[nodes.Node] = []
        if not names:
            out.append(nodes.paragraph(text="No benchmark has written its results yet."))
        for name in names:
            path = os.path.join(folder, name)
            self.env.note_dependency(path)
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            section = nodes.section(ids=[nodes.make_id(f"bench-{name}")])
            section += nodes.title(text=name)
            rel = os.path.relpath(path, _repository(self.env)).replace(os.sep, "/")
            link = nodes.reference("", rel, refuri=f"{REPOSITORY_URL}/blob/main/{rel}")
            source = nodes.paragraph(text="Written by the benchmark to ")
            source += link
            section += source
            if not isinstance(data, dict):
                data = {"results": data}
            flat = [[_code(k), _shown(v)] for k, v in data.items() if _scalar(v)]
            flat += [
                [_code(k), _shown(v)]
                for k, v in data.items()
                if isinstance(v, list) and all(_scalar(x) for x in v)
            ]
            if flat:
                section += _table(None, flat, [3, 7])
            for key, value in data.items():
                if _scalar(value) or (isinstance(value, list) and all(_scalar(x) for x in value)):
                    continue
                sub = nodes.section(ids=[nodes.make_id(f"bench-{name}-{key}")])
                sub += nodes.title(text=key)
                sub += _value_node(key, value)
                section += sub
            out.append(section)
        return out


# --- links to tests --------------------------------------------------------------------------


def test_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{test}`tests/x_test.py::test_y``` (or just the file): a link to it in the repository,
    checked to exist."""
    env = inliner.document.settings.env
    path, _, func = text.partition("::")
    full = os.path.join(_repository(env), path)
    problem = ""
    if not os.path.isfile(full):
        problem = f"no such test file: {path}"
    elif func:
        with open(full, encoding="utf-8") as f:
            if f"def {func}(" not in f.read():
                problem = f"{path} has no test {func}"
    if problem:
        msg = inliner.reporter.warning(f"test role: {problem}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    env.note_dependency(full)
    node = nodes.reference(rawtext, "", refuri=f"{REPOSITORY_URL}/blob/main/{path}")
    node += nodes.literal(text=func or path)
    return [node], []


# --- one page per HOWTO ----------------------------------------------------------------------


def _write_howto_pages(app: Sphinx) -> None:
    from howtoctl.workspace import Workspace

    ws = Workspace(_repository(app.env), app.config.howtoctl_base)
    folder = os.path.join(str(app.srcdir), HOWTO_PAGES)
    if os.path.isdir(folder):
        if not os.path.exists(os.path.join(folder, MARKER)):
            raise RuntimeError(f"{folder} exists and was not written by this extension")
        shutil.rmtree(folder)
    os.makedirs(folder)
    pages, table = [], []
    for name in ws.names_in_manifest_order():
        diff = ws.read_diff(name)
        if not diff:
            continue
        title = ws.entry(name).title or name
        pages.append(name)
        table.append(_overview_row(ws, name, title, diff))
        page = f"# {title}\n\n:::{{container}} howto-page\n```{{howto}} {name}\n"
        page += ":view: side-by-side\n```\n:::\n"
        # A result may have no plot (a table only), never a plot without its numbers.
        if os.path.isfile(os.path.join(ws.repo.path(), "howtos", "results", f"{name}.json")):
            page += f"\n```{{howto-results}} {name}\n```\n"
        _write(os.path.join(folder, f"{name}.md"), page)
    index = (
        "# The HOWTOs\n\n"
        "Every HOWTO of this repository, as `howtoctl render` draws it, in the order the "
        "manifest lists them. Each page shows the side-by-side view of its diff and, on every "
        "hunk, the test that proves it. *Proved by* lists the tests that fail when one of "
        "its code hunks is taken out (`howtoctl prove --record`); *measured* is what "
        "`howtos/results/generate.py` measured on real data: each figure's mean and "
        "min-max over the seeds.\n\n"
        "| HOWTO | proved by | measured |\n|---|---|---|\n" + "".join(table) + "\n"
        "```{toctree}\n:maxdepth: 1\n\n" + "".join(f"{n}\n" for n in pages) + "```\n"
    )
    _write(os.path.join(folder, "index.md"), index)
    _write(os.path.join(folder, MARKER), "")


def _overview_row(ws, name: str, title: str, diff: bytes) -> str:
    """A HOWTO's line of the index: the tests its proof record names, and its measurements,
    both read from the files the tools write."""
    from howtoctl.model import proof
    from howtoctl.site import collect, results

    record = proof.read_record(collect.proof_record(ws, name), diff) or {}
    tests = dict.fromkeys(
        h["failing_test"]
        for h in record.values()
        if h.get("status") == proof.Status.PROVED and isinstance(h.get("failing_test"), str)
    )
    proved = ", ".join(f"`{t.rpartition('::')[2]}`" for t in tests) or "not proved yet"
    path = os.path.join(ws.repo.path(), "howtos", "results", f"{name}.json")
    data = None
    if os.path.isfile(path):
        with open(path, "rb") as f:
            data = f.read()
    measured = results.measured_text(data) or "&ndash;"
    cells = (f"[{title}]({name})", proved, measured)
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n"


class HowtoResults(SphinxDirective):
    """``{howto-results} NAME``: the HOWTO's real-data results (howtos/results/NAME.json and
    .svg) as `howtoctl render` shows them."""

    required_arguments = 1

    def run(self):
        from howtoctl.site import results

        folder = os.path.join(_repository(self.env), "howtos", "results")
        found = {}
        for suffix in ("json", "svg"):
            path = os.path.join(folder, f"{self.arguments[0]}.{suffix}")
            self.env.note_dependency(path)
            if suffix == "json" or os.path.isfile(path):
                with open(path, "rb") as f:
                    found[suffix] = f.read()
        html = results.results_html(found["json"], found.get("svg"))
        return [nodes.raw("", f'<div class="howtoctl">{html}</div>', format="html")]


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def setup(app: Sphinx) -> dict:
    # Where the benchmarks' JSON files are, relative to the repository (a test points it
    # elsewhere).
    app.add_config_value("howtoctl_bench_results", None, "env", types=[str, type(None)])
    app.add_directive("config-keys", ConfigKeys)
    app.add_directive("manifest-fields", ManifestFields)
    app.add_directive("exit-codes", ExitCodes)
    app.add_directive("fields", Fields)
    app.add_directive("enum", Enum)
    app.add_directive("action-inputs", ActionInputs)
    app.add_directive("howto-results", HowtoResults)
    app.add_directive("bench-results", BenchResults)
    app.add_role("test", test_role)
    app.connect("builder-inited", _write_howto_pages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
