#!/usr/bin/env python3
"""A fuzzing campaign over every libFuzzer target of a ZEST_FUZZ build.

Each target runs alone (or --parallel at a time) until it has used its CPU
budget (user + system time of the fuzzer process, read from /proc, so a
loaded machine stretches the wall time but not the work done), then gets
SIGINT, which makes libFuzzer print its final statistics. Findings
(crash-, timeout-, oom-, leak- files) are kept under the build directory.
With --update-corpus the run's corpus is minimised (-merge=1) together with
the committed seeds into tests/fuzz/corpus/<target>/, which `make test`
replays. Every run appends one line per target to tests/fuzz/results.tsv;
--markdown prints the table docs/fuzzing.md shows.

    tests/fuzz/campaign.py --build build-fuzz --cpu-seconds 1800 --update-corpus
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RESULTS = HERE / "results.tsv"
COLUMNS = ["date", "commit", "target", "cpu_s", "execs", "cov", "ft", "corpus", "findings"]

# Inputs larger than this teach the fuzzer nothing new for these parsers
# and slow every execution down.
MAX_LEN = {"fuzz_compile": 4096, "fuzz_parse": 4096, "fuzz_config": 4096, "fuzz_sasl": 2048,
           "fuzz_notify_uri": 1024, "fuzz_passwd": 4096, "fuzz_line_framer": 8192}
DICTS = {"fuzz_compile": "sieve.dict", "fuzz_parse": "sieve.dict"}


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def commit():
    out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def replays_alone(binary, artifact, timeout):
    """True when `artifact` (a timeout- or slow- finding) runs to its end
    within `timeout` seconds when the target runs it alone, not niced: the
    fuzzer's limit is wall-clock time, and a niced fuzzer on a busy machine
    can be starved for longer than that."""
    try:
        r = subprocess.run([str(binary), f"-timeout={timeout}", str(artifact)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout * 3)
    except subprocess.TimeoutExpired:
        return False
    return r.returncode == 0


def run_target(binary, budget, artifacts, update_corpus, nice, timeout=10):
    name = binary.name
    seeds = HERE / "corpus" / name
    work = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    if seeds.is_dir():
        for f in seeds.iterdir():
            if f.is_file():
                shutil.copy(f, work / f.name)
    artifacts.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in artifacts.iterdir()} if artifacts.is_dir() else set()
    args = ["nice", "-n", str(nice), str(binary), "-print_final_stats=1", f"-timeout={timeout}",
            "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/",
            f"-max_len={MAX_LEN.get(name, 65536)}"]
    if name in DICTS:
        args.append(f"-dict={HERE / DICTS[name]}")
    args.append(str(work))
    log_path = artifacts / "fuzz.log"
    used = 0.0
    with open(log_path, "w") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        # `nice` execs the fuzzer, so proc.pid is the fuzzer itself.
        deadline_wall = time.time() + budget * 20  # bounded even if starved of CPU
        while proc.poll() is None:
            time.sleep(2)
            now = cpu_seconds(proc.pid)
            if now is not None:
                used = now
            if used >= budget or time.time() > deadline_wall:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    text = log_path.read_text(errors="replace")
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text)
    status = re.findall(r"#\d+\s+\w+\s+cov: (\d+) ft: (\d+)", text)
    findings = []
    for p in sorted(artifacts.iterdir()):
        kind = p.name.split("-")[0]
        if p.name in before or kind not in ("crash", "timeout", "oom", "leak", "slow"):
            continue
        if kind in ("timeout", "slow") and replays_alone(binary, p, timeout):
            findings.append(p.name + " (starved: runs in time alone)")
        else:
            findings.append(p.name)
    if update_corpus and binary.exists():
        merged = Path(tempfile.mkdtemp(prefix=f"{name}-min-"))
        subprocess.run([str(binary), "-merge=1", f"-max_len={MAX_LEN.get(name, 65536)}",
                        str(merged), str(seeds) if seeds.is_dir() else str(work), str(work)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        if any(merged.iterdir()):
            seeds.mkdir(parents=True, exist_ok=True)
            for f in seeds.iterdir():
                f.unlink()
            for f in merged.iterdir():
                shutil.copy(f, seeds / f.name)
        shutil.rmtree(merged, ignore_errors=True)
    corpus = len(list(seeds.iterdir())) if seeds.is_dir() else 0
    shutil.rmtree(work, ignore_errors=True)
    return {"target": name, "cpu_s": f"{used:.0f}", "execs": execs[-1] if execs else "?",
            "cov": status[-1][0] if status else "?", "ft": status[-1][1] if status else "?",
            "corpus": str(corpus), "findings": ",".join(findings) or "none"}


def markdown(rows):
    """One line per target over all its runs in results.tsv: CPU time and
    executions add up (each run starts from the corpus the last one left),
    coverage and corpus size are the newest run's, findings are all runs'."""
    totals = {}
    for r in rows:
        t = totals.setdefault(r["target"], {"cpu_s": 0.0, "execs": 0, "runs": 0, "findings": []})
        t["cpu_s"] += float(r["cpu_s"])
        t["execs"] += int(r["execs"]) if r["execs"].isdigit() else 0
        t["runs"] += 1
        t.update(cov=r["cov"], ft=r["ft"], corpus=r["corpus"], last=r["date"] + " " + r["commit"])
        if r["findings"] != "none":
            t["findings"].append(r["findings"])
    out = ["| target | CPU time (runs) | executions | coverage (cov / ft) | corpus files | last run | findings |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in sorted(totals):
        t = totals[name]
        minutes = t["cpu_s"] / 60
        out.append(f"| `{name}` | {minutes:.1f} min ({t['runs']}) | {t['execs']} | {t['cov']} / {t['ft']} "
                   f"| {t['corpus']} | {t['last']} | {'; '.join(t['findings']) or 'none'} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-fuzz")
    ap.add_argument("--cpu-seconds", type=float, default=1800)
    ap.add_argument("--targets", nargs="*")
    ap.add_argument("--update-corpus", action="store_true")
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--timeout", type=int, default=10,
                    help="libFuzzer's per-input limit in wall-clock seconds (raise it on a busy machine)")
    ap.add_argument("--markdown", action="store_true", help="print the per-target totals of results.tsv and exit")
    opts = ap.parse_args()

    if opts.markdown:
        rows = []
        if RESULTS.exists():
            rows = [dict(zip(COLUMNS, line.split("\t")))
                    for line in RESULTS.read_text().splitlines()[1:] if line.strip()]
        print(markdown(rows))
        return 0

    bindir = Path(opts.build) / "tests" / "fuzz"
    names = opts.targets or sorted(p.name for p in bindir.glob("fuzz_*")
                                   if p.is_file() and os.access(p, os.X_OK) and not p.name.endswith("_replay"))
    if not names:
        print(f"campaign: no fuzz targets in {bindir} (configure with -DZEST_FUZZ=ON and clang)", file=sys.stderr)
        return 2
    if not RESULTS.exists():
        RESULTS.write_text("\t".join(COLUMNS) + "\n")
    rows = []
    for name in names:
        print(f"campaign: {name}: {opts.cpu_seconds:.0f} CPU-seconds", flush=True)
        row = run_target(bindir / name, opts.cpu_seconds, Path(opts.build) / "fuzz-artifacts" / name,
                         opts.update_corpus, opts.nice, opts.timeout)
        row["date"] = datetime.date.today().isoformat()
        row["commit"] = commit()
        with RESULTS.open("a") as f:
            f.write("\t".join(row[c] for c in COLUMNS) + "\n")
        print(f"campaign: {name}: {row['execs']} executions, cov {row['cov']}, findings {row['findings']}",
              flush=True)
        rows.append(row)
    print(markdown(rows))
    return 1 if any(r["findings"] != "none" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
