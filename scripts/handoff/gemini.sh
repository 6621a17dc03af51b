#!/usr/bin/env bash
# Proves `confab resume --with gemini` with the real Gemini CLI: a session that began in another
# tool goes on in Gemini CLI with its whole history, and comes back.
#
# Why: only the real client can say whether a recording confab wrote is one it resumes, and
# what it sends the model from it. For each source (a Codex rollout the real client recorded,
# the Atmos example checkpoint, and a Gemini CLI recording with its own tool calls) this:
#   1. imports the session into a throw-away confab project;
#   2. runs `confab resume NAME --with gemini --print` (HOME and GEMINI_CLI_HOME are throw-away
#      too) and checks the printed command is `gemini --resume <id>`;
#   3. runs it non-interactively, `gemini --resume <id> -p "next question"`, against
#      scripts/recording/fake_gemini.py on 127.0.0.1, which logs every request body;
#   4. checks from that log that the request carried every message of the session that the
#      model should see (user and model texts, tool calls and their results, the system
#      messages) in order, then the new question;
#   5. runs `confab sessions import --from gemini` and checks that the session grew by exactly
#      the new turn (the question and the answer) and nothing became a new session.
# It prints a table: source format, pass/fail, and what was lost or changed on the way.
#
# Usage: scripts/handoff/gemini.sh
#   CONFAB=path/to/confab (default: target/debug/confab, built if missing)
#   GEMINI=path/to/gemini (default: installs the pinned version with npm into the temp dir)
#   KEEP_WORK=1 keeps the temp dir (request log, homes) for a look.
# Needs: npm (unless GEMINI is given), node >= 20, python3 (stdlib only), git, cargo.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RECORDING="$ROOT/scripts/recording"
# The version the importer's fixtures were recorded with: the one pinned there.
GEMINI_CLI_VERSION="$(sed -n 's/^GEMINI_CLI_VERSION="\(.*\)"$/\1/p' "$RECORDING/record-gemini.sh")"
MODEL="gemini-2.5-flash"
# No word the fake server answers with a tool call (list, files, run, ...).
QUESTION="next question: what would you name it?"

WORK="$(mktemp -d /tmp/confab-handoff-gemini.XXXXXX)"
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

if [[ -z "${GEMINI:-}" ]]; then
    say "installing @google/gemini-cli@$GEMINI_CLI_VERSION into $WORK/npm"
    npm install --prefix "$WORK/npm" --no-audit --no-fund --loglevel=error \
        "@google/gemini-cli@$GEMINI_CLI_VERSION" >&2
    GEMINI="$WORK/npm/node_modules/.bin/gemini"
fi

HOME_DIR="$WORK/home"
PROJECT="$WORK/project"
mkdir -p "$HOME_DIR/.gemini" "$PROJECT"
PROJECT="$(cd "$PROJECT" && pwd -P)"
printf 'hello\n' >"$PROJECT/notes.txt"
printf 'print("hi")\n' >"$PROJECT/main.py"
# Its own repository, so confab keeps its store here and not in a folder above.
git -C "$PROJECT" init -q
# The settings record-gemini.sh records with: API-key auth against the fake server.
cat >"$HOME_DIR/.gemini/settings.json" <<JSON
{
  "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": false}},
  "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
  "privacy": {"usageStatisticsEnabled": false},
  "telemetry": {"enabled": false},
  "ide": {"enabled": false},
  "model": {"name": "$MODEL"}
}
JSON

say "starting the fake Gemini server"
python3 "$RECORDING/fake_gemini.py" --port-file "$WORK/port" --log "$WORK/requests.jsonl" \
    --workdir "$PROJECT" 2>"$WORK/server.stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
[[ -s "$WORK/port" ]] || { echo "fake server did not start" >&2; exit 1; }
PORT="$(cat "$WORK/port")"

# confab and gemini see the same homes and nothing of the caller's settings or keys.
ENVIRONMENT=(env -i "PATH=$(dirname "$(command -v node)"):/usr/local/bin:/usr/bin:/bin"
    "HOME=$HOME_DIR" "GEMINI_CLI_HOME=$HOME_DIR" "TERM=dumb" "LANG=C.UTF-8"
    "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:$PORT" "GEMINI_API_KEY=fake" "NO_BROWSER=1")
confab() { (cd "$PROJECT" && "${ENVIRONMENT[@]}" "$CONFAB" "$@"); }

VERSION="$("${ENVIRONMENT[@]}" "$GEMINI" --version)"
say "client: $VERSION"
[[ "$VERSION" == "$GEMINI_CLI_VERSION" ]] || { echo "unexpected client version: $VERSION" >&2; exit 1; }

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
    printed="$(confab resume "$name" --with gemini --print 2>"$WORK/$name.resume.stderr")"
    say "printed: $printed"
    # `gemini --resume <id>`, preceded by `cd <folder> &&` when it runs elsewhere.
    if [[ "$printed" =~ ^(cd\ (.+)\ \&\&\ )?gemini\ --resume\ ([0-9a-f-]{36})$ ]]; then
        folder="${BASH_REMATCH[2]:-$PROJECT}"
        id="${BASH_REMATCH[3]}"
    else
        printf '%s\tfail\tresume printed %q\n' "$format" "$printed" >>"$RESULTS"
        return
    fi
    local mark
    mark="$(wc -l <"$WORK/requests.jsonl")"
    if ! (cd "$folder" && "${ENVIRONMENT[@]}" "$GEMINI" -m "$MODEL" --resume "$id" -p "$QUESTION" \
        >"$WORK/$name.gemini.stdout" 2>"$WORK/$name.gemini.stderr" </dev/null); then
        printf '%s\tfail\tgemini --resume -p exited non-zero: %s\n' "$format" \
            "$(tr '\n' ' ' <"$WORK/$name.gemini.stderr" | cut -c1-300)" >>"$RESULTS"
        return
    fi
    tail -n +"$((mark + 1))" "$WORK/requests.jsonl" >"$WORK/$name.requests.jsonl"
    confab sessions import --from gemini >/dev/null 2>"$WORK/$name.back.stderr"
    confab sessions export "$name" -o "$WORK/$name.after.json" --format json 2>/dev/null
    local sessions
    sessions="$(confab sessions list --json 2>/dev/null)"
    python3 - "$format" "$WORK/$name" "$QUESTION" "$sessions" "$WORK/$name.resume.stderr" >>"$RESULTS" <<'EOF'
import json, sys

format_name, base, question, sessions, resume_notes = sys.argv[1:]
before = json.load(open(base + ".before.json"))
after = json.load(open(base + ".after.json"))
requests = [json.loads(line) for line in open(base + ".requests.jsonl")]


def flatten(content):
    """Every piece of a request content the model reads, as (kind, value)."""
    out = []
    for part in content.get("parts") or []:
        if part.get("thought"):
            continue
        if "text" in part:
            out.append(("text", part["text"]))
        elif "functionCall" in part:
            call = part["functionCall"]
            out.append(("call", call.get("name", "") + " " + json.dumps(call.get("args"), sort_keys=True)))
        elif "functionResponse" in part:
            response = part["functionResponse"].get("response") or {}
            output = response.get("output") if isinstance(response, dict) else None
            out.append(("result", output if isinstance(output, str) else json.dumps(response)))
    return out


# The conversation request: the last request whose last content is the question.
chat = None
for entry in requests:
    body = entry.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            continue
    contents = (body or {}).get("contents") or []
    if contents and any(question in value for _, value in flatten(contents[-1])):
        chat = contents
if chat is None:
    print(f"{format_name}\tfail\tno request carried the question")
    sys.exit()
pieces = [piece for content in chat for piece in flatten(content)]

# Each message the model should see, as what must show in order.
expected = []
changed = []
for message in before["messages"]:
    if message.get("archived"):
        continue
    text = (message.get("content") or "").strip()
    if message["role"] == "system" and "We are setting up the context for our chat." in text:
        # Gemini CLI's startup context: it sends a fresh one (today's date, this folder) in
        # place of the recorded one.
        expected.append((("text",), "<session_context>", "startup context"))
        changed.append("the recorded startup context sent as Gemini CLI's fresh one")
        continue
    if message["role"] == "tool":
        expected.append((("result", "text"), text, "tool result"))
        continue
    if text:
        expected.append((("text",), text, message["role"] + " text"))
    for call in message.get("tool_calls") or []:
        expected.append((("call", "text"), call["name"], "tool call " + call["name"]))
missing = []
cursor = 0
for kinds, value, what in expected:
    found = next((i for i in range(cursor, len(pieces))
                  if pieces[i][0] in kinds and value in pieces[i][1]), None)
    if found is None:
        missing.append(what)
    else:
        cursor = found
question_at = next((i for i in range(len(pieces)) if question in pieces[i][1]), -1)
grown = len(after["messages"]) - len(before["messages"])
added = after["messages"][len(before["messages"]):]
names = [s["name"] for s in json.loads(sessions).get("sessions", [])] if sessions.strip().startswith("{") else []
problems = []
if missing:
    problems.append("not sent: " + ", ".join(missing[:5]))
if question_at < cursor:
    problems.append("the question did not come last")
if after["messages"][: len(before["messages"])] != before["messages"]:
    problems.append("the session's earlier messages changed")
if grown != 2 or [m["role"] for m in added] != ["user", "assistant"] or question not in added[0]["content"]:
    problems.append(f"grew by {grown} messages, not the new turn")
if any(name.startswith("gemini-") for name in names):
    problems.append("import --from gemini made a new session")
lost = [line[len("note: "):].strip() for line in open(resume_notes) if line.startswith("note: ")]
print(f"{format_name}\t{'fail' if problems else 'pass'}\t{'; '.join(problems + changed + lost) or 'nothing'}")
EOF
}

hand_off codex "$ROOT/formats/codex/tests/fixtures/recorded/exec/sessions/2026/12/03/rollout-2026-12-03T17-32-02-01a23cf6-960a-7a31-99ae-8a9520aa2698.jsonl"
hand_off atmos "$ROOT/tests/fixtures/atmos/eks-troubleshooting.json"
# A recording of Gemini CLI itself: its own tool calls go back as calls, paired with results.
hand_off gemini "$ROOT/formats/gemini/tests/fixtures/recorded/resume-across-minute/session-2026-12-03T17-48-f777b1fc.jsonl"

echo
printf 'Gemini CLI %s\n' "$VERSION"
printf '%-8s %-6s %s\n' "source" "result" "lost or changed"
while IFS=$'\t' read -r format result lost; do
    printf '%-8s %-6s %s\n' "$format" "$result" "$lost"
done <"$RESULTS"
! grep -q $'\tfail\t' "$RESULTS"
