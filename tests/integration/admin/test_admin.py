#!/usr/bin/env python3
"""`zest sieve|quota|auth|user show` run as an administrator runs them: the
real binary against a data dir of its own, checking text and --json output,
the exit codes (the table of `zest --help` and docs/zestd.md), the log
lines, the ManageSieve rules (names, compile check, quotas, atomic
replacement), that a zestd ManageSieve session sees what the CLI stored,
and, run as root, that what the CLI creates belongs to the service user.

usage: test_admin.py --zest PATH --zestd PATH --source-dir DIR [-k NAME]
"""
import base64
import json
import os
import grp
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None

GOOD = 'require ["fileinto"];\nif header :contains "subject" "list" { fileinto "Lists"; }\n'
BAD = 'require ["fileinto"];\nfileinto "x"\n'  # missing ';'


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import free_port, test_main  # noqa: E402


class Env:
    """A data dir and a config; `zest` run against it."""

    def __init__(self, extra=""):
        self.dir = tempfile.mkdtemp(prefix="zest-admin-")
        os.chmod(self.dir, 0o755)
        self.var = os.path.join(self.dir, "var")
        self.service = None
        env = dict(os.environ)
        env.pop("ZEST_ALLOW_ROOT", None)
        if os.getuid() == 0:
            # As root, zest switches to [server] user: nobody owns the data.
            self.service = pwd.getpwnam("nobody")
            os.makedirs(self.var)
            os.chown(self.var, self.service.pw_uid, self.service.pw_gid)
            # Name nobody's group too: the default group "zest" exists only
            # once the package is installed (package_deb may run later).
            group = grp.getgrgid(self.service.pw_gid).gr_name
            extra = '[server]\nuser = "nobody"\ngroup = "%s"\n' % group + extra
        self.env = env
        self.cfg = os.path.join(self.dir, "zest.toml")
        self.ms_port = free_port()
        with open(self.cfg, "w") as f:
            f.write('data_dir = "%s"\nhostname = "mx.test"\n' % self.var)
            f.write('[lmtp]\nlisten = []\n')
            f.write('[managesieve]\nlisten = ["127.0.0.1:%d"]\nmax_scripts = 3\n'
                    'max_script_size = 2000\nmax_total_size = 3000\n' % self.ms_port)
            f.write(extra)

    def zest(self, *args, stdin=b""):
        return subprocess.run([ARGS.zest, "-c", self.cfg, *args], input=stdin,
                              capture_output=True, timeout=60, env=self.env)

    def json(self, *args, stdin=b"", rc=0):
        r = self.zest(*args, "--json", stdin=stdin)
        assert r.returncode == rc, (args, r.returncode, r.stdout, r.stderr)
        lines = r.stdout.decode().splitlines()
        assert len(lines) == 1, r.stdout
        return json.loads(lines[0]), r

    def home(self, user):
        return os.path.join(self.var, "home", user)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class GlobalExtensions(unittest.TestCase):
    """[sieve] global_extensions: `zest sieve put/check -u` treat the script
    as the user's own and refuse them; `sieve check` without -u checks an
    administrator's script, which may use them."""

    def test_put_refused_check_without_user_allowed(self):
        e = Env('[sieve]\npipe_bin_dir = "/nonexistent/zest-pipe"\n'
                'global_extensions = ["vnd.dovecot.pipe"]\n')
        try:
            r = e.zest("user", "add", "alice@example.org", "--password-stdin", "--scheme",
                       "PLAIN", stdin=b"pw\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            script = b'require "vnd.dovecot.pipe";\npipe "sa-learn";\n'
            u = ["-u", "alice@example.org"]
            o, _ = e.json("sieve", "put", *u, "spam", stdin=script, rc=65)
            self.assertIn("restricted to global scripts", o["error"])
            o, _ = e.json("sieve", "check", *u, stdin=script, rc=65)
            self.assertIn("restricted to global scripts", o["errors"])
            o, _ = e.json("sieve", "check", stdin=script)
            self.assertTrue(o["ok"], o)
        finally:
            e.cleanup()


class AdminCli(unittest.TestCase):
    def setUp(self):
        self.e = Env()
        r = self.e.zest("user", "add", "alice@example.org", "--password-stdin", "--scheme",
                        "SHA512-CRYPT", stdin=b"s3cret\n")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        self.e.cleanup()

    def test_sieve_put_list_get_activate_rename_delete(self):
        e = self.e
        u = ["-u", "alice@example.org"]
        o, r = e.json("sieve", "put", *u, "main", stdin=GOOD.encode())
        self.assertEqual(o, {"ok": True, "user": "alice@example.org", "script": "main",
                             "size": len(GOOD), "activated": False, "warnings": ""})
        self.assertIn(b"event=sieve-put user=alice@example.org script=main result=ok", r.stderr)
        sdir = os.path.join(e.home("alice@example.org"), "sieve")
        self.assertTrue(os.path.exists(os.path.join(sdir, "main.svbc")), "compiled beside it")
        # From a file, activated at once.
        path = os.path.join(e.dir, "vac.sieve")
        with open(path, "w") as f:
            f.write('require "vacation";\nvacation "away";\n')
        o, r = e.json("sieve", "put", *u, "-a", "away", path)
        self.assertTrue(o["activated"])
        self.assertIn(b"event=sieve-activate", r.stderr)
        o, _ = e.json("sieve", "list", *u)
        self.assertEqual(o["scripts"], [{"name": "away", "active": True},
                                        {"name": "main", "active": False}])
        r = e.zest("sieve", "list", *u)
        self.assertEqual(r.stdout.decode(), "away\tACTIVE\nmain\n")
        # get prints the source exactly (text), or inside JSON.
        r = e.zest("sieve", "get", *u, "main")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, GOOD))
        o, _ = e.json("sieve", "get", *u, "main")
        self.assertEqual((o["source"], o["active"]), (GOOD, False))
        # Replacing is atomic: the new text in one piece, no temporary files left.
        o, _ = e.json("sieve", "put", *u, "main", stdin=b"keep;\n")
        with open(os.path.join(sdir, "main.sieve")) as f:
            self.assertEqual(f.read(), "keep;\n")
        self.assertEqual(sorted(f for f in os.listdir(sdir) if f.startswith(".")), [])
        o, _ = e.json("sieve", "activate", *u, "main")
        self.assertEqual(o["active"], "main")
        self.assertEqual(os.readlink(os.path.join(e.home("alice@example.org"), ".dovecot.sieve")),
                         "sieve/main.sieve")
        # The active script cannot be deleted (ManageSieve's ACTIVE).
        o, r = e.json("sieve", "delete", *u, "main", rc=73)
        self.assertEqual((o["ok"], o["code"], o["exit"]), (False, "ACTIVE", 73))
        self.assertIn(b"event=sieve-delete", r.stderr)
        self.assertIn(b"result=refused", r.stderr)
        # Renaming keeps it active; an existing name is refused.
        o, _ = e.json("sieve", "rename", *u, "away", "main", rc=73)
        self.assertEqual(o["code"], "ALREADYEXISTS")
        o, r = e.json("sieve", "rename", *u, "main", "filters")
        self.assertIn(b"new_name=filters", r.stderr)
        o, _ = e.json("sieve", "list", *u)
        self.assertIn({"name": "filters", "active": True}, o["scripts"])
        o, r = e.json("sieve", "deactivate", *u)
        self.assertEqual(o["deactivated"], "filters")
        self.assertIn(b"event=sieve-deactivate user=alice@example.org script=filters", r.stderr)
        self.assertFalse(os.path.lexists(os.path.join(e.home("alice@example.org"),
                                                      ".dovecot.sieve")))
        o, _ = e.json("sieve", "delete", *u, "filters")
        self.assertEqual(o["deleted"], "filters")
        o, _ = e.json("sieve", "get", *u, "filters", rc=68)
        self.assertEqual(o["code"], "NONEXISTENT")

    def test_rules_and_exit_codes(self):
        e = self.e
        u = ["-u", "alice@example.org"]
        # A script that does not compile is not stored; the diagnostics say where.
        o, r = e.json("sieve", "put", *u, "bad", stdin=BAD.encode(), rc=65)
        self.assertRegex(o["error"], r"bad:3:1: error")
        self.assertIn(b"event=sieve-put user=alice@example.org script=bad result=refused", r.stderr)
        o, _ = e.json("sieve", "list", *u)
        self.assertEqual(o["scripts"], [])
        o, _ = e.json("sieve", "put", *u, "empty", stdin=b"", rc=65)
        # check: compile only (with or without -u).
        o, _ = e.json("sieve", "check", stdin=BAD.encode(), rc=65)
        self.assertRegex(o["errors"], r"script:3:1: error")
        o, _ = e.json("sieve", "check", *u, stdin=GOOD.encode())
        self.assertTrue(o["ok"])
        # Names as ManageSieve checks them (a control character is invalid).
        o, _ = e.json("sieve", "put", *u, "a\x01b", stdin=b"keep;", rc=64)
        # Quotas of [managesieve]: size, count, total.
        o, _ = e.json("sieve", "put", *u, "big", stdin=b"#" * 2500 + b"\nkeep;\n", rc=73)
        self.assertEqual(o["code"], "QUOTA/MAXSIZE")
        for n in ("one", "two", "three"):
            e.json("sieve", "put", *u, n, stdin=b"keep;\n")
        o, _ = e.json("sieve", "put", *u, "four", stdin=b"keep;\n", rc=73)
        self.assertEqual(o["code"], "QUOTA/MAXSCRIPTS")
        e.json("sieve", "delete", *u, "three")
        e.json("sieve", "put", *u, "two", stdin=b"#" * 1900 + b"\nkeep;\n")
        o, _ = e.json("sieve", "put", *u, "three", stdin=b"#" * 1900 + b"\nkeep;\n", rc=73)
        self.assertEqual(o["code"], "QUOTA")
        # Unknown user, missing file, bad arguments, bad configuration.
        o, _ = e.json("sieve", "list", "-u", "nobody@example.org", rc=67)
        self.assertEqual(o["exit"], 67)
        e.json("sieve", "put", *u, "x", "/nonexistent/file.sieve", rc=66)
        self.assertEqual(e.zest("sieve", "list").returncode, 64)  # -u missing
        self.assertEqual(e.zest("sieve", "frobnicate").returncode, 64)
        r = subprocess.run([ARGS.zest, "-c", os.path.join(e.dir, "missing.toml"), "sieve", "list",
                            *u], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 78)

    def test_auth_test_and_user_show(self):
        e = self.e
        o, _ = e.json("auth", "test", "alice@example.org", stdin=b"s3cret\n")
        self.assertEqual(o, {"ok": True, "user": "alice@example.org", "scheme": "SHA512-CRYPT"})
        r = e.zest("auth", "test", "alice@example.org", stdin=b"wrong\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"auth failed", r.stdout)
        o, _ = e.json("auth", "test", "alice@example.org", stdin=b"wrong\n", rc=1)
        self.assertFalse(o["ok"])
        e.json("auth", "test", "bob@example.org", stdin=b"x\n", rc=67)
        e.json("sieve", "put", "-u", "alice@example.org", "-a", "main", stdin=b"keep;\n")
        o, _ = e.json("user", "show", "alice@example.org")
        self.assertEqual(o["home"], e.home("alice@example.org"))
        self.assertEqual(o["maildir"], os.path.join(e.home("alice@example.org"), "Maildir"))
        self.assertEqual((o["active_script"], o["scripts"], o["maildir_exists"]), ("main", 1, True))
        self.assertEqual(o["scheme"], "SHA512-CRYPT")
        self.assertNotIn("password", o)
        e.json("user", "show", "bob@example.org", rc=67)

    def test_quota_get_and_recalc(self):
        e = self.e
        md = os.path.join(e.home("alice@example.org"), "Maildir")
        # One message whose S= is right, one whose S= understates its size.
        with open(os.path.join(md, "new", "1.M1P1.mx,S=10"), "wb") as f:
            f.write(b"0123456789")
        with open(os.path.join(md, "cur", "2.M2P2.mx,S=5:2,S"), "wb") as f:
            f.write(b"x" * 50)
        e.json("sieve", "put", "-u", "alice@example.org", "main", stdin=b"keep;\n")
        o, r = e.json("quota", "get", "-u", "alice@example.org")
        self.assertEqual(o["storage"]["used"], 15)
        self.assertEqual(o["scripts"], {"count": 1, "max_scripts": 3, "bytes": 6,
                                        "max_total_size": 3000, "max_script_size": 2000})
        self.assertNotIn(b"event=", r.stderr)  # get changes nothing, logs nothing
        o, r = e.json("quota", "recalc", "-u", "alice@example.org")
        self.assertEqual(o["storage"]["used"], 60)
        self.assertIn(b"event=quota-recalc user=alice@example.org used=60 by_names=15", r.stderr)
        r = e.zest("quota", "get", "-u", "alice@example.org")
        self.assertEqual(r.stdout.decode().splitlines()[0], "TYPE\tVALUE\tLIMIT\t%")
        self.assertIn("SCRIPTS\t1\t3\t33", r.stdout.decode())

    @unittest.skipUnless(os.getuid() == 0, "only root switches to the service user")
    def test_root_creates_files_owned_by_service_user(self):
        e = self.e
        e.json("sieve", "put", "-u", "alice@example.org", "-a", "main", stdin=b"keep;\n")
        h = e.home("alice@example.org")
        for p in ("sieve", "sieve/main.sieve", "sieve/main.svbc", ".dovecot.sieve"):
            st = os.lstat(os.path.join(h, p))
            self.assertEqual(st.st_uid, e.service.pw_uid, p)

    def test_managesieve_sees_what_the_cli_stored(self):
        e = self.e
        e.json("sieve", "put", "-u", "alice@example.org", "-a", "main", stdin=GOOD.encode())
        env = dict(e.env)
        proc = subprocess.Popen([ARGS.zestd, "-c", e.cfg], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env)
        try:
            s = None
            for _ in range(100):
                try:
                    s = socket.create_connection(("127.0.0.1", e.ms_port), timeout=10)
                    break
                except OSError:
                    if proc.poll() is not None:
                        self.fail("zestd exited: %r" % proc.stderr.read())
                    time.sleep(0.1)
            self.assertIsNotNone(s)
            f = s.makefile("rb")

            def until_ok():
                lines = []
                while True:
                    line = f.readline()
                    self.assertTrue(line, "connection closed")
                    lines.append(line.decode().rstrip("\r\n"))
                    if line.startswith((b"OK", b"NO", b"BYE")):
                        return lines
            until_ok()
            cred = base64.b64encode(b"\0alice@example.org\0s3cret").decode()
            s.sendall(('AUTHENTICATE "PLAIN" "%s"\r\n' % cred).encode())
            self.assertTrue(until_ok()[-1].startswith("OK"))
            s.sendall(b"LISTSCRIPTS\r\n")
            self.assertEqual(until_ok(), ['"main" ACTIVE', "OK"])
            s.sendall(b"LOGOUT\r\n")
            until_ok()
            f.close()
            s.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            proc.stderr.close()


class Documentation(unittest.TestCase):
    def test_exit_codes_in_help_and_docs_agree(self):
        help_text = subprocess.run([ARGS.zest, "--help"], capture_output=True, text=True,
                                   timeout=30).stdout
        self.assertIn("Exit status:", help_text)
        in_help = set(re.findall(r"^  (\d+)  ", help_text.split("Exit status:")[1], re.M))
        with open(os.path.join(ARGS.source_dir, "docs", "zestd.md")) as f:
            doc = f.read()
        section = doc.split("### Exit codes of zest", 1)[1].split("\n#", 1)[0]
        in_docs = set(re.findall(r"^\| `?(\d+)`? \|", section, re.M))
        self.assertEqual(in_help, in_docs)
        for sub in (["sieve", "--help"], ["sieve", "put", "--help"], ["quota", "get", "--help"],
                    ["auth", "test", "--help"], ["user", "show", "--help"]):
            r = subprocess.run([ARGS.zest, *sub], capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, sub)


if __name__ == "__main__":
    sys.exit(test_main(lambda a: globals().update(ARGS=a),
                       add_arguments=lambda p: p.add_argument("--source-dir", required=True)))
