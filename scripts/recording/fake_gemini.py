#!/usr/bin/env python3
"""A tiny, stateless stand-in for the Gemini API, for recording real Gemini CLI sessions.

Why: confab's Gemini importer must be proven against files the real Gemini CLI writes. The CLI
needs a model to talk to; this server plays that model on 127.0.0.1 only, with no real key.

Behaviour, decided only by the request it gets:
- last content is a functionResponse        -> answer with text;
- the request asks for JSON (responseSchema) -> answer with a JSON object built from the schema
  (the CLI uses this for its internal routing / next-speaker checks);
- the last user text asks for files/listing/shell/tool and tools are declared
                                             -> answer with one functionCall;
- otherwise                                  -> answer with text.
Every answer carries usageMetadata with cache and thinking counts. Every request is logged
(path, query, body) as one JSON line to --log.

Python 3.11 standard library only.
"""

import argparse
import http.server
import json
import re
import sys
import time
import uuid

TOOL_WORDS = re.compile(r"\b(list|files|directory|shell|run|tool|ls)\b", re.IGNORECASE)
PREFERRED_TOOLS = ("list_directory", "run_shell_command", "glob", "read_folder")


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def usage_for(request_body: bytes, answer_text: str, thoughts: int) -> dict:
    prompt = estimate_tokens(request_body.decode("utf-8", "replace"))
    candidates = estimate_tokens(answer_text)
    cached = (prompt // 2) // 256 * 256  # implicit cache works in 256-token-ish blocks
    usage = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt + candidates + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        "thoughtsTokenCount": thoughts,
    }
    if cached:
        usage["cachedContentTokenCount"] = cached
        usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
    else:
        usage["cachedContentTokenCount"] = 0
    return usage


def schema_example(schema: dict, key: str = ""):
    """Build a small value that satisfies a (Gemini or JSON) schema."""
    if not isinstance(schema, dict):
        return None
    kind = str(schema.get("type", "object")).lower()
    if "enum" in schema and schema["enum"]:
        choices = schema["enum"]
        for wanted in ("user", "flash"):
            if wanted in choices:
                return wanted
        return choices[0]
    if kind == "object":
        props = schema.get("properties", {}) or {}
        required = schema.get("required", list(props.keys()))
        return {name: schema_example(props.get(name, {}), name) for name in required}
    if kind == "array":
        return [schema_example(schema.get("items", {}), key)]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return f"fake {key or 'value'}"


def declared_tools(body: dict) -> list:
    tools = []
    for group in body.get("tools", []) or []:
        for decl in group.get("functionDeclarations", []) or []:
            tools.append(decl)
    return tools


def tool_call_args(decl: dict, workdir: str) -> dict:
    schema = decl.get("parametersJsonSchema") or decl.get("parameters") or {}
    props = schema.get("properties", {}) or {}
    args = {}
    for name in schema.get("required", []) or []:
        if name == "command":
            args[name] = "ls -1"
        elif "path" in name or "dir" in name:
            args[name] = workdir
        elif name == "pattern":
            args[name] = "*"
        else:
            args[name] = schema_example(props.get(name, {}), name)
    if decl.get("name") == "run_shell_command" and "description" in props:
        args["description"] = "List the files in the project folder."
    return args


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-gemini/1"

    def log_message(self, fmt, *args):  # quiet stderr; we log to the JSONL file instead
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
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.log_request_body(b"")
        if "/models" in self.path:
            self.send_json(200, {"models": [{"name": "models/gemini-2.5-pro",
                                             "displayName": "Gemini 2.5 Pro (fake)"}]})
        else:
            self.send_json(404, {"error": {"code": 404, "message": "not faked", "status": "NOT_FOUND"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length) if length else b""
        self.log_request_body(raw)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        path = self.path.split("?", 1)[0]
        model = path.rsplit("/", 1)[-1].split(":", 1)[0]
        if path.endswith(":countTokens"):
            total = estimate_tokens(raw.decode("utf-8", "replace"))
            self.send_json(200, {"totalTokens": total})
        elif path.endswith(":embedContent") or path.endswith(":batchEmbedContents"):
            vec = {"values": [0.0] * 8}
            if path.endswith(":embedContent"):
                self.send_json(200, {"embedding": vec})
            else:
                self.send_json(200, {"embeddings": [vec for _ in body.get("requests", [])]})
        elif path.endswith(":generateContent"):
            self.send_json(200, self.answer(body, raw, model, final=True)[-1])
        elif path.endswith(":streamGenerateContent"):
            chunks = self.answer(body, raw, model, final=False)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in chunks:
                payload = ("data: " + json.dumps(chunk) + "\r\n\r\n").encode()
                self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_json(404, {"error": {"code": 404, "message": "not faked", "status": "NOT_FOUND"}})

    def answer(self, body: dict, raw: bytes, model: str, final: bool) -> list:
        """Return the list of response chunks (one for generateContent: the merged answer)."""
        contents = body.get("contents", []) or []
        last = contents[-1] if contents else {}
        last_parts = last.get("parts", []) or []
        config = body.get("generationConfig", {}) or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        include_thoughts = bool((config.get("thinkingConfig") or {}).get("includeThoughts"))
        response_id = uuid.uuid4().hex[:22]
        model_version = model or "gemini-2.5-pro"

        def chunk(parts, finish=None, text_for_usage=""):
            cand = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                cand["finishReason"] = finish
            return {"candidates": [cand],
                    "usageMetadata": usage_for(raw, text_for_usage, 48 if include_thoughts else 0),
                    "modelVersion": model_version, "responseId": response_id}

        if schema and config.get("responseMimeType", "").startswith("application/json"):
            text = json.dumps(schema_example(schema))
            return [chunk([{"text": text}], "STOP", text)]

        thought = []
        if include_thoughts:
            thought = [{"text": "**Reading the request**\n\nThe user wants a short answer; "
                                "I will reply plainly.", "thought": True}]

        if any("functionResponse" in p for p in last_parts):
            result = next(p["functionResponse"] for p in last_parts if "functionResponse" in p)
            answer = result.get("response", {})
            shown = answer.get("output", answer.get("error", answer)) if isinstance(answer, dict) else answer
            shown = " ".join(str(shown).split())[:120]
            text = f"The {result.get('name', 'tool')} tool answered: {shown}"
            words = text.split(" ")
            half = " ".join(words[: len(words) // 2]) + " "
            rest = " ".join(words[len(words) // 2:])
            out = []
            if thought:
                out.append(chunk(thought, None, ""))
            out += [chunk([{"text": half}], None, half), chunk([{"text": rest}], "STOP", text)]
            return out if not final else [chunk(thought + [{"text": text}], "STOP", text)]

        # Only the last text part: the CLI puts its <session_context> block (which mentions
        # "files" and "directory") in earlier parts of the same first user content.
        texts = [p["text"] for p in last_parts if isinstance(p, dict) and "text" in p]
        user_text = texts[-1] if texts and last.get("role", "user") == "user" else ""
        tools = declared_tools(body)
        if tools and TOOL_WORDS.search(user_text):
            by_name = {t.get("name"): t for t in tools}
            preferred = PREFERRED_TOOLS
            if re.search(r"\b(shell|run)\b", user_text, re.IGNORECASE):
                preferred = ("run_shell_command",) + PREFERRED_TOOLS
            decl = next((by_name[n] for n in preferred if n in by_name), tools[0])
            call = {"functionCall": {"name": decl.get("name"),
                                     "args": tool_call_args(decl, self.server.workdir)}}
            out = [chunk(thought + [call], "STOP", json.dumps(call))]
            return out

        if "Summary (max" in user_text:  # the CLI asking for a one-line summary of a past session
            text = "Listed the project files and asked for a name"
            return [chunk([{"text": text}], "STOP", text)]
        first_line = user_text.strip().splitlines()[-1][:80] if user_text.strip() else "your message"
        text = f"Here is a short answer to \"{first_line}\": all is well."
        if final:
            return [chunk(thought + [{"text": text}], "STOP", text)]
        out = []
        if thought:
            out.append(chunk(thought, None, ""))
        out.append(chunk([{"text": text[:20]}], None, text[:20]))
        out.append(chunk([{"text": text[20:]}], "STOP", text))
        return out


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
    print(f"fake gemini on 127.0.0.1:{server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
