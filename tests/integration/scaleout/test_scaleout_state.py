#!/usr/bin/env python3
"""Two zestd nodes with `[state] backend = "redis"` (ctest scaleout_state,
issue 19 point 1): the same message delivered through both nodes at once
gets one vacation reply, the decision lives in Redis under the documented
keys (not in the home), ManageSieve's failed logins and connections per
address count across the nodes (issue 19 point 1, the remaining
counters), and with Redis stopped a delivery that needs the state answers
451 4.3.0 while one that does not is delivered, and ManageSieve falls
back to each node's own counts.

usage: test_scaleout_state.py --zestd PATH --zest PATH [-k NAME]
"""
import base64
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ARGS = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "transport"))
import zestlib  # noqa: E402
from redis_peer import REDIS_PASSWORD, start_redis, stop  # noqa: E402
from test_scaleout_store import Lmtp  # noqa: E402

VACATION = 'require "vacation";\nvacation :days 1 :addresses "ann@mx.test" "Away until Monday.";\n'


class ScaleOutState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis_dir = tempfile.mkdtemp(prefix="zest-state-redis-")
        cls.redis, cls.redis_port = start_redis(cls.redis_dir)
        state = ('[state]\nbackend = "redis"\nurl = "redis://default:%s@127.0.0.1:%d/0"\n'
                 'key_prefix = "zt:"\ntimeout = 1\n' % (REDIS_PASSWORD, cls.redis_port))
        cls.env = zestlib.ZestdCluster("zest-scaleout-state-", ARGS.zestd, ARGS.zest, count=2,
                                       node_config=state, run_as=zestlib.run_as_nobody(),
                                       managesieve_config="max_connections_per_address = 2\n")
        cls.env.add_user("ann", script=VACATION)
        cls.env.add_user("dan")
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        stop(cls.redis)
        cls.env.cleanup()
        shutil.rmtree(cls.redis_dir, ignore_errors=True)

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.redis_port), "--no-auth-warning",
                            "-a", REDIS_PASSWORD, *args], capture_output=True, text=True,
                           timeout=10)
        return r.stdout.split()

    def deliver(self, node, rcpt, subject):
        c = Lmtp(self.env.nodes[node].lmtp_port)
        try:
            msg = ("From: sender@example.org\nTo: %s@mx.test\nSubject: %s\n\nbody\n"
                   % (rcpt, subject)).encode()
            return c.send("sender@example.org", [rcpt], msg)[0]
        finally:
            c.close()

    def vacation_replies(self):
        n = 0
        for node in self.env.nodes:
            db = sqlite3.connect(os.path.join(node.dir, "events.sqlite"))
            try:
                n += db.execute("SELECT count(*) FROM delivery WHERE sink LIKE 'notify:%'"
                                ).fetchone()[0]
            finally:
                db.close()
        return n

    def test_a_one_vacation_reply_across_nodes(self):
        codes, lock = [], threading.Lock()

        def client(i):
            code = self.deliver(i % 2, "ann", "hello %d" % i)[0]
            with lock:
                codes.append(code)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(codes, [250] * 8, self.env.logtext())
        self.assertEqual(self.vacation_replies(), 1, self.env.logtext())
        keys = self.redis_cli("--scan", "--pattern", "zt:dup:ann:*")
        self.assertEqual(len(keys), 1, keys)
        ttl = int(self.redis_cli("TTL", keys[0])[0])
        self.assertTrue(86400 - 60 < ttl <= 86400, ttl)  # :days 1
        self.assertFalse(os.path.exists(os.path.join(self.env.home("ann"), ".zest.duplicates")))

    def sieve_connect(self, node):
        s = socket.create_connection(("127.0.0.1", self.env.nodes[node].managesieve_port),
                                     timeout=10)
        f = s.makefile("rb")
        greeting = []
        while True:
            line = f.readline().decode()
            greeting.append(line)
            if not line or line.startswith(("OK", "BYE", "NO")):
                break
        return s, f, "".join(greeting)

    def sieve_auth(self, node, user, password):
        """One PLAIN login on a fresh connection: (reply line, seconds it took)."""
        s, f, greeting = self.sieve_connect(node)
        try:
            self.assertTrue(greeting.splitlines()[-1].startswith("OK"), greeting)
            token = base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode()
            start = time.monotonic()
            s.sendall(('AUTHENTICATE "PLAIN" "%s"\r\n' % token).encode())
            reply = f.readline().decode()
            return reply, time.monotonic() - start
        finally:
            f.close()
            s.close()

    def wait_no_sessions(self):
        key = "zt:conn:managesieve:127.0.0.1"
        for _ in range(100):
            if self.redis_cli("ZCARD", key) == ["0"]:
                return
            time.sleep(0.05)
        self.fail("sessions still leased: %s" % self.redis_cli("ZRANGE", key, "0", "-1"))

    def test_b_failed_logins_count_across_nodes(self):
        # [managesieve] auth_failure_delay_ms = 50: 50, 100, 200 ms.
        for _ in range(2):
            reply, _ = self.sieve_auth(0, "dan", "wrong")
            self.assertTrue(reply.startswith("NO"), reply)
        self.assertEqual(self.redis_cli("GET", "zt:login:fail:user:dan"), ["2"])
        self.assertEqual(self.redis_cli("GET", "zt:login:fail:addr:127.0.0.1"), ["2"])
        ttl = int(self.redis_cli("PTTL", "zt:login:fail:user:dan")[0])
        self.assertTrue(590000 < ttl <= 600000, ttl)
        # Node 1 has seen none of them itself: its delay is the third failure's.
        reply, took = self.sieve_auth(1, "dan", "wrong")
        self.assertTrue(reply.startswith("NO"), reply)
        self.assertGreaterEqual(took, 0.19, self.env.logtext())
        self.assertEqual(self.redis_cli("GET", "zt:login:fail:user:dan"), ["3"])
        # A login on node 1 clears the counts for both nodes.
        reply, _ = self.sieve_auth(1, "dan", "pw")
        self.assertTrue(reply.startswith("OK"), reply)
        self.assertEqual(self.redis_cli("EXISTS", "zt:login:fail:user:dan",
                                        "zt:login:fail:addr:127.0.0.1"), ["0"])
        reply, took = self.sieve_auth(0, "dan", "wrong")
        self.assertLess(took, 0.19)
        self.sieve_auth(0, "dan", "pw")  # leave no count to later tests
        self.assertNotIn("protocol=managesieve op=", self.env.logtext())

    def test_c_connections_per_address_across_nodes(self):
        self.wait_no_sessions()
        held = [self.sieve_connect(0), self.sieve_connect(0)]
        try:
            for _, _, g in held:
                self.assertTrue(g.splitlines()[-1].startswith("OK"), g)
            self.assertEqual(self.redis_cli("ZCARD", "zt:conn:managesieve:127.0.0.1"), ["2"])
            s, f, g = self.sieve_connect(1)
            f.close()
            s.close()
            self.assertIn('BYE "Too many connections', g)
            # One ends on node 0: node 1 takes its place.
            held[0][1].close()
            held[0][0].close()
            for _ in range(100):
                if self.redis_cli("ZCARD", "zt:conn:managesieve:127.0.0.1") == ["1"]:
                    break
                time.sleep(0.05)
            s, f, g = self.sieve_connect(1)
            held[0] = (s, f, g)
            self.assertTrue(g.splitlines()[-1].startswith("OK"), g)
        finally:
            for s, f, _ in held:
                f.close()
                s.close()
        self.wait_no_sessions()

    def test_z_redis_down_tempfails_only_what_needs_it(self):
        stop(self.redis)
        code, text = self.deliver(0, "ann", "while redis is down")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.0", text)
        self.assertIn("event=state-error", self.env.logtext())
        code, text = self.deliver(1, "dan", "no script, no state")
        self.assertEqual(code, 250, text)
        # ManageSieve goes on with the node's own counts, and says so.
        reply, _ = self.sieve_auth(0, "dan", "wrong")
        self.assertTrue(reply.startswith("NO"), reply)
        s, f, g = self.sieve_connect(0)
        f.close()
        s.close()
        self.assertTrue(g.splitlines()[-1].startswith("OK"), g)
        self.assertIn("event=state-error protocol=managesieve", self.env.logtext())


if __name__ == "__main__":
    sys.exit(zestlib.test_main(lambda a: globals().update(ARGS=a), programs=("redis-server",)))
