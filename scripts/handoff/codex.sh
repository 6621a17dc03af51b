#!/usr/bin/env bash
# Proves `confab resume --with codex` with the real Codex CLI: a session that began in another
# tool goes on in Codex with its whole history, and comes back.
#
# Why: only the real client can say whether a rollout confab wrote is one it resumes, and what
# it sends the model from it. For each source (a Claude Code session the real client recorded,
# the Atmos example checkpoint, and a confab checkpoint with a system prompt, a call to a tool
# Codex has, one to a tool it lacks, and an archived turn) this:
#   1. imports the session into a throw-away confab project;
#   2. runs `confab resume NAME --with codex --print` (HOME and CODEX_HOME are throw-away too)
#      and checks the printed command is `codex resume <id>`;
#   3. runs it non-interactively, `codex exec resume <id> "next question"`, against
#      scripts/recording/fake_responses.py on 127.0.0.1, which logs every request body;
#   4. checks from that log that the request carried every message of the session the model
#      should see (user and assistant texts, tool calls and their outputs, the system messages
#      as developer messages) in order, then the new question;
#   5. runs `confab sessions import --from codex` and checks that the session grew by exactly
#      the new turn (the question and the answer) and nothing became a new session.
# It prints a table: source format, pass/fail, and what was lost or changed on the way.
#
# Usage: scripts/handoff/codex.sh
#   CONFAB=path/to/confab (default: target/debug/confab, built if missing)
#   CODEX=path/to/codex (default: installs the pinned version with npm into target/, removed after)
#   KEEP_WORK=1 keeps the temp dir (request log, homes) for a look.
# Needs: npm (unless CODEX is given), python3 (3.11, stdlib only), cargo.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RECORDING="$ROOT/scripts/recording"
# The version the importer's fixtures were recorded with: the one pinned there.
CODEX_VERSION="$(sed -n 's/^CODEX_VERSION="\(.*\)"$/\1/p' "$RECORDING/record-codex.sh")"
QUESTION="next question: which file would you change first?"

WORK="$(mktemp -d /tmp/confab-handoff-codex.XXXXXX)"
NPM_DIR=""
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n "$NPM_DIR" ]]; then rm -rf "$NPM_DIR"; fi
    if [[ "${KEEP_WORK:-0}" == "1" ]]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

CONFAB="${CONFAB:-$ROOT/target/debug/confab}"
if [[ ! -x "$CONFAB" ]]; then
    say "building confab"
    (cd "$ROOT" && cargo build --quiet)
fi

if [[ -z "${CODEX:-}" ]]; then
    mkdir -p "$ROOT/target"
    NPM_DIR="$(mktemp -d "$ROOT/target/handoff-codex-npm.XXXXXX")"
    say "installing @openai/codex@$CODEX_VERSION into $NPM_DIR"
    npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error \
        "@openai/codex@$CODEX_VERSION" >&2
    CODEX="$NPM_DIR/node_modules/.bin/codex"
fi
VERSION="$("$CODEX" --version)"
say "client: $VERSION"
[[ "$VERSION" == *"$CODEX_VERSION"* ]] || { echo "unexpected client version: $VERSION" >&2; exit 1; }

say "starting the fake Responses server"
python3 "$RECORDING/fake_responses.py" --port-file "$WORK/port" --log "$WORK/requests.jsonl" \
    2>"$WORK/server.stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
[[ -s "$WORK/port" ]] || { echo "fake server did not start" >&2; exit 1; }
PORT="$(cat "$WORK/port")"

# One throw-away home and CODEX_HOME pointing Codex at the fake server (as record-codex.sh does).
HOME_DIR="$WORK/home"
CODEX_HOME_DIR="$WORK/codex-home"
PROJECT="$WORK/project"
mkdir -p "$HOME_DIR" "$CODEX_HOME_DIR" "$PROJECT"
PROJECT="$(cd "$PROJECT" && pwd -P)"
printf 'hello\n' >"$PROJECT/notes.txt"
printf 'print("hi")\n' >"$PROJECT/main.py"
cat >"$CODEX_HOME_DIR/config.toml" <<TOML
model = "gpt-5-codex"
model_provider = "fake"
model_reasoning_effort = "medium"
model_reasoning_summary = "auto"

[model_providers.fake]
name = "Fake Responses API"
base_url = "http://127.0.0.1:$PORT/v1"
wire_api = "responses"
env_key = "FAKE_OPENAI_API_KEY"
TOML

# confab and codex see the same homes and nothing of the caller's settings or keys.
ENVIRONMENT=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$HOME_DIR" "LANG=C.UTF-8"
    "CODEX_HOME=$CODEX_HOME_DIR" "FAKE_OPENAI_API_KEY=sk-fake")
confab() { (cd "$PROJECT" && "${ENVIRONMENT[@]}" "$CONFAB" "$@"); }

RESULTS="$WORK/results.tsv"
: >>"$WORK/requests.jsonl"
: >"$RESULTS"

# hand_off FORMAT FILE: the whole round for one source; appends a row to $RESULTS.
hand_off() {
    local format="$1" file="$2" name="from-$1"
    say "source $format: $file"
    confab sessions import "$file" --name "$name" >/dev/null 2>"$WORK/$name.import.stderr"
    confab sessions export "$name" -o "$WORK/$name.before.json" --format json 2>/dev/null
    local printed id folder
    printed="$(confab resume "$name" --with codex --print 2>"$WORK/$name.resume.stderr")"
    say "printed: $printed"
    # `codex resume <id>`, preceded by `cd <folder> &&` when it runs elsewhere.
    if [[ "$printed" =~ ^(cd\ (.+)\ \&\&\ )?codex\ resume\ ([0-9a-f-]{36})$ ]]; then
        folder="${BASH_REMATCH[2]:-$PROJECT}"
        id="${BASH_REMATCH[3]}"
    else
        printf '%s\tfail\tresume printed %q\n' "$format" "$printed" >>"$RESULTS"
        return
    fi
    local mark
    mark="$(wc -l <"$WORK/requests.jsonl")"
    if ! (cd "$folder" && "${ENVIRONMENT[@]}" "$CODEX" exec --skip-git-repo-check -s read-only \
        resume "$id" "$QUESTION" >"$WORK/$name.codex.stdout" 2>"$WORK/$name.codex.stderr"); then
        printf '%s\tfail\tcodex exec resume exited non-zero: %s\n' "$format" \
            "$(tr '\n' ' ' <"$WORK/$name.codex.stderr" | cut -c1-300)" >>"$RESULTS"
        return
    fi
    tail -n +"$((mark + 1))" "$WORK/requests.jsonl" >"$WORK/$name.requests.jsonl"
    confab sessions import --from codex >/dev/null 2>"$WORK/$name.back.stderr"
    confab sessions export "$name" -o "$WORK/$name.after.json" --format json 2>/dev/null
    local sessions
    sessions="$(confab sessions list --json 2>/dev/null)"
    python3 - "$format" "$WORK/$name" "$QUESTION" "$sessions" >>"$RESULTS" <<'EOF'
import json, sys

format_name, base, question, sessions = sys.argv[1:]
before = json.load(open(base + ".before.json"))
after = json.load(open(base + ".after.json"))
requests = [json.loads(line) for line in open(base + ".requests.jsonl")]


def text_of(item):
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def arguments(value):
    if isinstance(value, str):
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True)


def flatten(item):
    """A Responses input item as (role, kind, value)."""
    kind = item.get("type", "message")
    if kind == "message":
        return (item.get("role"), "text", text_of(item))
    if kind in ("function_call", "custom_tool_call"):
        return ("assistant", "call", (item.get("call_id"), item.get("name"), arguments(item.get("arguments", item.get("input")))))
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        if isinstance(output, list):
            output = "\n".join(part.get("text", "") for part in output if isinstance(part, dict))
        elif isinstance(output, dict):
            output = output.get("content", "")
        return ("tool", "output", (item.get("call_id"), output or ""))
    return (None, kind, None)


asked = [
    r["body"] for r in requests
    if isinstance(r.get("body"), dict) and r.get("path", "").startswith("/v1/responses")
    and any(flatten(item)[0] == "user" and question in flatten(item)[2] for item in r["body"].get("input") or [] if isinstance(item, dict) and flatten(item)[1] == "text")
]
problems, lost = [], []
if not asked:
    print(f"{format_name}\tfail\tno request asked the question")
    sys.exit()
body = max(asked, key=lambda b: len(b.get("input") or []))
pieces = [flatten(item) for item in body.get("input") or [] if isinstance(item, dict)]

position = 0
group = 0
used = set()
def find(predicate, what, since=None):
    global position
    for index in range(position if since is None else since, len(pieces)):
        text = pieces[index][1] == "text"
        if (text or index not in used) and predicate(*pieces[index]):
            if not text:
                used.add(index)
            position = max(position, index + 1)
            return True
    problems.append(what)
    return False

text_calls = 0
for message in before["messages"]:
    if message.get("archived"):
        lost.append("archived message left out")
        continue
    role, content = message["role"], message.get("content", "")
    if role == "assistant":
        group = position
    if role in ("user", "assistant") and content.strip():
        find(lambda r, k, v: r == role and k == "text" and content.strip() in v, f"{role} text {content[:40]!r}")
    if role == "system":
        find(lambda r, k, v: r == "developer" and k == "text" and content.strip()[:200] in v,
             f"system text {content[:40]!r}")
    for call in message.get("tool_calls") or []:
        args = arguments(call.get("arguments"))
        as_call = lambda r, k, v: k == "call" and v[0] == call["id"] and v[1] == call["name"] and v[2] == args
        as_text = lambda r, k, v: r == "assistant" and k == "text" and f"[tool call {call['name']} ({call['id']})]" in v
        if any(as_text(*pieces[index]) for index in range(group, len(pieces))):
            text_calls += 1
        find(lambda r, k, v: as_call(r, k, v) or as_text(r, k, v), f"tool call {call['name']}", since=group)
    if role == "tool":
        result = content.strip()
        find(lambda r, k, v: (k == "output" and v[0] == message.get("tool_call_id") and v[1].strip() == result)
             or (r == "user" and k == "text" and result in v),
             f"tool result {content[:40]!r}", since=group)
find(lambda r, k, v: r == "user" and k == "text" and question in v, "the new question, last")

# Back in confab: the same session, grown by exactly the question and the answer.
grown = after["messages"][len(before["messages"]):]
if after["messages"][: len(before["messages"])] != before["messages"]:
    problems.append("the messages before the hand-off changed")
if [m["role"] for m in grown] != ["user", "assistant"] or grown[0].get("content") != question:
    problems.append(f"grew by {[(m['role'], m.get('content', '')[:30]) for m in grown]}, not the new turn")
names = [s["name"] for s in json.loads(sessions).get("sessions", [])] if sessions.strip().startswith("{") else []
if any(name.startswith("codex-") for name in names):
    problems.append("the hand-off file was imported as a new session")

if text_calls:
    lost.append(f"{text_calls} tool call(s) to tools Codex lacks sent as text")
if sum(1 for m in before["messages"] if m["role"] == "system"):
    lost.append("system messages sent as developer messages")
lost = sorted(set(lost)) or ["nothing"]
status = "pass" if not problems else "fail"
detail = "; ".join(problems) if problems else ", ".join(lost)
print(f"{format_name}\t{status}\t{detail}")
EOF
}

# A confab checkpoint with what the others lack: a call to Codex's own shell tool, a call to a
# tool it lacks, a system prompt and an archived turn.
cat >"$WORK/mixed.json" <<'EOF'
{"version": "1.0",
 "session": {"name": "mixed", "provider": "openai", "model": "gpt-5-codex",
             "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:01:00Z"},
 "messages": [
  {"role": "system", "content": "Answer in one sentence.", "created_at": "2026-12-01T10:00:00Z"},
  {"role": "user", "content": "An old question nobody sees any more.", "archived": true},
  {"role": "user", "content": "List the files and describe the stack.", "created_at": "2026-12-01T10:00:01Z"},
  {"role": "assistant", "content": "Looking.", "created_at": "2026-12-01T10:00:10Z", "tool_calls": [
    {"id": "call_ls_1", "name": "exec_command", "arguments": {"cmd": "ls"}},
    {"id": "call_atmos_1", "name": "atmos_describe_stacks", "arguments": {"stack": "plat-use1-prod"}}]},
  {"role": "tool", "content": "main.py\nnotes.txt", "tool_call_id": "call_ls_1"},
  {"role": "tool", "content": "stack plat-use1-prod: 12 components", "tool_call_id": "call_atmos_1"},
  {"role": "assistant", "content": "Two files; the stack has 12 components.", "created_at": "2026-12-01T10:00:20Z"}]}
EOF

hand_off claude-code "$ROOT/formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl"
hand_off atmos "$ROOT/tests/fixtures/atmos/eks-troubleshooting.json"
hand_off json "$WORK/mixed.json"

echo
echo "Codex $VERSION: confab resume --with codex"
echo
echo "| source format | result | lost or changed |"
echo "| --- | --- | --- |"
while IFS=$'\t' read -r source status detail; do
    echo "| $source | $status | $detail |"
done <"$RESULTS"
! grep -q $'\tfail\t' "$RESULTS"
