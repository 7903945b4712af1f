#!/usr/bin/env python3
"""`zest migrate-config` (issue 17.7) on the Dovecot configurations the test
suite already writes, on a Pigeonhole tree with !include and conf.d/*.conf,
and on `doveconf -n` output of the real doveconf (dovecot-core, a test
dependency). Each result must pass `zestd --check-config`; mapped values,
the comments for unmapped settings and the errors for bad input (file:line,
exit code as `zest --help` documents) are checked.
"""
import argparse
import ast
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

ARGS = None
HERE = os.path.dirname(os.path.abspath(__file__))


def run(args, stdin=None, rc=0, cwd=None):
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd)
    if rc is not None and r.returncode != rc:
        raise AssertionError("%s: exit %d, expected %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(args), r.returncode, rc, r.stdout, r.stderr))
    return r


def migrate(path_or_none, stdin=None, rc=0, cwd=None):
    args = [ARGS.zest, "migrate-config"] + ([path_or_none] if path_or_none else [])
    return run(args, stdin=stdin, rc=rc, cwd=cwd)


def source_string(path, name):
    """The value of the module-level string `name` in a Python file."""
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("%s not found in %s" % (name, path))


def zest_has_table(name):
    ref = run([ARGS.zestd, "--config-reference"]).stdout
    return ("[%s]" % name) in ref


class Migrate(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zest-migrate-")
        os.chmod(self.dir, 0o755)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def check_config(self, toml_text, name="zest.toml"):
        """The output passes zestd's own check (as root: ZEST_ALLOW_ROOT, the
        harness switch, since [server] user may be root here)."""
        path = self.write(name, toml_text)
        env = dict(os.environ, ZEST_ALLOW_ROOT="1")
        r = subprocess.run([ARGS.zestd, "--check-config", "-c", path], capture_output=True,
                           text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, "check-config refused:\n%s\n%s" % (r.stderr, toml_text))
        return tomllib.loads(toml_text)

    def unmapped(self, out):
        return [l for l in out.splitlines() if l.startswith("# unmapped: ")]

    def assertUnmapped(self, out, name, reason_part):
        lines = [l for l in self.unmapped(out) if l.startswith("# unmapped: " + name + " = ")]
        self.assertTrue(lines, "no unmapped comment for %s in:\n%s" % (name, out))
        self.assertIn(reason_part, lines[0])
        self.assertRegex(lines[0], r"\([^()]+:\d+\): ")

    # ---------------------------------------------------------- the suite's configs
    def test_zestd_integration_imap_config(self):
        """tests/integration/zestd/test_zestd.py's DOVECOT_CONF (Dovecot imapd
        reading zest's Maildirs)."""
        conf = source_string(os.path.join(ARGS.source_dir, "tests", "integration", "zestd",
                                          "test_zestd.py"), "DOVECOT_CONF")
        passwd = self.write("passwd", "alice:{PLAIN}pw::::%s/home/alice::\n" % self.dir)
        uid, gid = os.getuid(), os.getgid()
        user = pwd.getpwuid(uid).pw_name
        text = conf.format(base=self.dir, port=10143, passwd=passwd, uid=uid, gid=gid,
                           home=self.dir + "/home", user=user, group=user)
        path = self.write("dovecot.conf", text)
        out = migrate(path).stdout
        cfg = self.check_config(out)
        self.assertEqual(cfg["auth"]["passwd_file"], passwd)
        self.assertEqual(cfg["lmtp"]["listen"], [])          # protocols = imap
        self.assertEqual(cfg["managesieve"]["listen"], [])
        self.assertEqual(cfg["delivery"]["hierarchy_separator"], "/")
        self.assertIs(cfg["managesieve"]["allow_plaintext_auth"], True)
        self.assertEqual(cfg["server"]["user"], user)          # mail_uid, a number here
        self.assertNotIn("sieve", cfg)                         # no Pigeonhole in this one
        self.assertUnmapped(out, "log_path", "not to a file")
        self.assertUnmapped(out, "service imap-login/inet_listener imap/port", "IMAP")
        self.assertUnmapped(out, "auth_mechanisms", "auth")
        self.assertIn("# same: ssl = no ", out)
        if zest_has_table("users"):
            self.assertEqual(cfg["users"]["home"], self.dir + "/home/%u")
        else:
            self.assertUnmapped(out, "userdb/default_fields", "home")
        # Every setting of the file is either a key's origin, "same" or "unmapped".
        self.assertEveryLineAccounted(text, out)

    def assertEveryLineAccounted(self, conf_text, out):
        for n, line in enumerate(conf_text.splitlines(), 1):
            s = line.split("#", 1)[0].strip()
            if "=" not in s:
                continue
            key = s.split("=", 1)[0].strip()
            self.assertRegex(out, r"(?m)^# (from|same:|unmapped:) (.+/)?%s = .*:%d\)" % (
                re.escape(key), n), "setting %s (line %d) not accounted for" % (key, n))

    def test_differential_config(self):
        """tests/differential/run.py's two-line dovecot.conf."""
        with open(os.path.join(ARGS.source_dir, "tests", "differential", "run.py")) as f:
            m = re.search(r'f\.write\("(mail_location = [^"]*)" % tmp\)', f.read())
        self.assertTrue(m, "run.py no longer writes its dovecot.conf as expected")
        text = m.group(1).encode().decode("unicode_escape") % self.dir
        out = migrate(self.write("dovecot.conf", text)).stdout
        cfg = self.check_config(out)
        self.assertIn("# same: log_path = /dev/stderr ", out)
        if zest_has_table("users"):
            self.assertEqual(cfg["users"]["mail"], "maildir:%s/Maildir" % self.dir)
        else:
            self.assertUnmapped(out, "mail_location", "[users] mail")

    def bench_config(self):
        """The benchmark's private Dovecot + Pigeonhole configuration."""
        with open(os.path.join(HERE, "pigeonhole-bench.conf")) as f:
            text = f.read()
        for k, v in {"W": self.dir, "LMTP_PORT": "10024", "SIEVE_PORT": "14190",
                     "IMAP_PORT": "10143", "FSYNC": "never", "MUID": str(os.getuid()),
                     "MGID": str(os.getgid())}.items():
            text = text.replace("@%s@" % k, v)
        self.write("etc/passwd", "user1:{PLAIN}pass:::: %s/home/user1::\n" % self.dir)
        self.write("bin/sendmail-sink", "#!/bin/sh\ncat >/dev/null\n", 0o755)
        return text

    def test_pigeonhole_bench_config(self):
        text = self.bench_config()
        path = self.write("etc/dovecot.conf", text)
        out = migrate(path).stdout
        cfg = self.check_config(out)
        self.assertEqual(cfg["hostname"], "bench.example.test")
        self.assertEqual(cfg["postmaster_address"], "postmaster@example.test")
        self.assertEqual(cfg["lmtp"]["recipient_delimiter"], "+")
        self.assertEqual(cfg["lmtp"]["listen"],
                         ["unix:%s/run/lmtp" % self.dir, "127.0.0.1:10024"])
        self.assertEqual(cfg["managesieve"]["listen"], ["127.0.0.1:14190"])
        self.assertEqual(cfg["submission"]["sendmail_path"], self.dir + "/bin/sendmail-sink")
        self.assertIs(cfg["delivery"]["autocreate"], True)
        self.assertEqual(cfg["delivery"]["hierarchy_separator"], "/")
        self.assertEqual(cfg["auth"]["passwd_file"], self.dir + "/etc/passwd")
        self.assertEqual(cfg["sieve"]["max_script_size"], 4 * 1024 * 1024)
        self.assertEqual(cfg["managesieve"]["max_script_size"], 4 * 1024 * 1024)
        self.assertEqual(cfg["sieve"]["vacation_dont_check_recipient"], "yes")
        self.assertIn("fileinto", cfg["sieve"]["extensions"])
        self.assertNotIn("editheader", cfg["sieve"]["extensions"])  # not Pigeonhole's default
        self.assertIn("# same: plugin/sieve = file:~/sieve;active=~/.dovecot.sieve ", out)
        self.assertIn("# same: protocol lmtp/mail_plugins =  sieve ", out)
        self.assertUnmapped(out, "service lmtp/unix_listener lmtp/mode", "0666")
        self.assertUnmapped(out, "namespace inbox/mailbox Junk/special_use", "IMAP")
        self.assertUnmapped(out, "mail_fsync", "no such option")
        self.assertUnmapped(out, "verbose_proctitle", "process layout")
        self.assertEveryLineAccounted(text, out)

    # ---------------------------------------------------------- doveconf -n
    def test_doveconf_n_output(self):
        """The real `doveconf -n -c FILE` output, on standard input, gives the
        same keys as the files themselves."""
        doveconf = shutil.which("doveconf")
        if not doveconf:
            self.skipTest("doveconf not installed (dovecot-core: scripts/install-test-deps.sh)")
        text = self.bench_config()
        path = self.write("etc/dovecot.conf", text)
        r = subprocess.run([doveconf, "-n", "-c", path], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("# OS:", r.stdout)
        out = migrate(None, stdin=r.stdout).stdout
        self.assertIn("from the Dovecot\n# configuration <stdin>.", out)
        from_stdin = self.check_config(out)
        from_files = tomllib.loads(migrate(path).stdout)
        # doveconf -n leaves out what equals Dovecot's default (and zest's).
        self.assertEqual(from_files["lmtp"].pop("recipient_delimiter"), "+")
        self.maxDiff = None
        self.assertEqual(from_stdin, from_files)
        self.assertRegex(out, r"(?m)^# from hostname = bench.example.test \(<stdin>:\d+\)$")

    # ---------------------------------------------------------- a full tree
    def pigeonhole_tree(self):
        d = self.dir
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             d + "/key.pem", "-out", d + "/cert.pem", "-days", "2", "-subj", "/CN=localhost"])
        self.write("passwd", "alice:{PLAIN}pw::::%s/home/alice::\n" % d)
        self.write("sieve/before.d/10-spam.sieve",
                   'require "fileinto";\nif header :contains "X-Spam" "yes" { fileinto "Junk"; }\n')
        self.write("sieve/before2.sieve", 'require ["vnd.dovecot.pipe"];\npipe "learn";\n')
        self.write("sieve/after.sieve", "keep;\n")
        self.write("sieve/default.sieve", "keep;\n")
        self.write("sieve/global/lists.sieve", "keep;\n")
        for b in ("pipe", "filter", "execute"):
            os.makedirs(os.path.join(d, "bin", b), exist_ok=True)
        sql = self.write("dovecot-sql.conf.ext", """# as in /etc/dovecot
driver = pgsql
connect = host=127.0.0.1 dbname=mail user=dovecot password=secret
default_pass_scheme = SHA512-CRYPT
password_query = SELECT userid AS user, password \\
  FROM users WHERE userid = '%u'
user_query = SELECT home FROM users WHERE userid = '%u'
iterate_query = SELECT userid AS user FROM users
""")
        self.write("conf.d/10-master.conf", """service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1 ::1
    port = 24
  }
  unix_listener /var/spool/postfix/private/dovecot-lmtp {
    mode = 0600
    user = postfix
    group = postfix
  }
  process_min_avail = 2
}
service managesieve-login {
  inet_listener sieve {
    port = 4190
  }
  inet_listener sieve_deprecated {
    port = 0
  }
}
""")
        self.write("conf.d/10-ssl.conf", """ssl = required
ssl_cert = <%(d)s/cert.pem
ssl_key = <%(d)s/key.pem
ssl_min_protocol = TLSv1.2
ssl_cipher_list = ECDHE+AESGCM
ssl_dh = </usr/share/dovecot/dh.pem
""" % {"d": d})
        self.write("conf.d/90-sieve.conf", """plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_before = %(d)s/sieve/before.d/
  sieve_before2 = file:%(d)s/sieve/before2.sieve;bindir=/var/lib/dovecot/bin
  sieve_after = %(d)s/sieve/after.sieve
  sieve_default = file:%(d)s/sieve/default.sieve
  sieve_default_name = roundcube
  sieve_global = %(d)s/sieve/global
  sieve_extensions = +editheader -regex +vnd.dovecot.nosuch
  sieve_global_extensions = +vnd.dovecot.pipe
  sieve_plugins = sieve_extprograms
  sieve_pipe_bin_dir = %(d)s/bin/pipe
  sieve_filter_bin_dir = %(d)s/bin/filter
  sieve_execute_bin_dir = %(d)s/bin/execute
  sieve_max_script_size = 64k
  sieve_max_actions = 20
  sieve_max_redirects = 2
  sieve_quota_max_scripts = 7
  sieve_quota_max_storage = 1M
  sieve_vacation_min_period = 1h
  sieve_vacation_default_subject = Away
  sieve_vacation_send_from_recipient = yes
  sieve_redirect_envelope_from = recipient
  sieve_user_email = postmaster@example.org
  sieve_trace_dir = ~/sieve-trace
  sieve_trace_level = matching
  sieve_trace_debug = yes
  sieve_implicit_extensions = vacation
  sieve_user_log = ~/.dovecot.sieve.log
}
""" % {"d": d})
        self.write("conf.d/20-lmtp.conf", """protocol lmtp {
  mail_plugins = $mail_plugins sieve
  postmaster_address = abuse@example.org
}
protocol imap {
  mail_plugins = $mail_plugins imap_quota
}
""")
        return self.write("dovecot.conf", """# A Pigeonhole installation as a Debian admin leaves it.
protocols = imap lmtp sieve
hostname = mx.example.org
postmaster_address = postmaster@example.org
log_path = syslog
syslog_facility = local1
mail_location = maildir:~/Maildir
mail_plugins = quota
namespace inbox {
  inbox = yes
  separator = .
  mailbox "Sent Messages" {
    special_use = \\Sent
  }
}
passdb {
  driver = passwd-file
  args = scheme=CRYPT username_format=%%u %(d)s/passwd
}
passdb {
  driver = sql
  args = %(d)s/dovecot-sql.conf.ext
}
userdb {
  driver = passwd-file
  args = scheme=CRYPT username_format=%%u %(d)s/passwd
}
submission_host = smtp.example.org:587
submission_ssl = starttls
lda_mailbox_autocreate = yes
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=1G
  quota_warning = storage=95%% quota-warning 95 %%u
}
!include conf.d/*.conf
!include_try local.conf
""" % {"d": d})

    def test_pigeonhole_tree_with_includes(self):
        path = self.pigeonhole_tree()
        d = self.dir
        out = migrate(path).stdout
        cfg = self.check_config(out)
        self.assertEqual(cfg["hostname"], "mx.example.org")
        self.assertEqual(cfg["postmaster_address"], "abuse@example.org")  # protocol lmtp wins
        self.assertEqual(cfg["log"]["target"], "syslog")
        self.assertUnmapped(out, "syslog_facility", "facility mail")
        self.assertEqual(cfg["lmtp"]["listen"], ["unix:/var/spool/postfix/private/dovecot-lmtp",
                                                 "127.0.0.1:24", "[::1]:24"])
        self.assertUnmapped(out, "service lmtp/unix_listener "
                            "/var/spool/postfix/private/dovecot-lmtp/user", "mode 0666")
        self.assertUnmapped(out, "service lmtp/process_min_avail", "one process")
        self.assertEqual(cfg["managesieve"]["listen"], ["0.0.0.0:4190"])
        for t in ("lmtp", "managesieve"):
            self.assertEqual(cfg[t]["tls_cert"], d + "/cert.pem")
            self.assertEqual(cfg[t]["tls_key"], d + "/key.pem")
        self.assertEqual(cfg["tls"], {"min_protocol": "TLSv1.2", "ciphers": "ECDHE+AESGCM"})
        self.assertUnmapped(out, "ssl_dh", "TLS")
        self.assertEqual(cfg["delivery"]["hierarchy_separator"], ".")
        self.assertIs(cfg["delivery"]["autocreate"], True)
        self.assertEqual(cfg["quota"]["storage"], 1 << 30)
        self.assertIn("# same: plugin/quota = maildir:User quota ", out)
        self.assertUnmapped(out, "plugin/quota_warning", "quota")
        self.assertEqual(cfg["submission"]["url"], "smtp://smtp.example.org:587")
        self.assertEqual(cfg["submission"]["starttls"], "required")
        self.assertEqual(cfg["auth"]["passwd_file"], d + "/passwd")
        # The second passdb (sql) is not used: zest has one user database.
        self.assertUnmapped(out, "passdb/driver = sql".split(" = ")[0], "one user database")
        # Sieve
        self.assertEqual(cfg["delivery"]["sieve_before"],
                         [d + "/sieve/before.d/", d + "/sieve/before2.sieve"])
        self.assertEqual(cfg["delivery"]["sieve_after"], [d + "/sieve/after.sieve"])
        self.assertEqual(cfg["delivery"]["sieve_default"], d + "/sieve/default.sieve")
        self.assertEqual(cfg["delivery"]["sieve_global_dir"], d + "/sieve/global")
        self.assertUnmapped(out, "plugin/sieve_default_name", "ManageSieve")
        exts = cfg["sieve"]["extensions"]
        self.assertIn("editheader", exts)
        self.assertNotIn("regex", exts)
        self.assertNotIn("vnd.dovecot.pipe", exts)    # global-only, not for personal scripts
        self.assertEqual(cfg["sieve"]["global_extensions"], ["vnd.dovecot.pipe"])
        self.assertNotIn("vnd.dovecot.filter", exts)
        self.assertIn("left out, zest does not have: vnd.dovecot.nosuch", out)
        s = cfg["sieve"]
        self.assertEqual((s["max_script_size"], s["max_actions"], s["max_redirects"]),
                         (65536, 20, 2))
        self.assertEqual(cfg["managesieve"]["max_script_size"], 65536)
        self.assertEqual(cfg["managesieve"]["max_scripts"], 7)
        self.assertEqual(cfg["managesieve"]["max_total_size"], 1 << 20)
        self.assertEqual(s["vacation_min_period"], "1h")
        self.assertEqual(s["vacation_default_subject"], "Away")
        self.assertEqual(s["vacation_send_from_recipient"], "yes")
        self.assertEqual(s["redirect_envelope_from"], "recipient")
        self.assertEqual(s["user_email"], "postmaster@example.org")
        self.assertEqual(s["pipe_bin_dir"], d + "/bin/pipe")
        self.assertEqual(s["filter_bin_dir"], d + "/bin/filter")
        self.assertEqual(s["execute_bin_dir"], d + "/bin/execute")
        self.assertEqual((s["trace_dir"], s["trace_level"], s["trace_debug"]),
                         ("~/sieve-trace", "matching", True))
        self.assertUnmapped(out, "plugin/sieve_implicit_extensions", "implicitly")
        self.assertUnmapped(out, "plugin/sieve_user_log", "no such Sieve setting")
        self.assertIn("# same: plugin/sieve_plugins = sieve_extprograms ", out)
        self.assertIn("bindir= ", out)
        self.assertIn("# same: protocol lmtp/mail_plugins = quota sieve ", out)
        self.assertUnmapped(out, "protocol imap/mail_plugins", "imap_quota")
        self.assertUnmapped(out, "namespace inbox/mailbox Sent Messages/special_use", "IMAP")

    def test_sql_user_database(self):
        """passdb sql: driver, connect and queries from dovecot-sql.conf.ext
        when this zest has [sql]; an unmapped comment naming it otherwise."""
        self.pigeonhole_tree()
        d = self.dir
        path = self.write("sql.conf", """passdb {
  driver = sql
  args = %(d)s/dovecot-sql.conf.ext
}
userdb {
  driver = sql
  args = %(d)s/dovecot-sql.conf.ext
}
passdb {
  driver = sql
  args = %(d)s/missing-sql.conf.ext
}
""" % {"d": d})
        out = migrate(path).stdout
        cfg = tomllib.loads(out)
        if zest_has_table("sql"):
            self.assertEqual(cfg["auth"]["driver"], "sql")
            self.assertEqual(cfg["sql"]["driver"], "pgsql")
            self.assertEqual(cfg["sql"]["connect"],
                             "host=127.0.0.1 dbname=mail user=dovecot password=secret")
            self.assertEqual(cfg["sql"]["password_query"],
                             "SELECT userid AS user, password FROM users WHERE userid = '%u'")
            self.assertEqual(cfg["sql"]["default_pass_scheme"], "SHA512-CRYPT")
            self.assertIn("iterate_query", cfg["sql"])
        else:
            self.assertUnmapped(out, "passdb/args", "SQL")
        self.assertNotIn("auth", {k for k in cfg if k == "auth" and "passwd_file" in cfg[k]})

    # ---------------------------------------------------------- bad input
    def test_bad_input(self):
        d = self.dir
        path = self.write("open.conf", "hostname = a\nservice lmtp {\n  inet_listener lmtp {\n"
                          "    port = 24\n  }\n")
        r = migrate(path, rc=65)
        self.assertIn("%s:2: error: section 'service lmtp' is not closed" % path, r.stderr)
        self.assertEqual(r.stdout, "")
        inc = self.write("inc.conf", "hostname = a\n\n!include conf.d/nosuch.conf\n")
        r = migrate(inc, rc=66)
        self.assertIn("%s:3: error: !include conf.d/nosuch.conf: %s/conf.d/nosuch.conf: "
                      "no such file" % (inc, d), r.stderr)
        r = migrate(self.write("glob.conf", "!include empty.d/*.conf\n"), rc=66)
        self.assertIn("glob.conf:1: error: !include empty.d/*.conf: no file matches", r.stderr)
        # !include_try of a missing file is fine, as in Dovecot.
        migrate(self.write("try.conf", "!include_try nosuch.conf\nhostname = b\n"))
        # In an included file, the error names that file and line.
        self.write("conf.d/bad.conf", "plugin {\n  sieve_max_actions 3\n}\n")
        r = migrate(self.write("outer.conf", "!include conf.d/bad.conf\n"), rc=65)
        self.assertIn("%s/conf.d/bad.conf:2: error: expected 'sieve_max_actions = value'" % d,
                      r.stderr)
        r = migrate(self.write("close.conf", "}\n"), rc=65)
        self.assertIn("close.conf:1: error: '}' without an open section", r.stderr)
        r = migrate(None, stdin="plugin {\n  sieve = x\n", rc=65)
        self.assertIn("<stdin>:1: error: section 'plugin' is not closed", r.stderr)
        r = migrate(os.path.join(d, "nosuch.conf"), rc=66)
        self.assertIn("nosuch.conf", r.stderr)
        # Exit codes as documented in zest --help.
        help_text = run([ARGS.zest, "--help"]).stdout
        self.assertRegex(help_text, r"(?m)^  65 .*\n.*migrate-config: a syntax error")
        self.assertRegex(help_text, r"(?m)^  66 .*migrate-config: the Dovecot")
        self.assertRegex(help_text, r"(?m)^  70 +migrate-config")

    def test_help_names_the_command(self):
        r = run([ARGS.zest, "migrate-config", "--help"])
        self.assertIn("doveconf -n", r.stdout)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--zest", required=True)
    p.add_argument("--zestd", required=True)
    p.add_argument("--source-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
