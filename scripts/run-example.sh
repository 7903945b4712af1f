#!/usr/bin/env bash
# `make run`: runs sieve-test on the example script and message of examples/
# and prints the result twice, as Pigeonhole-style text and as JSON.
# (A later issue turns `make run` into the zestd daemon.)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
sieve_test="$build/tools/sieve-test"
if [ ! -x "$sieve_test" ]; then
  echo "run-example: $sieve_test not found; run 'make build' first" >&2
  exit 1
fi
args=(-f bob@example.net -r alice@example.org examples/filter.sieve examples/message.eml)

echo "== sieve-test ${args[*]}"
echo "   (the list message is filed into its folder and, being urgent, also redirected to the phone)"
"$sieve_test" "${args[@]}"
echo "== sieve-test --json ${args[*]}"
echo "   (the same result in the canonical JSON of docs/sieve-test.md)"
"$sieve_test" --json "${args[@]}"
