#!/usr/bin/env python3
"""ManageSieve (RFC 5804) in zestd against real clients and raw transcripts.

Each test starts its own zestd on free 127.0.0.1 ports with a test CA made
by the openssl CLI, stops it by pid, and uses bounded waits only. Clients:
sieve-connect, sieveshell (cyrus-admin), python3-sievelib, and raw sockets.

usage: test_managesieve.py --zestd PATH --zest PATH [-k NAME]
"""
import base64
import hashlib
import hmac
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import unittest

ARGS = None


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import ZestdEnv, free_port, make_test_ca as make_ca, test_main  # noqa: E402


class Env(ZestdEnv):
    def __init__(self, extra=""):
        super().__init__("zest-ms-it-", ARGS.zestd, ARGS.zest)
        self.lmtp_port, self.port = free_port(), free_port()
        self.ca, crt, key = make_ca(self.dir)
        self.write_config(
            'data_dir = "%s"\nhostname = "mx.test"\n' % self.var
            + '[lmtp]\nlisten = ["127.0.0.1:%d"]\ntimeout = 5\n' % self.lmtp_port
            + '[managesieve]\nlisten = ["127.0.0.1:%d"]\ntls_cert = "%s"\ntls_key = "%s"\n'
            'auth_failure_delay_ms = 50\nmax_scripts = 5\n%s' % (self.port, crt, key, extra)
            + '[submission]\nurl = "smtp://127.0.0.1:9"\ntimeout = 5\n[delivery]\nautocreate = true\n')

    def add_user(self, name, password="secret", scheme="PLAIN"):
        super().add_user(name, password=password, scheme=scheme)

    def start(self):
        super().start(self.port)

    def stop(self):
        super().stop(timeout=10)


class Raw:
    """A raw ManageSieve connection reading exact response bytes."""

    def __init__(self, port, timeout=10, source=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def until_status(self):
        """Lines up to and including the OK/NO/BYE line."""
        out = []
        while True:
            l = self.line()
            out.append(l)
            if l.startswith(b"{") and l.endswith(b"}"):
                n = int(l[1:-1].rstrip(b"+"))
                while len(self.buf) < n:
                    self.buf += self.sock.recv(65536)
                out.append(self.buf[:n])
                self.buf = self.buf[n:]
                continue
            if l.split(b" ")[0] in (b"OK", b"NO", b"BYE"):
                if l.endswith(b"}") and b" {" in l:  # the text is a literal
                    n = int(l[l.rindex(b"{") + 1:-1].rstrip(b"+"))
                    while len(self.buf) < n + 2:
                        self.buf += self.sock.recv(65536)
                    out.append(self.buf[:n])
                    self.buf = self.buf[n + 2:]
                return out

    def starttls(self, ca):
        self.send("STARTTLS\r\n")
        assert self.until_status()[-1].startswith(b"OK"), "STARTTLS"
        ctx = ssl.create_default_context(cafile=ca)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""
        return self.until_status()

    def close(self):
        self.sock.close()


def plain(user, pw):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()


def scram_login(r, mech, user, pw):
    """A SCRAM client (RFC 5802) over a Raw connection; returns the final line."""
    h = hashlib.sha256 if mech == "SCRAM-SHA-256" else hashlib.sha1
    nonce = base64.b64encode(os.urandom(18)).decode()
    bare = "n=%s,r=%s" % (user, nonce)
    r.send('AUTHENTICATE "%s" "%s"\r\n' % (mech, base64.b64encode(("n,," + bare).encode()).decode()))
    ch = r.line()
    if not ch.startswith(b'"'):
        return ch
    server_first = base64.b64decode(ch.strip(b'"')).decode()
    f = dict(kv.split("=", 1) for kv in server_first.split(","))
    salted = hashlib.pbkdf2_hmac(h().name, pw.encode(), base64.b64decode(f["s"]), int(f["i"]))
    client_key = hmac.new(salted, b"Client Key", h).digest()
    stored = h(client_key).digest()
    without_proof = "c=biws,r=" + f["r"]
    auth = ",".join([bare, server_first, without_proof]).encode()
    sig = hmac.new(stored, auth, h).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    final = without_proof + ",p=" + base64.b64encode(proof).decode()
    r.send('"%s"\r\n' % base64.b64encode(final.encode()).decode())
    out = r.line()
    if out.startswith(b'"'):  # server-final as a challenge; answer with an empty response
        r.send('""\r\n')
        out = r.line()
    return out


KEEP_SCRIPT = 'require "fileinto";\nif header :contains "subject" "sieve" { fileinto "Sieve"; }\n'


class Base(unittest.TestCase):
    extra = ""

    def setUp(self):
        self.env = Env(self.extra)
        self.env.add_user("alice")
        self.env.start()

    def tearDown(self):
        self.env.cleanup()


class RawTranscripts(Base):
    def test_greeting_capabilities_starttls(self):
        r = Raw(self.env.port)
        caps = r.until_status()
        self.assertEqual(caps[-1], b"OK")  # bare OK (cyrus sieveshell)
        self.assertIn(b'"VERSION" "1.0"', caps)
        self.assertIn(b'"STARTTLS"', caps)
        self.assertTrue(any(c.startswith(b'"SIEVE" "') and b"fileinto" in c for c in caps))
        self.assertTrue(any(c.startswith(b'"NOTIFY" "mailto') for c in caps))
        self.assertTrue(any(c.startswith(b'"IMPLEMENTATION" "zest') for c in caps))
        self.assertFalse(any(c.startswith(b'"OWNER"') for c in caps))
        # Plaintext pipelined after STARTTLS must be discarded.
        r.send("STARTTLS\r\nLOGOUT\r\n")
        self.assertTrue(r.until_status()[-1].startswith(b"OK"))
        ctx = ssl.create_default_context(cafile=self.env.ca)
        r.sock = ctx.wrap_socket(r.sock, server_hostname="localhost")
        r.buf = b""
        caps2 = r.until_status()
        self.assertEqual(caps2[-1], b"OK")
        self.assertNotIn(b'"STARTTLS"', caps2)
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        r.send("CAPABILITY\r\n")
        self.assertIn(b'"OWNER" "alice"', r.until_status())
        r.send("LOGOUT\r\n")
        self.assertTrue(r.line().startswith(b"OK"))
        r.close()

    def test_scram_sha256_and_sha1(self):
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
            r = Raw(self.env.port)
            r.until_status()
            out = scram_login(r, mech, "alice", "secret")
            self.assertTrue(out.startswith(b"OK"), (mech, out))
            r.send("LISTSCRIPTS\r\n")
            self.assertTrue(r.until_status()[-1].startswith(b"OK"))
            r.close()
        r = Raw(self.env.port)
        r.until_status()
        self.assertTrue(scram_login(r, "SCRAM-SHA-256", "alice", "wrong").startswith(b"NO"))
        r.close()

    def test_commands_and_errors_pipelined(self):
        r = Raw(self.env.port)
        r.until_status()
        r.send("LISTSCRIPTS\r\nFROB\r\n")
        self.assertEqual(r.line(), b'NO "Authenticate first"')
        self.assertEqual(r.line(), b'NO "Unknown command"')
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        script = KEEP_SCRIPT.encode()
        r.send(b'PUTSCRIPT "main" {%d+}\r\n%s\r\nSETACTIVE "main"\r\nLISTSCRIPTS\r\n'
               b'GETSCRIPT "main"\r\nNOOP "tag"\r\n' % (len(script), script))
        self.assertTrue(r.line().startswith(b"OK"))
        self.assertTrue(r.line().startswith(b"OK"))
        self.assertEqual(r.until_status(), [b'"main" ACTIVE', b'OK'])
        self.assertEqual(r.until_status()[:2], [b"{%d}" % len(script), script])
        self.assertEqual(r.line(), b'OK (TAG "tag") "Done"')
        r.send(b"PUTSCRIPT \"bad\" {6+}\r\nfrob;\n\r\n")
        err = r.until_status()
        self.assertTrue(err[0].startswith(b"NO {"), err)
        self.assertIn(b"bad:1:1: error:", err[1])
        r.send(b'PUTSCRIPT "x" {99999999+}\r\n')
        self.assertEqual(r.line(), b'BYE (QUOTA/MAXSIZE) "Literal too large"')
        r.close()
        r = Raw(self.env.port)
        r.until_status()
        r.send(b"NOOP \"" + b"x" * 10000 + b"\"\r\n")
        self.assertEqual(r.line(), b'BYE "Line too long"')
        r.close()

    def test_failed_logins_end_in_bye(self):
        r = Raw(self.env.port)
        r.until_status()
        for _ in range(2):
            r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "bad"))
            self.assertEqual(r.line(), b'NO "Authentication failed"')
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "bad"))
        self.assertEqual(r.line(), b'BYE "Too many failed authentication attempts"')
        r.close()


class GlobalExtensions(Base):
    """[sieve] global_extensions (Pigeonhole's sieve_global_extensions):
    a personal script may not use them, so PUTSCRIPT and CHECKSCRIPT refuse
    it, and the SIEVE capability does not list them."""
    extra = ('[sieve]\npipe_bin_dir = "/nonexistent/zest-pipe"\n'
             'global_extensions = ["vnd.dovecot.pipe"]\n')

    def test_personal_script_cannot_require_a_global_extension(self):
        r = Raw(self.env.port)
        caps = b"\n".join(r.until_status())
        self.assertIn(b'"SIEVE"', caps)
        self.assertNotIn(b"vnd.dovecot.pipe", caps)
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        script = b'require "vnd.dovecot.pipe";\npipe "sa-learn";\n'
        for cmd in (b'PUTSCRIPT "spam"', b"CHECKSCRIPT"):
            r.send(b"%s {%d+}\r\n%s\r\n" % (cmd, len(script), script))
            err = r.until_status()
            self.assertTrue(err[0].startswith(b"NO"), err)
            self.assertIn(b"restricted to global scripts", b"\n".join(err))
        r.send(b"LISTSCRIPTS\r\n")
        self.assertEqual(r.until_status(), [b"OK"])
        r.close()


class ConnectionLimits(Base):
    extra = "max_connections = 2\nmax_connections_per_address = 1\n"
    BUSY = b'BYE "Too many connections, try again later"'

    def greeted(self, source):
        """A session from `source` once the server has counted the closed
        ones out (bounded retries: closing is asynchronous)."""
        for _ in range(50):
            r = Raw(self.env.port, source=source)
            first = r.line()
            if first != self.BUSY:
                r.buf = first + b"\r\n" + r.buf
                self.assertEqual(r.until_status()[-1], b"OK")
                return r
            r.close()
            time.sleep(0.1)
        self.fail("no session from %s" % source)

    def refused(self, source):
        r = Raw(self.env.port, source=source)
        self.assertEqual(r.line(), self.BUSY)
        self.assertRaises(EOFError, r.line)  # and the server hangs up
        r.close()

    def test_per_address_and_total(self):
        a = self.greeted("127.0.0.1")
        self.refused("127.0.0.1")  # max_connections_per_address = 1
        c = self.greeted("127.0.0.2")  # another address may connect
        self.refused("127.0.0.3")  # max_connections = 2 in all
        # The refused sessions never got a command through; the others work.
        c.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(c.line().startswith(b"OK"))
        a.send("LOGOUT\r\n")
        self.assertTrue(a.line().startswith(b"OK"))
        a.close()
        # A session that ended gives its places back.
        e = self.greeted("127.0.0.1")
        e.close()
        c.close()


class TlsPolicy(Base):
    """Issue 15.7: [tls] min_protocol and ciphers on the STARTTLS server."""

    def handshake(self, configure):
        r = Raw(self.env.port)
        r.until_status()
        r.send("STARTTLS\r\n")
        self.assertTrue(r.until_status()[-1].startswith(b"OK"))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.env.ca)
        configure(ctx)
        try:
            tls = ctx.wrap_socket(r.sock, server_hostname="localhost")
        except (ssl.SSLError, OSError):
            r.close()
            return None
        info = (tls.version(), tls.cipher()[0])
        tls.close()
        return info

    def test_static_rsa_and_cbc_refused_modern_accepted(self):
        def static_rsa(ctx):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("AES128-SHA:AES256-SHA:AES128-GCM-SHA256:@SECLEVEL=0")
        self.assertIsNone(self.handshake(static_rsa))

        def ecdhe_cbc(ctx):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-RSA-AES128-SHA:@SECLEVEL=0")
        self.assertIsNone(self.handshake(ecdhe_cbc))

        def tls12(ctx):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        version, cipher = self.handshake(tls12)
        self.assertEqual(version, "TLSv1.2")
        self.assertTrue(cipher.startswith("ECDHE-"), cipher)
        self.assertEqual(self.handshake(lambda ctx: None)[0], "TLSv1.3")


class TlsMinimumProtocol(Base):
    extra = '[tls]\nmin_protocol = "TLSv1.3"\n'

    def test_tls12_refused_when_13_is_the_minimum(self):
        def tls12(ctx):
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.assertIsNone(TlsPolicy.handshake(self, tls12))
        self.assertEqual(TlsPolicy.handshake(self, lambda ctx: None)[0], "TLSv1.3")


class ScramCredentials(Base):
    def test_user_added_with_scram_sha256_scheme(self):
        self.env.add_user("carol", "pencil", scheme="SCRAM-SHA-256")
        with open(os.path.join(self.env.dir, "var", "passwd")) as f:
            line = [l for l in f.read().splitlines() if l.startswith("carol:")][0]
        stored = line.split(":")[1]
        # Dovecot's form: {SCRAM-SHA-256}iterations,salt,StoredKey,ServerKey (base64).
        self.assertRegex(stored, r"^\{SCRAM-SHA-256\}4096,[A-Za-z0-9+/=]{24},"
                                 r"[A-Za-z0-9+/=]{44},[A-Za-z0-9+/=]{44}$")
        self.assertNotIn("pencil", line)
        if shutil.which("doveadm"):  # Dovecot itself accepts what we wrote
            r = subprocess.run(["doveadm", "pw", "-t", stored, "-p", "pencil"],
                               capture_output=True, text=True, timeout=30)
            self.assertIn("verified", r.stdout + r.stderr)
        r = Raw(self.env.port)
        r.until_status()
        out = scram_login(r, "SCRAM-SHA-256", "carol", "pencil")
        self.assertTrue(out.startswith(b'OK (SASL "'), out)
        r.send("LISTSCRIPTS\r\nCAPABILITY\r\n")
        self.assertEqual(r.until_status(), [b"OK"])
        self.assertIn(b'"OWNER" "carol"', r.until_status())
        r.close()
        r = Raw(self.env.port)
        r.until_status()
        self.assertTrue(scram_login(r, "SCRAM-SHA-256", "carol", "pencils").startswith(b"NO"))
        # PLAIN (loopback) checks the password against the stored keys.
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("carol", "pencil"))
        self.assertTrue(r.line().startswith(b"OK"))
        r.close()


class SieveConnect(Base):
    def run_sc(self, *args):
        cmd = ["sieve-connect", "--server", "127.0.0.1", "--port", str(self.env.port),
               "--user", "alice", "--authmech", "PLAIN", "--tlscafile", self.env.ca,
               "--tlshostname", "localhost", "--passwordfd", "0", *args]
        # The password on stdin (fd 0), never on the command line.
        return subprocess.run(cmd, capture_output=True, timeout=60, input=b"secret\n",
                              cwd=self.env.dir)

    def test_life_cycle_over_starttls(self):
        if not shutil.which("sieve-connect"):
            self.skipTest("sieve-connect not installed")
        local = os.path.join(self.env.dir, "main.sieve")
        with open(local, "w") as f:
            f.write(KEEP_SCRIPT)
        r = self.run_sc("--localsieve", local, "--remotesieve", "main", "--upload")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_sc("--remotesieve", "main", "--activate")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_sc("--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"main", r.stdout)
        self.assertIn(b"ACTIVE", r.stdout.upper())
        out = os.path.join(self.env.dir, "out.sieve")
        r = self.run_sc("--remotesieve", "main", "--localsieve", out, "--download")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), KEEP_SCRIPT)
        r = self.run_sc("--remotesieve", "main", "--delete")
        self.assertNotEqual(r.returncode, 0)  # the active script cannot be deleted
        r = self.run_sc("--deactivate")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_sc("--remotesieve", "main", "--delete")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.env.home("alice"), "sieve", "main.sieve")))


class SieveShell(Base):
    def test_life_cycle(self):
        if not shutil.which("sieveshell"):
            self.skipTest("sieveshell not installed")
        local = os.path.join(self.env.dir, "shell.sieve")
        with open(local, "w") as f:
            f.write(KEEP_SCRIPT)
        got = os.path.join(self.env.dir, "got.sieve")
        cmds = "put %s shell\nactivate shell\nlist\nget shell %s\ndeactivate\ndelete shell\nlist\n" % (local, got)
        r = subprocess.run(["sieveshell", "--user=alice", "--authname=alice", "--password=secret",
                            "--exec=" + cmds, "127.0.0.1:%d" % self.env.port],
                           capture_output=True, timeout=60, cwd=self.env.dir,
                           env=dict(os.environ, HOME=self.env.dir))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"shell  <- active script", r.stdout)
        with open(got) as f:
            self.assertEqual(f.read(), KEEP_SCRIPT)
        self.assertFalse(os.path.exists(os.path.join(self.env.home("alice"), "sieve", "shell.sieve")))


class SieveLib(Base):
    def test_life_cycle(self):
        try:
            from sievelib.managesieve import Client
        except ImportError:
            self.skipTest("python3-sievelib not installed")
        c = Client("127.0.0.1", self.env.port)
        self.assertTrue(c.connect("alice", "secret", starttls=True, authmech="PLAIN"))
        self.assertTrue(c.havespace("lib", 100))
        self.assertTrue(c.putscript("lib", KEEP_SCRIPT))
        self.assertTrue(c.checkscript(KEEP_SCRIPT))
        self.assertFalse(c.checkscript("frob;"))
        self.assertTrue(c.setactive("lib"))
        self.assertEqual(c.listscripts(), ("lib", []))
        self.assertEqual(c.getscript("lib"), KEEP_SCRIPT.rstrip("\n") if c.getscript("lib") != KEEP_SCRIPT else KEEP_SCRIPT)
        self.assertTrue(c.renamescript("lib", "lib2"))
        self.assertEqual(c.listscripts(), ("lib2", []))
        self.assertFalse(c.deletescript("lib2"))
        self.assertTrue(c.setactive(""))
        self.assertTrue(c.deletescript("lib2"))
        self.assertEqual(c.listscripts(), (None, []))
        c.logout()


class DeliveryUsesActivatedScript(Base):
    def test_lmtp_runs_script_activated_over_managesieve(self):
        import smtplib
        r = Raw(self.env.port)
        r.until_status()
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        s = KEEP_SCRIPT.encode()
        r.send(b'PUTSCRIPT "deliver" {%d+}\r\n%s\r\nSETACTIVE "deliver"\r\n' % (len(s), s))
        self.assertTrue(r.line().startswith(b"OK"))
        self.assertTrue(r.line().startswith(b"OK"))
        r.close()
        # The compiled binary was written beside the script: delivery loads it.
        self.assertTrue(os.path.exists(os.path.join(self.env.home("alice"), "sieve", "deliver.svbc")))
        with smtplib.LMTP("127.0.0.1", self.env.lmtp_port, timeout=30) as l:
            l.sendmail("bob@example.org", ["alice"],
                       b"From: bob@example.org\r\nTo: alice\r\nSubject: about sieve\r\n\r\nhi\r\n")
        folder = os.path.join(self.env.home("alice"), "Maildir", ".Sieve", "new")
        end = time.monotonic() + 10
        while time.monotonic() < end and not (os.path.isdir(folder) and os.listdir(folder)):
            time.sleep(0.05)
        self.assertTrue(os.path.isdir(folder) and os.listdir(folder), self.env.logtext())


FILTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples",
                      "fail2ban", "filter.d", "zest-managesieve.conf")


def fail2ban_regex(log, *opts):
    """fail2ban-regex's verdict on a log file with our filter: (matched, output)."""
    r = subprocess.run(["fail2ban-regex", *opts, log, FILTER], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def lmtp_send(port, rcpt, msg):
    import smtplib
    with smtplib.LMTP("127.0.0.1", port, timeout=30) as l:
        return l.sendmail("bob@example.org", [rcpt], msg)


class AdminLog(Base):
    """The administrator's lines (docs/logging.md) from real sessions, and
    the fail2ban filter (examples/fail2ban) run on them by fail2ban-regex."""

    def failed_logins(self):
        r = Raw(self.env.port)
        r.until_status()
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "bad"))
        self.assertEqual(r.line(), b'NO "Authentication failed"')
        # A claimed user name that tries to forge a line of its own.
        forged = "mallory\r\n2026-12-05T05:00:00.000Z zestd[1]: event=login-failed ip=10.9.9.9"
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain(forged, "bad"))
        self.assertEqual(r.line(), b'NO "Authentication failed"')
        r.close()
        r = Raw(self.env.port)
        r.until_status()
        self.assertTrue(scram_login(r, "SCRAM-SHA-256", "alice", "wrong").startswith(b"NO"))
        r.close()

    def script_commands(self):
        r = Raw(self.env.port)
        r.until_status()
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        s = KEEP_SCRIPT.encode()
        r.send(b'PUTSCRIPT "main" {%d+}\r\n%s\r\n' % (len(s), s))
        self.assertTrue(r.line().startswith(b"OK"))
        r.send(b'PUTSCRIPT "broken" {6+}\r\nfrob;\n\r\n')
        self.assertTrue(r.until_status()[0].startswith(b"NO"))
        r.send(b'SETACTIVE "main"\r\n')
        self.assertTrue(r.line().startswith(b"OK"))
        r.send(b'RENAMESCRIPT "main" "filters"\r\n')
        self.assertTrue(r.line().startswith(b"OK"))
        r.send(b'DELETESCRIPT "filters"\r\n')
        self.assertTrue(r.line().startswith(b"NO (ACTIVE)"))
        r.send(b'SETACTIVE ""\r\nDELETESCRIPT "filters"\r\nLOGOUT\r\n')
        self.assertTrue(r.line().startswith(b"OK"))
        self.assertTrue(r.line().startswith(b"OK"))
        self.assertTrue(r.line().startswith(b"OK"))
        r.close()

    def lines(self, event):
        return [l for l in self.env.logtext().splitlines()
                if l.split(" ", 2)[2].startswith("event=%s " % event)]

    def test_logins_script_commands_and_fail2ban(self):
        self.failed_logins()
        self.script_commands()
        self.env.stop()  # every line written
        failed = self.lines("login-failed")
        self.assertEqual(len(failed), 3, self.env.logtext())
        for l in failed:
            self.assertRegex(l, r" protocol=managesieve session=\S+ user=.* mechanism=\S+ "
                                r"remote=127\.0\.0\.1:\d+ reason=.* ip=127\.0\.0\.1$")
        self.assertIn(" user=alice mechanism=PLAIN ", failed[0])
        self.assertIn(' reason="Authentication failed" ', failed[0])
        self.assertIn(" mechanism=SCRAM-SHA-256 ", failed[2])
        # The forged name stays inside one quoted value of one line.
        self.assertIn('user="mallory\\n2026-12-05T05:00:00.000Z zestd[1]: event=login-failed '
                      'ip=10.9.9.9" ', failed[1])
        for l in self.env.logtext().splitlines():
            self.assertRegex(l, r"^\d{4}-\d\d-\d\dT[\d:.]+Z zestd\[\d+\]: event=[a-z-]+( |$)")
        login = self.lines("login")
        self.assertEqual(len(login), 1)
        self.assertRegex(login[0], r" user=alice mechanism=PLAIN remote=127\.0\.0\.1:\d+ "
                                   r"ip=127\.0\.0\.1$")
        put = self.lines("putscript")
        self.assertEqual(len(put), 2)
        self.assertIn(" user=alice ", put[0])
        self.assertIn(" script=main result=ok", put[0])
        self.assertIn(" script=broken result=refused reason=", put[1])
        self.assertIn("broken:1:1: error:", put[1])
        setactive = self.lines("setactive")
        self.assertEqual(len(setactive), 2)
        self.assertIn(" script=main result=ok", setactive[0])
        self.assertIn(' script="" result=ok', setactive[1])
        self.assertIn(" script=main new_name=filters result=ok", self.lines("renamescript")[0])
        deletes = self.lines("deletescript")
        self.assertEqual(len(deletes), 2)
        self.assertIn(" script=filters result=refused reason=", deletes[0])
        self.assertIn(" script=filters result=ok", deletes[1])
        self.assertEqual(len(self.lines("logout")), 1)

        # fail2ban: the three failures, from 127.0.0.1 only; nothing else.
        out = fail2ban_regex(self.env.log)
        self.assertRegex(out, r"Lines: \d+ lines, 0 ignored, 3 matched", out)
        ips = fail2ban_regex(self.env.log, "-o", "ip").split()
        self.assertEqual(ips, ["127.0.0.1"] * 3, ips)


class AdminLogJson(Base):
    extra = '[log]\nformat = "json"\nlevel = "debug"\n'

    def test_json_lines_and_fail2ban(self):
        AdminLog.failed_logins(self)
        self.env.stop()
        import json
        events = []
        for l in self.env.logtext().splitlines():
            j = json.loads(l)  # every line is one JSON object
            self.assertEqual(j["prog"], "zestd")
            self.assertIn(j["level"], ("debug", "info", "warning", "error"))
            events.append(j)
        failed = [j for j in events if j["event"] == "login-failed"]
        self.assertEqual(len(failed), 3)
        self.assertEqual(failed[0]["level"], "warning")
        self.assertEqual(failed[0]["user"], "alice")
        self.assertEqual(failed[0]["ip"], "127.0.0.1")
        self.assertTrue(failed[1]["user"].startswith("mallory"))
        self.assertNotIn("\r", failed[1]["user"])
        out = fail2ban_regex(self.env.log)
        self.assertRegex(out, r"Lines: \d+ lines, 0 ignored, 3 matched", out)
        self.assertEqual(fail2ban_regex(self.env.log, "-o", "ip").split(), ["127.0.0.1"] * 3)


class LevelFilter(Base):
    extra = '[log]\nlevel = "warning"\n'

    def test_info_lines_left_out(self):
        AdminLog.failed_logins(self)
        self.env.stop()
        text = self.env.logtext()
        failed = [l for l in text.splitlines() if l.split(" ", 2)[2].startswith("event=login-failed ")]
        self.assertEqual(len(failed), 3, text)
        self.assertNotIn(" event=connect ", text)
        self.assertNotIn(" event=started ", text)


class ScriptWarnings(Base):
    """A personal script that is missing or does not compile: a warning on
    every delivery it affects, and the message still in INBOX."""

    def test_missing_and_broken_personal_script(self):
        home = self.env.home("alice")
        sieve = os.path.join(home, "sieve")
        os.makedirs(sieve, exist_ok=True)
        link = os.path.join(home, ".dovecot.sieve")
        os.symlink(os.path.join("sieve", "gone.sieve"), link)
        msg = b"From: bob@example.org\r\nMessage-ID: <m1@example.org>\r\nSubject: hi\r\n\r\nhi\r\n"
        for _ in range(2):
            self.assertEqual(lmtp_send(self.env.lmtp_port, "alice", msg), {})
        with open(os.path.join(sieve, "broken.sieve"), "w") as f:
            f.write("frob;\n")
        os.unlink(link)
        os.symlink(os.path.join("sieve", "broken.sieve"), link)
        self.assertEqual(lmtp_send(self.env.lmtp_port, "alice", msg), {})
        import smtplib
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            lmtp_send(self.env.lmtp_port, "nobody", msg)
        self.env.stop()
        refused = [l for l in self.env.logtext().splitlines() if " event=rcpt-refused " in l]
        self.assertEqual(len(refused), 1, self.env.logtext())
        self.assertRegex(refused[0], r" remote=127\.0\.0\.1:\d+ rcpt=nobody code=550 "
                                     r'reason="5\.1\.1 <nobody> User unknown"$')
        errors = [l for l in self.env.logtext().splitlines() if " event=script-error " in l]
        self.assertEqual(len(errors), 3, self.env.logtext())
        self.assertIn(" kind=missing ", errors[0])
        self.assertIn(" kind=missing ", errors[1])
        self.assertIn(" kind=compile ", errors[2])
        self.assertIn("broken.sieve", errors[2])
        deliveries = [l for l in self.env.logtext().splitlines() if " event=delivery " in l]
        self.assertEqual(len(deliveries), 3)
        for l in deliveries:
            self.assertIn(" message_id=<m1@example.org> ", l)
            self.assertIn(" folders=INBOX ", l)
            self.assertIn(" outcome=delivered ", l)
            self.assertRegex(l, r" size=\d+ ")
        new = os.path.join(home, "Maildir", "new")
        self.assertEqual(len(os.listdir(new)), 3)


if __name__ == "__main__":
    sys.exit(test_main(lambda a: globals().update(ARGS=a)))
