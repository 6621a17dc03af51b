#!/usr/bin/env python3
"""Redaction recall: confab beside detect-secrets (PyPI) and secretlint (npm) on one corpus.

Writes each case of corpus.json to its own file, runs the three tools over them and prints the
Markdown table kept in BENCHMARKS.md. A positive counts as found when the tool reports it (for
confab: when no fragment of the secret is left in the redacted text); a look-alike counts as
flagged when the tool reports anything in it.

    python3 redact/corpus/recall.py            # from the repository root

The peers are installed on first use into target/redact-recall/ (a venv and an npm folder);
DETECT_SECRETS=/path/to/detect-secrets and SECRETLINT_DIR=/folder/with/node_modules use copies
installed elsewhere.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "redact" / "corpus" / "corpus.json"
WORK = ROOT / "target" / "redact-recall"
JOINER = "\u2039\u203a"


def run(args, **kwargs):
    return subprocess.run(args, check=False, capture_output=True, text=True, **kwargs)


def detect_secrets():
    path = os.environ.get("DETECT_SECRETS")
    if path:
        return path
    venv = WORK / "venv"
    exe = venv / "bin" / "detect-secrets"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "detect-secrets==1.5.0"], check=True)
    return str(exe)


def secretlint_dir():
    path = os.environ.get("SECRETLINT_DIR")
    if path:
        return pathlib.Path(path)
    folder = WORK / "node"
    if not (folder / "node_modules" / ".bin" / "secretlint").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(folder), "secretlint@12.0.0",
             "@secretlint/secretlint-rule-preset-recommend@12.0.0"],
            check=True,
        )
    return folder


def main():
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]
    files = WORK / "cases"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    name_of = {}
    for case in cases:
        name = f"{case['id']}.{case['ext']}"
        (files / name).write_text(case["text"].replace(JOINER, ""), encoding="utf-8")
        name_of[name] = case["id"]

    found = {"detect-secrets": {}, "secretlint": {}, "confab": {}}

    out = run([detect_secrets(), "scan", "--all-files", "."], cwd=files)
    for name, results in json.loads(out.stdout)["results"].items():
        found["detect-secrets"][name_of[pathlib.Path(name).name]] = sorted({r["type"] for r in results})

    lint = secretlint_dir()
    (files / ".secretlintrc.json").write_text(
        json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]})
    )
    out = run(
        [str(lint / "node_modules" / ".bin" / "secretlint"), "--format", "json", "--no-color", "*.*"],
        cwd=files,
        env={**os.environ, "NODE_PATH": str(lint / "node_modules")},
    )
    for result in json.loads(out.stdout or "[]"):
        if result.get("messages"):
            found["secretlint"][name_of[pathlib.Path(result["filePath"]).name]] = sorted(
                {m["ruleId"].removeprefix("@secretlint/secretlint-rule-") for m in result["messages"]}
            )

    out = subprocess.run(
        ["cargo", "run", "-q", "-p", "confab-redact", "--example", "recall", "--", str(CORPUS)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    for line in out.stdout.splitlines():
        result = json.loads(line)
        if result["changed"]:
            mark = result["kinds"] if not result["left"] else ["partial"] + result["kinds"]
            found["confab"][result["id"]] = mark

    tools = ["detect-secrets", "secretlint", "confab"]
    print("| case | confab kind expected | " + " | ".join(tools) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in tools) + " |")
    totals = {tool: [0, 0] for tool in tools}
    positives = [c for c in cases if c["kind"]]
    lookalikes = [c for c in cases if not c["kind"]]
    for case in positives + lookalikes:
        cells = []
        for tool in tools:
            hit = found[tool].get(case["id"])
            if case["kind"]:
                full = hit is not None and "partial" not in hit
                totals[tool][0] += full
                cells.append(("found: " if full else "**partial**: " if hit else "missed") + (", ".join(h for h in hit if h != "partial") if hit else ""))
            else:
                totals[tool][1] += hit is not None
                cells.append("**flagged**: " + ", ".join(hit) if hit else "untouched")
        kind = case["kind"] or "(look-alike)"
        print(f"| `{case['id']}` | {kind} | " + " | ".join(cells) + " |")
    print()
    print(f"Positives found whole, of {len(positives)}: "
          + ", ".join(f"{tool} {totals[tool][0]}" for tool in tools)
          + f". Look-alikes flagged, of {len(lookalikes)}: "
          + ", ".join(f"{tool} {totals[tool][1]}" for tool in tools) + ".")


if __name__ == "__main__":
    main()
