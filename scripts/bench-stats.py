#!/usr/bin/env python3
"""`confab stats` at scale, beside its baselines, in one run.

A store of 10,000 sessions x 100 messages (1,000,000 messages of ~200 bytes of the generator's
mixed text, with token counts on every answer, spread over 12 weeks and 3 models) is written
directly through SQLite, as scripts/bench-scale.py does. Then, each the median of --runs:

- `confab stats` (the whole command: start-up, the store's one GROUP BY, weeks, the table);
- `confab stats --format json`;
- `confab stats --since 2w`;
- the same GROUP BY in Python's sqlite3 (the floor: SQLite's own scan and sums);
- `confab sessions list --format names` (a command that reads no messages, for scale).

Usage: python3 scripts/bench-stats.py [--runs N] [--sessions N] [--scratch DIR]
Needs: cargo, python3 (with its sqlite3 module).
"""

import argparse
import random
import shutil
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["atmos", "terraform", "stack", "vpc", "component", "plan", "apply", "eks", "iam", "subnet",
         "`kubectl get pods`", "```yaml\nvars:\n  enabled: true\n```", "naïve", "日本", "🚀", "<b>", "&"]
MODELS = [("anthropic", "claude-sonnet-4-6"), ("openai", "gpt-4o"), ("google", "gemini-2.5-pro")]
GROUP_BY = """
SELECT coalesce(m.provider, s.provider), coalesce(m.model, s.model),
       date(coalesce(m.created_at, s.updated_at), 'unixepoch'), count(*),
       sum(m.input_tokens), sum(m.output_tokens), sum(m.cached_input_tokens),
       sum(m.cache_write_tokens), sum(m.reasoning_tokens)
FROM messages m JOIN sessions s ON s.id = m.session_id
GROUP BY 3, 1, 2 ORDER BY 3, 1, 2
"""


def write_store(confab, project, sessions, messages_each):
    confab_dir = project / ".confab"
    if confab_dir.exists():
        shutil.rmtree(confab_dir)
    subprocess.run([confab, "sessions", "import", str(ROOT / "examples" / "incident-review.json")],
                   cwd=project, check=True, capture_output=True)
    db = sqlite3.connect(confab_dir / "sessions.db")
    db.execute("DELETE FROM messages")
    db.execute("DELETE FROM sessions")
    rnd = random.Random(7)
    start = int(time.time()) - 84 * 86400
    next_id = 1 + db.execute("SELECT max(coalesce((SELECT max(id) FROM messages), 0),"
                             " (SELECT indexed_through FROM search_index))").fetchone()[0]
    for index in range(sessions):
        provider, model = MODELS[index % len(MODELS)]
        at = start + index * (84 * 86400 // sessions)
        cursor = db.execute(
            "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at,"
            " updated_at_ns, message_count) VALUES (?, ?, ?, ?, 0, ?, 0, ?)",
            (f"session-{index:05}", provider, model, at, at, messages_each))
        sid = cursor.lastrowid
        rows = []
        for seq in range(messages_each):
            text = " ".join(rnd.choice(WORDS) for _ in range(24))
            answer = seq % 2 == 1
            rows.append((next_id, sid, seq, "assistant" if answer else "user", text, at + seq,
                         rnd.randint(500, 5000) if answer else None,
                         rnd.randint(10, 800) if answer else None,
                         rnd.randint(0, 4000) if answer else None))
            next_id += 1
        db.executemany(
            "INSERT INTO messages (id, session_id, seq, role, content, created_at, created_at_ns,"
            " input_tokens, output_tokens, cached_input_tokens) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            rows)
    db.commit()
    db.close()


def median_seconds(action, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--scratch", type=Path, default=ROOT / "target" / "bench-stats")
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    project = scratch / "project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "confab.yaml").write_text("")
    subprocess.run(["cargo", "build", "--release", "--bin", "confab"], cwd=ROOT, check=True)
    confab = str(ROOT / "target" / "release" / "confab")
    write_store(confab, project, args.sessions, 100)
    database = project / ".confab" / "sessions.db"
    print(f"store: {args.sessions:,} sessions x 100 messages, "
          f"{database.stat().st_size / 1024 / 1024:.0f} MiB")

    def command(*words):
        return lambda: subprocess.run([confab, *words], cwd=project, check=True,
                                      stdout=subprocess.DEVNULL)

    def floor():
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        db.execute(GROUP_BY).fetchall()
        db.close()

    for name, action in [
        ("sqlite3 GROUP BY alone (floor)", floor),
        ("confab stats", command("stats")),
        ("confab stats --format json", command("stats", "--format", "json")),
        ("confab stats --since 2w", command("stats", "--since", "2w")),
        ("confab sessions list --format names", command("sessions", "list", "--format", "names")),
    ]:
        median, worst = median_seconds(action, args.runs)
        print(f"| {name} | {median * 1000:.0f} ms | {worst * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
