#!/usr/bin/env python3
"""Validation speed of `confab sessions validate` beside check-jsonschema and ajv-cli.

Generates, in a scratch folder (default: target/bench-validate):
  - small/: 300 checkpoints of 40 messages each;
  - big/big.json: one checkpoint of about 100 MB;
installs the peers there if missing (check-jsonschema from PyPI in a venv; ajv-cli and
ajv-formats from npm), validates the same files against schemas/checkpoint-v1.schema.json with
all three, and prints wall time, peak memory (max RSS of the process) and the ratios. Every tool
must report every file valid, or the run stops.

The machine this runs on is shared (other builds, other agents), so one timing means little. The
tools run in rounds: each round runs every tool once, back to back, so a burst of load falls on
all of them alike, and each round gives its own ratio. The table shows the median wall time of
each tool, the median ratio and the worst ratio of any round (the figure a target must hold in
every run), and the peak memory of the worst round.

Usage: python3 scripts/bench-validate.py [--runs N] [--scratch DIR] [--big-mb MB] [--confab BIN]
Needs: cargo, python3 (with venv), node and npm.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "checkpoint-v1.schema.json"

WORDS = (
    "pod node cluster stack component vpc subnet terraform plan apply drift state lock "
    "latency p99 index query migration rollback deploy canary alert pager incident "
    "the a of to and in is that for it with as on be by this are or from"
).split()


def sentence(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def content(rng, size):
    parts = []
    length = 0
    while length < size:
        if rng.random() < 0.15:
            block = "```sh\n" + " ".join(rng.choice(WORDS) for _ in range(12)) + "\n```"
        else:
            block = " ".join(sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(1, 4)))
        parts.append(block)
        length += len(block) + 2
    return "\n\n".join(parts)


def checkpoint(rng, name, messages, content_size):
    start = 1_760_000_000
    roles = ["user", "assistant"]
    msgs = []
    for index in range(messages):
        role = roles[index % 2]
        message = {
            "role": role,
            "content": content(rng, rng.randint(content_size // 2, content_size * 3 // 2)),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + index * 17)),
        }
        if role == "assistant":
            message["usage"] = {"input_tokens": rng.randint(100, 5000), "output_tokens": rng.randint(10, 900)}
        msgs.append(message)
    return {
        "version": "1.0",
        "exported_at": "2026-11-25T12:00:00Z",
        "exported_by": "bench",
        "session": {
            "name": name,
            "provider": "anthropic",
            "model": "claude-sonnet-4-6",
            "created_at": msgs[0]["created_at"],
            "updated_at": msgs[-1]["created_at"],
            "metadata": {"ticket": "BENCH-1", "tags": ["bench"]},
        },
        "messages": msgs,
        "statistics": {
            "message_count": messages,
            "user_messages": (messages + 1) // 2,
            "assistant_messages": messages // 2,
        },
    }


def generate(scratch, big_mb):
    small = scratch / "small"
    big = scratch / "big" / "big.json"
    marker = scratch / f"generated-{big_mb}mb"
    if marker.exists():
        return small, big
    rng = random.Random(42)
    small.mkdir(parents=True, exist_ok=True)
    for index in range(300):
        path = small / f"session-{index:03}.json"
        path.write_text(json.dumps(checkpoint(rng, f"session-{index:03}", 40, 400), indent=2))
    big.parent.mkdir(parents=True, exist_ok=True)
    # About 1 KB of JSON per message.
    messages = big_mb * 1024 * 1024 // 1100
    big.write_text(json.dumps(checkpoint(rng, "big", messages, 900), indent=2))
    marker.write_text("")
    return small, big


def run(command, cwd):
    """Wall seconds and peak RSS (MiB) of one run; the exit code must be 0."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{command[0]} failed ({code}):\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def install_peers(scratch):
    venv = scratch / "venv"
    check = venv / "bin" / "check-jsonschema"
    if not check.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "check-jsonschema"], check=True)
    node = scratch / "node"
    ajv = node / "node_modules" / ".bin" / "ajv"
    if not ajv.exists():
        node.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "-s", "--prefix", str(node), "ajv-cli", "ajv-formats"], check=True)
    return check, ajv


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds per case (default 7)")
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-validate")
    parser.add_argument("--big-mb", type=int, default=100)
    parser.add_argument("--confab", type=Path, help="this binary instead of a fresh release build")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    if args.generate_only:
        generate(scratch, args.big_mb)
        return

    if args.confab:
        confab = args.confab.resolve()
    else:
        subprocess.run(["cargo", "build", "--release", "--bin", "confab"], cwd=ROOT, check=True)
        confab = ROOT / "target" / "release" / "confab"
    # In a child process: Linux counts a forked child's pre-exec memory in its peak RSS, so this
    # process must stay small while it measures the tools.
    subprocess.run([sys.executable, __file__, "--generate-only", "--scratch", str(scratch),
                    "--big-mb", str(args.big_mb)], check=True)
    small, big = scratch / "small", scratch / "big" / "big.json"
    check, ajv = install_peers(scratch)
    small_files = sorted(str(path) for path in small.glob("*.json"))
    big_mb = big.stat().st_size / 1024 / 1024

    tools = {
        "confab": {
            "small": [str(confab), "sessions", "validate", str(small)],
            "big": [str(confab), "sessions", "validate", str(big)],
        },
        "check-jsonschema": {
            "small": [str(check), "--schemafile", str(SCHEMA), *small_files],
            "big": [str(check), "--schemafile", str(SCHEMA), str(big)],
        },
        "ajv-cli": {
            "small": [str(ajv), "validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats",
                      "-s", str(SCHEMA), "-d", str(small / "*.json")],
            "big": [str(ajv), "validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats",
                    "-s", str(SCHEMA), "-d", str(big)],
        },
    }
    cases = {"small": "300 files x 40 messages", "big": f"1 file of {big_mb:.0f} MiB"}
    peers = [tool for tool in tools if tool != "confab"]
    # One warm-up round per case (page cache, node's and Python's own caches), not counted.
    for case in cases:
        for commands in tools.values():
            run(commands[case], scratch)
    # rounds[case] = [{tool: (wall, peak)}, ...], one dict per round.
    rounds = {case: [] for case in cases}
    for case in cases:
        for _ in range(args.runs):
            rounds[case].append({tool: run(commands[case], scratch) for tool, commands in tools.items()})

    print(f"{args.runs} rounds per case; load average before: {os.getloadavg()[0]:.1f} (1 min)")
    print(f"{'case':<24} {'tool':<17} {'wall median':>12} {'min-max':>15} {'peak RSS':>9}"
          f"  {'confab is (median, worst round)':>32}")
    for case, label in cases.items():
        for tool in tools:
            walls = [r[tool][0] for r in rounds[case]]
            peak = max(r[tool][1] for r in rounds[case])
            spread = f"{min(walls) * 1000:.0f}-{max(walls) * 1000:.0f} ms"
            if tool == "confab":
                ratio = ""
            else:
                ratios = [r[tool][0] / r["confab"][0] for r in rounds[case]]
                ratio = f"{statistics.median(ratios):.1f}x, {min(ratios):.1f}x faster"
            print(f"{label:<24} {tool:<17} {statistics.median(walls) * 1000:>9.0f} ms {spread:>15}"
                  f" {peak:>5.0f} MiB  {ratio:>32}")
        # Against the faster peer of each round.
        ratios = [min(r[tool][0] for tool in peers) / r["confab"][0] for r in rounds[case]]
        print(f"{'':<24} {'vs faster peer':<17} {'':>12} {'':>15} {'':>9}"
              f"  {statistics.median(ratios):>13.1f}x, {min(ratios):.1f}x worst")
    peak = max(r["confab"][1] for r in rounds["big"])
    print(f"confab peak memory on the big file: {peak:.0f} MiB = {peak / big_mb:.2f}x the file size"
          " (worst round)")


if __name__ == "__main__":
    main()
