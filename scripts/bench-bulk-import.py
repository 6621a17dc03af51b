#!/usr/bin/env python3
"""Bulk import speed: `confab sessions import FOLDER` beside a one-core serde_json parse of it.

Generates, in a scratch folder (default: target/bench-bulk-import), a folder of checkpoints with
/work/shared/bench/gen_checkpoints.py (or --generator): by default 10,000 checkpoints of 100
messages each, about 330 MB of JSON with non-ASCII words, emoji and code fences. Then, in the
same run and alternating, for --runs rounds:

  - baseline: examples/parse_all.rs reads every file and parses it into a serde_json::Value, one
    file after the other on one core: the least work any importer of the folder must do;
  - confab: `confab sessions import FOLDER` into a fresh, empty project (stdout to /dev/null).

Prints wall time (median), peak memory (max RSS) and the ratio confab / baseline; the issue's
target is 1.5x or less. Every run of confab must exit 0 and leave every session in the store.

Usage: python3 scripts/bench-bulk-import.py [--files N] [--messages M] [--content BYTES]
                                            [--runs R] [--scratch DIR] [--generator PATH]
Needs: cargo, python3 (with its sqlite3 module).
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = Path("/work/shared/bench/gen_checkpoints.py")


def run(command, cwd):
    """Wall seconds, peak RSS (MiB) and stderr of one run; the exit code must be 0."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{command[0]} failed ({code}):\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stderr


def generate(generator, folder, files, messages, content):
    marker = folder.parent / f"generated-{folder.name}"
    if marker.exists():
        return
    if folder.exists():
        shutil.rmtree(folder)
    subprocess.run([sys.executable, str(generator), str(folder), str(files), str(messages),
                    str(content), "json"], check=True)
    marker.write_text("")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--content", type=int, default=210, help="bytes of text per message")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-bulk-import")
    parser.add_argument("--generator", type=Path, default=GENERATOR)
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)

    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "confab", "--example", "parse_all"],
                   cwd=ROOT, check=True)
    confab = ROOT / "target" / "release" / "confab"
    parse_all = ROOT / "target" / "release" / "examples" / "parse_all"
    folder = scratch / f"checkpoints-{args.files}x{args.messages}x{args.content}"
    generate(args.generator, folder, args.files, args.messages, args.content)
    size_mb = sum(path.stat().st_size for path in folder.iterdir()) / 1e6

    # Once untimed, so that both read the files from the page cache.
    run([str(parse_all), str(folder)], scratch)
    baseline, ours, baseline_peak, our_peak = [], [], 0.0, 0.0
    for _ in range(args.runs):
        wall, peak, _ = run([str(parse_all), str(folder)], scratch)
        baseline.append(wall)
        baseline_peak = max(baseline_peak, peak)
        # A fresh project outside the repository (no confab.yaml or .confab above it).
        project = Path(tempfile.mkdtemp(prefix="confab-bench-"))
        try:
            wall, peak, _ = run([str(confab), "sessions", "import", str(folder)], project)
            ours.append(wall)
            our_peak = max(our_peak, peak)
            db = sqlite3.connect(project / ".confab" / "sessions.db")
            (stored,) = db.execute("SELECT count(*) FROM sessions").fetchone()
            db.close()
            if stored != args.files:
                sys.exit(f"the store holds {stored} sessions, not {args.files}")
        finally:
            shutil.rmtree(project)

    base, mine = statistics.median(baseline), statistics.median(ours)
    print(f"{args.files:,} files x {args.messages} messages, {size_mb:.0f} MB of JSON, "
          f"{os.cpu_count()} cores, {args.runs} runs (median)")
    print(f"{'baseline: serde_json parse, 1 core':<38} {base:>8.2f} s {baseline_peak:>7.0f} MiB")
    print(f"{'confab sessions import FOLDER':<38} {mine:>8.2f} s {our_peak:>7.0f} MiB")
    print(f"ratio confab / baseline: {mine / base:.2f}x (target: 1.5x or less)")
    print(f"confab: {args.files / mine:,.0f} files/s, {size_mb / mine:.0f} MB/s")


if __name__ == "__main__":
    main()
