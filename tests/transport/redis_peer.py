"""A private redis-server on a free 127.0.0.1 port, for the tests that talk
to a real Redis (run_peers.py, run_redis.py): no persistence, a password,
its files in the caller's temporary directory. Stopped by pid."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from zestlib import free_port, stop_process, wait_port  # noqa: E402

REDIS_PASSWORD = "peers-pw"


def start_redis(d, port=None, persistent=False):
    """(Popen, port). `port`: that port (to start a stopped server again);
    `persistent`: an append-only file fsynced on every write in `d`, so a
    server stopped and started again on the same `d` keeps every key."""
    port = port or free_port()
    log = open(os.path.join(d, "redis.log"), "ab")
    persistence = (["--appendonly", "yes", "--appendfsync", "always"] if persistent
                   else ["--appendonly", "no"])
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", *persistence, "--dir", d,
                             "--requirepass", REDIS_PASSWORD],
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    wait_port(port, proc, timeout=15.0, what="redis-server")
    return proc, port


def stop(proc):
    """SIGTERM, then SIGKILL; a server a test shut down already is fine."""
    stop_process(proc, timeout=10)
