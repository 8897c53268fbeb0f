#!/usr/bin/env bash
# Builds the `verdict analyze` command from the action's inputs (INPUT_*) and runs it;
# VERDICT_URL and VERDICT_API_KEY come from the environment. Sets the step's outputs
# (exit-code, job-id, report-url) and appends the Markdown summary to the step summary.
set -uo pipefail
verdict="${VERDICT_COMMAND:-verdict}"
out_dir="${RUNNER_TEMP:-/tmp}"
json_out="$out_dir/verdict-result.json"
markdown="${INPUT_MARKDOWN:-}"
[[ -n "$markdown" ]] || markdown="$out_dir/verdict-summary.md"

args=(analyze)
read -r -a paths <<< "$(printf '%s' "${INPUT_PATH:-}" | tr '\n' ' ')"
args+=("${paths[@]}")
[[ -n "${INPUT_FAIL_ON:-}" ]] && args+=(--fail-on "$INPUT_FAIL_ON")
[[ -n "${INPUT_JOB_NAME:-}" ]] && args+=(--job-name "$INPUT_JOB_NAME")
while IFS= read -r label; do
  label="${label#"${label%%[![:space:]]*}"}"
  [[ -n "$label" ]] && args+=(--label "$label")
done <<< "${INPUT_LABELS:-}"
[[ -n "${INPUT_JUNIT_OUT:-}" ]] && args+=(--junit-out "$INPUT_JUNIT_OUT")
args+=(--markdown "$markdown" --json-out "$json_out")
[[ "${INPUT_ALLOW_NO_FILES:-false}" == "true" ]] && args+=(--allow-no-files)
if [[ -n "${INPUT_ARGS:-}" ]]; then
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi

"$verdict" "${args[@]}"
code=$?

{
  echo "exit-code=$code"
  if [[ -s "$json_out" ]]; then
    python3 - "$json_out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
print(f"job-id={data.get('job_id') or ''}")
print(f"report-url={data.get('report_url') or ''}")
PY
  fi
} >> "${GITHUB_OUTPUT:-/dev/null}"

if [[ "${INPUT_STEP_SUMMARY:-true}" == "true" && -s "$markdown" && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$markdown" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$code"
