#!/usr/bin/env bash
# Save-to-reload benchmark for `cairn serve` (issue: live preview).
#
#   bench/serve.sh [NOTES] [EDITS]      default: 10000 notes, 5 edits
#
# Generates (or reuses) a corpus of NOTES session notes (members = NOTES/5)
# in $BENCH_DIR, starts `cairn serve` on it, opens the live-reload event
# stream with curl, then EDITS times appends a line to one note and
# reports the time from the write to the reload event, and serve's own
# "Rebuilt in … ms" line. Needs bash, coreutils and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTES=${1:-10000}
EDITS=${2:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/cairn-bench}
corpus="$BENCH_DIR/corpus-$NOTES-s1"
cargo build --release --quiet
cargo build --release --quiet --example gen_corpus
if [ ! -f "$corpus/cairn.yaml" ]; then
    target/release/examples/gen_corpus --sessions "$NOTES" --members $((NOTES / 5)) --seed 1 --out "$corpus" >/dev/null
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/cairn serve --root "$corpus" --port 0 2>"$work/serve.log" &
for _ in $(seq 1 600); do grep -q '^Serving' "$work/serve.log" && break; sleep 0.5; done
addr=$(sed -n 's/^Serving .* at \(http:[^ ]*\) (built in \([0-9.]*\) s).*/\1/p' "$work/serve.log")
echo "serve ready: $(grep '^Serving' "$work/serve.log" | sed 's/.*(\(built in [0-9.]* s\)).*/\1/')"
curl -sN "${addr}__cairn/events" | while IFS= read -r line; do
    case "$line" in data:*) echo "$(date +%s%N)" >>"$work/events" ;; esac
done &
for _ in $(seq 1 100); do [ -s "$work/events" ] && break; sleep 0.1; done
note=$(find "$corpus/content/sessions" -name '*.md' | sort | sed -n "$((NOTES / 2))p")
cp "$note" "$work/original"
for i in $(seq 1 "$EDITS"); do
    before=$(wc -l <"$work/events")
    start=$(date +%s%N)
    printf '\nAn edit made by the benchmark, number %s.\n' "$i" >>"$note"
    while [ "$(wc -l <"$work/events")" -le "$before" ]; do sleep 0.005; done
    end=$(tail -1 "$work/events")
    echo "edit $i: save to reload event $(((end - start) / 1000000)) ms; $(grep '^Rebuilt' "$work/serve.log" | tail -1)"
    sleep 1
done
cp "$work/original" "$note"
