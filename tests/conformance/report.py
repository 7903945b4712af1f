#!/usr/bin/env python3
"""Conformance report (`make conformance`).

usage: report.py [--binary PATH] [--suite DIR] [-j N] [--timeout S] [-v] BUILD_DIR

Runs every file of the suite's `make check` set (132 normal + 4 with -F),
the 10 extprograms files of `make test-plugins`, extensions/variables/
limits.svtest (which make check skips), then the 8 files Pigeonhole
added after 0.5.19 (rows "2.4-new/...", from ZEST_CONFORMANCE_NEW_DIR, listed
in pigeonhole-2.4-new.tsv), through BUILD_DIR/tools/sieve-testsuite (2 in parallel, timeout per file),
parses the per-test "NN: Test 'name' SUCCEEDED|FAILED" lines and prints one
row per directory (top-level files as "."): files passed/total and tests
passed/total, then TOTAL. Test totals come from the manifest (live top-level
test blocks), so a file that crashes or does not compile still counts all its
tests as not passed. In -F files a test counts as passed when it fails, as
expected. -v also lists every failing file with its status and first failure.

Exit status: 0 (it is a report), 2 if the binary is missing.
"""

import argparse
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance_lib as lib  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir")
    ap.add_argument("--binary", help="sieve-testsuite (default BUILD_DIR/tools/sieve-testsuite)")
    ap.add_argument("--suite", help="suite dir (default: ZEST_CONFORMANCE_DIR of the build)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=lib.DEFAULT_TIMEOUT)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    build = Path(args.build_dir)
    suite = Path(args.suite) if args.suite else lib.suite_from_build(build)
    binary = lib.find_binary(build, args.binary)
    if not binary.exists():
        print(f"error: sieve-testsuite binary not found: {binary} (build target sieve-testsuite)",
              file=sys.stderr)
        return 2
    try:
        expected = lib.parse_expected(lib.EXPECTED_FILE)
    except lib.ExpectedListError as e:
        print(f"warning: {e}", file=sys.stderr)
        expected = {}

    new_suite = lib.new_suite_from_build(build, suite)
    files = lib.read_all(suite, new_suite)
    results = lib.run_all(binary, suite, files, args.jobs, args.timeout)

    rows: "OrderedDict[str, list[int]]" = OrderedDict()
    for r in sorted(results, key=lambda r: (r.file.directory != ".", r.file.directory)):
        row = rows.setdefault(r.file.directory, [0, 0, 0, 0])
        row[0] += r.passed
        row[1] += 1
        row[2] += min(r.tests_passed, r.tests_total)
        row[3] += r.tests_total
    total = [sum(row[i] for row in rows.values()) for i in range(4)]

    def pct(a: int, b: int) -> str:
        return f"{100.0 * a / b:5.1f}%" if b else "    -"

    width = max([len(d) for d in rows] + [len("directory")])
    head = f"{'directory'.ljust(width)}  {'files':>9}  {'':6}  {'tests':>9}  {'':6}"
    print(f"Pigeonhole conformance ({suite} + {new_suite}, binary {binary})\n")
    print(head)
    print("-" * len(head))
    for d, (fp, ft, tp, tt) in rows.items():
        print(f"{d.ljust(width)}  {f'{fp}/{ft}':>9}  {pct(fp, ft)}  {f'{tp}/{tt}':>9}  {pct(tp, tt)}")
    print("-" * len(head))
    fp, ft, tp, tt = total
    print(f"{'TOTAL'.ljust(width)}  {f'{fp}/{ft}':>9}  {pct(fp, ft)}  {f'{tp}/{tt}':>9}  {pct(tp, tt)}")

    unexpected_fail = [r for r in results if not r.passed and r.file.name not in expected]
    unexpected_pass = [r for r in results if r.passed and r.file.name in expected]
    print(f"\nCI view: {len(unexpected_fail)} unlisted file(s) failing, "
          f"{len(unexpected_pass)} listed file(s) passing (tests/conformance/expected-failures.txt)")
    for r in unexpected_fail:
        print(f"  unlisted, fails:  {r.file.name} ({r.status})")
    for r in unexpected_pass:
        print(f"  listed, passes:   {r.file.name}")

    if args.verbose:
        print("\nFailing files:")
        for r in results:
            if r.passed:
                continue
            bad = [t for t in r.test_results if t[2] == r.file.expect_fail]
            first = f"; first: {bad[0][0]}: '{bad[0][1]}' {bad[0][3]}".rstrip() if bad else ""
            print(f"  {r.file.name}{' (-F)' if r.file.expect_fail else ''}: {r.status}, "
                  f"{r.tests_passed}/{r.tests_total} tests{first}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
