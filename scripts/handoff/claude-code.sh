#!/usr/bin/env bash
# Proves `confab resume --with claude-code` with the real Claude Code: a session that began in
# another tool goes on in Claude Code with its whole history, and comes back.
#
# Why: only the real client can say whether a transcript confab wrote is one it resumes, and
# what it sends the model from it. For each source (a Codex rollout and a Claude Code session
# the real clients recorded, the Atmos example checkpoint, and a confab checkpoint with parallel
# tool calls, a call to a tool Claude Code lacks, a system prompt and an archived turn) this:
#   1. imports the session into a throw-away confab project;
#   2. runs `confab resume NAME --with claude-code --print` (HOME and CLAUDE_CONFIG_DIR are
#      throw-away too) and checks the printed command is `claude --resume <id>`;
#   3. runs it non-interactively, `claude -p "next question" --resume <id>`, against
#      scripts/recording/fake_anthropic.py on 127.0.0.1, which logs every request body;
#   4. checks from that log that the request carried every message of the session that the
#      model should see (user and assistant texts, tool calls and their results, the system
#      messages in their <confab-system-message> tags) in order, then the new question;
#   5. runs `confab sessions import --from claude-code` and checks that the session grew by
#      exactly the new turn (the question and the answer) and nothing became a new session.
# It prints a table: source format, pass/fail, and what was lost or changed on the way.
#
# Usage: scripts/handoff/claude-code.sh
#   CONFAB=path/to/confab (default: target/debug/confab, built if missing)
#   CLAUDE=path/to/claude (default: installs the pinned version with npm into the temp dir)
#   KEEP_WORK=1 keeps the temp dir (request log, homes) for a look.
# Needs: npm (unless CLAUDE is given), python3 (3.11, stdlib only), git, cargo.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RECORDING="$ROOT/scripts/recording"
# The version the importer's fixtures were recorded with: the one pinned there.
CLAUDE_CODE_VERSION="$(sed -n 's/^CLAUDE_CODE_VERSION="\(.*\)"$/\1/p' "$RECORDING/record-claude-code.sh")"
FAKE_KEY="sk-ant-fake"
QUESTION="next question: which file would you change first?"

WORK="$(mktemp -d /tmp/confab-handoff-claude.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [[ "${KEEP_WORK:-0}" == "1" ]]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
say() { echo "== $*" >&2; }

CONFAB="${CONFAB:-$ROOT/target/debug/confab}"
if [[ ! -x "$CONFAB" ]]; then
    say "building confab"
    (cd "$ROOT" && cargo build --quiet)
fi

if [[ -z "${CLAUDE:-}" ]]; then
    say "installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into $WORK/npm"
    npm install --prefix "$WORK/npm" --no-audit --no-fund --loglevel=error \
        "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" >&2
    # The package's bin is a placeholder its postinstall replaces; use the platform binary.
    CLAUDE="$(find "$WORK/npm/node_modules/@anthropic-ai" -maxdepth 2 -type f -name claude -perm -u+x | head -n 1)"
    [[ -n "$CLAUDE" ]] || { echo "no native claude binary was installed" >&2; exit 1; }
fi
VERSION="$("$CLAUDE" --version)"
say "client: $VERSION"
[[ "$VERSION" == "$CLAUDE_CODE_VERSION"* ]] || { echo "unexpected client version: $VERSION" >&2; exit 1; }

say "starting the fake Anthropic server"
python3 "$RECORDING/fake_anthropic.py" --port-file "$WORK/port" --log "$WORK/requests.jsonl" \
    2>"$WORK/server.stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
[[ -s "$WORK/port" ]] || { echo "fake server did not start" >&2; exit 1; }
PORT="$(cat "$WORK/port")"

# One throw-away home, with Claude Code's onboarding and the project's trust dialog accepted.
HOME_DIR="$WORK/home"
PROJECT="$WORK/project"
mkdir -p "$HOME_DIR" "$PROJECT"
PROJECT="$(cd "$PROJECT" && pwd -P)"
printf 'hello\n' >"$PROJECT/notes.txt"
printf 'print("hi")\n' >"$PROJECT/main.py"
git -C "$PROJECT" init -q
python3 - "$HOME_DIR/.claude.json" "$PROJECT" "$FAKE_KEY" <<'EOF'
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

# confab and claude see the same homes and nothing of the caller's settings or keys.
ENVIRONMENT=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$HOME_DIR" "TERM=xterm-256color"
    "LANG=C.UTF-8" "CLAUDE_CONFIG_DIR=$HOME_DIR/.claude"
    "ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT" "ANTHROPIC_API_KEY=$FAKE_KEY"
    "DISABLE_TELEMETRY=1" "DISABLE_AUTOUPDATER=1" "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")
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
    printed="$(confab resume "$name" --with claude-code --print 2>"$WORK/$name.resume.stderr")"
    say "printed: $printed"
    # `claude --resume <id>`, preceded by `cd <folder> &&` when it runs elsewhere.
    if [[ "$printed" =~ ^(cd\ (.+)\ \&\&\ )?claude\ --resume\ ([0-9a-f-]{36})$ ]]; then
        folder="${BASH_REMATCH[2]:-$PROJECT}"
        id="${BASH_REMATCH[3]}"
    else
        printf '%s\tfail\tresume printed %q\n' "$format" "$printed" >>"$RESULTS"
        return
    fi
    local mark
    mark="$(wc -l <"$WORK/requests.jsonl")"
    if ! (cd "$folder" && "${ENVIRONMENT[@]}" "$CLAUDE" -p "$QUESTION" --resume "$id" \
        >"$WORK/$name.claude.stdout" 2>"$WORK/$name.claude.stderr"); then
        printf '%s\tfail\tclaude -p --resume exited non-zero: %s\n' "$format" \
            "$(tr '\n' ' ' <"$WORK/$name.claude.stderr" | cut -c1-200)" >>"$RESULTS"
        return
    fi
    tail -n +"$((mark + 1))" "$WORK/requests.jsonl" >"$WORK/$name.requests.jsonl"
    confab sessions import --from claude-code >/dev/null 2>"$WORK/$name.back.stderr"
    confab sessions export "$name" -o "$WORK/$name.after.json" --format json 2>/dev/null
    local sessions
    sessions="$(confab sessions list --json 2>/dev/null)"
    python3 - "$format" "$WORK/$name" "$QUESTION" "$sessions" "$WORK/$name.resume.stderr" >>"$RESULTS" <<'EOF'
import json, sys

format_name, base, question, sessions, resume_notes = sys.argv[1:]
before = json.load(open(base + ".before.json"))
after = json.load(open(base + ".after.json"))
requests = [json.loads(line) for line in open(base + ".requests.jsonl")]


def blocks(message):
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content or [] if isinstance(block, dict)]


def flatten(message):
    """Every piece of a request message the model reads, as (kind, value)."""
    out = []
    for block in blocks(message):
        kind = block.get("type")
        if kind == "text":
            out.append(("text", block.get("text", "")))
        elif kind == "tool_use":
            out.append(("tool_use", (block.get("id"), block.get("name"), json.dumps(block.get("input"), sort_keys=True))))
        elif kind == "tool_result":
            content = block.get("content")
            if isinstance(content, list):
                content = "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
            out.append(("tool_result", (block.get("tool_use_id"), content or "")))
    return out


# The request that asked the question with the history: the one with the most messages.
# (Claude Code sends its own system text as `system` messages and reminders in the user's turn.)
asked = [
    r["body"] for r in requests
    if isinstance(r.get("body"), dict) and r.get("path", "").startswith("/v1/messages")
    and any(
        message.get("role") == "user" and question in piece[1]
        for message in r["body"].get("messages") or []
        for piece in flatten(message)
        if piece[0] == "text"
    )
]
problems, lost = [], []
if not asked:
    print(f"{format_name}\tfail\tno request asked the question")
    sys.exit()
body = max(asked, key=lambda b: len(b.get("messages") or []))
pieces = []
for message in body.get("messages") or []:
    for piece in flatten(message):
        pieces.append((message.get("role"), piece))

# Walk the session's messages in order; each must be found after the one before. The calls of
# one answer and their results may come in another order among themselves (a call written as
# text comes with the answer's text, before the tool_use blocks; its result after theirs), so
# those are looked for from where the answer began.
position = 0
group = 0
used = set()
def find(predicate, what, since=None):
    global position
    for index in range(position if since is None else since, len(pieces)):
        # A text may hold several things (an answer and the calls written as text); a tool_use
        # or tool_result block answers for one.
        text = pieces[index][1][0] == "text"
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
        find(lambda r, p: r == role and p[0] == "text" and content.strip() in p[1], f"{role} text {content[:40]!r}")
    if role == "system":
        find(lambda r, p: r == "user" and p[0] == "text" and "<confab-system-message>" in p[1] and content.strip()[:200] in p[1],
             f"system text {content[:40]!r}")
    for call in message.get("tool_calls") or []:
        args = call.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except ValueError:
                pass
        as_use = lambda r, p: r == "assistant" and p[0] == "tool_use" and p[1][1] == call["name"] and p[1][2] == json.dumps(args, sort_keys=True)
        as_text = lambda r, p: r == "assistant" and p[0] == "text" and f"[tool call {call['name']} ({call['id']})]" in p[1]
        if any(as_text(*pieces[index]) for index in range(group, len(pieces))):
            text_calls += 1
        find(lambda r, p: as_use(r, p) or as_text(r, p), f"tool call {call['name']}", since=group)
    if role == "tool":
        result = content.strip()
        find(lambda r, p: r == "user" and ((p[0] == "tool_result" and p[1][1].strip() == result) or (p[0] == "text" and result in p[1])),
             f"tool result {content[:40]!r}", since=group)
find(lambda r, p: r == "user" and p[0] == "text" and question in p[1], "the new question, last")

# Back in confab: the same session, grown by exactly the question and the answer.
grown = after["messages"][len(before["messages"]):]
if after["messages"][: len(before["messages"])] != before["messages"]:
    problems.append("the messages before the hand-off changed")
if [m["role"] for m in grown] != ["user", "assistant"] or grown[0].get("content") != question:
    problems.append(f"grew by {[(m['role'], m.get('content', '')[:30]) for m in grown]}, not the new turn")
names = [s["name"] for s in json.loads(sessions).get("sessions", [])] if sessions.strip().startswith("{") else []
if any(name.startswith("claude-code-") for name in names):
    problems.append("the hand-off file was imported as a new session")

if text_calls:
    lost.append(f"{text_calls} tool call(s) to tools Claude Code lacks sent as text")
if sum(1 for m in before["messages"] if m["role"] == "system"):
    lost.append("system messages sent as marked user text")
notes = [line.strip() for line in open(resume_notes) if line.startswith("note:")]
lost = sorted(set(lost)) or ["nothing"]
status = "pass" if not problems else "fail"
detail = "; ".join(problems) if problems else ", ".join(lost)
print(f"{format_name}\t{status}\t{detail}")
EOF
}

# A confab checkpoint with what the others lack: parallel calls to Claude Code's own tools, a
# call to a tool it lacks, a system prompt and an archived turn.
cat >"$WORK/mixed.json" <<'EOF'
{"version": "1.0",
 "session": {"name": "mixed", "provider": "anthropic", "model": "claude-sonnet-4-5",
             "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:01:00Z"},
 "messages": [
  {"role": "system", "content": "Answer in one sentence.", "created_at": "2026-12-01T10:00:00Z"},
  {"role": "user", "content": "An old question nobody sees any more.", "archived": true},
  {"role": "user", "content": "Find the TODOs and plan the work.", "created_at": "2026-12-01T10:00:01Z"},
  {"role": "assistant", "content": "Searching.", "created_at": "2026-12-01T10:00:10Z", "tool_calls": [
    {"id": "toolu_01grep", "name": "Grep", "arguments": {"pattern": "TODO"}},
    {"id": "toolu_01todo", "name": "TodoWrite", "arguments": {"todos": []}},
    {"id": "call_atmos_1", "name": "atmos_describe_stacks", "arguments": {"stack": "plat-use1-prod"}}]},
  {"role": "tool", "content": "main.py:1: TODO", "tool_call_id": "toolu_01grep"},
  {"role": "tool", "content": "todos updated", "tool_call_id": "toolu_01todo"},
  {"role": "tool", "content": "stack plat-use1-prod: 12 components", "tool_call_id": "call_atmos_1"},
  {"role": "assistant", "content": "One TODO in main.py; the stack has 12 components.", "created_at": "2026-12-01T10:00:20Z"}]}
EOF

hand_off codex "$(ls "$ROOT"/formats/codex/tests/fixtures/recorded/exec/sessions/*/*/*/rollout-*.jsonl | head -n 1)"
hand_off atmos "$ROOT/tests/fixtures/atmos/eks-troubleshooting.json"
hand_off claude-code "$ROOT/formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl"
hand_off json "$WORK/mixed.json"

echo
echo "Claude Code $VERSION: confab resume --with claude-code"
echo
echo "| source format | result | lost or changed |"
echo "| --- | --- | --- |"
while IFS=$'\t' read -r source status detail; do
    echo "| $source | $status | $detail |"
done <"$RESULTS"
! grep -q $'\tfail\t' "$RESULTS"
