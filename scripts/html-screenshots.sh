#!/usr/bin/env bash
# The README's pictures of the HTML page: the page of formats/html/tests/fixtures/typical.json,
# as `confab sessions view` writes it, shot by headless Chromium in light and in dark mode into
# docs/html-light.png and docs/html-dark.png. Needs `chromium` (Debian's package).
#
# Usage: scripts/html-screenshots.sh [path/to/confab]   (default: builds and uses target/debug/confab)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
confab=${1:+$(realpath "$1")}
if [ -z "$confab" ]; then
  cargo build --quiet --bin confab
  confab=$root/target/debug/confab
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp formats/html/tests/fixtures/typical.json "$scratch/"
cd "$scratch"
"$confab" sessions import typical.json >/dev/null 2>&1
page=$("$confab" sessions view incident-review --print-path)
mv "$page" "$scratch/page.html"

shoot() { # shoot OUTPUT [FLAGS...]
  local output=$1
  shift
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$scratch/profile-$RANDOM" --window-size=1200,1600 \
    "$@" --screenshot="$root/$output" "file://$scratch/page.html" 2>/dev/null
}
shoot docs/html-light.png
# Dark: the page follows prefers-color-scheme, which these two flags set to dark.
shoot docs/html-dark.png --force-dark-mode --blink-settings=preferredColorScheme=0
echo "wrote docs/html-light.png and docs/html-dark.png" >&2
