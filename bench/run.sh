#!/usr/bin/env bash
# Benchmark of `cairn build` against the floor (examples/floor.rs: copy every
# note to OUT/<path>/index.html on all cores, nothing else), with a second
# reference beside it (examples/markdown_only.rs: front matter, markdown and
# one template per note, on all cores, and nothing else).
#
#   bench/run.sh                 sizes 1000 10000 50000 (session notes)
#   bench/run.sh 1000 10000      chosen sizes
#
# Environment:
#   BENCH_DIR         scratch folder for corpora and outputs (default /tmp/cairn-bench)
#   BENCH_TARGET_DIR  cargo target dir for the examples (default /tmp/bench-target)
#   ROUNDS            fresh-build rounds per size, at least 3 (default 3)
#   SETTLE            seconds between the last deletion and the runs (default 400)
#   SEED              corpus seed (default 1)
#
# For each size: generate the corpus once and keep it (members = notes / 5), then ROUNDS
# rounds alternating floor, markdown-only and cairn, each into a NEW output
# folder, then 3
# cairn builds over the SAME existing output folder ("rebuild"; the first
# has no spare yet, the next two write over it). Outputs are deleted after
# all sizes' series; corpora are kept for inspection. Start it on a disk
# that has not deleted a large tree in the last five minutes (see the end).
# Each size's corpus is read once, untimed, before its rounds. Medians are
# reported. Needs bash, coreutils, findutils and GNU time (/usr/bin/time).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/cairn-bench}
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-/tmp/bench-target}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-1}
EPOCH=1795435200
GNU_TIME=/usr/bin/time

if (($# > 0)); then sizes=("$@"); else sizes=(1000 10000 50000); fi
for s in "${sizes[@]}"; do
  [[ $s =~ ^[0-9]+$ ]] || { echo "run.sh: size must be a number: $s" >&2; exit 2; }
done
((ROUNDS >= 3)) || { echo "run.sh: ROUNDS must be at least 3" >&2; exit 2; }
[[ -x $GNU_TIME ]] || { echo "run.sh: GNU time not found at $GNU_TIME" >&2; exit 2; }

log() { printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------ build
log "building cairn (release) in $REPO"
(cd "$REPO" && cargo build --release --quiet)
CAIRN=$REPO/target/release/cairn
log "building examples (release) into $BENCH_TARGET_DIR"
(cd "$REPO" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --examples --quiet)
GEN=$BENCH_TARGET_DIR/release/examples/gen_corpus
FLOOR=$BENCH_TARGET_DIR/release/examples/floor
MDONLY=$BENCH_TARGET_DIR/release/examples/markdown_only

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# ---------------------------------------------------------------- helpers

# "12.34" (seconds, as GNU time prints them) -> 1234 (hundredths).
centis() {
  local v=$1 int frac
  int=${v%.*}
  frac=${v#*.}
  [[ $v == *.* ]] || frac=0
  frac=${frac}00
  echo $((10#$int * 100 + 10#${frac:0:2}))
}

# hundredths -> "12.34"
fmt2() {
  local v=$1 sign=
  ((v < 0)) && { sign=-; v=$((-v)); }
  printf '%s%d.%02d' "$sign" $((v / 100)) $((v % 100))
}

# a / b with two decimals (integers in, rounded).
ratio() {
  local a=$1 b=$2
  ((b > 0)) || { echo "n/a"; return; }
  fmt2 $(((a * 200 + b) / (2 * b)))
}

# bytes -> MB (10^6) with two decimals.
mb() { fmt2 $((($1 + 5000) / 10000)); }

# Median of integers.
median() {
  local sorted
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  local n=${#sorted[@]}
  if ((n % 2)); then
    echo "${sorted[n / 2]}"
  else
    echo $(((sorted[n / 2 - 1] + sorted[n / 2]) / 2))
  fi
}

# Wall clock in microseconds, from bash's own clock.
now_us() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((10#$t))
}

# run LABEL LOGFILE CMD... : runs CMD under GNU time; sets WALL_CS (wall,
# hundredths, from the shell clock), CPU_CS (user+sys, hundredths) and
# RSS_KB (peak resident set). Aborts the benchmark if CMD fails.
run() {
  local label=$1 logfile=$2
  shift 2
  local tf=$BENCH_DIR/.time.$$ t0 t1 rc=0
  # Start each run without the previous run's dirty pages still queued.
  sync
  t0=$(now_us)
  "$GNU_TIME" -o "$tf" -f 'TIME %U %S %M' "$@" >"$logfile" 2>&1 || rc=$?
  t1=$(now_us)
  if ((rc != 0)); then
    log "run.sh: $label failed (exit $rc); its output:"
    cat "$logfile" >&2
    exit 1
  fi
  local line="" tag user sys rss
  while read -r tag user sys rss; do
    [[ $tag == TIME ]] && line="$user $sys $rss"
  done <"$tf"
  read -r user sys rss <<<"$line"
  rm -f "$tf"
  WALL_CS=$(((t1 - t0 + 5000) / 10000))
  CPU_CS=$(($(centis "$user") + $(centis "$sys")))
  RSS_KB=$rss
}

# pages_in DIR: number of *.html files.
pages_in() {
  local files
  shopt -s globstar nullglob dotglob
  files=("$1"/**/*.html)
  shopt -u globstar nullglob dotglob
  echo "${#files[@]}"
}

# bytes_in DIR: bytes of the regular files under DIR (what was written;
# `du -sb` would add the size of every directory entry, 4 KiB each on ext4).
bytes_in() {
  local files=() f out
  shopt -s globstar nullglob dotglob
  for f in "$1"/**; do
    [[ -f $f && ! -L $f ]] && files+=("$f")
  done
  shopt -u globstar nullglob dotglob
  ((${#files[@]} > 0)) || { echo 0; return; }
  out=$(printf '%s\0' "${files[@]}" | du -cb --files0-from=- | tail -n 1)
  echo "${out%%[[:space:]]*}"
}

# du_sb DIR: `du -sb` (files and directory entries).
du_sb() {
  local out
  out=$(du -sb "$1")
  echo "${out%%[[:space:]]*}"
}

# cairn prints "Built … pages …" and nothing else on a clean build.
check_clean() {
  local logfile=$1 other=0 line
  while IFS= read -r line; do
    [[ $line == Built\ * ]] || other=$((other + 1))
  done <"$logfile"
  if ((other > 0)); then
    log "run.sh: warning: cairn printed diagnostics ($logfile):"
    head -n 20 "$logfile" >&2
  fi
}

# --------------------------------------------------------------- corpora
# Each corpus is generated once and kept: regenerating deletes and creates
# every note, and on ext4 the inodes freed by a deletion slow the creation
# of files for a minute or more after it (`recently_deleted` in the
# kernel's profile), for the floor and cairn alike: ext4 without a
# journal skips an inode freed less than 60 s ago, or 360 s while its
# inode table block is dirty, which it is again as soon as files are
# created beside it. So the runs start SETTLE seconds (default 400) after
# the last generation or deletion, this script's own included (it notes
# when it deleted in $BENCH_DIR/.deleted-at).
SETTLE=${SETTLE:-400}
# A corpus is made again only when what makes it changed: the generator's
# source and the versions of the crates it uses (not its binary, which
# changes with any change to cairn's dependencies or build settings).
gen_id=$(cat "$REPO/examples/gen_corpus.rs" "$REPO/Cargo.lock" | md5sum | cut -c1-12)
settle=0
declare -A gen_lines
for size in "${sizes[@]}"; do
  members=$((size / 5))
  corpus=$BENCH_DIR/corpus-$size-s$SEED
  stamp="$size $members $SEED $gen_id"
  if [[ -f $corpus/.gen-stamp && $(head -n 1 "$corpus/.gen-stamp") == "$stamp" ]]; then
    gen_lines[$size]=$(tail -n 1 "$corpus/.gen-stamp")
    log "corpus $corpus is up to date"
    continue
  fi
  log "generating $corpus ($size notes, $members members)"
  gen_lines[$size]=$("$GEN" --sessions "$size" --members "$members" --seed "$SEED" --out "$corpus" --force)
  printf '%s\n%s\n' "$stamp" "${gen_lines[$size]}" >"$corpus/.gen-stamp"
  settle=1
done
for size in "${sizes[@]}"; do
  if [[ -e $BENCH_DIR/out-$size ]]; then
    rm -rf "$BENCH_DIR/out-$size"
    settle=1
  fi
done
if ((settle)); then
  date +%s >"$BENCH_DIR/.deleted-at"
fi
if [[ -f $BENCH_DIR/.deleted-at ]]; then
  sync
  wait_s=$(($(cat "$BENCH_DIR/.deleted-at") + SETTLE - $(date +%s)))
  if ((wait_s > 0)); then
    log "waiting ${wait_s}s for the file system to settle after the last deletion"
    sleep "$wait_s"
  fi
fi

# ------------------------------------------------------------------ runs
rows=() all_outs=()
for size in "${sizes[@]}"; do
  members=$((size / 5))
  corpus=$BENCH_DIR/corpus-$size-s$SEED
  outs=$BENCH_DIR/out-$size
  mkdir -p "$outs"
  log ""
  gen_line=${gen_lines[$size]}
  log "== $size notes, $members members: $gen_line"
  # Read the corpus once, untimed, so that no round pays for bringing it
  # back into the page cache (the previous size's gigabytes of output push
  # it out): without this the first floor round took 1.8-2.4 s at 10k and
  # 6-8 s at 50k, against 0.4 s and 2 s after it. Reading creates and
  # deletes nothing.
  find "$corpus" -type f -exec cat {} + >/dev/null
  # "gen_corpus: F files, B bytes (...)": B is the markdown (and config) size.
  read -r _ _ _ md_bytes _ <<<"$gen_line"

  floor_wall=() md_wall=() cairn_wall=() cairn_cpu=() cairn_rss=() rebuild_wall=()
  cairn_pages=0 cairn_bytes=0 cairn_du=0 floor_pages=0 floor_bytes=0
  for ((r = 1; r <= ROUNDS; r++)); do
    run "floor round $r" "$outs/floor-$r.log" "$FLOOR" --root "$corpus" --out "$outs/floor-$r"
    floor_wall+=("$WALL_CS")
    floor_pages=$(pages_in "$outs/floor-$r")
    floor_bytes=$(bytes_in "$outs/floor-$r")
    log "  round $r floor: $(fmt2 "$WALL_CS") s wall, $(fmt2 "$CPU_CS") s cpu, $((RSS_KB / 1024)) MB rss, $floor_pages pages"

    run "markdown-only round $r" "$outs/md-$r.log" "$MDONLY" --root "$corpus" --out "$outs/md-$r"
    md_wall+=("$WALL_CS")
    log "  round $r markdown-only: $(fmt2 "$WALL_CS") s wall, $(fmt2 "$CPU_CS") s cpu, $((RSS_KB / 1024)) MB rss; $(head -n 1 "$outs/md-$r.log")"

    run "cairn round $r" "$outs/cairn-$r.log" \
      env SOURCE_DATE_EPOCH=$EPOCH "$CAIRN" build --root "$corpus" --output "$outs/cairn-$r"
    check_clean "$outs/cairn-$r.log"
    cairn_wall+=("$WALL_CS")
    cairn_cpu+=("$CPU_CS")
    cairn_rss+=("$RSS_KB")
    cairn_pages=$(pages_in "$outs/cairn-$r")
    # The build cache and the kept notes beside the output are written too.
    cairn_bytes=$(($(bytes_in "$outs/cairn-$r") + $(stat -c %s "$outs/.cairn-$r.cairn-cache" 2>/dev/null || echo 0) + $(stat -c %s "$outs/.cairn-$r.cairn-notes" 2>/dev/null || echo 0)))
    cairn_du=$(du_sb "$outs/cairn-$r")
    log "  round $r cairn: $(fmt2 "$WALL_CS") s wall, $(fmt2 "$CPU_CS") s cpu, $((RSS_KB / 1024)) MB rss, $cairn_pages pages; $(head -n 1 "$outs/cairn-$r.log")"
  done

  # Rebuild: cairn over the same, existing output folder.
  for ((r = 1; r <= 3; r++)); do
    run "cairn rebuild $r" "$outs/rebuild-$r.log" \
      env SOURCE_DATE_EPOCH=$EPOCH "$CAIRN" build --root "$corpus" --output "$outs/cairn-1"
    check_clean "$outs/rebuild-$r.log"
    rebuild_wall+=("$WALL_CS")
    cairn_rss+=("$RSS_KB")
    log "  rebuild $r cairn: $(fmt2 "$WALL_CS") s wall, $(fmt2 "$CPU_CS") s cpu, $((RSS_KB / 1024)) MB rss"
  done

  fw=$(median "${floor_wall[@]}")
  mw=$(median "${md_wall[@]}")
  cw=$(median "${cairn_wall[@]}")
  rw=$(median "${rebuild_wall[@]}")
  cc=$(median "${cairn_cpu[@]}")
  rss=$(median "${cairn_rss[@]:0:ROUNDS}")
  rss_bytes=$((rss * 1024))
  # The rebuilds' peak: the highest of the three, not their median.
  rrss=0
  for v in "${cairn_rss[@]:ROUNDS}"; do ((v > rrss)) && rrss=$v; done
  rrss_bytes=$((rrss * 1024))
  rows+=("| $size | $(mb "$md_bytes") | $(fmt2 "$fw") | $(fmt2 "$mw") | $(ratio "$mw" "$fw") | $(fmt2 "$cw") | $(ratio "$cw" "$fw") | $(ratio "$cw" "$mw") | $(fmt2 "$rw") | $(ratio "$rw" "$fw") | $(fmt2 "$cc") | $((rss / 1024)) | $(ratio "$rss_bytes" "$md_bytes") | $((rrss / 1024)) | $(ratio "$rrss_bytes" "$md_bytes") | $cairn_pages | $(mb "$cairn_bytes") |")
  log "  floor wrote $floor_pages pages, $(mb "$floor_bytes") MB of files; cairn $cairn_pages pages, $(mb "$cairn_bytes") MB of files ($(mb "$cairn_du") MB by du -sb)"
  all_outs+=("$outs")
done

# Outputs go only now: on ext4, for minutes after a large tree is deleted,
# every new file and folder costs a scan past the freed inodes, which
# would slow the next size's runs (floor and cairn alike, unevenly).
rm -rf "${all_outs[@]}"
date +%s >"$BENCH_DIR/.deleted-at"

# ---------------------------------------------------------------- report
cpu_model=unknown
while IFS= read -r line; do
  if [[ $line == "model name"* ]]; then
    cpu_model=${line#*: }
    break
  fi
done </proc/cpuinfo
fs_type=$(df --output=fstype "$BENCH_DIR" | tail -n 1)

echo
echo "| notes | markdown MB | floor wall s | markdown-only wall s | ratio | cairn wall s (fresh) | ratio | cairn / markdown-only | cairn rebuild wall s | ratio | cairn CPU s | peak RSS MB | RSS/markdown | rebuild peak RSS MB | RSS/markdown | pages | MB written |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
# The code measured: its commit, and whether the work tree had changes.
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  commit="$commit with uncommitted changes"
fi
echo "Medians of $ROUNDS fresh rounds (floor, markdown-only and cairn alternating, new output folder each) and 3 rebuilds over one existing output; peak RSS is the median of the fresh cairn builds, rebuild peak RSS the highest of the rebuilds (RSS in MiB); pages are *.html files, MB written the bytes of all files cairn wrote, its build cache and kept notes included (10^6 bytes); a rebuild keeps the session pages whose inputs did not change. Machine: $(nproc) CPUs, $cpu_model; scratch $BENCH_DIR on $fs_type; $(date -u '+%Y-%m-%d %H:%M UTC'); SOURCE_DATE_EPOCH=$EPOCH; seed $SEED; cairn at $commit."
