"""What every integration test needs to run zestd for real: free loopback
ports, bounded waits, a test CA, and an environment (data dir, config,
users) that starts zestd and stops it by pid.

A test imports it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import zestlib
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=10.0, what="process"):
    """Until 127.0.0.1:port accepts a connection; fails early when `proc`
    (a Popen) has exited, and after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited early with %s" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("%s: port %d did not open" % (what, port))


def wait_for(cond, what, timeout=60.0, interval=0.05):
    """cond() until it returns something true, which is returned; an
    AssertionError naming `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def make_test_ca(d):
    """A test CA and a server certificate for localhost/127.0.0.1 made by
    the openssl CLI in directory d: (ca.pem, server.pem, server.key)."""
    def run(*a):
        subprocess.run(["openssl", *a], check=True, capture_output=True, timeout=60)
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr, crt = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
        "-days", "2", "-subj", "/CN=zest test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
        "-days", "2", "-extfile", ext)
    return ca, crt, key


class ZestdEnv:
    """A temporary data dir with zest.toml; `zest` runs against it, zestd is
    started with its standard error in zestd.log and stopped by pid.

    Subclasses write the config (self.write_config) in their constructor.
    run_as=(uid, gid): zest and zestd run as that user, who owns the dir.
    """

    def __init__(self, prefix, zestd, zest, run_as=None):
        self.zestd_path, self.zest_path = zestd, zest
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.var = os.path.join(self.dir, "var")
        self.cfg = os.path.join(self.dir, "zest.toml")
        self.log = os.path.join(self.dir, "zestd.log")
        self.proc = None
        self.logf = None
        self.run_as = run_as
        self.creds = {}
        if run_as:
            os.chown(self.dir, *run_as)
            self.creds = dict(user=run_as[0], group=run_as[1], extra_groups=[])

    def write_config(self, text):
        with open(self.cfg, "w") as f:
            f.write(text)

    def zest(self, *args, stdin=None, env=None):
        return subprocess.run([self.zest_path, "-c", self.cfg, *args], input=stdin,
                              capture_output=True, timeout=60, env=env, **self.creds)

    def home(self, name):
        return os.path.join(self.var, "home", name)

    def add_user(self, name, script=None, password="pw", scheme="PLAIN", home=None):
        """`zest user add`, and `script` (if given) as its active script."""
        args = ["user", "add", name, "--password-stdin", "--scheme", scheme]
        if home:
            args += ["--home", home]
        r = self.zest(*args, stdin=(password + "\n").encode())
        assert r.returncode == 0, r.stderr
        if script is None:
            return
        h = self.home(name)
        os.makedirs(os.path.join(h, "sieve"), exist_ok=True)
        with open(os.path.join(h, "sieve", "main.sieve"), "w") as f:
            f.write(script)
        os.symlink("sieve/main.sieve", os.path.join(h, ".dovecot.sieve"))
        if self.run_as:
            for p in ("sieve", "sieve/main.sieve", ".dovecot.sieve"):
                os.lchown(os.path.join(h, p), *self.run_as)

    def start(self, *ports):
        """Starts zestd and waits until each of `ports` accepts."""
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.zestd_path, "-c", self.cfg], stderr=self.logf,
                                     **self.creds)
        for p in ports:
            wait_port(p, self.proc, what="zestd")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Sends `sig` to zestd and reaps it (SIGKILL after `timeout` s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logf:
            self.logf.close()
            self.logf = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logtext(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""
