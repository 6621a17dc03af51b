#!/usr/bin/env bash
# Record genuine Gemini CLI session files against fake_gemini.py (127.0.0.1 only).
# Why: confab's Gemini importer is tested against what the real CLI writes, never imitations.
# Usage: scripts/recording/record-gemini.sh   (needs node >= 20, npm, python3.11, tmux)
set -euo pipefail

GEMINI_CLI_VERSION="0.61.0"
MODEL="gemini-2.5-flash"

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo_root/scripts/recording"
out="$repo_root/formats/gemini/tests/fixtures/recorded"
work="$(mktemp -d /tmp/confab-rec-gemini.XXXXXX)"
echo "work dir: $work (request log: $work/requests.jsonl)"

npm install --silent --no-audit --no-fund --prefix "$work/npm" "@google/gemini-cli@$GEMINI_CLI_VERSION" >/dev/null
gemini_bin="$work/npm/node_modules/.bin/gemini"

export HOME="$work/home"
project="$work/demo-project"
mkdir -p "$HOME/.gemini" "$project"
printf '# Demo project\n' >"$project/README.md"
printf 'buy milk\n' >"$project/notes.txt"
cat >"$HOME/.gemini/settings.json" <<JSON
{
  "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": false}},
  "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
  "privacy": {"usageStatisticsEnabled": false},
  "telemetry": {"enabled": false},
  "ide": {"enabled": false},
  "model": {"name": "$MODEL"}
}
JSON

python3.11 "$here/fake_gemini.py" --port-file "$work/port" --log "$work/requests.jsonl" \
  --workdir "$project" 2>"$work/fake.log" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; tmux -L confabrec kill-server 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

export GOOGLE_GEMINI_BASE_URL="http://127.0.0.1:$port"
export GEMINI_API_KEY="fake"
export NO_BROWSER=1
unset GOOGLE_API_KEY GOOGLE_CLOUD_PROJECT GOOGLE_GENAI_USE_VERTEXAI 2>/dev/null || true

cd "$project"
# Turn 1: a prompt that makes the fake answer with a tool call (list_directory), then text.
"$gemini_bin" -m "$MODEL" --yolo -p "List the files in this project folder, please." \
  >"$work/turn1.out" 2>"$work/turn1.err"
# Turn 2: resume the latest session with a plain question.
"$gemini_bin" -m "$MODEL" --yolo --resume latest -p "Thanks. What is a good name for it?" \
  >"$work/turn2.out" 2>"$work/turn2.err"

rm -rf "$out/auto-recording" "$out/chat-save" "$out/resume-across-minute"
mkdir -p "$out/auto-recording" "$out/chat-save"
ls "$HOME"/.gemini/tmp/demo-project/chats/ >"$work/chats-before-interactive.txt"

# Interactive: /chat save NAME writes a checkpoint file.
if [ "${SKIP_INTERACTIVE:-0}" != 1 ]; then
  tmux -L confabrec new-session -d -s rec -x 160 -y 50 -c "$project" \
    "env HOME='$HOME' GOOGLE_GEMINI_BASE_URL='$GOOGLE_GEMINI_BASE_URL' GEMINI_API_KEY=fake '$gemini_bin' -m '$MODEL' --yolo; sleep 5"
  sleep 12
  tmux -L confabrec send-keys -t rec "Say hello in one line." ; sleep 1; tmux -L confabrec send-keys -t rec Enter
  sleep 8
  tmux -L confabrec send-keys -t rec "/chat save demo-checkpoint" ; sleep 1; tmux -L confabrec send-keys -t rec Enter
  sleep 5
  tmux -L confabrec capture-pane -p -t rec >"$work/interactive.screen" || true
  tmux -L confabrec send-keys -t rec "/quit" ; sleep 1; tmux -L confabrec send-keys -t rec Enter
  sleep 4
fi

find "$HOME/.gemini" -type f | sort >"$work/files.txt"
cat "$work/files.txt"
if [ "${SKIP_INTERACTIVE:-0}" != 1 ]; then
  # The interactive session's own auto-recorded file, and the /chat save checkpoint.
  for f in "$HOME"/.gemini/tmp/demo-project/chats/session-*.jsonl; do
    if ! grep -qxF "$(basename "$f")" "$work/chats-before-interactive.txt"; then cp -p "$f" "$out/chat-save/"; fi
  done
  find "$HOME/.gemini/tmp/demo-project" -name 'checkpoint-*' -exec cp -p {} "$out/chat-save/" \;
  # The interactive prompt log (non-interactive -p prompts are not written to it).
  cp -p "$HOME"/.gemini/tmp/demo-project/logs.json "$out/chat-save/"
fi
# Resume across a minute boundary: the CLI names files session-<minute>-<id8>.jsonl and, on
# --resume, opens a new file for the current minute (header + $set only) while the resumed turns
# go on in the original file. Recorded on purpose because real histories contain such pairs.
if [ "${SKIP_MINUTE:-0}" != 1 ]; then
  other="$work/other-project"
  mkdir -p "$other"
  printf 'hello\n' >"$other/hello.txt"
  cd "$other"
  "$gemini_bin" -m "$MODEL" --yolo -p "Run ls in the shell for me." >"$work/minute1.out" 2>"$work/minute1.err"
  sleep $((61 - 10#$(date +%S)))
  "$gemini_bin" -m "$MODEL" --yolo --resume latest -p "Good. Anything else to know?" \
    >"$work/minute2.out" 2>"$work/minute2.err"
  rm -rf "$out/resume-across-minute"
  mkdir -p "$out/resume-across-minute"
  cp -p "$HOME"/.gemini/tmp/other-project/chats/session-*.jsonl "$out/resume-across-minute/"
fi

# Copied last: a later start of the CLI appends a {"$set":{"summary":...}} record (a one-line
# summary it asked the model for) to the previous session's file.
for f in "$HOME"/.gemini/tmp/demo-project/chats/session-*.jsonl; do
  if grep -qxF "$(basename "$f")" "$work/chats-before-interactive.txt"; then cp -p "$f" "$out/auto-recording/"; fi
done

echo "$GEMINI_CLI_VERSION" >"$out/CLIENT_VERSION"
echo "fixtures written to $out"
