#!/usr/bin/env bash
# Installs the Verdict client into its own virtualenv under RUNNER_TEMP (the runner's
# system Python may refuse pip installs) and puts it on PATH for the next steps.
# VERDICT_INSTALL: a version (0.1.0 -> verdict==0.1.0), any pip requirement, or empty:
# the client at this action's own ref (the repository GitHub checked out for it).
set -euo pipefail
python="${VERDICT_PYTHON:-python3}"
venv="${RUNNER_TEMP:-/tmp}/verdict-venv"
spec="${VERDICT_INSTALL:-}"
if [[ -z "$spec" ]]; then
  spec="$(cd "$GITHUB_ACTION_PATH/../.." && pwd)"
elif [[ "$spec" =~ ^[0-9][0-9A-Za-z.+-]*$ ]]; then
  spec="verdict==$spec"
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
echo "$venv/bin" >> "${GITHUB_PATH:-/dev/null}"
echo "VERDICT_COMMAND=$venv/bin/verdict" >> "${GITHUB_ENV:-/dev/null}"
