#!/usr/bin/python3
"""Runs a test program against a private redis-server (redis_peer.py): its
port and password go to the program in ZEST_REDIS_PORT and
ZEST_REDIS_PASSWORD; the server is stopped by pid afterwards (the program
may have shut it down itself)."""
import argparse, os, shutil, subprocess, sys, tempfile

from redis_peer import REDIS_PASSWORD, start_redis, stop


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True)
    ap.add_argument("args", nargs="*", help="passed to the program (e.g. --gtest_filter=...)")
    args = ap.parse_args()
    if not shutil.which("redis-server"):
        print("redis-server is not installed (scripts/install-test-deps.sh)")
        return 1
    with tempfile.TemporaryDirectory(prefix="zest-redis-") as tmp:
        proc, port = start_redis(tmp)
        try:
            env = dict(os.environ, ZEST_REDIS_PORT=str(port),
                       ZEST_REDIS_PASSWORD=REDIS_PASSWORD)
            return subprocess.run([args.program] + args.args, env=env, timeout=300).returncode
        finally:
            stop(proc)


if __name__ == "__main__":
    sys.exit(main())
