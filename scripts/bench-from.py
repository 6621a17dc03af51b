#!/usr/bin/env python3
"""`import --from claude-code` on 1,000 transcripts of the recorded shape (~300 MB).

Each transcript is the Claude Code 2.1.332 session recorded by scripts/recording/ (two turns, a
Bash call, the client's bookkeeping records), its conversation written twice over (fresh uuids,
the second copy chained to the first) under a session id of its own, as if run in the project:
about 300 KB, the size of a long real session. Measured in one run, side by side:

- `import --from claude-code`, first run (every file new);
- `import FOLDER` on the same files (the plain bulk import: the baseline);
- `import --from claude-code` again (nothing changed: the incremental check alone);
- again after 10 transcripts grew (10 updated in place).

Usage: scripts/bench-from.py [--confab target/release/confab] [--files 1000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl"


def transcript(records, session_id, cwd, copies):
    """The recorded records, the conversation `copies` times over, as JSON lines."""
    old_cwd = next(r["cwd"] for r in records if "cwd" in r)
    lines = []
    last = None
    for copy in range(copies):
        ids = {}
        for record in records:
            record = json.loads(json.dumps(record).replace(old_cwd, cwd))
            if "sessionId" in record:
                record["sessionId"] = session_id
            if "uuid" in record:
                ids[record["uuid"]] = str(uuid.uuid4())
                record["uuid"] = ids[record["uuid"]]
            parent = record.get("parentUuid")
            if "parentUuid" in record:
                record["parentUuid"] = ids.get(parent, last if parent is None and copy else parent)
            if record.get("type") in ("user", "assistant") and isinstance(record.get("message"), dict):
                if "id" in record["message"]:
                    record["message"]["id"] = f'{record["message"]["id"]}-{copy}'
            lines.append(json.dumps(record, ensure_ascii=False))
            if record.get("type") in ("user", "assistant"):
                last = record["uuid"]
    return "\n".join(lines) + "\n"


def run(confab, args, env, cwd):
    start = time.perf_counter()
    done = subprocess.run([confab, *args], env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"confab {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--confab", default=str(ROOT / "target/release/confab"))
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    records = [json.loads(line) for line in RECORDED.read_text().splitlines() if line.strip()]

    with tempfile.TemporaryDirectory(prefix="confab-bench-from-") as temp:
        temp = Path(temp)
        project = temp / "project"
        project.mkdir()
        config = temp / "claude"
        folder = config / "projects" / str(project).replace("/", "-").replace(".", "-")
        folder.mkdir(parents=True)
        total = 0
        for index in range(args.files):
            session_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"confab-bench-{index}"))
            text = transcript(records, session_id, str(project), 2)
            (folder / f"{session_id}.jsonl").write_text(text)
            total += len(text.encode())
        env = {"HOME": str(temp), "PATH": os.environ["PATH"], "CLAUDE_CONFIG_DIR": str(config)}
        print(f"{args.files} transcripts, {total / 1e6:.0f} MB")

        first, line = run(args.confab, ["sessions", "import", "--from", "claude-code"], env, project)
        print(f"import --from claude-code, first run   {first:7.2f} s   {line}")
        baseline_project = temp / "baseline"
        baseline_project.mkdir()
        base, line = run(args.confab, ["sessions", "import", str(folder)], env, baseline_project)
        print(f"import FOLDER (baseline, same files)   {base:7.2f} s   {line}")
        again, line = run(args.confab, ["sessions", "import", "--from", "claude-code"], env, project)
        print(f"import --from claude-code, unchanged   {again:7.2f} s   {line}")
        for index in range(10):
            session_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"confab-bench-{index}"))
            text = transcript(records, session_id, str(project), 3)
            (folder / f"{session_id}.jsonl").write_text(text)
        grown, line = run(args.confab, ["sessions", "import", "--from", "claude-code"], env, project)
        print(f"import --from claude-code, 10 grown    {grown:7.2f} s   {line}")


if __name__ == "__main__":
    main()
