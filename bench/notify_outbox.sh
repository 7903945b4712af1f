#!/bin/sh
# LMTP throughput with a blackholed notification receiver against none,
# from one run (issue 18): runs the notify_outbox integration test, which
# delivers the same N messages over one LMTP connection to a user without
# notifications and to a user whose script notifies a receiver that accepts
# connections and never answers, and prints both rates on its THROUGHPUT
# line. Usage: bench/notify_outbox.sh [build-dir] [N]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
n=${2:-200}
/usr/bin/python3 "$here/tests/integration/notify/test_notify_outbox.py" \
  --zestd "$build/server/zestd" --zest "$build/server/zest" -n "$n" | grep -E '^(THROUGHPUT|FAIL|[0-9]+ failure)'
