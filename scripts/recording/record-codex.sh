#!/usr/bin/env bash
# Records genuine Codex CLI rollout files for confab's importer tests.
#
# Why: the importer must be proven against what the real client writes, not against imitations.
# This installs the pinned Codex from npm into a throw-away prefix, runs it with a throw-away
# HOME and CODEX_HOME against scripts/recording/fake_responses.py (bound to 127.0.0.1 only), and
# copies the rollouts it wrote ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl) into
# formats/codex/tests/fixtures/recorded/<scenario>/.
#
# Usage: scripts/recording/record-codex.sh [exec]   (no argument: all scenarios)
#   KEEP_WORK=1 keeps the temp dir (request log, CODEX_HOME) for a look.
# Needs: npm, python3 (3.11, stdlib only).
set -euo pipefail

CODEX_VERSION="0.171.0"
MODEL="gpt-5-codex"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/formats/codex/tests/fixtures/recorded"
WORK="$(mktemp -d /tmp/confab-rec-codex.XXXXXX)"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [[ "${KEEP_WORK:-0}" == "1" ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

say() { echo "== $*" >&2; }

install_client() {
    say "installing @openai/codex@$CODEX_VERSION into $WORK/npm"
    npm install --prefix "$WORK/npm" --no-audit --no-fund --loglevel=error "@openai/codex@$CODEX_VERSION" >&2
    CODEX="$WORK/npm/node_modules/.bin/codex"
    local version
    version="$("$CODEX" --version)"
    say "client: $version"
    [[ "$version" == *"$CODEX_VERSION"* ]] || { echo "unexpected version: $version" >&2; exit 1; }
}

start_server() {
    say "starting the fake Responses server"
    python3 "$HERE/fake_responses.py" --port-file "$WORK/port" --log "$WORK/requests.jsonl" \
        2>"$WORK/server.stderr" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        [[ -s "$WORK/port" ]] && break
        sleep 0.1
    done
    [[ -s "$WORK/port" ]] || { echo "fake server did not start" >&2; exit 1; }
    PORT="$(cat "$WORK/port")"
    say "fake server on 127.0.0.1:$PORT"
}

prepare_scenario() {
    local name="$1"
    SCENARIO_HOME="$WORK/$name/home"
    CODEX_HOME_DIR="$WORK/$name/codex-home"
    PROJECT="$WORK/$name/project"
    mkdir -p "$SCENARIO_HOME" "$CODEX_HOME_DIR" "$PROJECT"
    printf 'hello\n' >"$PROJECT/notes.txt"
    printf 'print("hi")\n' >"$PROJECT/main.py"
    cat >"$CODEX_HOME_DIR/config.toml" <<TOML
model = "$MODEL"
model_provider = "fake"
model_reasoning_effort = "medium"
model_reasoning_summary = "auto"

[model_providers.fake]
name = "Fake Responses API"
base_url = "http://127.0.0.1:$PORT/v1"
wire_api = "responses"
env_key = "FAKE_OPENAI_API_KEY"
TOML
}

# The client's environment: nothing from the caller's but PATH, so no real key or setting leaks in.
run_codex() {
    (cd "$PROJECT" && env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$SCENARIO_HOME" \
        "CODEX_HOME=$CODEX_HOME_DIR" "LANG=C.UTF-8" "FAKE_OPENAI_API_KEY=sk-fake" \
        "$CODEX" "$@")
}

rollouts() {
    { find "$CODEX_HOME_DIR/sessions" -name 'rollout-*.jsonl' -type f 2>/dev/null || true; } | sort
}

keep_rollouts() {
    local name="$1"
    rm -rf "${OUT:?}/$name"
    mkdir -p "$OUT/$name"
    # Keep the sessions/YYYY/MM/DD/ layout Codex wrote.
    (cd "$CODEX_HOME_DIR" && find sessions -name 'rollout-*.jsonl' -type f) | while read -r file; do
        mkdir -p "$OUT/$name/$(dirname "$file")"
        cp "$CODEX_HOME_DIR/$file" "$OUT/$name/$file"
    done
    say "kept $name:"
    (cd "$OUT/$name" && find . -type f | sort) >&2
}

record_exec() {
    say "scenario exec"
    prepare_scenario exec
    # read-only is enough for `ls`; the sandbox itself is part of what Codex records.
    run_codex exec --skip-git-repo-check -s read-only "RUN_SHELL: please list the files in this folder." >&2
    [[ -n "$(rollouts)" ]] || { echo "exec: no rollout was written" >&2; exit 1; }
    run_codex exec --skip-git-repo-check -s read-only resume --last "Thanks. Which of them is a Python file?" >&2
    keep_rollouts exec
}

main() {
    local scenarios=("$@")
    [[ ${#scenarios[@]} -gt 0 ]] || scenarios=(exec)
    install_client
    start_server
    mkdir -p "$OUT"
    for scenario in "${scenarios[@]}"; do
        case "$scenario" in
        exec) record_exec ;;
        *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
        esac
    done
    echo "@openai/codex $CODEX_VERSION" >"$OUT/CLIENT_VERSION"
    say "done; request log: $WORK/requests.jsonl (kept only with KEEP_WORK=1)"
}

main "$@"
