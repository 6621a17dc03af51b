#!/usr/bin/env python3
"""Bulk import speed: `confab sessions import FOLDER` beside a one-core serde_json parse of it.

Generates, in a scratch folder (default: target/bench-bulk-import), a folder of checkpoints with
/work/shared/bench/gen_checkpoints.py (or --generator): by default 10,000 checkpoints of 100
messages each, about 330 MB of JSON with non-ASCII words, emoji and code fences. Then, in the
same run and alternating, for --runs rounds:

  - baseline: examples/parse_all.rs reads every file and parses it into a serde_json::Value, one
    file after the other on one core: the least work any importer of the folder must do;
  - confab: `confab sessions import FOLDER` into a fresh, empty project (stdout to /dev/null).

Prints wall time (median), CPU time, peak memory (max RSS) and the ratio confab / baseline, for
confab both up to its summary line (every session committed) and in all (the search index, which
the store fills after the commit, caught up). The issue's target is 1.5x or less. Every run of
confab must exit 0 and leave every session in the store. Wall times mean something only on an
otherwise idle machine: the load average is printed with the figures.

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


def run_baseline(parse_all, folder, scratch):
    """Wall seconds, CPU seconds and peak RSS (MiB) of one baseline parse."""
    started = time.perf_counter()
    process = subprocess.Popen([str(parse_all), str(folder)], cwd=scratch,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("parse_all failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_import(confab, folder, project):
    """Wall seconds to the summary line (every session committed), wall seconds in all (the
    search index caught up too), user+system CPU seconds, and peak RSS (MiB) of one import."""
    started = time.perf_counter()
    process = subprocess.Popen([str(confab), "sessions", "import", str(folder)], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    committed = None
    for line in process.stdout:
        if line.startswith(b"Imported ") and b" sessions from " in line:
            committed = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.stdout.close()
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or committed is None:
        sys.exit(f"confab sessions import failed ({code}):\n{stderr[-2000:]}")
    return committed, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


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
    baseline, baseline_cpu, baseline_peak = [], [], 0.0
    committed, total, cpu, peak = [], [], [], 0.0
    for _ in range(args.runs):
        wall, used, run_peak = run_baseline(parse_all, folder, scratch)
        baseline.append(wall)
        baseline_cpu.append(used)
        baseline_peak = max(baseline_peak, run_peak)
        # A fresh project outside the repository (no confab.yaml or .confab above it).
        project = Path(tempfile.mkdtemp(prefix="confab-bench-"))
        try:
            at_summary, wall, used, run_peak = run_import(confab, folder, project)
            committed.append(at_summary)
            total.append(wall)
            cpu.append(used)
            peak = max(peak, run_peak)
            db = sqlite3.connect(project / ".confab" / "sessions.db")
            (stored,) = db.execute("SELECT count(*) FROM sessions").fetchone()
            db.close()
            if stored != args.files:
                sys.exit(f"the store holds {stored} sessions, not {args.files}")
        finally:
            shutil.rmtree(project)

    median = statistics.median
    base = median(baseline)
    print(f"{args.files:,} files x {args.messages} messages, {size_mb:.0f} MB of JSON, "
          f"{os.cpu_count()} cores, {args.runs} runs (median), load average at the end: "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'':<44} {'wall':>9} {'CPU':>9} {'peak RSS':>9}  {'wall ratio':>10}")
    print(f"{'baseline: serde_json parse, 1 core':<44} {base:>7.2f} s {median(baseline_cpu):>7.2f} s "
          f"{baseline_peak:>5.0f} MiB  {'1.00x':>10}")
    print(f"{'confab import, to the summary (committed)':<44} {median(committed):>7.2f} s {'':>9} "
          f"{'':>9}  {median(committed) / base:>9.2f}x")
    print(f"{'confab import, in all (search index caught up)':<44} {median(total):>7.2f} s "
          f"{median(cpu):>7.2f} s {peak:>5.0f} MiB  {median(total) / base:>9.2f}x")
    print(f"target: 1.5x or less; confab commits {args.files / median(committed):,.0f} files/s, "
          f"{size_mb / median(committed):.0f} MB/s")

if __name__ == "__main__":
    main()
