"""A private redis-server on a free 127.0.0.1 port, for the tests that talk
to a real Redis (run_peers.py, run_redis.py): no persistence, a password,
its files in the caller's temporary directory. Stopped by pid."""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from zestlib import free_port, wait_port  # noqa: E402

REDIS_PASSWORD = "peers-pw"


def start_redis(d):
    port = free_port()
    log = open(os.path.join(d, "redis.log"), "wb")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", d,
                             "--requirepass", REDIS_PASSWORD],
                            stdout=log, stderr=subprocess.STDOUT)
    wait_port(port, proc, timeout=15.0, what="redis-server")
    return proc, port


def stop(proc):
    """SIGTERM, then SIGKILL; a server a test shut down already is fine."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
