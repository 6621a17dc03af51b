#!/usr/bin/env python3
"""A small stand-in for the Anthropic Messages API, so the real Claude Code can be recorded offline.

Why: confab's Claude Code importer must be proven against files that Claude Code itself wrote.
Claude Code only writes a session when a model answers it, so this server answers in the shape
the real API does (JSON, or SSE when the request asks to stream), and Claude Code writes its
ordinary session files from those answers. Nothing here is copied from the real service: the
shapes follow Anthropic's public API reference.

The server is stateless and scripted by the request alone:
- the last message is a tool result                  -> a text answer;
- the last typed text holds RUN_BASH and the request offers a Bash tool -> a Bash tool call
  (`{"command": "ls"}`);
- the last typed text holds DELEGATE and the request offers the sub-agent tool (Task or Agent)
  -> a sub-agent call whose prompt holds RUN_BASH, so the sub-agent itself calls Bash, then
  answers with text (DELEGATE_FOREGROUND adds `run_in_background: false` where the tool has it);
- the /compact request (it asks for <analysis> and <summary> blocks) -> a summary;
- a background sub-agent's <task-notification>               -> a text answer;
- anything else                                       -> a text answer.
When the request enables extended thinking, each answer starts with a short thinking block.
Every answer carries usage with cache read and cache creation counts, worked out from the size
of the request so that the numbers are plausible and repeatable.

It binds 127.0.0.1 only. Each request (path, selected headers, body) is appended as one JSON line
to the log file, so a recorder can see what the client sends.

Usage: fake_anthropic.py --port-file FILE --log FILE [--port N]
(port 0, the default, picks a free port; the chosen port is written to --port-file once
the server listens).
"""

import argparse
import hashlib
import json
import os
import string
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASH_TRIGGER = "RUN_BASH"
DELEGATE_TRIGGER = "DELEGATE"
FOREGROUND_TRIGGER = "DELEGATE_FOREGROUND"
SUBAGENT_TOOL_NAMES = ("Agent", "Task")
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

_log_lock = threading.Lock()
_counter_lock = threading.Lock()
_counter = 0


def next_serial() -> int:
    global _counter
    with _counter_lock:
        _counter += 1
        return _counter


def api_id(prefix: str, seed: str) -> str:
    """An id shaped like the API's (`msg_01` + 22 base62 characters), derived from a seed."""
    digest = hashlib.sha256(seed.encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(22):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    return f"{prefix}_01{''.join(chars)}"


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def typed_text(message: dict) -> str:
    """The text of a message's text blocks (a string content counts as one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(
        block.get("text", "") for block in content if isinstance(block, dict) and block.get("type") == "text"
    )


def conversation(body: dict) -> list:
    """The user and assistant turns: Claude Code also sends `system` messages mid-conversation."""
    return [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") in ("user", "assistant")]


def last_is_tool_result(messages: list) -> bool:
    if not messages:
        return False
    last = messages[-1]
    content = last.get("content")
    if last.get("role") != "user" or not isinstance(content, list):
        return False
    return any(isinstance(block, dict) and block.get("type") == "tool_result" for block in content)


def tool_names(body: dict) -> list:
    return [tool.get("name") for tool in body.get("tools") or [] if isinstance(tool, dict)]


def tool_properties(body: dict, name: str) -> dict:
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and tool.get("name") == name:
            return (tool.get("input_schema") or {}).get("properties") or {}
    return {}


def thinking_enabled(body: dict) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def plan_answer(body: dict) -> list:
    """The content blocks of the answer, without ids: decided by the request alone."""
    messages = conversation(body)
    names = tool_names(body)
    blocks = []
    if thinking_enabled(body):
        # With `display: omitted` the API sends the signature only, and so does this server.
        shown = body["thinking"].get("display") != "omitted"
        thought = "The request is scripted; I answer as the recorder expects." if shown else ""
        blocks.append({"type": "thinking", "thinking": thought})

    prompt = typed_text(messages[-1]) if messages else ""
    if "<analysis>" in prompt or "<summary></summary>" in prompt:
        # The /compact request (its last message may also carry a pending tool result).
        blocks.append(
            {
                "type": "text",
                "text": "<analysis>\nThe user asked for a folder listing; `ls` ran once.\n</analysis>\n\n<summary>\n"
                "1. Primary Request and Intent: the user asked to list the files in the project folder.\n"
                "2. Work done: ran `ls` with the Bash tool and reported the files.\n"
                "3. Pending Tasks: none.\n</summary>",
            }
        )
        return blocks
    if last_is_tool_result(messages):
        blocks.append({"type": "text", "text": "The command ran. The folder holds the files listed above."})
        return blocks

    if "<task-notification>" in prompt:
        # A background sub-agent finished; its result arrives as a new user turn.
        blocks.append({"type": "text", "text": "The sub-agent finished: the folder holds main.py and notes.txt."})
        return blocks

    subagent_tool = next((name for name in SUBAGENT_TOOL_NAMES if name in names), None)
    if DELEGATE_TRIGGER in prompt and subagent_tool:
        arguments = {
            "description": "List the project folder",
            "prompt": f"{BASH_TRIGGER}: list the files in the current folder with ls and report them.",
            "subagent_type": "general-purpose",
        }
        # DELEGATE_FOREGROUND asks for a sub-agent the parent waits for, where the tool offers the choice.
        if FOREGROUND_TRIGGER in prompt and "run_in_background" in tool_properties(body, subagent_tool):
            arguments["run_in_background"] = False
        blocks.append({"type": "text", "text": "I will hand this to a sub-agent."})
        blocks.append({"type": "tool_use", "name": subagent_tool, "input": arguments})
        return blocks
    if BASH_TRIGGER in prompt and "Bash" in names:
        blocks.append({"type": "text", "text": "I will list the folder."})
        blocks.append(
            {
                "type": "tool_use",
                "name": "Bash",
                "input": {"command": "ls", "description": "List files in the current folder"},
            }
        )
        return blocks

    if body.get("max_tokens", 0) <= 1:
        text = "ok"
    else:
        text = "Hello from the fake model. This answer is scripted text."
    blocks.append({"type": "text", "text": text})
    return blocks


def finish_blocks(blocks: list, seed: str) -> list:
    """Add ids to tool calls and signatures to thinking blocks."""
    finished = []
    for index, block in enumerate(blocks):
        block = dict(block)
        if block["type"] == "tool_use":
            block["id"] = api_id("toolu", f"{seed}/{index}")
        if block["type"] == "thinking":
            block["signature"] = hashlib.sha256(f"sig/{seed}/{index}".encode()).hexdigest()
        finished.append(block)
    return finished


def usage_for(body: dict, raw: bytes, blocks: list) -> dict:
    """Plausible usage: most of a long request is read from the prompt cache, the new tail written."""
    total = approx_tokens(raw.decode("utf-8", "replace"))
    messages = conversation(body)
    tail = approx_tokens(json.dumps(messages[-1:])) if messages else 1
    input_tokens = min(total, max(3, tail % 50 + 3))
    cache_creation = min(max(0, total - input_tokens), tail + 120)
    cache_read = max(0, total - input_tokens - cache_creation)
    output = sum(approx_tokens(json.dumps(block)) for block in blocks) + 5
    thinking = sum(approx_tokens(json.dumps(block)) + 20 for block in blocks if block["type"] == "thinking")
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": cache_creation, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output + thinking,
        "output_tokens_details": {"thinking_tokens": thinking},
        "service_tier": "standard",
    }


def stop_reason(blocks: list) -> str:
    return "tool_use" if any(block["type"] == "tool_use" for block in blocks) else "end_turn"


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def stream_events(message: dict) -> list:
    """The SSE events of one message, in the order the Messages API sends them."""
    usage = message["usage"]
    start = dict(message, content=[], stop_reason=None, stop_sequence=None, usage=dict(usage, output_tokens=1))
    events = [sse("message_start", {"type": "message_start", "message": start}), sse("ping", {"type": "ping"})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": piece} for piece in split_text(block["text"])]
        elif block["type"] == "thinking":
            opening = {"type": "thinking", "thinking": "", "signature": ""}
            pieces = split_text(block["thinking"]) if block["thinking"] else []
            deltas = [{"type": "thinking_delta", "thinking": piece} for piece in pieces]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        else:
            opening = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            arguments = json.dumps(block["input"])
            middle = len(arguments) // 2
            deltas = [
                {"type": "input_json_delta", "partial_json": ""},
                {"type": "input_json_delta", "partial_json": arguments[:middle]},
                {"type": "input_json_delta", "partial_json": arguments[middle:]},
            ]
        events.append(sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": opening}))
        for delta in deltas:
            events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        events.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {
                    "input_tokens": usage["input_tokens"],
                    "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
                    "cache_read_input_tokens": usage["cache_read_input_tokens"],
                    "output_tokens": usage["output_tokens"],
                    "output_tokens_details": usage["output_tokens_details"],
                },
            },
        )
    )
    events.append(sse("message_stop", {"type": "message_stop"}))
    return events


def split_text(text: str) -> list:
    words = text.split(" ")
    pieces = []
    for start in range(0, len(words), 4):
        piece = " ".join(words[start : start + 4])
        pieces.append(piece if start + 4 >= len(words) else piece + " ")
    return pieces or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-anthropic/1"
    log_path = None

    def log_message(self, format, *args):  # quiet: the JSON log tells what happened
        pass

    def record(self, raw: bytes):
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {
            key: value
            for key, value in self.headers.items()
            if key.lower() in ("anthropic-version", "anthropic-beta", "user-agent", "content-type", "x-app")
        }
        line = json.dumps({"method": self.command, "path": self.path, "headers": headers, "body": body})
        with _log_lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", api_id("req", f"{next_serial()}/{self.path}"))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(b"")
        path = self.path.split("?")[0]
        if path.rstrip("/") == "/v1/models":
            models = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"]
            self.send_json(
                200,
                {
                    "data": [
                        {"type": "model", "id": model, "display_name": model, "created_at": "2025-01-01T00:00:00Z"}
                        for model in models
                    ],
                    "has_more": False,
                    "first_id": models[0],
                    "last_id": models[-1],
                },
            )
        else:
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": f"no {path}"}})

    def do_HEAD(self):
        self.record(b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        raw = self.read_body()
        self.record(raw)
        path = self.path.split("?")[0]
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad JSON"}})
            return
        if path == "/v1/messages/count_tokens":
            self.send_json(200, {"input_tokens": approx_tokens(raw.decode("utf-8", "replace"))})
            return
        if path != "/v1/messages":
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": f"no {path}"}})
            return

        seed = f"{next_serial()}/{hashlib.sha256(raw).hexdigest()}"
        blocks = finish_blocks(plan_answer(body), seed)
        message = {
            "id": api_id("msg", seed),
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or "claude-sonnet-4-5-20250929",
            "content": blocks,
            "stop_reason": stop_reason(blocks),
            "stop_sequence": None,
            "usage": usage_for(body, raw, blocks),
        }
        if not body.get("stream"):
            self.send_json(200, message)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", api_id("req", f"request/{seed}"))
        self.end_headers()
        for event in stream_events(message):
            self.wfile.write(event)
            self.wfile.flush()
        self.close_connection = True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    Handler.log_path = args.log
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
