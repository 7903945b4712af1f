#!/usr/bin/env bash
# bench/compare.sh - zestd and Dovecot/Pigeonhole side by side, in one run,
# on the same corpus and scripts (../shared/bench); prints one table of
# ratios and writes it to bench/results/<date>.md.
#
# Usage: bench/compare.sh [--quick] [compare.py options]     (as root)
#   --quick   300 messages per LMTP run, fewer CLI repetitions (a smoke run)
# Environment: WORKDIR (default: a new directory under /tmp; at most 70
# characters, Dovecot's socket paths), BUILD_DIR (default build).
# Installs what it needs through the project's scripts (build deps, test
# deps with Dovecot + Pigeonhole, and scripts/install-bench-deps.sh), builds
# the default preset, then runs bench/compare.py (about 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=$ROOT/../shared/bench
[ -d "$SHARED" ] || { echo "compare.sh: $SHARED not found (the shared harness sits beside the checkout)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root (Dovecot's master process needs it)" >&2; exit 1; }
# zestd and zest run as root here, in the bench's own directories; as root
# they refuse unless told so (docs/zestd.md "Privileges").
export ZEST_ALLOW_ROOT=1

args=()
for a in "$@"; do
  if [ "$a" = --quick ]; then args+=(--count 300 --warmup 100 --cli-runs 3 --batch-runs 1 --idle 50)
  else args+=("$a"); fi
done

bash scripts/install-deps.sh
bash scripts/install-test-deps.sh
bash scripts/install-bench-deps.sh
build=${BUILD_DIR:-build}
cmake --preset default -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc)" --target zestd zest sievec bench_compile bench_eval bench_maildir

W=${WORKDIR:-$(mktemp -d /tmp/zest-bench.XXXXXX)}
mkdir -p "$W"; chmod 755 "$W"
mkdir -p bench/results
out=bench/results/$(date +%Y-%m-%d-%H%M).md
/usr/bin/python3 bench/compare.py --build "$build" --shared "$SHARED" --workdir "$W" --out "$out" "${args[@]}"
cp "$W/results/all.json" "${out%.md}.json"
echo "compare.sh: table written to $out, its data to ${out%.md}.json (every run's JSON in $W/results)" >&2
