#!/usr/bin/env bash
# Save-to-reload benchmark for `cairn serve` (issue: live preview).
#
#   bench/serve.sh [NOTES] [EDITS]      default: 10000 notes, 5 edits
#   BENCH_EDIT=attendee bench/serve.sh  edits front matter instead: adds a
#                                       known member to the attendees, then
#                                       takes them out again, in turn
#
# Generates (or reuses) a corpus of NOTES session notes (members = NOTES/5)
# in $BENCH_DIR, starts `cairn serve` on it, opens the live-reload event
# stream with curl, then EDITS times appends a line to one note and
# reports the time from the write to the reload event, and serve's own
# "Rebuilt in … ms" line, then the median of each. The corpus is copied
# first: the edits go to the copy, never to the cached corpus. Honours
# CARGO_TARGET_DIR. Needs bash, coreutils, sed and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTES=${1:-10000}
EDITS=${2:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/cairn-bench}
corpus="$BENCH_DIR/corpus-$NOTES-s1"
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --example gen_corpus
# CAIRN_BIN=PATH measures another build of cairn (an older one, say).
if [ -z "${CAIRN_BIN:-}" ]; then
    cargo build --release --quiet
    CAIRN_BIN="$target/release/cairn"
fi
if [ ! -f "$corpus/cairn.yaml" ]; then
    "$target"/release/examples/gen_corpus --sessions "$NOTES" --members $((NOTES / 5)) --seed 1 --out "$corpus" >/dev/null
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r "$corpus" "$work/site"
corpus="$work/site"
"$CAIRN_BIN" serve --root "$corpus" --port 0 2>"$work/serve.log" &
for _ in $(seq 1 600); do grep -q '^Serving' "$work/serve.log" && break; sleep 0.5; done
addr=$(sed -n 's/^Serving .* at \(http:[^ ]*\) (built in \([0-9.]*\) s).*/\1/p' "$work/serve.log")
echo "serve ready: $(grep '^Serving' "$work/serve.log" | sed 's/.*(\(built in [0-9.]* s\)).*/\1/')"
curl -sN "${addr}__cairn/events" | while IFS= read -r line; do
    case "$line" in data:*) echo "$(date +%s%N)" >>"$work/events" ;; esac
done &
for _ in $(seq 1 100); do [ -s "$work/events" ] && break; sleep 0.1; done
note=$(find "$corpus/content/sessions" -name '*.md' | sort | sed -n "$((NOTES / 2))p")
member=$(find "$corpus/content/members" -name '*.md' | sort | sed -n 1p | xargs basename | sed 's/\.md$//')
edit() {
    case "${BENCH_EDIT:-body}" in
    attendee)
        # Written in place, as editors save (`sed -i` would leave a
        # temporary file in the content folder, which rebuilds all).
        if grep -q "^  - $member # bench\$" "$note"; then
            sed "/^  - $member # bench\$/d" "$note" >"$work/next"
        else
            sed "s/^attendees:\$/attendees:\\n  - $member # bench/" "$note" >"$work/next"
        fi
        cat "$work/next" >"$note"
        ;;
    *) printf '\nAn edit made by the benchmark, number %s.\n' "$1" >>"$note" ;;
    esac
}
for i in $(seq 1 "$EDITS"); do
    before=$(wc -l <"$work/events")
    start=$(date +%s%N)
    edit "$i"
    while [ "$(wc -l <"$work/events")" -le "$before" ]; do sleep 0.005; done
    end=$(tail -1 "$work/events")
    ms=$(((end - start) / 1000000))
    echo "$ms" >>"$work/reload"
    # The rebuild line is written just before the event; wait for it.
    for _ in $(seq 1 100); do [ "$(grep -c '^Rebuilt' "$work/serve.log")" -ge "$i" ] && break; sleep 0.01; done
    rebuilt=$(grep '^Rebuilt' "$work/serve.log" | tail -1)
    echo "$rebuilt" | sed -n 's/^Rebuilt in \([0-9]*\) ms.*/\1/p' >>"$work/rebuilt"
    echo "edit $i: save to reload event $ms ms; $rebuilt"
    sleep 1
done
median() { sort -n "$1" | awk '{a[NR] = $1} END {if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2); else print "-"}'; }
# BENCH_LOG=FILE keeps serve's log (with CAIRN_TIMINGS=1, the stages of each rebuild).
[ -z "${BENCH_LOG:-}" ] || cp "$work/serve.log" "$BENCH_LOG"
echo "median of $EDITS edits: save to reload event $(median "$work/reload") ms; rebuilt in $(median "$work/rebuilt") ms"
