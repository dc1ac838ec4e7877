#!/usr/bin/env bash
# Offline search figures (issue 10) on a generated corpus; see docs/search.md.
#
#   bench/search.sh              10,000 session notes
#   bench/search.sh 1000         another size
#
# 1. The build's share: ROUNDS builds (default 3), each into a new output
#    folder, with CAIRN_TIMINGS=1 under GNU time: wall time, CPU time, peak
#    RSS, and the "search" stage (the index, built alongside "render", the
#    pages). With CAIRN_NOINDEX=<binary>, a cairn patched to leave the index
#    out when CAIRN_NO_SEARCH is set (docs/search.md shows the one-line
#    patch), as many builds of it, alternating, for the difference.
# 2. The browser: the last output served over loopback by python3's
#    http.server, and bench/search_browser.py driving headless Chromium
#    through chromedriver: "budgets learning" typed into the /search/ page
#    and into the header box of a session page, cold and warm, RUNS times
#    (default 5); the files fetched to show the results.
#
# Environment: BENCH_DIR (default /tmp/cairn-bench, corpora are kept there),
# BENCH_TARGET_DIR (for the corpus generator, default /tmp/bench-target),
# CAIRN (a cairn binary; default: cargo build --release), CAIRN_NOINDEX,
# ROUNDS, RUNS, SEED (default 1), QUERY, CAIRN_CHROMIUM, CAIRN_CHROMEDRIVER,
# SKIP_BROWSER=1 (the builds only).
# Needs bash, GNU time, python3 (standard library only), Chromium and
# chromedriver (/usr/bin by default; .ci/browser-setup installs them).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/cairn-bench}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-/tmp/bench-target}
NOTES=${1:-10000}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
QUERY=${QUERY:-budgets learning}
EPOCH=1795435200
GNU_TIME=/usr/bin/time

log() { printf '%s\n' "$*" >&2; }
[[ $NOTES =~ ^[0-9]+$ ]] || { log "search.sh: size must be a number: $NOTES"; exit 2; }
[[ -x $GNU_TIME ]] || { log "search.sh: GNU time not found at $GNU_TIME"; exit 2; }

if [[ -z ${CAIRN:-} ]]; then
  log "building cairn (release) in $REPO"
  (cd "$REPO" && cargo build --release --quiet)
  CAIRN=${CARGO_TARGET_DIR:-$REPO/target}/release/cairn
fi
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
CORPUS=$BENCH_DIR/corpus-$NOTES-s$SEED
if [[ ! -f $CORPUS/cairn.yaml ]]; then
  log "generating $CORPUS"
  (cd "$REPO" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --example gen_corpus --quiet)
  "$BENCH_TARGET_DIR/release/examples/gen_corpus" --sessions "$NOTES" --members $((NOTES / 5)) \
    --seed "$SEED" --out "$CORPUS"
fi

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# One build into a new folder; prints "wall user sys rss_mb search_ms render_ms".
one_build() {
  local bin=$1 out=$2 noindex=${3:-} t
  t=$(mktemp)
  sync
  SOURCE_DATE_EPOCH=$EPOCH CAIRN_TIMINGS=1 CAIRN_NO_SEARCH=$noindex "$GNU_TIME" -o "$t.time" -f '%e %U %S %M' \
    "$bin" build --root "$CORPUS" --output "$out" 2>"$t" >/dev/null
  awk -v search="$(awk '$1 == "search" {print $2}' "$t")" \
      -v render="$(awk '$1 == "render" {print $2}' "$t")" \
      '{printf "%.2f %.2f %.2f %.0f %s %s\n", $1, $2, $3, $4 / 1024, (search == "" ? "-" : search), render}' "$t.time"
  rm -f "$t" "$t.time"
}

log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(uptime)"
echo "## build: $CORPUS, $ROUNDS rounds, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| round | binary | wall s | user CPU s | system CPU s | peak RSS MB | search stage ms | render stage ms | load (1 min) |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
with=() without=()
for ((r = 1; r <= ROUNDS; r++)); do
  out=$BENCH_DIR/search-out-$r
  rm -rf "$out"
  line=$(one_build "$CAIRN" "$out")
  with+=("$line")
  echo "| $r | cairn | ${line// / | } | $(cut -d' ' -f1 /proc/loadavg) |"
  ((r == ROUNDS)) || rm -rf "$out"
  if [[ -n ${CAIRN_NOINDEX:-} ]]; then
    rm -rf "$out-noindex"
    line=$(one_build "$CAIRN_NOINDEX" "$out-noindex" 1)
    without+=("$line")
    echo "| $r | no index | ${line// / | } | $(cut -d' ' -f1 /proc/loadavg) |"
    rm -rf "$out-noindex"
  fi
done
echo
summary() {
  local name=$1; shift
  printf '| median, %s |' "$name"
  for col in 1 2 3 4 5 6; do
    printf ' %s |' "$(printf '%s\n' "$@" | cut -d' ' -f$col | grep -v '^-$' | median)"
  done
  echo
}
echo "| | wall s | user CPU s | system CPU s | peak RSS MB | search stage ms | render stage ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
summary cairn "${with[@]}"
((${#without[@]})) && summary "no index" "${without[@]}"
SITE=$BENCH_DIR/search-out-$ROUNDS
echo
echo "index: $(find "$SITE/search" -type f | wc -l) files, $(du -sb "$SITE/search" | cut -f1) bytes"

# ------------------------------------------------------------- browser
if [[ -n ${SKIP_BROWSER:-} ]]; then rm -rf "$SITE"; exit 0; fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$PORT" --directory "$SITE" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$SITE"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/')" 2>/dev/null && break
  sleep 0.1
done
SESSION=
for d in "$SITE"/sessions/[0-9]*/; do SESSION=${d#"$SITE"/}; break; done
echo
echo "## browser: http://127.0.0.1:$PORT/ (python3 http.server), session page $SESSION, $(uptime)"
echo
python3 "$REPO/bench/search_browser.py" "http://127.0.0.1:$PORT/" "$SESSION" \
  --runs "$RUNS" --query "$QUERY" --site "$SITE"
