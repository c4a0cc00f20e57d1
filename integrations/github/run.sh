#!/usr/bin/env bash
# The steps of the sagewarden GitHub Action (action.yml at the repository root):
#   run.sh install   create a virtualenv and install sagewarden into it
#   run.sh scan      scan, write the SARIF file, print the report; record the exit code
#   run.sh verdict   after the SARIF upload: fail the job with the scan's exit code
# Every input arrives in an environment variable (SW_*), never in this text or in the
# action's `run:` lines, as GitHub's security hardening guide advises against script
# injection. List inputs are split into shell words (quotes honoured) and nothing in them
# is expanded, globbed or run.
set -euo pipefail

venv="${SW_VENV:-${RUNNER_TEMP:-/tmp}/sagewarden-venv}"

say() { printf 'sagewarden action: %s\n' "$*" >&2; }

# Record one step output for the later steps (GITHUB_OUTPUT; ignored outside Actions).
output() {
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

# words VAR NAME ARRAY: the shell words of environment variable VAR into ARRAY (input
# NAME in the message when the quotes do not close). Python's shlex splits; nothing runs.
words() {
    local tmp status=0
    tmp="$(mktemp)"
    "$venv/bin/python" -I -c '
import os, shlex, sys
try:
    found = shlex.split(os.environ.get(sys.argv[1], ""))
except ValueError as e:
    sys.exit(f"sagewarden action: input {sys.argv[2]}: {e}")
sys.stdout.write("".join(w + "\0" for w in found))
' "$1" "$2" >"$tmp" || status=$?
    if ((status == 0)); then
        mapfile -d '' -t "$3" <"$tmp"
    fi
    rm -f -- "$tmp"
    return "$status"
}

install() {
    local source="${SW_VERSION:-}"
    if [[ -z "$source" ]]; then
        source="${SW_ACTION_PATH:?SW_ACTION_PATH (the action checkout) is not set}"
    elif [[ "$source" =~ ^[0-9][0-9A-Za-z.!+-]*$ ]]; then
        source="sagewarden==$source"
    elif [[ "$source" == -* ]]; then
        say "input version is a pip requirement, not an option: $source"
        exit 2
    fi
    "${SW_PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -- "$source"
    "$venv/bin/sagewarden" --version
}

scan() {
    local sarif="${SW_SARIF_FILE:-sagewarden.sarif}" code=0 token
    local -a paths=() controls=() cfn=() extra=() options
    if [[ "$sarif" == *$'\n'* || -z "$sarif" ]]; then
        say "input sarif-file must be one file name"
        output exit-code 2
        return 0
    fi
    if ! { words SW_PATHS paths paths && words SW_CONTROLS controls controls &&
        words SW_CFN_PARAMS cfn-params cfn && words SW_ARGS args extra; }; then
        output exit-code 2
        return 0
    fi
    ((${#paths[@]})) || paths=(.)
    options=(--no-history --fail-on "${SW_FAIL_ON:-low}")
    for c in "${controls[@]}"; do options+=(--control "$c"); done
    for p in "${cfn[@]}"; do options+=(--cfn-param "$p"); done
    options+=("${extra[@]}")

    "$venv/bin/sagewarden" scan "${options[@]}" --quiet --format sarif --output="$sarif" \
        -- "${paths[@]}" || code=$?
    output exit-code "$code"
    if [[ -s "$sarif" ]]; then
        output sarif-file "$sarif"
    fi
    # The report for the log, with workflow commands off: names in templates are not
    # commands (https://docs.github.com/actions/reference/workflow-commands).
    token="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    echo "::stop-commands::$token"
    "$venv/bin/sagewarden" scan "${options[@]}" --quiet --fail-on never -- "${paths[@]}" \
        2>/dev/null || true
    echo "::$token::"
    return 0
}

verdict() {
    local code="${SW_EXIT_CODE:-}"
    case "$code" in
    0)
        echo "sagewarden: no control at or above the fail-on severity failed"
        ;;
    1)
        echo "::error title=sagewarden::a control at or above the fail-on severity failed" \
            "(the scan step lists it; code scanning shows it once the SARIF is processed)"
        ;;
    2)
        echo "::error title=sagewarden::bad input: an input of the action, a file or an item" \
            "could not be used (the scan step says which); everything else was evaluated"
        ;;
    3)
        echo "::error title=sagewarden::something could not be read (the scan step says what)"
        ;;
    *)
        echo "::error title=sagewarden::the scan did not run (see the steps above)"
        code=2
        ;;
    esac
    exit "$code"
}

case "${1:-}" in
install | scan | verdict) "$1" ;;
*)
    say "usage: run.sh install|scan|verdict"
    exit 2
    ;;
esac
