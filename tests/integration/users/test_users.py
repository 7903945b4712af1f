#!/usr/bin/env python3
"""Users beyond a file (issue 17.5) and existing trees in place (17.6).

A private PostgreSQL server (Debian's postgresql package: initdb, then the
postgres binary on a free 127.0.0.1 port and a socket in a temp dir, run as
`nobody` when the test runs as root since postgres refuses root, stopped by
its pid), then zestd with [auth] driver = "sql":
  - LMTP delivery into the home and Maildir the SQL row gives (a Dovecot
    tree /vmail/%d/%n with Maildir elsewhere), with the per-user quota;
  - ManageSieve logins against the SQL password (PLAIN, SCRAM-SHA-256 from
    a {PLAIN} password, SCRAM-SHA-256 from stored Dovecot SCRAM keys);
  - the server stopped: RCPT 451 (never 550), `zest deliver` exit 75,
    AUTHENTICATE NO (TRYLATER); the server back: delivery again;
  - SQLite ([sql] driver = "sqlite") and `zest user list`;
  - sieve-filter -u USER finds the user through the same lookup (SQL,
    passwd-file extra fields, [users] templates; database down: exit 75);
  - passwd-file extra fields (userdb_home, userdb_mail, userdb_quota_rule),
    [users] templates, a name with ".." refused 550 5.1.3, .svbin ignored.

usage: test_users.py --zestd PATH --zest PATH --sieve-filter PATH [-k NAME]
"""
import argparse
import base64
import glob
import grp
import imaplib
import hashlib
import hmac
import json
import os
import pwd
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30.0, what="zestd"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("%s exited early with %s" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def pg_bin(name):
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    return found[-1] if found else None


class Postgres:
    """A private PostgreSQL cluster in a temp dir, on a free loopback port."""

    def __init__(self, root):
        self.dir = os.path.join(root, "pg")
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = None
        self.as_user = None
        if os.geteuid() == 0:  # postgres refuses to run as root
            self.as_user = pwd.getpwnam("nobody")
            os.chmod(root, 0o755)
            os.chown(self.dir, self.as_user.pw_uid, self.as_user.pw_gid)
        self.run([pg_bin("initdb"), "-D", os.path.join(self.dir, "data"), "-U", "zest",
                  "-A", "trust", "--no-sync", "-E", "UTF8"])

    def _demote(self):
        if self.as_user:
            os.setgid(self.as_user.pw_gid)
            os.setgroups([])
            os.setuid(self.as_user.pw_uid)

    def run(self, argv, **kw):
        r = subprocess.run(argv, preexec_fn=self._demote, capture_output=True, timeout=120,
                           cwd=self.dir, env=dict(os.environ, LC_ALL="C"), **kw)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (argv[0], r.stderr.decode(errors="replace")))
        return r

    def start(self):
        self.logf = open(os.path.join(self.dir, "postgres.log"), "ab")
        self.proc = subprocess.Popen(
            [pg_bin("postgres"), "-D", os.path.join(self.dir, "data"), "-p", str(self.port),
             "-k", self.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            preexec_fn=self._demote, stdout=self.logf, stderr=self.logf, cwd=self.dir,
            env=dict(os.environ, LC_ALL="C"))
        wait_port(self.port, self.proc, what="postgres")
        # Accepting connections (not only listening): a bounded retry.
        for _ in range(100):
            try:
                self.psql("postgres", "SELECT 1")
                return
            except RuntimeError:
                time.sleep(0.1)
        raise RuntimeError("postgres does not answer")

    def psql(self, db, sql):
        return self.run([pg_bin("psql") or "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                         "-h", "127.0.0.1", "-p", str(self.port), "-U", "zest", "-d", db,
                         "-c", sql])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()
        self.proc = None


def scram_keys(password, salt=b"0123456789abcdef", iterations=4096):
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(client_key).digest()
    server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b = lambda x: base64.b64encode(x).decode()
    return "{SCRAM-SHA-256}%d,%s,%s,%s" % (iterations, b(salt), b(stored), b(server))


class Zestd:
    def __init__(self, root, body):
        self.dir = root
        self.lmtp_port, self.ms_port = free_port(), free_port()
        self.cfg = os.path.join(root, "zest.toml")
        with open(self.cfg, "w") as f:
            f.write('data_dir = "%s"\nhostname = "mx.test"\n' % os.path.join(root, "var"))
            f.write('[lmtp]\nlisten = ["127.0.0.1:%d"]\ntimeout = 5\n' % self.lmtp_port)
            f.write('[managesieve]\nlisten = ["127.0.0.1:%d"]\nauth_failure_delay_ms = 10\n'
                    % self.ms_port)
            f.write('[submission]\nurl = "smtp://127.0.0.1:9"\ntimeout = 5\n')
            f.write(body)
        self.log = os.path.join(root, "zestd.log")
        self.proc = None

    def zest(self, *args, stdin=None):
        return subprocess.run([ARGS.zest, "-c", self.cfg, *args], input=stdin,
                              capture_output=True, timeout=60)

    def sieve_filter(self, *args):
        """sieve-filter -c <this config> ARGS; a script that files messages
        with "list" in the subject into Lists is at <root>/filter.sieve."""
        script = os.path.join(self.dir, "filter.sieve")
        with open(script, "w") as f:
            f.write('require ["fileinto", "mailbox"];\n'
                    'if header :contains "subject" "list" { fileinto :create "Lists"; }\n')
        args = [script if a == "SCRIPT" else a for a in args]
        return subprocess.run([ARGS.sieve_filter, "-c", self.cfg, *args],
                              capture_output=True, timeout=60)

    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([ARGS.zestd, "-c", self.cfg], stderr=self.logf)
        wait_port(self.lmtp_port, self.proc)
        wait_port(self.ms_port, self.proc)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()
        self.proc = None

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def lmtp(self, rcpt, body="Subject: hi\r\n\r\nhello\r\n"):
        """(code, text) of RCPT, and of DATA when RCPT was accepted."""
        s = smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=20)
        try:
            s.ehlo("client.test")
            s.mail("sender@example.net")
            code, text = s.rcpt(rcpt)
            if code != 250:
                s.rset()
                return code, text.decode()
            s.putcmd("data")
            c, _ = s.getreply()
            assert c == 354
            s.send(body.replace("\r\n", "\n").replace("\n", "\r\n").encode() + b".\r\n")
            c, t = s.getreply()
            return c, t.decode()
        finally:
            try:
                s.quit()
            except Exception:
                pass

    def managesieve_auth(self, user, password, mechanism="PLAIN"):
        """The tagged answer line of AUTHENTICATE (plain text on loopback)."""
        with socket.create_connection(("127.0.0.1", self.ms_port), timeout=20) as s:
            f = s.makefile("rb")

            def until_ok():
                lines = []
                while True:
                    line = f.readline()
                    if not line:
                        raise RuntimeError("connection closed: %r" % lines)
                    lines.append(line)
                    if line.startswith((b"OK", b"NO", b"BYE")):
                        return line.decode().strip()

            until_ok()
            if mechanism == "PLAIN":
                ir = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
                s.sendall(b'AUTHENTICATE "PLAIN" "' + ir + b'"\r\n')
                return until_ok()
            # SCRAM-SHA-256 (RFC 7677) by hand: client-first, server-first, final.
            nonce = base64.b64encode(os.urandom(18)).decode()
            bare = "n=%s,r=%s" % (user, nonce)
            s.sendall(b'AUTHENTICATE "SCRAM-SHA-256" "' +
                      base64.b64encode(("n,," + bare).encode()) + b'"\r\n')
            line = f.readline().strip()
            if line.startswith((b"NO", b"BYE")):
                return line.decode()
            server_first = base64.b64decode(line.strip(b'"').split(b" ")[-1].strip(b'"')).decode()
            attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
            salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                         base64.b64decode(attrs["s"]), int(attrs["i"]))
            client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
            stored = hashlib.sha256(client_key).digest()
            without_proof = "c=biws,r=" + attrs["r"]
            auth_msg = ",".join([bare, server_first, without_proof])
            sig = hmac.new(stored, auth_msg.encode(), hashlib.sha256).digest()
            proof = bytes(a ^ b for a, b in zip(client_key, sig))
            final = without_proof + ",p=" + base64.b64encode(proof).decode()
            s.sendall(b'"' + base64.b64encode(final.encode()) + b'"\r\n')
            line = f.readline().strip()
            if line.startswith(b'"') or line.startswith(b"{"):
                s.sendall(b'""\r\n')
                return until_ok()
            if line.startswith(b"OK") or line.startswith(b"NO") or line.startswith(b"BYE"):
                return line.decode()
            return until_ok()


def count(path):
    return len(os.listdir(path)) if os.path.isdir(path) else 0


class PostgresUsers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not pg_bin("initdb") or not pg_bin("postgres"):
            raise unittest.SkipTest("postgresql is not installed (scripts/install-test-deps.sh)")
        cls.root = tempfile.mkdtemp(prefix="zest-users-pg-")
        cls.pg = Postgres(cls.root)
        cls.pg.start()
        cls.pg.psql("postgres", "CREATE DATABASE mail")
        cls.vmail = os.path.join(cls.root, "vmail")
        cls.pg.psql("mail", """
            CREATE TABLE users (userid TEXT NOT NULL, domain TEXT NOT NULL, password TEXT,
                                home TEXT, maildir TEXT, quota_bytes BIGINT);
            INSERT INTO users VALUES
              ('alice', 'example.org', '{PLAIN}alicepw', '%(v)s/example.org/alice',
               'maildir:%(v)s/example.org/alice/mail:LAYOUT=fs', NULL),
              ('bob', 'example.org', '%(bobkeys)s', NULL, NULL, 400),
              ('x''); drop table users; --', 'example.org', '{PLAIN}p', NULL, NULL, NULL);
            """ % {"v": cls.vmail, "bobkeys": scram_keys("bobpw")})
        conn = "host=127.0.0.1 port=%d dbname=mail user=zest connect_timeout=5" % cls.pg.port
        cls.z = Zestd(cls.root, """
[auth]
driver = "sql"
[sql]
driver = "pgsql"
connect = "%s"
password_query = "SELECT password FROM users WHERE userid = '%%n' AND domain = '%%d'"
user_query = "SELECT home, maildir AS mail, '*:bytes=' || quota_bytes AS quota_rule FROM users WHERE userid = '%%n' AND domain = '%%d'"
iterate_query = "SELECT userid AS username, domain FROM users"
[users]
home = "%s/%%d/%%n"
""" % (conn, cls.vmail))
        cls.z.start()

    @classmethod
    def tearDownClass(cls):
        cls.z.stop()
        cls.pg.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def test_1_delivery_into_the_sql_home_and_mail(self):
        code, text = self.z.lmtp("alice@example.org")
        self.assertEqual(code, 250, text)
        # mail = the SQL column (LAYOUT option ignored), not <home>/Maildir.
        self.assertEqual(count(os.path.join(self.vmail, "example.org", "alice", "mail", "new")), 1)
        self.assertFalse(os.path.exists(os.path.join(self.vmail, "example.org", "alice", "Maildir")))
        # No home column: the [users] home template; quota from the row.
        code, text = self.z.lmtp("bob@example.org")
        self.assertEqual(code, 250, text)
        self.assertEqual(count(os.path.join(self.vmail, "example.org", "bob", "Maildir", "new")), 1)
        code, text = self.z.lmtp("bob@example.org", "Subject: big\r\n\r\n" + "x" * 800 + "\r\n")
        self.assertEqual(code, 452, text)
        code, text = self.z.lmtp("carol@example.org")
        self.assertEqual(code, 550, text)
        # The injected name is a value, the table is still there.
        code, text = self.z.lmtp('x\'); DROP TABLE users; --@example.org')
        self.assertIn(code, (250, 501, 550, 553), text)
        self.assertEqual(self.z.lmtp("alice@example.org")[0], 250)

    def test_2_managesieve_logins_against_sql_passwords(self):
        self.assertTrue(self.z.managesieve_auth("alice@example.org", "alicepw").startswith("OK"))
        self.assertTrue(self.z.managesieve_auth("alice@example.org", "wrong").startswith("NO"))
        self.assertTrue(
            self.z.managesieve_auth("alice@example.org", "alicepw", "SCRAM").startswith("OK"))
        self.assertTrue(
            self.z.managesieve_auth("bob@example.org", "bobpw", "SCRAM").startswith("OK"))
        self.assertTrue(self.z.managesieve_auth("bob@example.org", "bobpw").startswith("OK"))
        self.assertTrue(
            self.z.managesieve_auth("bob@example.org", "nope", "SCRAM").startswith("NO"))

    def test_3_cli_lists_sql_users(self):
        r = self.z.zest("user", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("alice@example.org\t%s/example.org/alice" % self.vmail, out)
        self.assertIn("bob@example.org\t%s/example.org/bob" % self.vmail, out)
        # The administration commands find SQL users as delivery does.
        r = self.z.zest("user", "show", "alice@example.org", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual(o["home"], "%s/example.org/alice" % self.vmail)
        self.assertEqual(o["maildir"], "%s/example.org/alice/mail" % self.vmail)
        self.assertEqual(o["scheme"], "PLAIN")
        self.assertTrue(o["userdb"].startswith("sql"), o)
        r = self.z.zest("user", "show", "bob@example.org", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual((o["storage_limit"], o["quota_rule"]), (400, "*:bytes=400"))
        self.assertEqual(o["scheme"], "SCRAM-SHA-256")
        r = self.z.zest("user", "show", "nobody@example.org", "--json")
        self.assertEqual(r.returncode, 67, r.stderr)
        r = self.z.zest("sieve", "put", "-u", "alice@example.org", "-a", "main",
                        stdin=b"keep;\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(
            os.path.join(self.vmail, "example.org", "alice", "sieve", "main.sieve")))
        r = self.z.zest("sieve", "list", "-u", "alice@example.org")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"main", r.stdout)
        self.assertIn(b"ACTIVE", r.stdout)
        r = self.z.zest("auth", "test", "alice@example.org", stdin=b"alicepw\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.z.zest("quota", "get", "-u", "bob@example.org", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["storage"]["limit"], 400)

    def test_4_database_down_is_a_temporary_failure(self):
        self.pg.stop()
        try:
            code, text = self.z.lmtp("alice@example.org")
            self.assertEqual(code, 451, text)
            line = self.z.managesieve_auth("alice@example.org", "alicepw")
            self.assertTrue(line.startswith("NO (TRYLATER)"), line)
            r = self.z.zest("deliver", "-f", "s@example.net", "alice@example.org",
                            stdin=b"Subject: lda\n\nx\n")
            self.assertEqual(r.returncode, 75, r.stderr)
            self.assertIn(b"user lookup failed", r.stderr)
            self.assertIn("event=user-lookup-error", self.z.logtext())
            r = self.z.sieve_filter("-u", "alice@example.org", "SCRIPT", "INBOX")
            self.assertEqual(r.returncode, 75, r.stderr)
            self.assertIn(b"user lookup", r.stderr)
        finally:
            self.pg.start()
        # The server is back: the next lookup connects again.
        code, text = self.z.lmtp("alice@example.org")
        self.assertEqual(code, 250, text)
        r = self.z.zest("deliver", "-f", "s@example.net", "alice@example.org",
                        stdin=b"Subject: lda\n\nx\n")
        self.assertEqual(r.returncode, 0, r.stderr)


class SqliteAndFileUsers(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="zest-users-")
        self.z = None

    def tearDown(self):
        if self.z:
            self.z.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def test_sqlite(self):
        db = os.path.join(self.root, "users.sqlite")
        with sqlite3.connect(db) as c:
            c.execute("CREATE TABLE users (email TEXT, pw TEXT, home TEXT, quota TEXT)")
            c.execute("INSERT INTO users VALUES ('dora@example.org', '{PLAIN}dorapw', ?, "
                      "'*:storage=10k')", (os.path.join(self.root, "dora"),))
        self.z = Zestd(self.root, """
[auth]
driver = "sql"
[sql]
driver = "sqlite"
connect = "%s"
password_query = "SELECT pw AS password FROM users WHERE email = '%%u'"
user_query = "SELECT home, quota AS quota_rule FROM users WHERE email = %%u"
""" % db)
        self.z.start()
        self.assertEqual(self.z.lmtp("Dora+tag@example.org")[0], 250)
        self.assertEqual(count(os.path.join(self.root, "dora", "Maildir", "new")), 1)
        self.assertTrue(self.z.managesieve_auth("dora@example.org", "dorapw").startswith("OK"))
        self.assertEqual(self.z.lmtp("eve@example.org")[0], 550)
        code, _ = self.z.lmtp("dora@example.org", "Subject: big\r\n\r\n" + "y" * 11000 + "\r\n")
        self.assertEqual(code, 452)
        # sieve-filter -u finds dora in SQLite, her home from the row.
        self.assertEqual(self.z.lmtp("dora@example.org", "Subject: a list\r\n\r\nx\r\n")[0],
                         250)
        r = self.z.sieve_filter("-u", "dora@example.org", "--json", "SCRIPT", "INBOX")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
        self.assertEqual(len(lines), 2)
        self.assertEqual(sorted(j["implicit_keep"] for j in lines), [False, True])
        r = self.z.sieve_filter("-u", "dora@example.org", "-e", "-W", "SCRIPT", "INBOX")
        self.assertEqual(r.returncode, 0, r.stderr)
        maildir = os.path.join(self.root, "dora", "Maildir")
        self.assertEqual(count(os.path.join(maildir, ".Lists", "cur")) +
                         count(os.path.join(maildir, ".Lists", "new")), 1)
        self.assertEqual(count(os.path.join(maildir, "cur")) + count(os.path.join(maildir, "new")),
                         1)
        r = self.z.sieve_filter("-u", "eve@example.org", "SCRIPT", "INBOX")
        self.assertEqual(r.returncode, 67, r.stderr)
        self.assertIn(b"not found", r.stderr)

    def test_passwd_extra_fields_templates_and_refused_names(self):
        tree = os.path.join(self.root, "vmail")
        # An existing Dovecot tree: /vmail/<domain>/<user>/Maildir, an active
        # script link and a Pigeonhole .svbin beside the script.
        fred = os.path.join(tree, "example.org", "fred")
        os.makedirs(os.path.join(fred, "sieve"))
        with open(os.path.join(fred, "sieve", "main.sieve"), "w") as f:
            f.write('require "fileinto";\nfileinto "Lists";\n')
        with open(os.path.join(fred, "sieve", "main.svbin"), "wb") as f:
            f.write(b"\x00Pigeonhole binary")
        os.symlink("sieve/main.sieve", os.path.join(fred, ".dovecot.sieve"))
        elsewhere = os.path.join(self.root, "elsewhere")
        passwd = os.path.join(self.root, "passwd")
        with open(passwd, "w") as f:
            f.write("fred@example.org:{PLAIN}fredpw::::::\n")
            f.write("gina@example.org:{PLAIN}ginapw:::::: userdb_home=%s/gina "
                    "userdb_mail=maildir:~/Mail userdb_quota_rule=*:storage=1k\n" % elsewhere)
            f.write("../../etc@example.org:{PLAIN}x::::::\n")
        self.z = Zestd(self.root, """
[auth]
passwd_file = "%s"
[users]
home = "%s/%%d/%%n"
[delivery]
autocreate = true
""" % (passwd, tree))
        self.z.start()
        code, text = self.z.lmtp("fred@example.org")
        self.assertEqual(code, 250, text)
        # The existing script ran: the message is in the tree's Maildir folder.
        self.assertEqual(count(os.path.join(fred, "Maildir", ".Lists", "new")), 1)
        log = self.z.logtext()
        self.assertIn("event=svbin-ignored", log)
        self.assertIn("main.svbin", log)
        self.assertEqual(log.count("event=svbin-ignored"), 1)
        self.assertEqual(self.z.lmtp("fred@example.org")[0], 250)
        self.assertEqual(self.z.logtext().count("event=svbin-ignored"), 1)  # once
        # userdb_home / userdb_mail / userdb_quota_rule.
        self.assertEqual(self.z.lmtp("gina@example.org")[0], 250)
        self.assertEqual(count(os.path.join(elsewhere, "gina", "Mail", "new")), 1)
        code, _ = self.z.lmtp("gina@example.org", "Subject: big\r\n\r\n" + "z" * 2000 + "\r\n")
        self.assertEqual(code, 452)
        r = self.z.zest("user", "show", "gina@example.org", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual((o["home"], o["maildir"], o["storage_limit"]),
                         (os.path.join(elsewhere, "gina"), os.path.join(elsewhere, "gina", "Mail"),
                          1024))
        r = self.z.zest("user", "show", "fred@example.org", "--json")
        o = json.loads(r.stdout)
        self.assertEqual((o["home"], o["active_script"]), (fred, "main"))
        # sieve-filter -u: fred's Maildir from the [users] home template,
        # gina's from userdb_home/userdb_mail; a refused name is exit 67.
        r = self.z.sieve_filter("-u", "fred@example.org", "--json", "SCRIPT", "Lists")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.decode().splitlines()), 2)
        r = self.z.sieve_filter("-u", "gina@example.org", "--json", "SCRIPT", "INBOX")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(x)["file"].partition(":")[0] for x in
                          r.stdout.decode().splitlines()],
                         sorted(os.listdir(os.path.join(elsewhere, "gina", "Mail", "new"))))
        r = self.z.sieve_filter("-u", "../../etc@example.org", "SCRIPT", "INBOX")
        self.assertEqual(r.returncode, 67, r.stderr)
        r = self.z.zest("sieve", "list", "-u", "fred@example.org")
        self.assertEqual(r.stdout.decode().split(), ["main", "ACTIVE"])
        # A name that would leave its directory: refused, clearly, for good.
        # ("../../etc" is not a dot-atom: as an SMTP address it is quoted.)
        code, text = self.z.lmtp('"../../etc"@example.org')
        self.assertEqual(code, 550, text)
        self.assertIn("5.1.3", text)
        code, text = self.z.lmtp("a/b@example.org")  # '/' is atext, but names a directory
        self.assertEqual(code, 550, text)
        self.assertIn("5.1.3", text)
        self.assertIn("refused", self.z.logtext())
        self.assertFalse(os.path.exists(os.path.join(self.root, "etc")))
        r = self.z.zest("deliver", "../../etc@example.org", stdin=b"Subject: x\n\nx\n")
        self.assertEqual(r.returncode, 67, r.stderr)
        self.assertIn(b"refused", r.stderr)
        # ManageSieve sees the same tree: the existing script is listed, once.
        self.assertTrue(self.z.managesieve_auth("fred@example.org", "fredpw").startswith("OK"))


class DovecotReadsTheTree(unittest.TestCase):
    """What zest delivered into an existing /vmail/%d/%n tree (passwd-file
    users, one with userdb_home/userdb_mail) is what a real Dovecot imapd,
    configured the usual way for that tree, serves: same files, same places."""

    def test_dovecot_imapd_sees_the_delivered_mail(self):
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(dovecot) or not os.path.exists("/usr/lib/dovecot/imap"):
            self.skipTest("dovecot-imapd is not installed (scripts/install-test-deps.sh)")
        root = tempfile.mkdtemp(prefix="zest-users-dovecot-")
        z = dv = None
        try:
            os.chmod(root, 0o755)
            tree = os.path.join(root, "vmail")
            fred = os.path.join(tree, "example.org", "fred")
            os.makedirs(os.path.join(fred, "sieve"))
            with open(os.path.join(fred, "sieve", "main.sieve"), "w") as f:
                f.write('require "fileinto";\nif header :contains "subject" "list" '
                        '{ fileinto "Lists"; }\n')
            os.symlink("sieve/main.sieve", os.path.join(fred, ".dovecot.sieve"))
            elsewhere = os.path.join(root, "elsewhere")
            passwd = os.path.join(root, "passwd")
            with open(passwd, "w") as f:
                f.write("fred@example.org:{PLAIN}fredpw::::::\n")
                f.write("gina@example.org:{PLAIN}ginapw:::::: userdb_home=%s/gina "
                        "userdb_mail=maildir:~/Mail\n" % elsewhere)
            os.chmod(passwd, 0o644)  # Dovecot's auth process reads it too
            z = Zestd(root, '[auth]\npasswd_file = "%s"\n[users]\nhome = "%s/%%d/%%n"\n'
                      '[delivery]\nautocreate = true\n' % (passwd, tree))
            z.start()
            for rcpt, subject in (("fred@example.org", "list one"), ("fred@example.org", "two"),
                                  ("gina@example.org", "three")):
                code, text = z.lmtp(rcpt, "Subject: %s\r\n\r\nbody\r\n" % subject)
                self.assertEqual(code, 250, text)
            z.stop()
            # Dovecot never gives mail access to root: as root, the tree
            # goes to nobody, as a Dovecot tree belongs to its vmail user.
            if os.getuid() == 0:
                nobody = pwd.getpwnam("nobody")
                uid, gid = nobody.pw_uid, nobody.pw_gid
                internal = "dovecot" if _has_user("dovecot") else "nobody"
                for top in (tree, elsewhere):
                    for d, dirs, files in os.walk(top):
                        for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                            os.lchown(n, uid, gid)
            else:
                uid, gid = os.getuid(), os.getgid()
                internal = pwd.getpwuid(uid).pw_name
            group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
            base = os.path.join(root, "dovecot")
            os.makedirs(base)
            os.chmod(base, 0o755)
            port = free_port()
            conf = os.path.join(base, "dovecot.conf")
            with open(conf, "w") as f:
                f.write(DOVECOT_CONF.format(base=base, port=port, passwd=passwd, uid=uid,
                                            gid=gid, tree=tree, user=internal, group=group))
            with open(os.path.join(base, "dovecot.stderr"), "wb") as errf:
                dv = subprocess.Popen([dovecot, "-F", "-c", conf], stderr=errf)
            try:
                wait_port(port, dv, what="dovecot")
                m = imaplib.IMAP4("127.0.0.1", port)
                self.assertEqual(m.login("fred@example.org", "fredpw")[0], "OK")
                typ, data = m.select("INBOX", readonly=True)
                self.assertEqual((typ, int(data[0])), ("OK", 1))
                typ, data = m.select("Lists", readonly=True)
                self.assertEqual((typ, int(data[0])), ("OK", 1))
                typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                self.assertIn(b"list one", data[0][1])
                m.logout()
                m = imaplib.IMAP4("127.0.0.1", port)
                self.assertEqual(m.login("gina@example.org", "ginapw")[0], "OK")
                typ, data = m.select("INBOX", readonly=True)
                self.assertEqual((typ, int(data[0])), ("OK", 1))
                m.logout()
            except Exception:
                for name in ("dovecot.stderr", "dovecot.log"):
                    path = os.path.join(base, name)
                    if os.path.exists(path):
                        with open(path, errors="replace") as f:
                            print(f.read()[-3000:], file=sys.stderr)
                raise
        finally:
            if z:
                z.stop()
            if dv is not None:
                dv.terminate()
                try:
                    dv.wait(10)
                except subprocess.TimeoutExpired:
                    dv.kill()
                    dv.wait()
            shutil.rmtree(root, ignore_errors=True)


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


# A private Dovecot for the tree: its own base_dir, log and port, no TLS;
# mail_home is the same /vmail/%d/%n template zest was given, and the
# passwd-file's userdb_home/userdb_mail fields are Dovecot's own.
DOVECOT_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_home = {tree}/%d/%n
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
}}
"""


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--zestd", required=True)
    p.add_argument("--zest", required=True)
    p.add_argument("--sieve-filter", required=True)
    p.add_argument("-k", action="append", default=[])
    ARGS, rest = p.parse_known_args()
    argv = [sys.argv[0]] + rest + [x for k in ARGS.k for x in ("-k", k)]
    unittest.main(argv=argv, verbosity=2)


if __name__ == "__main__":
    main()
