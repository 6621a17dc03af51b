#!/usr/bin/env python3
"""Scale figures of confab, each beside its baseline and target, in one run.

- import of a ~108 MB checkpoint of realistic text (`/work/shared/bench/gen_checkpoints.py`'s
  mix of English, `naïve`, `日本`, an emoji, inline code and YAML fences), beside a bare serde_json
  parse of the same bytes (examples/parse_baseline.rs): the time until the session is committed
  (the "Imported" line), the whole command (with the search index caught up), and peak memory;
- export of that session;
- a store of 10,000 sessions holding 1,000,000 messages of the same kind of text: indexing it for
  search, list, a one-word search (a rare word and a word in nearly every message), a query of one
  word 40,000 times, clean of every session, and delete of one 100,000-message session;
- start-up time.

Peak memory is the process's maximum RSS (wait4). The bulk import of 10,000 files has a script of
its own, scripts/bench-bulk-import.py.

Usage: python3 scripts/bench-scale.py [--runs N] [--scratch DIR] [--sessions N]
Needs: cargo, python3 (with its sqlite3 module).
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = Path("/work/shared/bench/gen_checkpoints.py")
# The generator's words, for the store written directly (the same mix as its checkpoints).
WORDS = ["atmos", "terraform", "stack", "vpc", "component", "plan", "apply", "eks", "iam", "subnet",
         "`kubectl get pods`", "```yaml\nvars:\n  enabled: true\n```", "naïve", "日本", "🚀", "<b>", "&"]


def run(command, cwd, env=None, until=None):
    """Runs `command`; returns (wall seconds, peak MiB, stderr, seconds until a stdout line
    starting with `until` appeared)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = None
    for line in process.stdout:
        if until is not None and seen is None and line.decode(errors="replace").startswith(until):
            seen = time.perf_counter() - started
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stdout.close()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command} failed:\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, stderr, seen


def median_run(command, cwd, runs, prepare=None, until=None):
    walls, peaks, seens = [], [], []
    for _ in range(runs):
        if prepare:
            prepare()
        wall, peak, _, seen = run(command, cwd, until=until)
        walls.append(wall)
        peaks.append(peak)
        seens.append(seen if seen is not None else wall)
    return statistics.median(walls), max(peaks), statistics.median(seens)


def write_store(confab, project, sessions, messages_each, big_session=None):
    """A current store written directly: confab creates it (so the schema is this build's), then
    rows go in through SQLite, not yet indexed, as an import leaves them."""
    confab_dir = project / ".confab"
    if confab_dir.exists():
        shutil.rmtree(confab_dir)
    run([confab, "sessions", "import", str(ROOT / "examples" / "incident-review.json")], project)
    db = sqlite3.connect(confab_dir / "sessions.db")
    db.execute("DELETE FROM messages")
    db.execute("DELETE FROM sessions")
    rnd = random.Random(7)
    now = int(time.time()) - 10 * 86400
    next_id = 1 + db.execute("SELECT max(coalesce((SELECT max(id) FROM messages), 0),"
                             " (SELECT indexed_through FROM search_index))").fetchone()[0]
    plan = [(f"session-{index:05}", messages_each) for index in range(sessions)]
    if big_session:
        plan.append(big_session)
    for name, count in plan:
        cursor = db.execute(
            "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns,"
            " message_count) VALUES (?, 'anthropic', 'claude-sonnet-4-6', ?, 0, ?, 0, ?)",
            (name, now, now, count))
        sid = cursor.lastrowid
        rows = []
        for seq in range(count):
            text = " ".join(rnd.choice(WORDS) for _ in range(24))
            if seq == 0:
                text += f" rareword{sid}"
            rows.append((next_id, sid, seq, "user" if seq % 2 == 0 else "assistant", text, now))
            next_id += 1
        db.executemany(
            "INSERT INTO messages (id, session_id, seq, role, content, created_at, created_at_ns)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)", rows)
    db.commit()
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-scale")
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)

    subprocess.run(["cargo", "build", "--release", "--bin", "confab", "--example", "parse_baseline"],
                   cwd=ROOT, check=True)
    confab = str(ROOT / "target" / "release" / "confab")
    baseline = str(ROOT / "target" / "release" / "examples" / "parse_baseline")
    big = scratch / "realistic" / "bench-000000.json"
    if not big.exists():
        subprocess.run([sys.executable, str(GENERATOR), str(big.parent), "1", "100000", "1000"], check=True)
    size_mb = big.stat().st_size / 1024 / 1024

    project = scratch / "project"
    project.mkdir(exist_ok=True)
    (project / "confab.yaml").write_text("")

    parse_wall, parse_peak, _ = median_run([baseline, str(big)], project, args.runs)
    print(f"file: {size_mb:.0f} MiB of realistic text; bare serde_json parse: {parse_wall * 1000:.0f} ms, "
          f"{parse_peak:.0f} MiB")

    def fresh_store():
        shutil.rmtree(project / ".confab", ignore_errors=True)

    wall, peak, committed = median_run([confab, "sessions", "import", str(big), "--name", "big"], project,
                                       args.runs, prepare=fresh_store, until="Imported")
    print(f"import, committed: {committed * 1000:.0f} ms = {committed / parse_wall:.2f}x the parse (target <= 2x); "
          f"peak {peak:.0f} MiB = {peak / size_mb:.2f}x the file (target <= 3x)")
    print(f"import, whole command with the index caught up: {wall * 1000:.0f} ms = {wall / parse_wall:.2f}x the parse")

    wall, peak, _ = median_run([confab, "sessions", "export", "big", "-o", str(scratch / "out.json")], project,
                               args.runs)
    print(f"export: {wall * 1000:.0f} ms = {wall / parse_wall:.2f}x the parse; peak {peak:.0f} MiB")

    sessions = args.sessions
    messages = sessions * 100
    store = project / ".confab" / "sessions.db"
    started = time.perf_counter()
    write_store(confab, project, sessions, 100)
    print(f"(store of {sessions:,} sessions x 100 messages written in {time.perf_counter() - started:.0f} s)")
    wall, _, _, _ = run([confab, "sessions", "search", "rareword1"], project)
    print(f"first search, indexing {messages:,} messages: {wall:.1f} s")
    wall, peak, _ = median_run([confab, "sessions", "list", "--format", "names"], project, args.runs)
    print(f"list, {sessions:,} sessions / {messages:,} messages: {wall * 1000:.1f} ms (target < 30 ms), {peak:.0f} MiB")
    for label, query in (("a rare word", ["rareword42"]), ("a word in nearly every message", ["terraform"])):
        wall, _, _ = median_run([confab, "sessions", "search", *query, "--limit", "20"], project, args.runs)
        print(f"search, {label}, top 20 of {messages:,} messages: {wall * 1000:.0f} ms (target < 100 ms)")
    # 40,000 arguments: one argument of them all would pass the kernel's limit on one argument.
    wall, _, _ = median_run([confab, "sessions", "search", *["terraform"] * 40_000, "--limit", "20"], project,
                            args.runs)
    print(f"search, one word 40,000 times: {wall * 1000:.0f} ms (linear: about the one-word figure)")

    backup = scratch / "store-backup.db"
    run([confab, "sessions", "list", "--format", "names"], project)
    shutil.copy(store, backup)

    def restore():
        for suffix in ("-wal", "-shm"):
            Path(str(store) + suffix).unlink(missing_ok=True)
        shutil.copy(backup, store)

    wall, peak, _ = median_run([confab, "sessions", "clean", "--older-than", "1d"], project, args.runs,
                               prepare=restore)
    print(f"clean of {sessions:,} sessions / {messages:,} messages: {wall * 1000:.0f} ms (target < 1 s), "
          f"{peak:.0f} MiB")

    # One 100,000-message session among the others, indexed.
    write_store(confab, project, sessions, 100, big_session=("huge", 100_000))
    run([confab, "sessions", "search", "rareword1"], project)
    shutil.copy(store, backup)
    wall, peak, _ = median_run([confab, "sessions", "delete", "huge"], project, args.runs, prepare=restore)
    print(f"delete of one 100,000-message session beside {messages:,} others: {wall * 1000:.0f} ms "
          f"(target < 100 ms), {peak:.0f} MiB")
    write_store(confab, project, 10, 100, big_session=("huge", 100_000))
    run([confab, "sessions", "search", "rareword1"], project)
    shutil.copy(store, backup)
    wall, peak, _ = median_run([confab, "sessions", "delete", "huge"], project, args.runs, prepare=restore)
    print(f"delete of one 100,000-message session beside 10 sessions of 1,000 messages in all: {wall * 1000:.0f} ms (target < 100 ms)")

    empty = scratch / "empty"
    empty.mkdir(exist_ok=True)
    for command in ([confab, "--version"], [confab, "sessions", "list"]):
        walls = [run(command, empty)[0] for _ in range(max(20, args.runs))]
        print(f"start-up `{' '.join(command[1:])}`: {statistics.median(walls) * 1000:.1f} ms median (target < 5 ms)")


if __name__ == "__main__":
    main()
