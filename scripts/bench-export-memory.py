#!/usr/bin/env python3
"""Peak memory of `confab sessions export` per format, on one session of about 60 MB.

The session is made by the shared benchmark generator, in three shapes of about 60 MB each: many
small messages (30,000 of about 2,000 bytes), a few large ones (10 of about 6 MB) and very many
tiny ones (400,000 of about 60 bytes, where the per-message cost of loading a session shows). Each is
imported into a fresh project, then exported once to each format (the default template for
Markdown). Peak memory is the export process's maximum RSS (wait4);
the ratio is that peak over the checkpoint file's size, the issue's target being at most 2x.

Usage: python3 scripts/bench-export-memory.py [--confab PATH] [--generator PATH] [--scratch DIR]
The default binary is target/release/confab (build it with `cargo build --release`).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHAPES = [("many", 30000, 2000), ("few", 10, 6000000), ("tiny", 400000, 60)]
FORMATS = [("json", "json"), ("yaml", "yaml"), ("markdown", "md"), ("text", "txt")]


def run(command, cwd):
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "HOME": str(cwd)})
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command} failed:\n{stderr[-2000:]}")
    return usage.ru_maxrss * 1024  # bytes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--confab", default=str(ROOT / "target/release/confab"))
    # The shared generator sits beside the checkout (../shared), or beside its worktrees folder.
    generators = [ROOT.parent / "shared/bench/gen_checkpoints.py", ROOT.parent.parent / "shared/bench/gen_checkpoints.py"]
    parser.add_argument("--generator", default=str(next((g for g in generators if g.exists()), generators[0])))
    parser.add_argument("--scratch", default=None)
    args = parser.parse_args()
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="confab-export-memory-"))
    project = scratch / "project"
    print("| session | format | peak RSS | peak / session size |")
    print("| --- | --- | --- | --- |")
    for shape, messages, content in SHAPES:
        generated = scratch / f"generated-{shape}"
        if not (generated / "bench-000000.json").exists():
            subprocess.run([sys.executable, args.generator, str(generated), "1", str(messages), str(content)],
                           check=True)
        checkpoint = generated / "bench-000000.json"
        size = checkpoint.stat().st_size
        if project.exists():
            shutil.rmtree(project)
        (project / ".confab").mkdir(parents=True)
        run([args.confab, "sessions", "import", str(checkpoint)], project)
        for name, extension in FORMATS:
            peak = run([args.confab, "sessions", "export", "bench-000000", "-f", name,
                        "-o", str(scratch / f"out.{extension}")], project)
            label = f"{messages:,} messages, {size / 1e6:.1f} MB"
            print(f"| {label} | {name} | {peak / 2**20:.0f} MiB | {peak / size:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
