#!/usr/bin/env bash
# Record genuine `llm logs --json` output (and the logs.db it reads) against
# fake_chat_completions.py (127.0.0.1 only).
# Why: confab's llm importer is tested against what the real client writes, never imitations.
# Usage: scripts/recording/record-llm.sh   (needs python3.11 with venv and pip)
set -euo pipefail

LLM_VERSION="0.36"
PYTHON="${PYTHON:-python3.11}"

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo_root/scripts/recording"
out="$repo_root/formats/llm/tests/fixtures/recorded"
work="$(mktemp -d /tmp/confab-rec-llm.XXXXXX)"
echo "work dir: $work (request log: $work/requests.jsonl)"

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "llm==$LLM_VERSION"
llm_bin="$work/venv/bin/llm"

export HOME="$work/home"
export LLM_USER_PATH="$work/llm-user"
project="$work/demo-project"
mkdir -p "$HOME" "$LLM_USER_PATH" "$project"

"$PYTHON" "$here/fake_chat_completions.py" --port-file "$work/port" --log "$work/requests.jsonl" \
  --workdir "$project" 2>"$work/fake.log" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

cat >"$LLM_USER_PATH/extra-openai-models.yaml" <<YAML
- model_id: fake-model
  model_name: fake-model
  api_base: "http://127.0.0.1:$port/v1"
  api_key_name: fake
  supports_tools: true
YAML
"$llm_bin" keys set fake --value fake-key

cd "$project"
# Conversation 1: two turns (system prompt, streamed), then a follow-up with -c.
"$llm_bin" -m fake-model -s "You are terse." "Hello, who are you?" >"$work/c1t1.out"
"$llm_bin" -c "Tell me one more thing, please." >"$work/c1t2.out"
# Conversation 2: a tool call (llm's built-in llm_time tool), then text; not streamed.
"$llm_bin" -m fake-model --no-stream -T llm_time "What time is it? Use the time tool." >"$work/c2.out"

rm -rf "$out"
mkdir -p "$out"
"$llm_bin" logs --json -n 0 >"$out/logs.json"
cp -p "$LLM_USER_PATH/logs.db" "$out/logs.db"
echo "$LLM_VERSION" >"$out/CLIENT_VERSION"
cat "$work"/c*.out
echo "fixtures written to $out"
