"""What every integration test needs to run zestd for real: free loopback
ports, bounded waits, a test CA, and an environment (data dir, config,
users) that starts zestd and stops it by pid.

A test imports it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import zestlib
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest


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


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Sends `sig` to a Popen that still runs and reaps it; SIGKILL when it
    has not exited after `timeout` seconds. An exited process is fine."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_main(set_args, programs=(), add_arguments=None):
    """The `if __name__ == "__main__"` block of a unittest integration test:
    parses --zestd, --zest and -k NAME (plus what `add_arguments(parser)`
    adds), hands the namespace to `set_args` (which stores it where the
    tests read it, e.g. `lambda a: globals().update(ARGS=a)`), returns 1
    when one of `programs` is not installed, then runs unittest.main with
    the remaining arguments. Returns an exit status for sys.exit."""
    p = argparse.ArgumentParser()
    p.add_argument("--zestd", required=True)
    p.add_argument("--zest", required=True)
    p.add_argument("-k", default=None)
    if add_arguments:
        add_arguments(p)
    args, rest = p.parse_known_args()
    set_args(args)
    for prog in programs:
        if not shutil.which(prog):
            print("%s is not installed (scripts/install-test-deps.sh)" % prog)
            return 1
    argv = [sys.argv[0]] + (["-k", args.k] if args.k else []) + rest
    unittest.main(argv=argv, verbosity=2)
    return 0


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
        stop_process(self.proc, sig, timeout)
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


def run_as_nobody():
    """(uid, gid) of `nobody` when running as root (Dovecot never gives mail
    access to root, and zestd switches away from it), else None."""
    if os.getuid() != 0:
        return None
    import pwd
    nobody = pwd.getpwnam("nobody")
    return (nobody.pw_uid, nobody.pw_gid)


class ZestdNode:
    """One zestd of several sharing a data directory: its own config file,
    LMTP and ManageSieve ports, event outbox and log; started and stopped
    by pid."""

    def __init__(self, cluster, index, config_text):
        self.index = index
        self.dir = os.path.join(cluster.dir, "node%d" % index)
        os.makedirs(self.dir)
        if cluster.run_as:
            os.chown(self.dir, *cluster.run_as)
        self.cfg = os.path.join(self.dir, "zest.toml")
        self.log = os.path.join(self.dir, "zestd.log")
        self.lmtp_port, self.managesieve_port = free_port(), free_port()
        with open(self.cfg, "w") as f:
            f.write(config_text.format(node=self))
        self.zestd_path, self.creds = cluster.zestd_path, cluster.creds
        self.proc = None
        self.logf = None

    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.zestd_path, "-c", self.cfg], stderr=self.logf,
                                     **self.creds)
        for p in (self.lmtp_port, self.managesieve_port):
            wait_port(p, self.proc, what="zestd node %d" % self.index)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        stop_process(self.proc, sig, timeout)
        if self.logf:
            self.logf.close()
            self.logf = None

    def logtext(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""


class ZestdCluster(ZestdEnv):
    """`count` zestd nodes on loopback ports sharing one data directory (as
    nodes sharing an NFS export would). `node_config` is the text of each
    node's zest.toml after the shared part, formatted with node=ZestdNode
    ({node.lmtp_port}, {node.managesieve_port}, {node.dir}, {node.index});
    `managesieve_config` is added to each node's [managesieve] table.
    Each node gets its own event outbox under its node dir. `submission`
    is the `[submission] url` (default: a closed port); `events_config`
    is more lines of the `[events]` table, formatted as node_config (e.g.
    `source = "urn:zest:node{node.index}"`). `zest` (and add_user) run
    with node 0's config."""

    def __init__(self, prefix, zestd, zest, count=3, node_config="", run_as=None,
                 managesieve_config="", submission="smtp://127.0.0.1:9", events_config=""):
        super().__init__(prefix, zestd, zest, run_as=run_as)
        shared = 'data_dir = "%s"\nhostname = "mx.test"\n' % self.var
        base = ('[lmtp]\nlisten = ["127.0.0.1:{node.lmtp_port}"]\ntimeout = 30\n'
                '[managesieve]\nlisten = ["127.0.0.1:{node.managesieve_port}"]\n'
                'allow_plaintext_auth = true\nauth_failure_delay_ms = 50\n'
                + managesieve_config.replace("{", "{{").replace("}", "}}") +
                '[events]\noutbox = "{node.dir}/events.sqlite"\n' + events_config +
                '[submission]\nurl = "%s"\ntimeout = 5\n' % submission)
        self.nodes = []
        for i in range(count):
            self.nodes.append(ZestdNode(self, i, shared.replace("{", "{{").replace("}", "}}")
                                        + base + node_config))
        self.cfg = self.nodes[0].cfg

    def start(self, *ports):
        for n in self.nodes:
            n.start()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        for n in self.nodes:
            n.stop(sig, timeout)

    def logtext(self):
        return "".join("--- node %d\n%s" % (n.index, n.logtext()) for n in self.nodes)


DOVECOT_IMAPD_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
default_internal_user = {user}
default_login_user = {user}
default_internal_group = {group}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
  default_fields = home={home}/%u
}}
"""


def dovecot_imapd_available():
    import shutil as _shutil
    dovecot = _shutil.which("dovecot") or "/usr/sbin/dovecot"
    return os.path.exists(dovecot) and os.path.exists("/usr/lib/dovecot/imap")


class DovecotImapd:
    """A private Dovecot imapd on 127.0.0.1 over a ZestdEnv's homes (the
    env's passwd-file and <var>/home/<user>/Maildir); `with` yields the
    port. Stopped by pid; its log is printed when the block fails."""

    def __init__(self, env):
        self.env, self.proc = env, None

    def __enter__(self):
        import grp
        import pwd
        env = self.env
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"

        def has_user(n):
            try:
                pwd.getpwnam(n)
                return True
            except KeyError:
                return False
        if os.getuid() == 0:
            internal = "dovecot" if has_user("dovecot") else "nobody"
            internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        else:
            internal = pwd.getpwuid(os.getuid()).pw_name
            internal_group = grp.getgrgid(os.getgid()).gr_name
        uid, gid = env.run_as or (os.getuid(), os.getgid())
        self.port = free_port()
        self.base = base = os.path.join(env.dir, "dovecot")
        os.makedirs(base)
        os.chmod(env.dir, 0o755)
        os.chmod(base, 0o755)
        passwd = os.path.join(base, "passwd")
        shutil.copy(os.path.join(env.var, "passwd"), passwd)
        os.chmod(passwd, 0o644)
        conf = os.path.join(base, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(DOVECOT_IMAPD_CONF.format(
                base=base, port=self.port, passwd=passwd, uid=uid, gid=gid,
                home=os.path.join(env.var, "home"), user=internal, group=internal_group))
        with open(os.path.join(base, "dovecot.stderr"), "wb") as errf:
            self.proc = subprocess.Popen([dovecot, "-F", "-c", conf], stderr=errf)
        wait_port(self.port, self.proc, what="dovecot")
        return self.port

    def __exit__(self, typ, value, tb):
        import sys
        if typ is not None:
            for n in ("dovecot.stderr", "dovecot.log"):
                p = os.path.join(self.base, n)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        print(f.read()[-3000:], file=sys.stderr)
        stop_process(self.proc, timeout=10)
        return False
