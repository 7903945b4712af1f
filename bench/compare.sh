#!/usr/bin/env bash
# bench/compare.sh - zestd and Dovecot/Pigeonhole side by side, in one run,
# on the same corpus and scripts (../shared/bench); prints one table of
# ratios and writes it to bench/results/<date>.md.
#
# Usage: bench/compare.sh [--quick] [--allow-load] [--no-build] [compare.py options]  (as root)
#   --quick       300 messages per LMTP run, fewer CLI repetitions (a smoke run)
#   --allow-load  start even when the 1-minute load average is above 1 (the
#                 table then says the figures are not a clean baseline)
#   --no-build    use the binaries already in BUILD_DIR
# Every figure is the median of 3 repetitions (--runs, --repeat) with its
# spread; the table records the commit, and every run's raw JSON is kept in
# bench/results/<date>-runs/.
# Sections (compare.py --sections, default all): lmtp, inproc, maildir and
# filter (zest's sieve-filter against Pigeonhole's sieve-filter, dry run,
# same Maildir and script, CPU time per message; `--sections filter` alone
# takes about a minute per script), scaling (zest alone: 100 against
# 10 000 users, 1 000 + 1 000 idle connections, messages of 1 KiB to
# 20 MiB; about 5 minutes; bench/scaling.py), and scaleout, not in the default: 1, 2
# and 3 zestd nodes on one data directory sharing [state] in one private
# redis-server, against one node with the local backend (msg/s, Redis round
# trips and time per delivery; 2-3 minutes). With --sections the files
# are named <date>-<time>-<sections>.md.
# Environment: WORKDIR (default: a new directory under /tmp; at most 70
# characters, Dovecot's socket paths), BUILD_DIR (default build),
# SHARED_BENCH (default ../shared/bench beside the checkout; a git worktree
# elsewhere passes the shared harness's path here).
# Installs what it needs through the project's scripts (build deps, test
# deps with Dovecot + Pigeonhole, and scripts/install-bench-deps.sh), builds
# the default preset, then runs bench/compare.py (about 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
[ -d "$SHARED" ] || { echo "compare.sh: $SHARED not found (the shared harness sits beside the checkout)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root (Dovecot's master process needs it)" >&2; exit 1; }
# zestd and zest run as root here, in the bench's own directories; as root
# they refuse unless told so (docs/zestd.md "Privileges").
export ZEST_ALLOW_ROOT=1

args=()
allow_load=0
build_it=1
sections=
prev=
for a in "$@"; do
  case "$a" in
    --quick) args+=(--count 300 --warmup 100 --cli-runs 3 --batch-runs 1 --idle 50) ;;
    --allow-load) allow_load=1; args+=(--load-allowed) ;;
    --no-build) build_it=0 ;;
    --sections=*) sections=${a#--sections=}; args+=("$a") ;;
    *) [ "$prev" = --sections ] && sections=$a; args+=("$a") ;;
  esac
  prev=$a
done
# A busy machine makes every ratio noise (the first table was measured at a
# load near 10): refuse unless told otherwise, and then say so in the table.
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 1) }'; then
  if [ "$allow_load" = 1 ]; then
    echo "compare.sh: load average $load is above 1; going on (--allow-load), the table will say so" >&2
  else
    echo "compare.sh: load average $load is above 1: the figures would not be a clean baseline." >&2
    echo "  Stop other work and retry, or pass --allow-load to measure anyway." >&2
    exit 2
  fi
fi

build=${BUILD_DIR:-build}
if [ "$build_it" = 1 ]; then
  bash scripts/install-deps.sh
  bash scripts/install-test-deps.sh
  bash scripts/install-bench-deps.sh
  cmake --preset default -B "$build" >/dev/null
  cmake --build "$build" -j "$(nproc)" --target zestd zest sievec sieve-filter bench_compile bench_eval bench_maildir
fi

W=${WORKDIR:-$(mktemp -d /tmp/zest-bench.XXXXXX)}
mkdir -p "$W"; chmod 755 "$W"
mkdir -p bench/results
stamp=$(date +%Y-%m-%d-%H%M)
# a run of chosen sections is named after them: <date>-<time>-scaleout.md
[ -n "$sections" ] && stamp=$stamp-${sections//,/+}
out=bench/results/$stamp.md
/usr/bin/python3 bench/compare.py --build "$build" --shared "$SHARED" --workdir "$W" --out "$out" "${args[@]}"
cp "$W/results/all.json" "${out%.md}.json"
# Every repetition's raw figures, for the trend and for re-rendering.
mkdir -p "bench/results/$stamp-runs"
cp "$W"/results/*.json "bench/results/$stamp-runs/"
echo "compare.sh: table written to $out, its data to ${out%.md}.json, every run's JSON in bench/results/$stamp-runs/" >&2
