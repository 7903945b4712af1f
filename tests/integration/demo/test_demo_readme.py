#!/usr/bin/python3
"""The README's demo, step by step (issue 17.3): exactly what the README's
"The demo, step by step" section (between <!-- demo:begin --> and
<!-- demo:end -->) tells a new user to do, on a machine with nothing else
running.

`make run` is `make build` followed by scripts/run-zestd.sh (the test
checks that the Makefile still says so); the test runs that script with the
built binaries (BUILD_DIR) in the background from a copy of scripts/ and
examples/ in a temporary directory, so that ./var is the copy's and not the
checkout's. It then runs the README's swaks command there, checks the
places the README names, and stops zestd by its pid (the script execs
zestd). Ports 2424 and 4190 are examples/zest.toml's: they must be free.

usage: test_demo_readme.py --source-dir DIR --build-dir DIR
"""
import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def fail(text):
    print("FAIL: " + text)
    sys.exit(1)


def readme_steps(source):
    with open(os.path.join(source, "README.md")) as f:
        text = f.read()
    m = re.search(r"<!-- demo:begin -->(.*?)<!-- demo:end -->", text, re.S)
    if not m:
        fail("README.md has no <!-- demo:begin --> ... <!-- demo:end --> section")
    block = m.group(1)
    swaks = [l.strip() for l in block.splitlines() if l.strip().startswith("swaks ")]
    if len(swaks) != 1:
        fail("the README's demo should have exactly one swaks command, has %d" % len(swaks))
    paths = re.findall(r"`(var/[^`]+/)`", block)
    return block, swaks[0], paths


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def files_in(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    src, build = os.path.abspath(args.source_dir), os.path.abspath(args.build_dir)
    block, swaks, paths = readme_steps(src)
    if "`make run`" not in block:
        fail("the README's demo no longer starts with `make run`")
    with open(os.path.join(src, "Makefile")) as f:
        if not re.search(r"^run: build\n\t@bash scripts/run-zestd.sh$", f.read(), re.M):
            fail("`make run` is no longer `make build` + scripts/run-zestd.sh; update this test")
    print("README's swaks command: " + swaks)
    print("README's places: " + ", ".join(paths))
    if len(paths) != 2 or not any("outgoing" in p for p in paths):
        fail("the README should name the folder of the filed message and var/outgoing/new/")
    for port in (2424, 4190):
        if port_open(port):
            fail("127.0.0.1:%d is in use (a `make run` still going?); the demo needs it" % port)
    if not shutil.which("swaks"):
        fail("swaks is not installed (scripts/install-test-deps.sh)")

    tmp = tempfile.mkdtemp(prefix="zest-demo-")
    ok = False
    proc = None
    log = os.path.join(tmp, "make-run.log")
    try:
        for d in ("scripts", "examples"):
            shutil.copytree(os.path.join(src, d), os.path.join(tmp, d))
        with open(log, "wb") as logf:
            # Step 1: `make run` (its script, with the built binaries).
            proc = subprocess.Popen(["bash", os.path.join(tmp, "scripts", "run-zestd.sh")],
                                    cwd=tmp, stdout=logf, stderr=subprocess.STDOUT,
                                    env=dict(os.environ, BUILD_DIR=build))
            end = time.monotonic() + 60
            while not port_open(2424):
                if proc.poll() is not None or time.monotonic() > end:
                    with open(log) as f:
                        fail("zestd did not come up on 127.0.0.1:2424:\n" + f.read())
                time.sleep(0.1)
            # Step 2: the README's swaks command, from the checkout (the copy).
            r = subprocess.run(shlex.split(swaks), cwd=tmp, capture_output=True, text=True,
                               timeout=60)
            print(r.stdout)
            if r.returncode != 0:
                fail("swaks failed (%d): %s" % (r.returncode, r.stderr))
            if not re.search(r"<[-~]\s+250 2\.\d\.\d", r.stdout.split("-> .", 1)[-1]):
                fail("the LMTP reply after DATA was not 250")
            # Steps 3 and 4: where the README says to look.
            filed, outgoing = [os.path.join(tmp, p) for p in paths]
            if "outgoing" in filed:
                filed, outgoing = outgoing, filed
            end = time.monotonic() + 30
            while not (files_in(filed) and files_in(outgoing)) and time.monotonic() < end:
                time.sleep(0.1)
            for d in (filed, outgoing):
                if len(files_in(d)) != 1:
                    fail("%s holds %d files, expected 1" % (d, len(files_in(d))))
            with open(os.path.join(src, "examples", "message.eml")) as f:
                subject = re.search(r"(?m)^Subject: (.*)$", f.read()).group(1)
            with open(files_in(filed)[0]) as f:
                stored = f.read()
            with open(files_in(outgoing)[0]) as f:
                sent = f.read()
            if "Subject: " + subject not in stored:
                fail("the filed message is not the example:\n" + stored)
            if "X-Envelope-To: <alice.mobile@example.net>" not in sent or \
                    "Subject: " + subject not in sent:
                fail("the redirected copy is not in var/outgoing/new:\n" + sent)
            if "Return-Path: <bob@example.net>" not in sent:
                fail("the redirect should keep the original sender:\n" + sent)
            print("filed: %s\noutgoing: %s\n--- the redirected copy ---\n%s"
                  % (files_in(filed)[0], files_in(outgoing)[0], sent))
            # Step 5: Ctrl-C, i.e. SIGINT to zestd's pid.
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                fail("zestd did not stop on SIGINT")
            proc = None
            ok = True
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if not ok and os.path.exists(log):
            with open(log, errors="replace") as f:
                print("--- make run's output ---\n" + f.read())
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
