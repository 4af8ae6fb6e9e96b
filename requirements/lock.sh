#!/usr/bin/env bash
# Regenerate the locks from pyproject.toml's ranges: one resolution for every platform and
# Python >= 3.11 (--universal), a hash for every file (pip installs them with --require-hashes).
#   bash requirements/lock.sh                       # re-resolve, keeping versions where possible
#   bash requirements/lock.sh --upgrade             # move everything to the newest releases
#   bash requirements/lock.sh --upgrade-package jax # move one package
# Needs uv (python3 -m pip install uv).
set -euo pipefail
cd "$(dirname "$0")/.."
compile() {
  uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 --quiet \
    --custom-compile-command "bash requirements/lock.sh" "$@"
}
# The development and CI environment: what .ci/run, the workflows and the README install.
compile --extra examples --extra dev --extra docs -o requirements/dev.txt "$@"
# The same plus jax's TPU runtime, for the self-hosted TPU runner only.
compile --extra examples --extra dev --extra docs --extra tpu -o requirements/tpu.txt "$@"
