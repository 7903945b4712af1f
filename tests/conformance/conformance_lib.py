"""Shared helpers for the Pigeonhole conformance harness.

Used by run-one.py (one ctest test per .svtest), report.py (`make conformance`)
and update-expected.py (rewrites expected-failures.txt). Standard library only.
"""

from __future__ import annotations

import concurrent.futures
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE.parent.parent
DEFAULT_SUITE = SOURCE_DIR.parent / "shared" / "conformance" / "pigeonhole"
# The test files Pigeonhole added after 0.5.19 (its 2.4 branch): the suite
# directory has no manifest, so the list of files to run is kept here, and the
# sub-scripts that the copy lacks are overlaid from NEW_SUPPORT (see its SOURCE.txt).
NEW_MANIFEST = HERE / "pigeonhole-2.4-new.tsv"
NEW_SUPPORT = HERE / "pigeonhole-2.4-support"
NEW_PREFIX = "2.4-new/"
EXPECTED_FILE = HERE / "expected-failures.txt"
DEFAULT_TIMEOUT = 60

# make_target values of MANIFEST.tsv (Pigeonhole 0.5.19 Makefile.am)
TARGET_NORMAL = "test"
TARGET_EXPECT_FAIL = "test -F (expect failure)"
# The extprograms plugin files run as normal files (zest has the extensions
# built in), and so does the one "not-run" file (extensions/variables/
# limits.svtest, which Pigeonhole's make check skips; it takes well under a
# second here).
TARGET_PLUGIN_EXTPROGRAMS = "test-plugins (-P sieve_extprograms)"
TARGET_NOT_RUN = "not-run"

TEST_LINE = re.compile(r"^\s*(\d+): Test '(.*)' (SUCCEEDED|FAILED)(?::\s*(.*))?\s*$")


@dataclass
class SuiteFile:
    path: str            # relative to <suite>/tests, e.g. extensions/variables/basic.svtest
    expect_fail: bool    # run with -F
    tests: int           # live top-level test blocks according to the manifest
    root: Path | None = None     # suite dir (contains tests/); None = the caller's suite
    overlay: Path | None = None  # dir whose tests/ is copied over the suite's before a run
    prefix: str = ""             # NEW_PREFIX for the 2.4-new files

    @property
    def name(self) -> str:
        """Key in expected-failures.txt, ctest name and report row."""
        return self.prefix + self.path

    @property
    def directory(self) -> str:
        d = os.path.dirname(self.name)
        return d if d else "."


@dataclass
class RunResult:
    file: SuiteFile
    passed: bool
    output: str
    status: str                     # "exit 0", "exit 1", "signal 11", "timeout", ...
    test_results: list = field(default_factory=list)  # (index, name, ok, reason)

    @property
    def tests_passed(self) -> int:
        # In -F mode a test "passes" when it fails, as expected.
        if self.file.expect_fail:
            return sum(1 for _, _, ok, _ in self.test_results if not ok)
        return sum(1 for _, _, ok, _ in self.test_results if ok)

    @property
    def tests_total(self) -> int:
        return max(self.file.tests, len(self.test_results))


def read_manifest(suite: Path, manifest: Path | None = None, overlay: Path | None = None,
                  prefix: str = "") -> list[SuiteFile]:
    """The files the 0.5.19 Makefile runs with `make check` (and `make test-plugins`
    for extprograms), in manifest order; or those of `manifest` (the 2.4-new set)."""
    files = []
    with open(manifest or suite / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            target = (row.get("make_target") or "").strip()
            if target not in (TARGET_NORMAL, TARGET_EXPECT_FAIL, TARGET_PLUGIN_EXTPROGRAMS,
                              TARGET_NOT_RUN):
                continue
            try:
                tests = int(row.get("tests") or 0)
            except ValueError:
                tests = 0
            files.append(SuiteFile(row["path"].strip(), target == TARGET_EXPECT_FAIL, tests,
                                   suite, overlay, prefix))
    return files


def new_suite_for(suite: Path) -> Path:
    """Default place of the 2.4-new files: next to the 0.5.19 suite."""
    return suite.parent / (suite.name + "-2.4-new")


def read_new_manifest(new_suite: Path) -> list[SuiteFile]:
    """The Pigeonhole 2.4 files (NEW_MANIFEST), or none when new_suite is absent."""
    if not (new_suite / "tests").is_dir():
        return []
    return read_manifest(new_suite, NEW_MANIFEST, NEW_SUPPORT, NEW_PREFIX)


def read_all(suite: Path, new_suite: Path | None = None) -> list[SuiteFile]:
    """Both sets: the 0.5.19 `make check` files, then the 2.4-new files."""
    return read_manifest(suite) + read_new_manifest(new_suite or new_suite_for(suite))


class ExpectedListError(Exception):
    pass


def parse_expected(path: Path) -> dict[str, str]:
    """Parse expected-failures.txt: `path  # reason` per line, `#` comments, blanks."""
    entries: dict[str, str] = {}
    if not path.exists():
        return entries
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition("#")
        name, reason = name.strip(), reason.strip()
        if not sep or not reason:
            raise ExpectedListError(f"{path}:{n}: missing '# reason': {raw!r}")
        if len(name.split()) != 1:
            raise ExpectedListError(f"{path}:{n}: expected one path before '#': {raw!r}")
        if name in entries:
            raise ExpectedListError(f"{path}:{n}: {name} listed twice")
        entries[name] = reason
    return entries


def parse_tests(output: str) -> list:
    results = []
    for line in output.splitlines():
        m = TEST_LINE.match(line)
        if m:
            results.append((int(m.group(1)), m.group(2), m.group(3) == "SUCCEEDED", m.group(4) or ""))
    return results


def run_file(binary: Path, suite: Path, sf: SuiteFile, timeout: float = DEFAULT_TIMEOUT,
             svtest: Path | None = None) -> RunResult:
    """Run one .svtest straight from the suite, in a fresh temporary working dir.

    The binary gets the absolute .svtest path and resolves the suite's relative
    paths (sub-scripts, included/, ../../examples) against the .svtest's own dir.
    """
    if svtest is None:
        svtest = (sf.root or suite) / "tests" / sf.path
    svtest = svtest.resolve()
    with tempfile.TemporaryDirectory(prefix="zest-conformance-") as tmp:
        if sf.overlay is not None:
            # A private copy of the suite's tests/ with the missing files added;
            # the suite itself is read-only.
            tests = svtest.parents[len(Path(sf.path).parts) - 1]
            copy = Path(tmp) / "suite" / "tests"
            shutil.copytree(tests, copy)
            shutil.copytree(sf.overlay / "tests", copy, dirs_exist_ok=True)
            svtest = copy / sf.path
        cmd = [str(binary)] + (["-F"] if sf.expect_fail else []) + [str(svtest)]
        env = dict(os.environ, TMPDIR=tmp)
        try:
            # Own session, so that a timeout kills the whole process group.
            proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as e:
            return RunResult(sf, False, str(e), f"could not run: {e}")
        try:
            raw, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            raw, _ = proc.communicate()
            out = raw.decode("utf-8", "replace")
            return RunResult(sf, False, out, f"timeout after {timeout:g} s", parse_tests(out))
    out = raw.decode("utf-8", "replace")
    rc = proc.returncode
    status = f"exit {rc}" if rc >= 0 else f"killed by signal {-rc}"
    return RunResult(sf, rc == 0, out, status, parse_tests(out))


def run_all(binary: Path, suite: Path, files: list[SuiteFile], jobs: int = 2,
            timeout: float = DEFAULT_TIMEOUT, progress: bool = True) -> list[RunResult]:
    results: dict[str, RunResult] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_file, binary, suite, sf, timeout): sf for sf in files}
        for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            r = fut.result()
            results[r.file.name] = r
            if progress and sys.stderr.isatty():
                print(f"\r[{i}/{len(files)}] ", end="", file=sys.stderr, flush=True)
    if progress and sys.stderr.isatty():
        print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)
    return [results[sf.name] for sf in files]


def _cache_value(build_dir: Path, key: str) -> str | None:
    cache = build_dir / "CMakeCache.txt"
    if cache.exists():
        for line in cache.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(key + ":"):
                return line.split("=", 1)[1]
    return None


def suite_from_build(build_dir: Path) -> Path:
    """ZEST_CONFORMANCE_DIR from the build's CMakeCache.txt, else the default."""
    v = _cache_value(build_dir, "ZEST_CONFORMANCE_DIR")
    return Path(v) if v else DEFAULT_SUITE


def new_suite_from_build(build_dir: Path, suite: Path) -> Path:
    """ZEST_CONFORMANCE_NEW_DIR from the build's CMakeCache.txt, else next to suite."""
    v = _cache_value(build_dir, "ZEST_CONFORMANCE_NEW_DIR")
    return Path(v) if v else new_suite_for(suite)


def find_binary(build_dir: Path, override: str | None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get("ZEST_SIEVE_TESTSUITE")
    if env:
        return Path(env)
    return build_dir / "tools" / "sieve-testsuite"
