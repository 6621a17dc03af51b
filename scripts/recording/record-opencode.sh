#!/usr/bin/env bash
# Record a genuine `opencode export` of a session run against fake_chat_completions.py
# (127.0.0.1 only), through a custom "@ai-sdk/openai-compatible" provider.
# Why: confab's opencode importer is tested against what the real client writes, never imitations.
# Usage: scripts/recording/record-opencode.sh   (needs node/npm, python3.11; opencode may fetch
# its provider package from the npm registry on first use)
set -euo pipefail

OPENCODE_VERSION="1.18.33"

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo_root/scripts/recording"
out="$repo_root/formats/opencode/tests/fixtures/recorded"
work="$(mktemp -d /tmp/confab-rec-opencode.XXXXXX)"
echo "work dir: $work (request log: $work/requests.jsonl)"

npm install --silent --no-audit --no-fund --prefix "$work/npm" "opencode-ai@$OPENCODE_VERSION" >/dev/null
opencode_bin="$work/npm/node_modules/.bin/opencode"

export HOME="$work/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
export OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1
project="$work/demo-project"
mkdir -p "$HOME" "$project"
printf '# Demo project\n' >"$project/README.md"
printf 'buy milk\n' >"$project/notes.txt"
(cd "$project" && git init -q && git add . && git -c user.name=demo -c user.email=demo@example.invalid commit -qm init)

python3.11 "$here/fake_chat_completions.py" --port-file "$work/port" --log "$work/requests.jsonl" \
  --workdir "$project" 2>"$work/fake.log" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

cat >"$project/opencode.json" <<JSON
{
  "\$schema": "https://opencode.ai/config.json",
  "provider": {
    "fake": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "Fake provider",
      "options": {"baseURL": "http://127.0.0.1:$port/v1", "apiKey": "fake-key"},
      "models": {"fake-model": {"name": "Fake Model", "tool_call": true, "reasoning": true}}
    }
  },
  "model": "fake/fake-model",
  "small_model": "fake/fake-model",
  "autoupdate": false,
  "share": "disabled",
  "permission": {"bash": "allow", "edit": "allow"}
}
JSON

cd "$project"
# opencode run joins its arguments with spaces and wraps any argument holding a space in double
# quotes, so the prompt is passed as separate words to keep it as a person would type it.
# Turn 1: the fake answers with a bash tool call (ls -1), then with text.
# shellcheck disable=SC2086
"$opencode_bin" run --print-logs List the files in this project folder, please. \
  >"$work/turn1.out" 2>"$work/turn1.err"
# Turn 2: continue the same session with a plain question.
"$opencode_bin" run --print-logs --continue Thanks. Which one is the readme\? \
  >"$work/turn2.out" 2>"$work/turn2.err"
"$opencode_bin" session list --format json >"$work/sessions.json" 2>"$work/sessions.err"
session_id="$(python3.11 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$work/sessions.json")"

rm -rf "$out"
mkdir -p "$out"
"$opencode_bin" export "$session_id" >"$out/export.json" 2>"$work/export.err"
# The database opencode keeps its sessions in (what `import --from opencode` reads), as one
# file: the WAL folded in by SQLite's own backup, nothing else changed.
mkdir -p "$out/data/opencode"
python3.11 - "$HOME/.local/share/opencode/opencode.db" "$out/data/opencode/opencode.db" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.execute("PRAGMA journal_mode=DELETE")
target.close()
PY
echo "$OPENCODE_VERSION" >"$out/CLIENT_VERSION"
cat "$work/turn1.out" "$work/turn2.out"
echo "session $session_id exported; fixtures written to $out"
