#!/usr/bin/env bash
# The step of confab's GitHub Action (action.yml) that checks the checkpoints. It lives here,
# not inline in action.yml, so that tests/ci_integrations.rs can run exactly what the action runs.
#
# Inputs come as the action passes them, in environment variables:
#   INPUT_PATHS  files, folders and glob patterns to check, separated by spaces or newlines
#                (default `.`). Patterns are not expanded by the shell: confab expands them
#                itself, `**` included. A path with a space in it is matched with a pattern.
#   INPUT_ARGS   more arguments for `confab sessions validate`, e.g. `--input-format yaml`,
#                separated by spaces.
#
# Runs `confab sessions validate --format github` (the confab on PATH), so every problem is an
# `::error file=...,line=...` annotation on the pull request, and exits with its code: 0 all
# valid, 1 a checkpoint is invalid, 2 a path cannot be read or a pattern matches nothing.
set -euo pipefail

# Split on whitespace with `read -a`, which does no pathname expansion, and pass the words quoted:
# `runbooks/**/*.yaml` reaches confab as written.
read -r -d '' -a paths <<<"${INPUT_PATHS-.}" || true
read -r -d '' -a args <<<"${INPUT_ARGS-}" || true

if [[ ${#paths[@]} -eq 0 ]]; then
  echo "::error title=confab::the paths input is empty; give files, folders or glob patterns to check"
  exit 2
fi

# `--` so that a path is never taken for an option (`-` still reads stdin). `${args[@]+...}`: an
# empty array is an unbound variable to `set -u` in bash before 4.4 (macOS's /bin/bash is 3.2).
exec confab sessions validate --format github ${args[@]+"${args[@]}"} -- "${paths[@]}"
