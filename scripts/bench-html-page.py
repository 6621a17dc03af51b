#!/usr/bin/env python3
"""The HTML page of a long session: its size, and how long headless Chromium takes to open it.

Generates a session of --messages messages (default 10,000) of text like sessions hold: French
prose with accents and an emoji, `kubectl` in inline code, a shell code fence every tenth message,
a 60-line tool output every twentieth, tool calls with JSON arguments and usage on the assistant's
messages. Imports it into a scratch project and, for --runs rounds:

  - export: `confab sessions export long -o long.html` beside `-o long.md` (the Markdown report,
    the baseline), wall time of the whole command (store read included);
  - load: `chromium --headless --dump-dom` of the page, wall time of the whole browser run, and
    the page's own reading of performance.now() when its script ran at the end of the body
    (`data-ready-ms`: parsing and styling the whole page, without the browser's start-up);
  - the same load of a 1-message page, for the browser's fixed cost.

Prints medians, the file sizes and the load average (wall times mean something only on an
otherwise idle machine). Render time alone is `cargo bench -p confab-format-html`.

Usage: python3 scripts/bench-html-page.py [--confab target/release/confab] [--messages N] [--runs R]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time


def session(count):
    messages = []
    for index in range(count):
        kind = index % 4
        role = ["user", "assistant", "tool", "assistant"][kind]
        content = [
            f"Pourquoi le déploiement échoue-t-il ? 🙂 #{index} ",
            f"Voilà **l'analyse** n°{index}, avec `kubectl`: ",
            f"NAME READY STATUS {index}\n",
            f"Résumé {index}: ",
        ][kind] + "les pods redémarrent après l'échec de la sonde. " * 4
        if index % 10 == 1:
            content += '\n\n```sh\nkubectl get pods -A # état\necho "fini"\n```\n'
        if index % 20 == 2:
            content += "pod-abc-123   0/1   CrashLoopBackOff   7   12m\n" * 60
        message = {"role": role, "content": content,
                   "created_at": f"2026-01-01T{index // 3600 % 24:02}:{index // 60 % 60:02}:{index % 60:02}Z"}
        if role == "assistant":
            message["usage"] = {"input_tokens": 1200 + index, "output_tokens": 300,
                                "cached_input_tokens": 800}
            if kind == 1:
                message["tool_calls"] = [{"id": f"call_{index}", "name": "shell",
                                          "arguments": {"command": "kubectl get pods -A", "timeout": 30}}]
        if role == "tool":
            message["tool_call_id"] = f"call_{index - 1}"
        messages.append(message)
    return {"version": "1.0", "session": {"name": "long", "provider": "anthropic", "model": "claude"},
            "messages": messages}


def timed(command, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start, result.stdout


def chromium(page, profile):
    return ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", f"file://{page}"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--confab", default="target/release/confab")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    confab = os.path.abspath(args.confab)
    with tempfile.TemporaryDirectory() as scratch:
        for name, data in [("long", session(args.messages)), ("one", session(1))]:
            data["session"]["name"] = name
            with open(os.path.join(scratch, f"{name}.json"), "w") as file:
                json.dump(data, file, ensure_ascii=False)
            subprocess.run([confab, "sessions", "import", f"{name}.json"], cwd=scratch, check=True,
                           capture_output=True)
        subprocess.run([confab, "sessions", "export", "one", "-o", "one.html"], cwd=scratch,
                       check=True, capture_output=True)
        html, markdown, load, ready, fixed = [], [], [], [], []
        for run in range(args.runs):
            html.append(timed([confab, "sessions", "export", "long", "-o", "long.html"], scratch)[0])
            markdown.append(timed([confab, "sessions", "export", "long", "-o", "long.md"], scratch)[0])
            with tempfile.TemporaryDirectory() as profile:
                seconds, dom = timed(chromium(os.path.join(scratch, "long.html"), profile), scratch)
            load.append(seconds)
            found = re.search(rb'data-ready-ms="(\d+)"', dom)
            assert found, "the page's script did not run"
            ready.append(int(found.group(1)))
            with tempfile.TemporaryDirectory() as profile:
                fixed.append(timed(chromium(os.path.join(scratch, "one.html"), profile), scratch)[0])
        median = statistics.median
        size = os.path.getsize(os.path.join(scratch, "long.html"))
        md_size = os.path.getsize(os.path.join(scratch, "long.md"))
        print(f"{args.messages} messages, {args.runs} runs, load average {os.getloadavg()[0]:.2f}")
        print(f"export html     {median(html) * 1000:7.0f} ms  {size / 1e6:.2f} MB")
        print(f"export markdown {median(markdown) * 1000:7.0f} ms  {md_size / 1e6:.2f} MB  "
              f"(html / markdown: {median(html) / median(markdown):.2f}x time)")
        print(f"chromium --dump-dom, page  {median(load) * 1000:7.0f} ms wall; "
              f"ready {median(ready):.0f} ms after navigation (performance.now())")
        print(f"chromium --dump-dom, 1 msg {median(fixed) * 1000:7.0f} ms wall (the browser's fixed cost)")


if __name__ == "__main__":
    main()
