#!/usr/bin/env python3
"""Cost of history in `confab chat`: one turn in sessions of 0 to 100,000 messages, streamed and not.

Every turn sends the session's whole history, so a turn's time, memory and request size grow with
it. For each history length a scratch project gets the session by importing a generated
checkpoint (messages of ~200 bytes, alternating user/assistant); then `confab chat --session big
--message hi` runs against a fake OpenAI-compatible server in this process that answers at once
(streamed or whole, as the request asks) and counts request bytes. Each run appends 2 messages,
which does not matter at these sizes. Peak memory is the process's maximum RSS (wait4); a bare
`confab sessions list` on the same store is the floor a turn cannot go below. The last column is
(streaming time - time with no history) per 1,000 messages of history: flat means linear.

Usage: python3 scripts/bench-chat.py [--runs N] [--scratch DIR] [--sizes N,N,...]
Needs: cargo, python3.
"""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = "2026-01-01T00:00:00Z"


# The timing helpers are bench-scale.py's (its name has a dash, so it is loaded by path).
_spec = importlib.util.spec_from_file_location("bench_scale", Path(__file__).with_name("bench-scale.py"))
bench_scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_scale)
run = bench_scale.run


def median_run(command, cwd, runs, env=None):
    return bench_scale.median_run(command, cwd, runs, env=env)


class FakeOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions answered at once with "ok"; request body sizes go to the server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                body += self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = json.loads(body)
        self.server.bodies.append((len(body), len(request["messages"])))
        if request.get("stream"):
            chunks = [
                {"model": "bench", "choices": [{"index": 0, "delta": {"content": "ok"}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            answer = b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks)
            answer += b"data: [DONE]\n\n"
            content_type = "text/event-stream"
        else:
            answer = json.dumps({
                "model": "bench",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(body) // 4, "completion_tokens": 1},
            }).encode()
            content_type = "application/json"
        # Headers and body in one write, so no small segment waits on a delayed ACK.
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(answer)}\r\n"
                "Connection: close\r\n\r\n").encode()
        self.wfile.write(head + answer)
        self.close_connection = True

    def log_message(self, *_):
        pass


def start_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    server.bodies = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_checkpoint(path, messages):
    """A checkpoint of `messages` messages of ~200 bytes, alternating user/assistant."""
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor " * 3
    with open(path, "w") as out:
        out.write(json.dumps({"version": "1.0", "session": {
            "name": "big", "provider": "openai", "model": "bench",
            "created_at": STAMP, "updated_at": STAMP}})[:-1])
        out.write(', "messages": [')
        for index in range(messages):
            text = f"message {index}: {filler}"[:200]
            role = "user" if index % 2 == 0 else "assistant"
            out.write(("," if index else "") + json.dumps({"role": role, "content": text, "created_at": STAMP}))
        out.write("]}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-chat")
    parser.add_argument("--sizes", default="0,100,1000,10000,100000",
                        help="history lengths, comma-separated (0 is a new session)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)

    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "confab"], cwd=ROOT, check=True)
    confab = str(ROOT / "target" / "release" / "confab")

    server = start_server()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    env = {key: value for key, value in os.environ.items()
           if not key.lower().endswith("_proxy") and not key.startswith("CONFAB_")}
    env["OPENAI_API_KEY"] = "bench-key"
    print(f"{args.runs} runs per figure, fake server at {base_url}, {os.cpu_count()} CPUs")

    rows = []
    validated = False
    for size in sizes:
        project = scratch / f"history-{size}"
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        (project / "confab.yaml").write_text(
            f"providers:\n  openai:\n    base_url: {base_url}\n    model: bench\n")
        if size:
            checkpoint = scratch / f"history-{size}.json"
            write_checkpoint(checkpoint, size)
            if not validated:
                run([confab, "sessions", "validate", str(checkpoint)], project, env)
                validated = True
            run([confab, "sessions", "import", str(checkpoint)], project, env)
            list_wall, _ = median_run([confab, "sessions", "list"], project, args.runs, env)
        else:
            list_wall = None  # no store yet; the first turn creates it
        chat = [confab, "chat", "--session", "big", "--message", "hi"]
        server.bodies.clear()
        stream_wall, stream_peak = median_run(chat, project, args.runs, env)
        request_bytes, sent = server.bodies[0]
        if sent != size + 1:
            sys.exit(f"history {size}: the first request carried {sent} messages, not {size + 1}")
        whole_wall, whole_peak = median_run(chat + ["--no-stream"], project, args.runs, env)
        if len(server.bodies) != 2 * args.runs:
            sys.exit(f"history {size}: the server saw {len(server.bodies)} requests, not {2 * args.runs}")
        rows.append((size, request_bytes, stream_wall, whole_wall, max(stream_peak, whole_peak), list_wall))

    print(f"{'history':>8} {'request bytes':>14} {'stream':>9} {'no-stream':>10} {'peak RSS':>9} "
          f"{'list':>8} {'per 1k msgs':>12}")
    base = rows[0][2] if rows[0][0] == 0 else None
    for size, request_bytes, stream_wall, whole_wall, peak, list_wall in rows:
        listed = f"{list_wall * 1000:6.1f}ms" if list_wall is not None else f"{'-':>8}"
        per_k = f"{(stream_wall - base) * 1000 / (size / 1000):9.3f} ms" if base is not None and size else f"{'-':>12}"
        print(f"{size:>8,} {request_bytes:>14,} {stream_wall * 1000:7.1f}ms {whole_wall * 1000:8.1f}ms "
              f"{peak:5.1f} MiB {listed} {per_k}")
    server.shutdown()


if __name__ == "__main__":
    main()
