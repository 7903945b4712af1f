#!/usr/bin/env python3
"""[metrics] listen: zestd's Prometheus endpoint read by a real text-format
parser (python3-prometheus-client) before and after real traffic: an LMTP
delivery through a Sieve script, a refused RCPT, a quota refusal,
ManageSieve logins that fail and succeed, an event waiting in the outbox
for a sink that is down. Also /health and the bounds of the HTTP responder.

zestd runs on free 127.0.0.1 ports, is stopped by pid, and every wait is
bounded. usage: test_metrics.py --zestd PATH --zest PATH [-k NAME]
"""
import os
import shutil
import smtplib
import socket
import sys
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "managesieve"))
from test_managesieve import Raw, plain  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import ZestdEnv, free_port, test_main  # noqa: E402

ARGS = None
SCRIPT = 'require "fileinto";\nif header :contains "subject" "sieve" { fileinto "Sieve"; }\n'


def http(port, request, timeout=10):
    """One raw HTTP exchange: (status code, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def scrape(port):
    """{(name, frozenset(labels)): value} of every sample on /metrics."""
    code, body = http(port, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert code == 200, code
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Env(ZestdEnv):
    def __init__(self):
        super().__init__("zest-metrics-it-", ARGS.zestd, ARGS.zest)
        self.lmtp_port, self.ms_port, self.port = free_port(), free_port(), free_port()
        self.sink_port = free_port()  # nothing listens there: the sink is down
        self.write_config(
            'data_dir = "%s"\nhostname = "mx.test"\n' % self.var
            + '[lmtp]\nlisten = ["127.0.0.1:%d"]\ntimeout = 10\n' % self.lmtp_port
            + '[managesieve]\nlisten = ["127.0.0.1:%d"]\nauth_failure_delay_ms = 10\n'
            % self.ms_port
            + '[metrics]\nlisten = "127.0.0.1:%d"\n' % self.port
            + '[submission]\nurl = "smtp://127.0.0.1:9"\n[delivery]\nautocreate = true\n'
            + '[quota]\nstorage = 20000\n'
            + '[events]\nbackoff_initial_ms = 50\nbackoff_max_ms = 400\n'
            'poll_interval_ms = 200\ndead_after = 3600\n'
            + '[[events.sink]]\nname = "hook"\ntype = "webhook"\n'
            'url = "http://127.0.0.1:%d/hook"\nsecret = "%s"\ntimeout = 1\n'
            % (self.sink_port, "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))

    def add_user(self, name, script=None):
        super().add_user(name, script, password="secret")

    def start(self):
        super().start(self.port, self.lmtp_port, self.ms_port)

    def stop(self):
        super().stop(timeout=20)


class Metrics(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.env.add_user("alice", SCRIPT)
        self.env.start()

    def tearDown(self):
        self.env.stop()
        shutil.rmtree(self.env.dir, ignore_errors=True)

    def traffic(self):
        msg = (b"From: bob@example.org\r\nTo: alice@mx.test\r\nSubject: about sieve\r\n"
               b"Message-ID: <x1@example.org>\r\n\r\nhello\r\n")
        with smtplib.LMTP("127.0.0.1", self.env.lmtp_port, timeout=30) as l:
            self.assertEqual(l.sendmail("bob@example.org", ["alice"], msg), {})
        with smtplib.LMTP("127.0.0.1", self.env.lmtp_port, timeout=30) as l:
            with self.assertRaises(smtplib.SMTPRecipientsRefused):
                l.sendmail("bob@example.org", ["nobody"], msg)
        big = msg + b"x" * 30000 + b"\r\n"  # over [quota] storage: 452
        with smtplib.LMTP("127.0.0.1", self.env.lmtp_port, timeout=30) as l:
            with self.assertRaises(smtplib.SMTPDataError) as e:
                l.sendmail("bob@example.org", ["alice"], big)
            self.assertEqual(e.exception.smtp_code, 452)
        r = Raw(self.env.ms_port)
        r.until_status()
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "wrong"))
        self.assertTrue(r.line().startswith(b"NO"))
        r.send('AUTHENTICATE "PLAIN" "%s"\r\n' % plain("alice", "secret"))
        self.assertTrue(r.line().startswith(b"OK"))
        r.send("LOGOUT\r\n")
        r.line()
        r.close()

    def test_counters_move_with_real_traffic(self):
        before = scrape(self.env.port)
        self.assertEqual(value(before, "zest_build_info", version=next(
            dict(k[1])["version"] for k in before if k[0] == "zest_build_info")), 1)
        self.assertGreater(value(before, "zest_start_time_seconds"), 1.6e9)
        self.traffic()
        after = scrape(self.env.port)

        def moved(name, by=1, **labels):
            self.assertEqual(value(after, name, **labels) - value(before, name, **labels), by,
                             (name, labels))

        moved("zest_deliveries_total", result="delivered")
        moved("zest_deliveries_total", result="tempfail")
        moved("zest_quota_refusals_total")
        moved("zest_delivery_duration_seconds_count", by=2)
        moved("zest_sieve_run_duration_seconds_count")
        moved("zest_sieve_actions_total", type="fileinto")
        moved("zest_lmtp_rcpt_refused_total", code="550")
        # At least: the start-up probe's connections may be counted late.
        for proto, n in (("lmtp", 3), ("managesieve", 1)):
            self.assertGreaterEqual(value(after, "zest_sessions_total", protocol=proto) -
                                    value(before, "zest_sessions_total", protocol=proto), n)
        moved("zest_logins_total", mechanism="PLAIN", result="failure")
        moved("zest_logins_total", mechanism="PLAIN", result="success")
        moved("zest_metrics_scrapes_total")
        self.assertGreater(value(after, "zest_delivery_duration_seconds_sum"),
                           value(before, "zest_delivery_duration_seconds_sum"))
        self.assertEqual(value(after, "zest_delivery_duration_seconds_bucket", le="+Inf"),
                         value(after, "zest_delivery_duration_seconds_count"))
        # The MessageNew event waits for the sink that is down.
        self.assertGreaterEqual(value(after, "zest_events_outbox_pending", sink="hook"), 1)
        self.assertEqual(value(after, "zest_events_outbox_dead", sink="hook"), 0)
        # Sessions end: the gauge comes back to 0 (bounded wait).
        end = time.monotonic() + 10
        while time.monotonic() < end:
            now = scrape(self.env.port)
            if (value(now, "zest_sessions_active", protocol="lmtp") == 0 and
                    value(now, "zest_sessions_active", protocol="managesieve") == 0):
                break
            time.sleep(0.05)
        self.assertEqual(value(now, "zest_sessions_active", protocol="lmtp"), 0)
        self.assertEqual(value(now, "zest_sessions_active", protocol="managesieve"), 0)
        self.assertIn(" event=listening protocol=metrics address=127.0.0.1:%d" % self.env.port,
                      self.env.logtext())

    def test_health_and_bad_requests(self):
        self.assertEqual(http(self.env.port, b"GET /health HTTP/1.1\r\n\r\n"), (200, b"ok\n"))
        self.assertEqual(http(self.env.port, b"GET /nope HTTP/1.1\r\n\r\n")[0], 404)
        self.assertEqual(http(self.env.port, b"POST /metrics HTTP/1.1\r\n\r\n")[0], 405)
        self.assertEqual(http(self.env.port, b"BREW\r\n\r\n")[0], 400)
        self.assertEqual(http(self.env.port, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 +
                              b"\r\n\r\n")[0], 431)
        many = b"".join(b"X-%d: y\r\n" % i for i in range(100))
        self.assertEqual(http(self.env.port, b"GET /metrics HTTP/1.1\r\n" + many + b"\r\n")[0],
                         431)
        # Still serving afterwards.
        self.assertIn(("zest_metrics_scrapes_total", frozenset()), scrape(self.env.port))


if __name__ == "__main__":
    sys.exit(test_main(lambda a: globals().update(ARGS=a)))
