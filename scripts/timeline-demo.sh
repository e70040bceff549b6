#!/bin/sh
# timeline-demo.sh: runs the README's timeline example (40 test jobs, six at
# a time, with retries, a timeout and a circuit breaker) and draws its
# chart, docs/timeline.html, and the README's picture of it,
# docs/timeline.png (headless Chromium: apt-get install chromium).
# Run from the repository root: sh scripts/timeline-demo.sh
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/krun" .
mkdir -p docs
TIMELINE_DEMO_DIR=$tmp "$tmp/krun" -j 6 --retries 2 --timeout 6 \
	--breaker fail=50%,window=6,cooldown=3s --timeline docs/timeline.html \
	sh scripts/timeline-job.sh ::: $(seq 1 40) || true
chromium=$(command -v chromium || command -v chromium-browser)
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/profile" --window-size=1200,500 \
	--screenshot="$PWD/docs/timeline.png" "file://$PWD/docs/timeline.html" 2>/dev/null
echo "docs/timeline.html and docs/timeline.png written"
