#!/usr/bin/env python3
"""A tiny, stateless stand-in for the OpenAI Chat Completions API, for recording real opencode
and llm sessions.

Why: confab's opencode and llm importers must be proven against files those real clients write.
They need a model to talk to; this server plays that model on 127.0.0.1 only, with no real key.

Behaviour, decided only by the request it gets:
- last message has role "tool"                         -> answer with text;
- the last user text asks for files/listing/shell/time/tool and tools are declared
                                                       -> answer with one tool call;
- otherwise                                            -> answer with text.
Streaming (`"stream": true`, SSE, ends with `data: [DONE]`) and non-streaming are both served.
Every answer carries usage with cached and reasoning token details; streamed answers also carry
a `reasoning_content` delta (as DeepSeek-style OpenAI-compatible servers do). `GET /v1/models`
lists one model. Every request is logged (path, body) as one JSON line to --log.

Python 3.11 standard library only.
"""

import argparse
import http.server
import json
import re
import sys
import time
import uuid

TOOL_WORDS = re.compile(r"\b(list|files|directory|shell|run|tool|ls|time)\b", re.IGNORECASE)
PREFERRED_TOOLS = ("bash", "list", "glob", "llm_time", "ls")
MODEL_ID = "fake-model"
REASONING = "The user asked something short; I will answer plainly."


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def usage_for(request_body: bytes, answer_text: str) -> dict:
    prompt = estimate_tokens(request_body.decode("utf-8", "replace"))
    reasoning = estimate_tokens(REASONING)
    completion = estimate_tokens(answer_text) + reasoning
    cached = prompt // 2  # pretend the earlier half of the prompt was served from the cache
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    }


def message_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return texts[-1] if texts else ""
    return ""


def schema_example(schema: dict, key: str = ""):
    if not isinstance(schema, dict):
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        props = schema.get("properties", {}) or {}
        return {n: schema_example(props.get(n, {}), n) for n in schema.get("required", []) or []}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return f"fake {key or 'value'}"


def tool_call_args(function: dict, workdir: str) -> dict:
    schema = function.get("parameters") or {}
    props = schema.get("properties", {}) or {}
    args = {}
    for name in schema.get("required", []) or []:
        if name == "command":
            args[name] = "ls -1"
        elif name == "description":
            args[name] = "List the files in the project folder"
        elif "path" in name.lower() or "dir" in name.lower():
            args[name] = workdir
        elif name == "pattern":
            args[name] = "*"
        else:
            args[name] = schema_example(props.get(name, {}), name)
    return args


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-chat-completions/1"

    def log_message(self, fmt, *args):
        pass

    def log_request_body(self, body: bytes):
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"time": time.time(), "method": self.command,
                                  "path": self.path, "body": parsed}) + "\n")

    def send_json(self, status: int, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.log_request_body(b"")
        if self.path.split("?", 1)[0].rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [
                {"id": MODEL_ID, "object": "model", "created": 1764720000, "owned_by": "fake"}]})
        else:
            self.send_json(404, {"error": {"message": "not faked", "type": "not_found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        self.log_request_body(raw)
        if not self.path.split("?", 1)[0].rstrip("/").endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": "not faked", "type": "not_found"}})
            return
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        model = body.get("model") or MODEL_ID
        messages = body.get("messages", []) or []
        last = messages[-1] if messages else {}
        tools = [t.get("function", {}) for t in body.get("tools", []) or [] if t.get("type") == "function"]

        tool_call = None
        text = None
        system_text = " ".join(message_text(m) for m in messages if m.get("role") == "system")
        if "title" in system_text.lower() and not tools and last.get("role") == "user":
            text = "Listing the project files"  # a client asking for a conversation title
        elif last.get("role") == "tool":
            result = " ".join(message_text(last).split())[:120]
            text = f"The tool answered: {result}"
        else:
            user_text = message_text(last) if last.get("role") == "user" else ""
            if tools and TOOL_WORDS.search(user_text):
                by_name = {f.get("name"): f for f in tools}
                function = next((by_name[n] for n in PREFERRED_TOOLS if n in by_name), tools[0])
                tool_call = {"id": "call_" + uuid.uuid4().hex[:24], "type": "function",
                             "function": {"name": function.get("name"),
                                          "arguments": json.dumps(tool_call_args(function, self.server.workdir))}}
            else:
                line = user_text.strip().splitlines()[-1][:80] if user_text.strip() else "your message"
                text = f"Here is a short answer to \"{line}\": all is well."

        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        usage = usage_for(raw, text or json.dumps(tool_call))
        finish = "tool_calls" if tool_call else "stop"

        if not body.get("stream"):
            message = {"role": "assistant", "content": text}
            if tool_call:
                message["tool_calls"] = [tool_call]
            self.send_json(200, {"id": completion_id, "object": "chat.completion", "created": created,
                                 "model": model, "system_fingerprint": "fp_fake",
                                 "choices": [{"index": 0, "message": message, "logprobs": None,
                                              "finish_reason": finish}],
                                 "usage": usage})
            return

        def chunk(delta, finish_reason=None, with_usage=False):
            out = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                   "model": model, "system_fingerprint": "fp_fake",
                   "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                "finish_reason": finish_reason}]}
            if with_usage:
                out["usage"] = usage
            return out

        chunks = [chunk({"role": "assistant", "content": ""}),
                  chunk({"reasoning_content": REASONING})]
        if tool_call:
            chunks.append(chunk({"tool_calls": [{"index": 0, **tool_call}]}))
        else:
            middle = len(text) // 2
            chunks += [chunk({"content": text[:middle]}), chunk({"content": text[middle:]})]
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        chunks.append(chunk({}, finish, with_usage=not include_usage))
        if include_usage:
            chunks.append({"id": completion_id, "object": "chat.completion.chunk", "created": created,
                           "model": model, "system_fingerprint": "fp_fake", "choices": [],
                           "usage": usage})

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for c in chunks:
            payload = ("data: " + json.dumps(c) + "\n\n").encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        done = b"data: [DONE]\n\n"
        self.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        self.wfile.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True, help="write the chosen port here")
    parser.add_argument("--log", required=True, help="JSONL file of every request")
    parser.add_argument("--workdir", default=".", help="folder given to path arguments of tool calls")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.log_path = args.log
    server.workdir = args.workdir
    with open(args.port_file, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    print(f"fake chat completions on 127.0.0.1:{server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
