#!/usr/bin/env python3
"""zestd --check-config and --dump-config (docs/zestd.md "Running").

--check-config must name every problem start-up or delivery would hit, each
with its file and line, and exit 78; a good file exits 0. --dump-config
prints the effective configuration with defaults and hidden secrets, and
its output is itself a valid configuration.

usage: test_config_checks.py --zestd PATH
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def zestd(*args):
    # Run as root (CI), the service user need not exist: as under ctest.
    env = dict(os.environ, ZEST_ALLOW_ROOT="1")
    return subprocess.run([ARGS.zestd, *args], capture_output=True, text=True, timeout=60, env=env)


class ConfigChecks(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zest-check-")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def line_of(self, path, needle):
        with open(path) as f:
            for i, line in enumerate(f, 1):
                if needle in line:
                    return i
        raise AssertionError(needle)

    def test_every_problem_with_file_and_line(self):
        self.write("broken.sieve", 'require "fileinto";\nfileinto\n')
        self.write("good.sieve", 'require "fileinto";\nfileinto "x";\n')
        os.mkdir(os.path.join(self.dir, "global"))
        self.write("global/bad.sieve", "if true {\n")
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}/var"
[lmtp]
listen = ["127.0.0.1:0"]
tls_cert = "{self.dir}/missing-cert.pem"
tls_key = "{self.dir}/missing-key.pem"
[managesieve]
listen = []
[submission]
url = "ftp://127.0.0.1:25"
[delivery]
sieve_before = ["{self.dir}/no-such-before.sieve", "{self.dir}/good.sieve"]
sieve_after = ["{self.dir}/broken.sieve"]
sieve_global_dir = "{self.dir}/global"
[sieve]
extensions = ["fileinto", "vnd.nosuch.extension"]
[[events.sink]]
name = "audit"
url = "ftp://example.org/events"
''')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        expect = {
            "missing-cert.pem": "tls_cert",
            "no-such-before.sieve": "sieve_before",
            "broken.sieve": "sieve_after",
            "bad.sieve": "sieve_global_dir",
            "vnd.nosuch.extension": "extensions",
            "ftp://127.0.0.1:25": "url = \"ftp://127.0.0.1:25\"",
            "ftp://example.org/events": "url = \"ftp://example.org/events\"",
        }
        lines = r.stderr.splitlines()
        for needle, key_line in expect.items():
            hits = [l for l in lines if needle in l]
            self.assertTrue(hits, "no problem names %s:\n%s" % (needle, r.stderr))
            want = "%s:%d:" % (cfg, self.line_of(cfg, key_line))
            self.assertTrue(hits[0].startswith(want), "%r does not start with %r" % (hits[0], want))
        self.assertNotIn("good.sieve", r.stderr)
        self.assertIn("problems in " + cfg, r.stderr)

    def test_certificate_and_key_must_match(self):
        certs = []
        for n in ("a", "b"):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=" + n, "-keyout", f"{self.dir}/{n}.key", "-out",
                            f"{self.dir}/{n}.crt"], capture_output=True, check=True, timeout=60)
            certs.append(n)
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}"
[lmtp]
listen = ["127.0.0.1:0"]
tls_cert = "{self.dir}/a.crt"
tls_key = "{self.dir}/b.key"
[managesieve]
listen = ["127.0.0.1:0"]
tls_cert = "{self.dir}/b.crt"
tls_key = "{self.dir}/b.key"
''')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("%s:%d:" % (cfg, self.line_of(cfg, "b.key")), r.stderr)
        self.assertIn("[lmtp] tls_key", r.stderr)
        self.assertNotIn("[managesieve]", r.stderr)

    def test_tls_policy_is_checked(self):
        """Issue 15.7: [tls] min_protocol and ciphers are checked before start."""
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}"
[lmtp]
listen = ["127.0.0.1:0"]
[tls]
min_protocol = "TLSv1.0"
ciphers = "NO-SUCH-CIPHER"
''')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("%s:%d:" % (cfg, self.line_of(cfg, "min_protocol")), r.stderr)
        self.assertIn("[tls] min_protocol", r.stderr)
        self.assertIn("%s:%d:" % (cfg, self.line_of(cfg, "NO-SUCH-CIPHER")), r.stderr)

    def test_submission_files_are_checked(self):
        """Issue 17.2: [submission] ca_file and sendmail_path must be usable."""
        self.write("not-exec.sh", "#!/bin/sh\n")
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}"
[lmtp]
listen = ["127.0.0.1:0"]
[submission]
ca_file = "{self.dir}/no-such-ca.pem"
sendmail_path = "{self.dir}/not-exec.sh"
''')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("%s:%d:" % (cfg, self.line_of(cfg, "ca_file")), r.stderr)
        self.assertIn("error: [submission] ca_file: %s/no-such-ca.pem: no such file" % self.dir,
                      r.stderr)
        self.assertIn("%s:%d:" % (cfg, self.line_of(cfg, "sendmail_path")), r.stderr)
        self.assertIn("error: [submission] sendmail_path: %s/not-exec.sh: not executable"
                      % self.dir, r.stderr)
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}"
[lmtp]
listen = ["127.0.0.1:0"]
[submission]
sendmail_path = "sendmail"
''')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("sendmail: give a path", r.stderr)

    def test_good_file_is_valid(self):
        cfg = self.write("z.toml", f'data_dir = "{self.dir}"\n[lmtp]\nlisten = ["127.0.0.1:0"]\n')
        r = zestd("-c", cfg, "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("is valid", r.stdout)

    def test_dump_hides_secrets_and_shows_defaults(self):
        cfg = self.write("z.toml", f'''data_dir = "{self.dir}"
[submission]
password = "hunter2-submission"
[notify.xmpp]
password = "hunter2-xmpp"
[notify.http]
secret = "whsec_aHVudGVyMi1odHRwLXNlY3JldA=="
[sieve]
max_redirects = 7
[[events.sink]]
name = "audit"
url = "https://example.org/hook"
secret = "whsec_aHVudGVyMi1zaW5rLXNlY3JldA=="
''')
        r = zestd("-c", cfg, "--dump-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("hunter2", r.stdout)
        self.assertNotIn("aHVudGVy", r.stdout)
        self.assertGreaterEqual(r.stdout.count('"<hidden>"'), 4, r.stdout)
        self.assertIn("[server]\nuser = \"zest\"", r.stdout)
        self.assertIn("shutdown_timeout = 30", r.stdout)
        self.assertIn("max_redirects = 7", r.stdout)
        self.assertIn('timeout = 300', r.stdout)  # [lmtp] default
        # The dump (secrets aside) is a configuration zestd accepts.
        dumped = re.sub(r'(?m)^(password|secret) = "<hidden>"\n', "", r.stdout)
        again = self.write("dumped.toml", dumped)
        r2 = zestd("-c", again, "--dump-config")
        self.assertEqual(r2.returncode, 0, r2.stderr + dumped)

    def test_version(self):
        r = zestd("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^zestd \d+\.\d+\.\d+")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--zestd", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
