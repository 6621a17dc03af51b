#!/usr/bin/env bash
# Records genuine Codex CLI rollout files for confab's importer tests.
#
# Why: the importer must be proven against what the real client writes, not against imitations.
# This installs the pinned Codex from npm into a throw-away prefix, runs it with a throw-away
# HOME and CODEX_HOME against scripts/recording/fake_responses.py (bound to 127.0.0.1 only), and
# copies the rollouts it wrote ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl) into
# formats/codex/tests/fixtures/recorded/<scenario>/.
#
# Usage: scripts/recording/record-codex.sh [exec] [tui]   (no argument: both)
#   KEEP_WORK=1 keeps the temp dir (request log, CODEX_HOME) for a look.
# Needs: npm, python3 (3.11, stdlib only), tmux (for tui).
set -euo pipefail

CODEX_VERSION="0.171.0"
MODEL="gpt-5-codex"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/formats/codex/tests/fixtures/recorded"
WORK="$(mktemp -d /tmp/confab-rec-codex.XXXXXX)"
TMUX_SOCKET="confab-rec-codex-$$"
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
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

screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t rec; }

type_line() {
    tmux -L "$TMUX_SOCKET" send-keys -t rec -l "$1"
    sleep 0.7
    tmux -L "$TMUX_SOCKET" send-keys -t rec Enter
}

# Wait until the rollout holds the given number of finished turns (`task_complete` events).
wait_turns() {
    local want="$1" what="$2" file have
    for _ in $(seq 1 300); do
        file="$(rollouts | head -n 1)"
        if [[ -n "$file" ]]; then
            have="$(grep -c '"type":"task_complete"' "$file" || true)"
            if [[ "$have" -ge "$want" ]]; then sleep 1; return 0; fi
        fi
        sleep 0.2
    done
    screen >"$WORK/tui/screen-timeout.txt" || true
    echo "tui: timed out waiting for the end of $what (screen in $WORK/tui)" >&2
    exit 1
}

wait_for() {
    local pattern="$1" what="$2"
    for _ in $(seq 1 300); do
        if screen | grep -Eq "$pattern"; then return 0; fi
        sleep 0.2
    done
    screen >"$WORK/tui/screen-timeout.txt" || true
    echo "tui: timed out waiting for $what (screen in $WORK/tui)" >&2
    exit 1
}

# The interactive client, driven through tmux: a prompt with a tool call, /status (a local
# command), !ls (a shell command the person runs), a second prompt, /quit.
record_tui() {
    say "scenario tui (interactive, through tmux)"
    prepare_scenario tui
    printf '\n[projects."%s"]\ntrust_level = "trusted"\n' "$PROJECT" >>"$CODEX_HOME_DIR/config.toml"
    local command
    command="env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$SCENARIO_HOME CODEX_HOME=$CODEX_HOME_DIR"
    command+=" LANG=C.UTF-8 TERM=xterm-256color FAKE_OPENAI_API_KEY=sk-fake $CODEX -s read-only -a never"
    tmux -L "$TMUX_SOCKET" new-session -d -s rec -x 160 -y 50 -c "$PROJECT" "$command; sleep 30"
    wait_for 'Ask Codex to do anything' "the input box"

    type_line "RUN_SHELL: please list the files in this folder."
    wait_turns 1 "the first prompt"
    type_line "/status"
    wait_for 'Model provider' "the /status output"
    sleep 1
    type_line "!ls"
    wait_turns 2 "!ls"
    type_line "Thanks. Which of them is a Python file?"
    wait_turns 3 "the second prompt"
    screen >"$WORK/tui/screen-before-quit.txt"
    type_line "/quit"
    for _ in $(seq 1 100); do
        screen 2>/dev/null | grep -q 'codex resume' && break
        sleep 0.2
    done
    stop_daemon
    keep_rollouts tui
}

# The interactive client leaves a background app-server daemon running from CODEX_HOME: stop it
# with its own command, then end any of its processes still left, by pid (only those started
# from this scenario's CODEX_HOME).
stop_daemon() {
    run_codex app-server daemon stop >&2 || true
    sleep 2
    local pid exe
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
        if [[ "$exe" == "$CODEX_HOME_DIR/"* ]]; then kill "$pid" 2>/dev/null || true; fi
    done
}

main() {
    local scenarios=("$@")
    [[ ${#scenarios[@]} -gt 0 ]] || scenarios=(exec tui)
    install_client
    start_server
    mkdir -p "$OUT"
    for scenario in "${scenarios[@]}"; do
        case "$scenario" in
        exec) record_exec ;;
        tui) record_tui ;;
        *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
        esac
    done
    echo "@openai/codex $CODEX_VERSION" >"$OUT/CLIENT_VERSION"
    say "done; request log: $WORK/requests.jsonl (kept only with KEEP_WORK=1)"
}

main "$@"
