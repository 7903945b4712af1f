#!/usr/bin/env python3
"""Run one Pigeonhole .svtest file as a ctest test, honouring expected-failures.txt.

usage: run-one.py [-F] [--timeout S] --name REL BINARY SVTEST EXPECTED_FAILURES

  BINARY             the sieve-testsuite executable
  SVTEST             the .svtest file (run in place, from the read-only suite)
  EXPECTED_FAILURES  tests/conformance/expected-failures.txt
  --name REL         the file's path below the suite's tests/ dir (its key in the list);
                     "2.4-new/<path>" for the files Pigeonhole added after 0.5.19
  -F                 expect-failure mode (tests/failures/*.svtest)

Outcome:
  not listed, passes  -> pass
  not listed, fails   -> FAIL (binary output printed)
  listed, fails       -> pass ("expected failure: <reason>")
  listed, passes      -> FAIL ("now passes: remove it from tests/conformance/expected-failures.txt")
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance_lib as lib  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-F", dest="expect_fail", action="store_true")
    ap.add_argument("--timeout", type=float, default=lib.DEFAULT_TIMEOUT)
    ap.add_argument("--name", required=True)
    ap.add_argument("binary")
    ap.add_argument("svtest")
    ap.add_argument("expected")
    args = ap.parse_args()

    try:
        expected = lib.parse_expected(Path(args.expected))
    except lib.ExpectedListError as e:
        print(f"error: {e}")
        return 1

    binary = Path(args.binary)
    if not binary.exists():
        print(f"error: sieve-testsuite binary not found: {binary}")
        return 1

    if args.name.startswith(lib.NEW_PREFIX):  # a Pigeonhole 2.4 file: overlay its helpers
        sf = lib.SuiteFile(args.name[len(lib.NEW_PREFIX):], args.expect_fail, 0,
                           overlay=lib.NEW_SUPPORT, prefix=lib.NEW_PREFIX)
    else:
        sf = lib.SuiteFile(args.name, args.expect_fail, 0)
    r = lib.run_file(binary, Path(), sf, args.timeout, svtest=Path(args.svtest))
    mode = " (-F)" if args.expect_fail else ""
    summary = f"{args.name}{mode}: {'passed' if r.passed else 'failed'} ({r.status})"
    reason = expected.get(args.name)

    if reason is None:
        print(summary)
        if not r.passed:
            print(r.output, end="" if r.output.endswith("\n") else "\n")
            return 1
        return 0
    if r.passed:
        print(summary)
        print(f"{args.name} now passes: remove it from tests/conformance/expected-failures.txt")
        return 1
    print(summary)
    print(f"expected failure: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
