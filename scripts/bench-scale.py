#!/usr/bin/env python3
"""Scale figures of confab: import and export of a 100 MB checkpoint, list and clean of a store of
10,000 sessions holding 1,000,000 messages, and start-up time.

Baseline: a bare serde_json parse of the same file into a Value (examples/parse_baseline.rs).
Peak memory is the process's maximum RSS (wait4). Prints one line per figure with its target.

Usage: python3 scripts/bench-scale.py [--runs N] [--scratch DIR]
Needs: cargo, python3 (with its sqlite3 module).
"""

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command, cwd, env=None):
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command} failed:\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stderr


def median_run(command, cwd, runs, prepare=None, env=None):
    walls, peaks = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        wall, peak, _ = run(command, cwd, env)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def big_store(path, sessions, messages_each):
    """A store like confab's at schema version 1, written directly; confab migrates it on open."""
    if path.exists():
        path.unlink()
    schema = subprocess.run(
        ["sed", "-n", "/CREATE TABLE sessions/,/^    \",$/p", str(ROOT / "stores/sqlite/src/migrations.rs")],
        capture_output=True, text=True, check=True).stdout.rsplit('",', 1)[0]
    db = sqlite3.connect(path)
    db.executescript(schema)
    db.execute("PRAGMA user_version = 1")
    now = int(time.time()) - 10 * 86400
    content = "lorem ipsum dolor sit amet " * 8
    for index in range(sessions):
        cursor = db.execute(
            "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns,"
            " message_count) VALUES (?, 'anthropic', 'claude-sonnet-4-6', ?, 0, ?, 0, ?)",
            (f"session-{index:05}", now, now, messages_each))
        sid = cursor.lastrowid
        db.executemany(
            "INSERT INTO messages (session_id, seq, role, content, created_at, created_at_ns) VALUES (?, ?, ?, ?, ?, 0)",
            ((sid, seq, "user" if seq % 2 == 0 else "assistant", content, now) for seq in range(messages_each)))
    db.commit()
    db.execute("PRAGMA journal_mode=WAL")
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-scale")
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)

    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "confab", "--example", "parse_baseline"],
                   cwd=ROOT, check=True)
    confab = str(ROOT / "target" / "release" / "confab")
    baseline = str(ROOT / "target" / "release" / "examples" / "parse_baseline")
    # The 100 MB checkpoint of the validation benchmark.
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench-validate.py"), "--generate-only",
                    "--scratch", str(scratch)], check=True)
    big = scratch / "big" / "big.json"
    size_mb = big.stat().st_size / 1024 / 1024

    project = scratch / "project"
    project.mkdir(exist_ok=True)
    (project / "confab.yaml").write_text("")

    parse_wall, parse_peak = median_run([baseline, str(big)], project, args.runs)
    print(f"file: {size_mb:.0f} MiB; bare serde_json parse: {parse_wall * 1000:.0f} ms, {parse_peak:.0f} MiB")

    def fresh_store():
        for name in ("sessions.db", "sessions.db-wal", "sessions.db-shm"):
            try:
                (project / ".confab" / name).unlink()
            except FileNotFoundError:
                pass

    wall, peak = median_run([confab, "sessions", "import", str(big), "--name", "big"], project, args.runs,
                            prepare=fresh_store)
    print(f"import: {wall * 1000:.0f} ms = {wall / parse_wall:.2f}x the parse (target <= 2x); "
          f"peak {peak:.0f} MiB = {peak / size_mb:.2f}x the file (target <= 3x)")

    wall, peak = median_run([confab, "sessions", "export", "big", "-o", str(scratch / "out.json")], project, args.runs)
    print(f"export: {wall * 1000:.0f} ms = {wall / parse_wall:.2f}x the parse (target <= 1x); peak {peak:.0f} MiB")

    store = project / ".confab" / "sessions.db"
    started = time.perf_counter()
    fresh_store()
    big_store(store, 10_000, 100)
    # The first open migrates it to the current schema (and builds the search index); measure after.
    run([confab, "sessions", "list", "--format", "names"], project)
    print(f"(store of 10,000 sessions x 100 messages written and indexed in {time.perf_counter() - started:.0f} s)")
    wall, peak = median_run([confab, "sessions", "list", "--format", "names"], project, args.runs)
    print(f"list, 10,000 sessions / 1,000,000 messages: {wall * 1000:.1f} ms (target < 30 ms), {peak:.0f} MiB")
    backup = scratch / "store-backup.db"
    subprocess.run(["cp", str(store), str(backup)], check=True)

    def restore():
        for suffix in ("-wal", "-shm"):
            try:
                Path(str(store) + suffix).unlink()
            except FileNotFoundError:
                pass
        subprocess.run(["cp", str(backup), str(store)], check=True)

    wall, peak = median_run([confab, "sessions", "clean", "--older-than", "1d"], project, max(1, args.runs // 2),
                            prepare=restore)
    print(f"clean of 10,000 sessions / 1,000,000 messages: {wall * 1000:.0f} ms (target < 1 s), {peak:.0f} MiB")

    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    for command in ([confab, "--version"], [confab, "sessions", "list"]):
        walls = [run(command, empty)[0] for _ in range(max(20, args.runs))]
        print(f"start-up `{' '.join(command[1:])}`: {statistics.median(walls) * 1000:.1f} ms median (target < 5 ms)")


if __name__ == "__main__":
    main()
