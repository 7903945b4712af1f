#!/usr/bin/env python3
"""Rewrite tests/conformance/expected-failures.txt from a real run.

usage: update-expected.py [--binary PATH] [--suite DIR] [--new-suite DIR] [-j N] [--timeout S]
                          [--dry-run] BUILD_DIR
       update-expected.py --check [--suite DIR] [--new-suite DIR]

Runs every file of the suite's `make check` set (normal and -F) through
BUILD_DIR/tools/sieve-testsuite, then:
  * removes the files that now pass,
  * keeps the line (and reason) of every listed file that still fails,
  * appends files that fail but were not listed, with reason "FIXME: fails"
    (edit those reasons by hand afterwards),
  * drops entries that are not in the run set (warning).
Comments and blank lines are kept. --check only validates the list (syntax,
every entry is a file that is run); it is also a ctest test.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance_lib as lib  # noqa: E402

NEW_REASON = "FIXME: fails"


def format_entry(path: str, reason: str, width: int) -> str:
    return f"{path.ljust(width)}  # {reason}\n"


def entry_name(line: str) -> str | None:
    s = line.strip()
    if not s or s.startswith("#"):
        return None
    return s.partition("#")[0].strip()


def check(suite: Path, new_suite: Path, expected_file: Path) -> int:
    try:
        entries = lib.parse_expected(expected_file)
    except lib.ExpectedListError as e:
        print(f"error: {e}")
        return 1
    run_set = {sf.name for sf in lib.read_all(suite, new_suite)}
    stale = [p for p in entries if p not in run_set]
    for p in stale:
        print(f"error: {expected_file.name}: {p} is not a file the suite runs "
              f"(make_target test / test -F); remove it")
    print(f"{expected_file.name}: {len(entries)} entries, {len(run_set)} files run")
    return 1 if stale else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", nargs="?")
    ap.add_argument("--binary", help="sieve-testsuite (default BUILD_DIR/tools/sieve-testsuite)")
    ap.add_argument("--suite", help="suite dir (default: ZEST_CONFORMANCE_DIR of the build)")
    ap.add_argument("--new-suite", help="dir of the 2.4-new files (default: ZEST_CONFORMANCE_NEW_DIR)")
    ap.add_argument("--expected", default=str(lib.EXPECTED_FILE))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=lib.DEFAULT_TIMEOUT)
    ap.add_argument("--dry-run", action="store_true", help="print the new list instead of writing it")
    ap.add_argument("--check", action="store_true", help="only validate the list")
    args = ap.parse_args()

    expected_file = Path(args.expected)
    if args.check:
        suite = Path(args.suite) if args.suite else (
            lib.suite_from_build(Path(args.build_dir)) if args.build_dir else lib.DEFAULT_SUITE)
        new_suite = Path(args.new_suite) if args.new_suite else (
            lib.new_suite_from_build(Path(args.build_dir), suite) if args.build_dir
            else lib.new_suite_for(suite))
        return check(suite, new_suite, expected_file)
    if not args.build_dir:
        ap.error("BUILD_DIR is required")

    build = Path(args.build_dir)
    suite = Path(args.suite) if args.suite else lib.suite_from_build(build)
    binary = lib.find_binary(build, args.binary)
    if not binary.exists():
        print(f"error: sieve-testsuite binary not found: {binary}", file=sys.stderr)
        return 2
    try:
        old = lib.parse_expected(expected_file)
    except lib.ExpectedListError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    new_suite = Path(args.new_suite) if args.new_suite else lib.new_suite_from_build(build, suite)
    files = lib.read_all(suite, new_suite)
    results = lib.run_all(binary, suite, files, args.jobs, args.timeout)
    failing = [r.file.name for r in results if not r.passed]
    failing_set = set(failing)

    lines = expected_file.read_text(encoding="utf-8").splitlines(keepends=True) if expected_file.exists() else []
    width = max([len(p) for p in list(old) + failing] + [40])
    out, removed, dropped = [], [], []
    for line in lines:
        name = entry_name(line)
        if name is None:
            out.append(line if line.endswith("\n") else line + "\n")
        elif name in failing_set:
            out.append(format_entry(name, old[name], width))
        elif name in {sf.name for sf in files}:
            removed.append(name)
        else:
            dropped.append(name)
    added = [p for p in failing if p not in old]
    if added:
        if out and out[-1].strip():
            out.append("\n")
        out.extend(format_entry(p, NEW_REASON, width) for p in added)

    text = "".join(out)
    if args.dry_run:
        sys.stdout.write(text)
    else:
        expected_file.write_text(text, encoding="utf-8")
    for p in removed:
        print(f"removed (passes now): {p}", file=sys.stderr)
    for p in dropped:
        print(f"dropped (not in the run set): {p}", file=sys.stderr)
    for p in added:
        print(f"added ({NEW_REASON}): {p}", file=sys.stderr)
    print(f"{len(files) - len(failing)}/{len(files)} files pass; list has "
          f"{len(failing)} entries ({len(removed)} removed, {len(added)} added)"
          + (" [dry run]" if args.dry_run else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
