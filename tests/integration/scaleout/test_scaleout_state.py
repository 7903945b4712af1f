#!/usr/bin/env python3
"""Two zestd nodes with `[state] backend = "redis"` (ctest scaleout_state,
issue 19 point 1): the same message delivered through both nodes at once
gets one vacation reply, the decision lives in Redis under the documented
keys (not in the home), and with Redis stopped a delivery that needs the
state answers 451 4.3.0 while one that does not is delivered.

usage: test_scaleout_state.py --zestd PATH --zest PATH [-k NAME]
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
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
                                       node_config=state, run_as=zestlib.run_as_nobody())
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

    def test_z_redis_down_tempfails_only_what_needs_it(self):
        stop(self.redis)
        code, text = self.deliver(0, "ann", "while redis is down")
        self.assertEqual(code, 451, text)
        self.assertIn("4.3.0", text)
        self.assertIn("event=state-error", self.env.logtext())
        code, text = self.deliver(1, "dan", "no script, no state")
        self.assertEqual(code, 250, text)


if __name__ == "__main__":
    sys.exit(zestlib.test_main(lambda a: globals().update(ARGS=a), programs=("redis-server",)))
