"""What `howtoctl init` writes into a repository: pure, settings in, {path: text} out.

Every file is written for that repository: its base branch, branch prefix, diff directory,
manifest, example and lock. The workflows run howtoctl through its GitHub Action (action.yml at
the root of howtoctl's own repository), pinned to `action_ref`.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re

from howtoctl.model import config

ACTION_REPO = "howtoctl/howtoctl"
HOOKS_REPO = "https://github.com/howtoctl/howtoctl"
GUIDE = "howtos/MAINTAINING.md"  # where `howtoctl render` looks for the maintainer guide
PR_WORKFLOW = ".github/workflows/howtos.yml"
PUBLISH_WORKFLOW = ".github/workflows/howtos-publish.yml"
PRE_COMMIT = ".pre-commit-config.yaml"
PYPROJECT = "pyproject.toml"
GITIGNORE = ".gitignore"
# `howtoctl render`'s default output directory, a build product like any other.
SITE_IGNORE = "/site/"
# The Python the action sets up unless told otherwise (action.yml's python-version default).
RUNNER_PYTHON = "3.11"
# actions/checkout, pinned by commit as everywhere in howtoctl's own workflows.
CHECKOUT = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0"


@dataclasses.dataclass(frozen=True)
class Settings:
    base: str
    branch_prefix: str = config.DEFAULT_PREFIX
    diff_dir: str = config.DEFAULT_DIFF_DIR
    manifest: str = config.DEFAULT_MANIFEST
    example: str = ""  # the example directory HOWTOs modify ("" when not given)
    requirements: str = ""  # the lock the smoke tests install ("" when there is none)
    action_ref: str = "main"  # a commit sha (best), a tag, or a branch of howtoctl
    hook: bool = True  # the pre-commit hook is configured (the guide says it runs)


def manifest_text() -> str:
    return (
        "# HOWTO metadata for howtoctl: one [howtos.NAME] table per HOWTO, in the order they\n"
        "# are shown (title, summary, example, test). `howtoctl new NAME` adds one.\n"
    )


def _yaml_string(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar (JSON is YAML 1.2).
    return json.dumps(value)


def _sub(text: str, s: Settings) -> str:
    example = s.example or "path/to/example"
    check_runs = (
        "It\n  runs as a pre-commit hook (`.pre-commit-config.yaml`, once you ran `pre-commit "
        "install`)\n  and on every pull request."
        if s.hook
        else "It\n  runs on every pull request."
    )
    replacements = {
        "@CHECK_RUNS@": check_runs,
        "@NEW_EXAMPLE@": "" if s.example else " --example path/to/example",
        # Values inside YAML are quoted: a branch name may hold ',', '#', '!' or quotes, which
        # would widen a trigger or change the document if written bare.
        "@BASE_YAML@": _yaml_string(s.base),
        "@PUBLISH_JOB_YAML@": _yaml_string(f"publish {s.branch_prefix}* branches"),
        "@BASE@": s.base,
        "@PREFIX@": s.branch_prefix,
        "@DIFFS@": s.diff_dir.rstrip("/"),
        "@MANIFEST@": s.manifest,
        "@EXAMPLE@": example,
        "@ACTION@": f"{ACTION_REPO}@{s.action_ref}",
        "@REF@": s.action_ref,
        "@GUIDE@": GUIDE,
        "@REQ@": (
            f"\n          requirements: {_yaml_string(s.requirements)}" if s.requirements else ""
        ),
    }
    for key, value in replacements.items():
        text = text.replace(key, value)
    return text


_GUIDE = """\
# Maintaining HOWTOs

A HOWTO is a small diff against one of this repository's examples that shows how to do one
thing. This guide is for the people who write them; readers only need the diffs (or the
`@PREFIX@NAME` branches).

## Where they live

| where | what it is for |
| --- | --- |
| `@DIFFS@/NAME.diff` on `@BASE@` | the durable truth: reviewed, versioned, released |
| branch `@PREFIX@NAME` | a working copy to check out, edit, run and test like any code |
| `@MANIFEST@` | title, summary, example and smoke test of each HOWTO, in the order shown |

Readers get one with `git checkout @PREFIX@NAME`, or apply it to their own branch with
`git apply --3way @DIFFS@/NAME.diff`.

## Add a HOWTO

On `@BASE@`, with a clean work tree:

```sh
howtoctl new NAME --title "What it shows"@NEW_EXAMPLE@   # commits its manifest entry
git switch @PREFIX@NAME
# ... change the example, with a test that proves the change does what it claims ...
git commit -am "NAME: what it changes"
git switch @BASE@
howtoctl save NAME
git add @DIFFS@/NAME.diff && git commit -m "Add the NAME HOWTO"
```

`howtoctl drop NAME` removes a HOWTO again: its diff, manifest entry and branch (the branch's
tip is backed up; `howtoctl undo` brings it back).

Keep it to one idea in as few lines as make it clear; anything else belongs in the example.

## Edit one

`howtoctl restore NAME` recreates the branch from its diff if you do not have it (a fresh
clone), in memory: your work tree is untouched. Then switch to `@PREFIX@NAME`, commit, switch
back to `@BASE@`, `howtoctl save NAME` and commit the diff. Never edit a `.diff` by hand.

## When the examples change

```sh
howtoctl rebase-all          # every HOWTO branch onto the new tip of @BASE@, in memory
howtoctl resolve NAME        # only for those it reports as conflicted, then --continue
howtoctl save --all
git add @DIFFS@ && git commit -m "Rebase the HOWTOs"
```

Old branch tips are backed up first; `howtoctl undo` puts them back.

## The gate

- `howtoctl check`: every diff parses, applies to the staged tree and matches its branch. @CHECK_RUNS@
- `howtoctl test NAME`: the HOWTO's smoke test (the manifest's `test`) on emulated devices.
- `.github/workflows/howtos.yml` runs check and the smoke tests of the HOWTOs a pull request
  could break; `.github/workflows/howtos-publish.yml` restores and pushes the `@PREFIX@*`
  branches after every push to `@BASE@`.
- `howtoctl list` shows every HOWTO and its state; `howtoctl render` writes a static HOWTOs
  page (this guide included) in `site/`, which git ignores.
"""

_PR = """\
# HOWTOs gate (written by `howtoctl init`): every HOWTO diff applies and matches its branch, and
# the HOWTOs a pull request could break still pass their smoke tests on 8 emulated CPU devices.
# Locally: howtoctl check; howtoctl test NAME.
name: HOWTOs

on:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: howtos-${{ github.event.pull_request.number || github.ref }}
  cancel-in-progress: true

jobs:
  check:
    name: howtoctl check
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: @CHECKOUT@
        with:
          fetch-depth: 0
          persist-credentials: false
      # The job summary lists the HOWTOs the change could break and what their authors run.
      - uses: @ACTION@
        with:
          command: check
          changed-since: ${{ github.base_ref && format('origin/{0}', github.base_ref) || '' }}

  matrix:
    name: affected HOWTOs
    runs-on: ubuntu-latest
    timeout-minutes: 10
    outputs:
      matrix: ${{ steps.matrix.outputs.matrix }}
      any: ${{ steps.matrix.outputs.any }}
    steps:
      - uses: @CHECKOUT@
        with:
          fetch-depth: 0
          persist-credentials: false
      - id: matrix
        uses: @ACTION@
        with:
          command: matrix
          changed-since: ${{ github.base_ref && format('origin/{0}', github.base_ref) || '' }}

  smoke:
    name: smoke ${{ matrix.name }}
    needs: matrix
    if: needs.matrix.outputs.any == 'true'
    runs-on: ubuntu-latest
    timeout-minutes: 30
    strategy:
      fail-fast: false
      matrix: ${{ fromJSON(needs.matrix.outputs.matrix) }}
    steps:
      - uses: @CHECKOUT@
        with:
          persist-credentials: false
      - uses: @ACTION@
        with:
          command: test
          args: ${{ matrix.name }}
          devices: "8"@REQ@
"""

_PUBLISH = """\
# After every push to @BASE@ (written by `howtoctl init`): check the HOWTOs again, recreate the
# @PREFIX@* branches from the committed diffs and push them, so readers can check them out.
# Only this job may write to the repository, and only its push step sees the token.
name: Publish HOWTO branches

on:
  push:
    branches: [@BASE_YAML@]
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: howtos-publish
  cancel-in-progress: true

jobs:
  publish:
    name: @PUBLISH_JOB_YAML@
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: write
    steps:
      - uses: @CHECKOUT@
        with:
          persist-credentials: false
      - uses: @ACTION@
        with:
          command: check
      - name: Identity for the restored commits
        run: |
          git config user.name "github-actions[bot]"
          git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
      - name: Restore every branch from its diff
        run: howtoctl restore --all
      - name: Push them (force-with-lease) and delete branches of removed HOWTOs
        env:
          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
          GIT_CONFIG_COUNT: "1"
          GIT_CONFIG_KEY_0: credential.helper
          GIT_CONFIG_VALUE_0: '!f() { echo username=x-access-token; echo "password=$GITHUB_TOKEN"; }; f'
        run: howtoctl publish --remote origin
"""

_PRE_COMMIT = """\
# pre-commit hooks (https://pre-commit.com), written by `howtoctl init`: `pre-commit install`,
# then every commit checks that the HOWTO diffs still apply and match their branches.
repos:
  - repo: @HOOKS@
    rev: @REF@
    hooks:
      - id: howtoctl-check
"""


def pre_commit_entry(s: Settings) -> str:
    """The hook entry, to add by hand where a .pre-commit-config.yaml already exists."""
    body = _PRE_COMMIT.split("repos:\n", 1)[1]
    return _sub(body.replace("@HOOKS@", HOOKS_REPO), s)


def files(s: Settings) -> dict[str, str]:
    """{repository path: text} of everything `init` writes, in the order it reports them."""
    return {
        s.manifest: manifest_text(),
        GUIDE: _sub(_GUIDE, s),
        PRE_COMMIT: _sub(_PRE_COMMIT.replace("@HOOKS@", HOOKS_REPO), s),
        PR_WORKFLOW: _sub(_PR.replace("@CHECKOUT@", CHECKOUT), s),
        PUBLISH_WORKFLOW: _sub(_PUBLISH.replace("@CHECKOUT@", CHECKOUT), s),
    }


def find_requirements(exists, example: str) -> str:
    """The lock the smoke tests install: the example's own, else the repository's, else ''."""
    candidates = []
    if example:
        candidates.append(posixpath.join(example, "requirements.txt"))
    candidates += ["requirements/dev.txt", "requirements-dev.txt", "requirements.txt"]
    return next((c for c in candidates if exists(c)), "")


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes).
    # JSON leaves DEL as it is, which TOML allows in no string.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


_TOOL_HEADER = re.compile(
    r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*howtoctl[ \t]*\][ \t]*(#[^\r\n]*)?\r?$", re.M
)


def config_lines(values: dict[str, str]) -> str:
    return "".join(f"{key} = {_toml_string(value)}\n" for key, value in values.items())


def pyproject_with(text: str | None, values: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """(pyproject.toml's new text, the keys added) with each of `values` set in
    [tool.howtoctl] where it is not set yet; (None, {}) when nothing is missing. Text outside
    the added lines is kept byte for byte. HowtoError when the result would not read back."""
    import tomllib

    from howtoctl.errors import HowtoError

    current = {}
    if text is not None:
        current = tomllib.loads(text).get("tool", {}).get("howtoctl", {})
    missing = {k: v for k, v in values.items() if k not in current}
    if not missing:
        return None, {}
    # The added lines end as the file's own do: a CRLF file stays CRLF.
    nl = "\r\n" if text and "\r\n" in text else "\n"
    lines = config_lines(missing).replace("\n", nl)
    if text is None:
        new = "[tool.howtoctl]\n" + lines
    elif match := _TOOL_HEADER.search(text):
        at = match.end() + 1 if match.end() < len(text) else len(text)
        new = text[: match.end()] + "\n" + lines + text[at:]
    else:
        new = text + ("" if not text or text.endswith("\n") else nl) + f"{nl}[tool.howtoctl]{nl}"
        new += lines
    try:
        written = tomllib.loads(new).get("tool", {}).get("howtoctl", {})
    except tomllib.TOMLDecodeError:
        written = {}
    if any(written.get(k) != v for k, v in values.items() if k in missing):
        raise HowtoError(
            "cannot add the settings to [tool.howtoctl] in pyproject.toml without rewriting "
            "what is there; nothing was written",
            "add them under [tool.howtoctl] yourself, then run init again:\n" + lines.rstrip(),
        )
    return new, missing


def gitignore_with(text: str | None) -> str | None:
    """.gitignore's new text with howtoctl render's output ignored; None when it already is."""
    patterns = {line.strip() for line in (text or "").splitlines()}
    if patterns & {"site", "site/", "/site", "/site/"}:
        return None
    prefix = "" if not text or text.endswith("\n") else "\n"
    return (text or "") + prefix + "# howtoctl render's output\n" + SITE_IGNORE + "\n"


_HOOK_ID = re.compile(r"""^[\s-]*id:\s*['"]?howtoctl-check['"]?\s*(#.*)?$""", re.M)


def has_hook(pre_commit_text: str) -> bool:
    """Whether a .pre-commit-config.yaml lists the howtoctl-check hook."""
    return bool(_HOOK_ID.search(pre_commit_text))
