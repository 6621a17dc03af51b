#!/usr/bin/env python3
"""A small stand-in for the OpenAI Responses API (`POST /v1/responses`, SSE), for recording Codex.

Why: confab's Codex importer must be proven against rollout files that Codex itself wrote. Codex
writes a rollout only while a model answers it, so this server streams answers in the Responses
API's event shape, and Codex writes its ordinary rollout from them. The shapes follow the public
API reference; nothing is copied from the real service.

Stateless, scripted by the request alone:
- the last input item is a tool call's output             -> a text answer;
- the last user text holds RUN_SHELL and the request offers a shell tool
  -> a call of that tool listing the folder (`ls`), with arguments shaped by the tool's schema;
- anything else (including Codex's own side requests)      -> a text answer.
Every answer starts with a reasoning item (a summary and an opaque encrypted_content, as the API
sends when `include` asks for it), and `response.completed` carries usage with cached input and
reasoning output counts, worked out from the size of the request.

It binds 127.0.0.1 only, and appends each request (path, selected headers, body) as a JSON line
to the log file.

Usage: fake_responses.py --port-file FILE --log FILE [--port N]
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHELL_TRIGGER = "RUN_SHELL"
# The names Codex versions have given their shell tool, most specific first.
SHELL_TOOL_NAMES = ("shell_command", "exec_command", "shell", "container.exec")

_log_lock = threading.Lock()
_counter_lock = threading.Lock()
_counter = 0


def next_serial() -> int:
    global _counter
    with _counter_lock:
        _counter += 1
        return _counter


def api_id(prefix: str, seed: str) -> str:
    return f"{prefix}_{hashlib.sha256(seed.encode()).hexdigest()[:48]}"


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def input_items(body: dict) -> list:
    items = body.get("input")
    if isinstance(items, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": items}]}]
    return [item for item in items or [] if isinstance(item, dict)]


def item_text(item: dict) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def last_user_text(items: list) -> str:
    for item in reversed(items):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return item_text(item)
    return ""


def find_shell_tool(body: dict):
    tools = {}
    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            name = tool.get("name") or tool.get("type")
            tools[name] = tool
    for name in SHELL_TOOL_NAMES:
        if name in tools:
            return tools[name]
    return None


def shell_arguments(tool: dict) -> dict:
    """`ls` in the shape the tool's schema asks for: a string, an argv list, or `cmd`."""
    properties = (tool.get("parameters") or {}).get("properties") or {}
    if "cmd" in properties:
        return {"cmd": "ls"}
    command = properties.get("command") or {}
    if command.get("type") == "array":
        return {"command": ["bash", "-lc", "ls"]}
    return {"command": "ls"}


def plan_output(body: dict) -> list:
    """The output items, without ids: decided by the request alone."""
    items = input_items(body)
    last = items[-1] if items else {}
    output = [{"type": "reasoning", "summary": [{"type": "summary_text", "text": "**Scripted answer**\n\nThe request decides the answer."}]}]
    if last.get("type") in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
        output.append({"type": "message", "text": "The command ran. The folder holds the files listed above."})
        return output
    tool = find_shell_tool(body)
    if SHELL_TRIGGER in last_user_text(items) and tool is not None:
        output.append({"type": "function_call", "name": tool.get("name"), "arguments": json.dumps(shell_arguments(tool))})
        return output
    output.append({"type": "message", "text": "Hello from the fake model. This answer is scripted text."})
    return output


def finish_item(item: dict, seed: str, index: int) -> dict:
    if item["type"] == "reasoning":
        opaque = base64.b64encode(hashlib.sha256(f"enc/{seed}/{index}".encode()).digest() * 4).decode()
        return {"type": "reasoning", "id": api_id("rs", f"{seed}/{index}"), "summary": item["summary"], "encrypted_content": opaque}
    if item["type"] == "function_call":
        return {
            "type": "function_call",
            "id": api_id("fc", f"{seed}/{index}"),
            "call_id": "call_" + hashlib.sha256(f"call/{seed}/{index}".encode()).hexdigest()[:24],
            "name": item["name"],
            "arguments": item["arguments"],
            "status": "completed",
        }
    return {
        "type": "message",
        "id": api_id("msg", f"{seed}/{index}"),
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": item["text"], "annotations": []}],
    }


def usage_for(raw: bytes, output: list) -> dict:
    """Plausible usage: most of a long request is read from the prompt cache."""
    input_tokens = approx_tokens(raw.decode("utf-8", "replace"))
    cached = (input_tokens * 9 // 10) // 64 * 64
    # Codex 0.171 also reads a cache-write count here (its parser names `cache_write_tokens`).
    cache_write = (input_tokens - cached) // 2
    reasoning = sum(approx_tokens(json.dumps(item.get("summary"))) + 40 for item in output if item["type"] == "reasoning")
    visible = sum(approx_tokens(json.dumps(item)) for item in output if item["type"] != "reasoning")
    output_tokens = reasoning + visible
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": cache_write},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
    }


class EventWriter:
    def __init__(self, stream):
        self.stream = stream
        self.sequence = 0

    def send(self, kind: str, **fields):
        payload = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        self.stream.write(f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode())
        self.stream.flush()


def stream_response(writer: EventWriter, response: dict):
    """The Responses API's event sequence for one finished response."""
    shell = dict(response, status="in_progress", output=[], usage=None)
    writer.send("response.created", response=shell)
    writer.send("response.in_progress", response=shell)
    for index, item in enumerate(response["output"]):
        if item["type"] == "reasoning":
            writer.send("response.output_item.added", output_index=index, item=dict(item, summary=[]))
            for part_index, part in enumerate(item["summary"]):
                ids = {"item_id": item["id"], "output_index": index, "summary_index": part_index}
                writer.send("response.reasoning_summary_part.added", part={"type": "summary_text", "text": ""}, **ids)
                writer.send("response.reasoning_summary_text.delta", delta=part["text"], **ids)
                writer.send("response.reasoning_summary_text.done", text=part["text"], **ids)
                writer.send("response.reasoning_summary_part.done", part=part, **ids)
        elif item["type"] == "function_call":
            writer.send("response.output_item.added", output_index=index, item=dict(item, arguments="", status="in_progress"))
            ids = {"item_id": item["id"], "output_index": index}
            writer.send("response.function_call_arguments.delta", delta=item["arguments"], **ids)
            writer.send("response.function_call_arguments.done", arguments=item["arguments"], **ids)
        else:
            text = item["content"][0]["text"]
            writer.send("response.output_item.added", output_index=index, item=dict(item, status="in_progress", content=[]))
            ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
            writer.send("response.content_part.added", part={"type": "output_text", "text": "", "annotations": []}, **ids)
            for start in range(0, len(text), 16):
                writer.send("response.output_text.delta", delta=text[start : start + 16], **ids)
            writer.send("response.output_text.done", text=text, **ids)
            writer.send("response.content_part.done", part=item["content"][0], **ids)
        writer.send("response.output_item.done", output_index=index, item=item)
    writer.send("response.completed", response=response)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-responses/1"
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
            if key.lower() in ("user-agent", "content-type", "originator", "openai-beta", "session_id", "version", "accept")
        }
        line = json.dumps({"method": self.command, "path": self.path, "headers": headers, "body": body})
        with _log_lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")

    def send_json(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(b"")
        path = self.path.split("?")[0].rstrip("/")
        if path == "/v1/models":
            self.send_json(200, {"object": "list", "data": [], "models": []})
        else:
            self.send_json(404, {"error": {"message": f"no {path}", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.record(raw)
        path = self.path.split("?")[0].rstrip("/")
        if path != "/v1/responses":
            self.send_json(404, {"error": {"message": f"no {path}", "type": "invalid_request_error"}})
            return
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self.send_json(400, {"error": {"message": "bad JSON", "type": "invalid_request_error"}})
            return
        seed = f"{next_serial()}/{hashlib.sha256(raw).hexdigest()}"
        planned = plan_output(body)
        output = [finish_item(item, seed, index) for index, item in enumerate(planned)]
        response = {
            "id": api_id("resp", seed),
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": body.get("model") or "gpt-5-codex",
            "output": output,
            "usage": usage_for(raw, output),
        }
        if not body.get("stream"):
            self.send_json(200, response)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        stream_response(EventWriter(self.wfile), response)
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
