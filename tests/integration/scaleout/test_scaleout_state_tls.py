#!/usr/bin/env python3
"""`[state] backend = "redis"` over TLS (ctest scaleout_state_tls, issue 19
point 1): a private redis-server with only a TLS port, a throw-away CA and
an ACL user. A vacation delivered through zestd with `url = "rediss://..."`
and `ca_file` leaves its key in Redis (AUTH as the ACL user inside TLS);
without `ca_file` the server's certificate cannot be verified, so the
delivery answers 451 and the log says why.

usage: test_scaleout_state_tls.py --zestd PATH --zest PATH [-k NAME]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import zestlib  # noqa: E402
from test_scaleout_store import Lmtp  # noqa: E402

VACATION = 'require "vacation";\nvacation :days 1 :addresses "ann@mx.test" "Away until Monday.";\n'
USER, PASSWORD = "zest", "tls-pw"


def start_tls_redis(d):
    """(Popen, TLS port, CA file): no plain port, the default user off."""
    ca, cert, key = zestlib.make_test_ca(d)
    os.chmod(d, 0o755)  # zestd may run as nobody: the CA must be readable
    os.chmod(ca, 0o644)
    port = zestlib.free_port()
    log = open(os.path.join(d, "redis.log"), "ab")
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca,
         "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", d,
         "--user", "default", "off",
         "--user", USER, "on", ">" + PASSWORD, "~*", "&*", "+@all"],
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    zestlib.wait_port(port, proc, timeout=15.0, what="redis-server")
    return proc, port, ca


class ScaleOutStateTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis_dir = tempfile.mkdtemp(prefix="zest-state-tls-redis-")
        cls.redis, cls.port, cls.ca = start_tls_redis(cls.redis_dir)
        cls.envs = []

    @classmethod
    def tearDownClass(cls):
        for env in cls.envs:
            env.cleanup()
        zestlib.stop_process(cls.redis, timeout=10)
        shutil.rmtree(cls.redis_dir, ignore_errors=True)

    def zestd(self, prefix, state_extra):
        """One zestd node whose [state] is this server over rediss://."""
        state = ('[state]\nbackend = "redis"\nurl = "rediss://%s:%s@127.0.0.1:%d"\n'
                 'key_prefix = "%s"\ntimeout = 2\n%s'
                 % (USER, PASSWORD, self.port, prefix, state_extra))
        env = zestlib.ZestdCluster("zest-state-tls-", ARGS.zestd, ARGS.zest, count=1,
                                   node_config=state, run_as=zestlib.run_as_nobody())
        self.envs.append(env)
        env.add_user("ann", script=VACATION)
        env.start()
        return env

    def deliver(self, env, subject):
        c = Lmtp(env.nodes[0].lmtp_port)
        try:
            msg = ("From: sender@example.org\nTo: ann@mx.test\nSubject: %s\n\nbody\n"
                   % subject).encode()
            return c.send("sender@example.org", ["ann"], msg)[0]
        finally:
            c.close()

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "--tls", "--cacert", self.ca, "-h", "127.0.0.1",
                            "-p", str(self.port), "--user", USER, "--pass", PASSWORD,
                            "--no-auth-warning", *args],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split()

    def test_a_vacation_state_over_tls(self):
        env = self.zestd("ok:", 'ca_file = "%s"\n' % self.ca)
        code, text = self.deliver(env, "hello")
        self.assertEqual(code, 250, text + env.logtext())
        keys = self.redis_cli("--scan", "--pattern", "ok:dup:ann:*")
        self.assertEqual(len(keys), 1, (keys, env.logtext()))
        self.assertNotIn("event=state-error", env.logtext())

    def test_b_unknown_ca_is_a_temporary_failure(self):
        env = self.zestd("bad:", "")  # the system CAs do not know the test CA
        code, text = self.deliver(env, "hello")
        self.assertEqual(code, 451, text)
        log = env.logtext()
        self.assertIn("event=state-error", log)
        self.assertIn("certificate verify failed", log)
        self.assertEqual(self.redis_cli("--scan", "--pattern", "bad:*"), [])


if __name__ == "__main__":
    sys.exit(zestlib.test_main(lambda a: globals().update(ARGS=a),
                               programs=("redis-server", "redis-cli", "openssl")))
