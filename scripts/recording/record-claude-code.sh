#!/usr/bin/env bash
# Records genuine Claude Code session files for confab's importer tests.
#
# Why: the importer must be proven against what the real client writes, not against imitations.
# This installs the pinned Claude Code from npm into a throw-away prefix, runs it with a
# throw-away HOME against scripts/recording/fake_anthropic.py (bound to 127.0.0.1 only), and
# copies the session files it wrote into formats/claude-code/tests/fixtures/recorded/<scenario>/,
# keeping the folder layout of ~/.claude/projects/<encoded cwd>/ (sub-agents included).
#
# Usage: scripts/recording/record-claude-code.sh [main] [subagent] [subagent-foreground] [local-commands]
#   (no argument: all four). KEEP_WORK=1 keeps the temp dir (request log, screens) for a look.
# Needs: npm, python3 (3.11, stdlib only), tmux (for local-commands).
set -euo pipefail

CLAUDE_CODE_VERSION="2.1.332"
FAKE_KEY="sk-ant-fake"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/formats/claude-code/tests/fixtures/recorded"
WORK="$(mktemp -d /tmp/confab-rec-claude.XXXXXX)"
TMUX_SOCKET="confab-rec-claude-$$"
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
    say "installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into $WORK/npm"
    npm install --prefix "$WORK/npm" --no-audit --no-fund --loglevel=error \
        "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >&2
    # The package's bin is a placeholder that its postinstall step replaces with the native
    # binary of the platform package; npm may not run that step, so use the platform binary.
    CLAUDE="$(find "$WORK/npm/node_modules/@anthropic-ai" -maxdepth 2 -type f -name claude -perm -u+x | head -n 1)"
    if [[ -z "$CLAUDE" ]]; then
        echo "no native claude binary found under $WORK/npm/node_modules/@anthropic-ai" >&2
        exit 1
    fi
    local version
    version="$("$CLAUDE" --version)"
    say "client: $version"
    [[ "$version" == "$CLAUDE_CODE_VERSION"* ]] || { echo "unexpected version: $version" >&2; exit 1; }
}

start_server() {
    say "starting the fake Anthropic server"
    python3 "$HERE/fake_anthropic.py" --port-file "$WORK/port" --log "$WORK/requests.jsonl" \
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

# A fresh HOME and project folder for one scenario, with onboarding and the folder's trust
# dialog already accepted so the interactive client goes straight to its prompt.
prepare_scenario() {
    local name="$1"
    SCENARIO_HOME="$WORK/$name/home"
    PROJECT="$WORK/$name/project"
    mkdir -p "$SCENARIO_HOME" "$PROJECT"
    printf 'hello\n' >"$PROJECT/notes.txt"
    printf 'print("hi")\n' >"$PROJECT/main.py"
    python3 - "$SCENARIO_HOME/.claude.json" "$PROJECT" "$FAKE_KEY" <<'EOF'
import json, sys
path, project, key = sys.argv[1:]
config = {
    "hasCompletedOnboarding": True,
    "theme": "dark",
    "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
    "projects": {project: {"hasTrustDialogAccepted": True, "hasCompletedProjectOnboarding": True}},
}
with open(path, "w") as out:
    json.dump(config, out, indent=2)
EOF
}

# The client's environment: nothing from the caller's, so no real key or setting leaks in.
client_env() {
    CLIENT_ENV=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$SCENARIO_HOME" "TERM=xterm-256color"
        "LANG=C.UTF-8" "ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT" "ANTHROPIC_API_KEY=$FAKE_KEY"
        "DISABLE_TELEMETRY=1" "DISABLE_AUTOUPDATER=1" "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")
}

run_print() {
    client_env
    (cd "$PROJECT" && "${CLIENT_ENV[@]}" "$CLAUDE" -p "$@")
}

# The one session file the scenario wrote (its name is the session id).
session_file() {
    { find "$SCENARIO_HOME/.claude/projects" -maxdepth 2 -name '*.jsonl' -type f 2>/dev/null || true; } | head -n 1
}

keep_files() {
    local name="$1" folder
    folder="$(dirname "$(session_file)")"
    rm -rf "${OUT:?}/$name"
    mkdir -p "$OUT/$name"
    # Everything Claude Code wrote for the project, but empty folders (the auto-memory one).
    cp -a "$folder/." "$OUT/$name/"
    find "$OUT/$name" -mindepth 1 -type d -empty -delete
    say "kept $name:"
    (cd "$OUT/$name" && find . -type f | sort) >&2
}

record_main() {
    say "scenario main"
    prepare_scenario main
    run_print --allowedTools Bash -- "RUN_BASH: please list the files in this folder." >&2
    local file id
    file="$(session_file)"
    id="$(basename "$file" .jsonl)"
    run_print --resume "$id" --allowedTools Bash -- "Thanks. Which of them is a Python file?" >&2
    local count
    count="$(find "$SCENARIO_HOME/.claude/projects" -name '*.jsonl' | wc -l)"
    [[ "$count" == 1 ]] || { echo "main: expected one session file, found $count" >&2; exit 1; }
    keep_files main
}

# The sub-agent runs in the background (this client version's default): the parent's turn ends
# when the agent is launched, and its result comes back as a <task-notification> turn.
record_subagent() {
    say "scenario subagent"
    prepare_scenario subagent
    run_print --allowedTools Bash Agent -- "DELEGATE: ask a sub-agent to list the files in this folder." >&2
    expect_subagent_file subagent
    keep_files subagent
}

# The same with the parent waiting for the sub-agent (`run_in_background: false`): the agent's
# result is the tool result of the parent's Agent call.
record_subagent_foreground() {
    say "scenario subagent-foreground"
    prepare_scenario subagent-foreground
    run_print --allowedTools Bash Agent -- \
        "DELEGATE_FOREGROUND: ask a sub-agent to list the files in this folder, and wait for it." >&2
    expect_subagent_file subagent-foreground
    keep_files subagent-foreground
}

expect_subagent_file() {
    find "$SCENARIO_HOME/.claude/projects" -path '*/subagents/*' -name 'agent-*.jsonl' | grep -q . \
        || { echo "$1: no subagents/agent-*.jsonl was written" >&2; exit 1; }
}

screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t rec; }

# Wait until the screen shows a line matching the pattern (an extended regex).
wait_for() {
    local pattern="$1" what="$2"
    for _ in $(seq 1 300); do
        if screen | grep -Eq "$pattern"; then return 0; fi
        sleep 0.2
    done
    screen >"$WORK/local-commands/screen-timeout.txt" || true
    echo "local-commands: timed out waiting for $what (screen in $WORK/local-commands)" >&2
    exit 1
}

# Wait until the client shows its empty input box (start-up, or after a local command).
wait_idle() {
    sleep 1
    for _ in $(seq 1 300); do
        # The empty input box is "❯" and a no-break space.
        if screen | sed 's/\xc2\xa0/ /g' | grep -Eq '^❯ *$'; then return 0; fi
        sleep 0.2
    done
    screen >"$WORK/local-commands/screen-timeout.txt" || true
    echo "local-commands: timed out waiting for the prompt after $1" >&2
    exit 1
}

# Wait until the session file records the given number of finished model turns
# (Claude Code writes a `system` record of subtype `turn_duration` when a turn ends).
wait_turns() {
    local want="$1" what="$2" file have
    for _ in $(seq 1 300); do
        file="$(session_file)"
        if [[ -n "$file" ]]; then
            have="$(grep -c '"subtype":"turn_duration"' "$file" || true)"
            if [[ "$have" -ge "$want" ]]; then wait_idle "$what"; return 0; fi
        fi
        sleep 0.2
    done
    screen >"$WORK/local-commands/screen-timeout.txt" || true
    echo "local-commands: timed out waiting for the end of $what" >&2
    exit 1
}

type_line() {
    tmux -L "$TMUX_SOCKET" send-keys -t rec -l "$1"
    sleep 0.7
    tmux -L "$TMUX_SOCKET" send-keys -t rec Enter
}

record_local_commands() {
    say "scenario local-commands (interactive, through tmux)"
    prepare_scenario local-commands
    local command
    client_env
    # tmux runs one shell command line: quote each word of it.
    command="$(printf '%q ' "${CLIENT_ENV[@]}" "$CLAUDE" --allowedTools Bash)"
    tmux -L "$TMUX_SOCKET" new-session -d -s rec -x 160 -y 50 -c "$PROJECT" "$command; sleep 30"
    wait_idle "start-up"

    type_line "RUN_BASH: please list the files in this folder."
    wait_turns 1 "the first prompt"

    type_line "/compact"
    wait_for 'Compacted' "the compaction"
    wait_idle "/compact"

    type_line "/context"
    wait_for 'Context usage' "the /context output"
    wait_idle "/context"

    # Bash mode: "!" switches the input box to shell mode, then the command is typed.
    tmux -L "$TMUX_SOCKET" send-keys -t rec -l "!"
    sleep 0.7
    type_line "ls"
    # This client version hands the shell output to the model, which answers: one more turn.
    wait_turns 2 "!ls"

    type_line "Thanks. Which of them is a Python file?"
    wait_turns 3 "the second prompt"
    screen >"$WORK/local-commands/screen-before-exit.txt"

    type_line "/exit"
    for _ in $(seq 1 100); do
        screen 2>/dev/null | grep -q 'Resume this session' && break
        sleep 0.2
    done
    sleep 1
    keep_files local-commands
}

main() {
    local scenarios=("$@")
    [[ ${#scenarios[@]} -gt 0 ]] || scenarios=(main subagent subagent-foreground local-commands)
    install_client
    start_server
    mkdir -p "$OUT"
    for scenario in "${scenarios[@]}"; do
        case "$scenario" in
        main) record_main ;;
        subagent) record_subagent ;;
        subagent-foreground) record_subagent_foreground ;;
        local-commands) record_local_commands ;;
        *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
        esac
    done
    echo "@anthropic-ai/claude-code $CLAUDE_CODE_VERSION" >"$OUT/CLIENT_VERSION"
    say "done; request log: $WORK/requests.jsonl (kept only with KEEP_WORK=1)"
}

main "$@"
