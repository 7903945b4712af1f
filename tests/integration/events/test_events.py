#!/usr/bin/python3
"""Message-store events (docs/events.md) from zestd to real receivers on
127.0.0.1: a webhook receiver that is down, slow, and answers 500, 429 and
200 by turns; zestd killed with SIGKILL while events are pending; a private
redis-server; sinks with filters and denied fields. Every server is started
and stopped here, by pid; every wait is bounded.

usage: test_events.py --zestd PATH --zest PATH [-k NAME]
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zestd"))
from test_zestd import Lmtp, dotstuff  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import ZestdEnv, free_port, stop_process, test_main, wait_port  # noqa: E402
from zestlib import wait_for as zestlib_wait_for  # noqa: E402

ARGS = None
SECRET_KEY = b"zest-events-test-secret-0123456"
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()
WAIT = 90.0  # upper bound of every wait for events (never a pass/fail threshold)


def wait_for(cond, what, timeout=WAIT):
    return zestlib_wait_for(cond, what, timeout)


def verify_signature(headers, body):
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body))."""
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    want = base64.b64encode(hmac.new(SECRET_KEY, ("%s.%s." % (msg_id, ts)).encode() + body,
                                     hashlib.sha256).digest()).decode()
    sigs = headers.get("webhook-signature", "").split()
    return any(s.startswith("v1,") and hmac.compare_digest(s[3:], want) for s in sigs)


class Receiver:
    """A webhook receiver. `behaviour(n, event)` picks the answer for the
    n-th request (0-based): 200, 500, 429 (with Retry-After), 400, "slow"
    (wait past the sink's timeout, then 503) or "hold" (wait for
    `release`, then 200)."""

    def __init__(self, port, behaviour=lambda n, ev: 200):
        self.port = port
        self.behaviour = behaviour
        self.lock = threading.Lock()
        self.requests = []   # (headers, body, answer)
        self.accepted = []   # events answered 200, in order
        self.bad_signatures = 0
        self.held = []
        self.release = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                ev = json.loads(body)
                with outer.lock:
                    n = len(outer.requests)
                    answer = outer.behaviour(n, ev)
                    outer.requests.append((headers, body, answer))
                    if not verify_signature(headers, body):
                        outer.bad_signatures += 1
                if answer == "slow":
                    time.sleep(3)
                    answer = 503
                if answer == "hold":
                    outer.held.append(ev["id"])
                    outer.release.wait(WAIT)
                    answer = 200
                extra = {}
                if answer == 429:
                    extra["Retry-After"] = "1"
                try:
                    self.send_response(answer)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    return
                if answer == 200:
                    with outer.lock:
                        outer.accepted.append(ev)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), H)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def events_of(self, user, accepted=True):
        with self.lock:
            src = self.accepted if accepted else [json.loads(b) for _, b, _ in self.requests]
            return [e for e in src if e["subject"] == user]


class Resp:
    """Just enough of RESP (the Redis protocol) for XLEN and XRANGE."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.s.makefile("rb")

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def read(self):
        line = self.f.readline().rstrip(b"\r\n")
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return rest.decode()
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ValueError("bad RESP line %r" % line)

    def close(self):
        self.s.close()


class Env(ZestdEnv):
    """A data dir, users, and zestd with the given [[events.sink]] tables."""

    def __init__(self, sinks, scripts=None, extra=""):
        super().__init__("zestd-events-", ARGS.zestd, ARGS.zest)
        self.port = free_port()
        text = ('data_dir = "%s"\nhostname = "mx.test"\n' % self.var
                + '[lmtp]\nlisten = ["127.0.0.1:%d"]\ntimeout = 10\n' % self.port
                + '[managesieve]\nlisten = []\n[submission]\nurl = "smtp://127.0.0.1:9"\n'
                + '[delivery]\nautocreate = false\n' + extra
                # Short, bounded backoff so the tests run quickly; the code
                # path is the production one.
                + '[events]\nbackoff_initial_ms = 50\nbackoff_max_ms = 400\n'
                'poll_interval_ms = 200\ndead_after = 3600\n')
        for s in sinks:
            text += "[[events.sink]]\n"
            for k, v in s.items():
                text += "%s = %s\n" % (k, json.dumps(v))
        self.write_config(text)
        for user, script in (scripts or {}).items():
            self.add_user(user, script)

    def start(self):
        super().start(self.port)

    def deliver(self, rcpts, subject, sender="bob@example.net"):
        msg = ("From: Bob <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.net>\r\n"
               "\r\nbody of %s\r\n" % (sender, rcpts[0], subject, subject.replace(" ", "."),
                                       subject)).encode()
        c = Lmtp(self.port)
        c.cmd("LHLO test")
        c.cmd("MAIL FROM:<%s>" % sender)
        for r in rcpts:
            assert c.cmd("RCPT TO:<%s>" % r)[0].startswith("250"), r
        c.cmd("DATA")
        c.send(dotstuff(msg) + b".\r\n")
        replies = [c.reply()[0] for _ in rcpts]
        c.cmd("QUIT")
        c.close()
        return replies

    def outbox_rows(self, state=None):
        r = self.zest("events", "list", *(["--state", state] if state else []))
        assert r.returncode == 0, r.stderr
        lines = r.stdout.decode().splitlines()[1:]
        return [dict(zip(("id", "sink", "user", "seq", "type", "state", "attempts", "time",
                          "error"), l.split("\t"))) for l in lines]

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()


def webhook(name, port, **kw):
    s = {"name": name, "type": "webhook", "url": "http://127.0.0.1:%d/hook" % port,
         "secret": SECRET, "timeout": 1}
    s.update(kw)
    return s


def first_seen(events):
    """Sequence numbers in the order they were first accepted."""
    seen, order = set(), []
    for e in events:
        n = int(e["sequence"])
        if n not in seen:
            seen.add(n)
            order.append(n)
    return order


class WebhookTests(unittest.TestCase):
    def test_down_slow_500_429_200_in_order(self):
        port = free_port()
        env = Env([webhook("hook", port)])
        rx = None
        try:
            env.add_user("alice@example.org")
            env.add_user("bob@example.org")
            env.start()
            # The receiver is down: the messages are accepted all the same.
            for i in range(3):
                self.assertTrue(env.deliver(["alice@example.org", "bob@example.org"],
                                            "early %d" % i)[0].startswith("250"))
            wait_for(lambda: "event=event-retry" in env.log_text(), "a failed attempt")
            turns = [500, 429, "slow", 200, 500, 200, 429, 200]
            rx = Receiver(port, lambda n, ev: turns[n % len(turns)])
            for i in range(3):
                env.deliver(["alice@example.org", "bob@example.org"], "late %d" % i)
            for user in ("alice@example.org", "bob@example.org"):
                wait_for(lambda: len(set(first_seen(rx.events_of(user)))) >= 6, user + " events")
            answers = [a for _, _, a in rx.requests]
            for kind in (500, 429, "slow", 200):
                self.assertIn(kind, answers)
            self.assertEqual(rx.bad_signatures, 0)
            for user in ("alice@example.org", "bob@example.org"):
                got = rx.events_of(user)
                self.assertEqual(first_seen(got), [1, 2, 3, 4, 5, 6], user)
                # Never a later event accepted before an earlier one.
                seqs = [int(e["sequence"]) for e in got]
                self.assertEqual(seqs, sorted(seqs), user)
                subjects = [e["data"]["vnd.zest.subject"] for e in got]
                self.assertEqual(subjects[:1] + subjects[-1:], ["early 0", "late 2"])
            # The same event keeps its id (and webhook-id) on every retry.
            by_id = {}
            for headers, body, _ in rx.requests:
                ev = json.loads(body)
                self.assertEqual(headers["webhook-id"], ev["id"])
                self.assertEqual(headers["content-type"],
                                 "application/cloudevents+json; charset=utf-8")
                by_id.setdefault(ev["id"], set()).add((ev["subject"], ev["sequence"]))
            self.assertTrue(all(len(v) == 1 for v in by_id.values()))
            self.check_message_new(env, rx.events_of("alice@example.org")[0])
            wait_for(lambda: all(r["state"] == "delivered" for r in env.outbox_rows()),
                     "all rows delivered")
        finally:
            env.cleanup()
            if rx:
                rx.stop()

    def check_message_new(self, env, ev):
        self.assertEqual(ev["specversion"], "1.0")
        self.assertEqual(ev["type"], "MessageNew")
        self.assertEqual(ev["source"], "urn:zest:mx.test")
        self.assertEqual(ev["subject"], "alice@example.org")
        self.assertEqual(len(ev["sequence"]), 20)
        d = ev["data"]
        self.assertEqual(d["user"], "alice@example.org")
        self.assertTrue(d["mailboxID"].startswith("imap://alice%40example.org@mx.test/INBOX;"
                                                  "UIDVALIDITY="), d["mailboxID"])
        self.assertEqual(d["uri"], d["mailboxID"] + "/;UID=1")
        self.assertEqual(d["envelope"],
                         "MAIL FROM:<bob@example.net>\r\nRCPT TO:<alice@example.org>")
        self.assertEqual(d["service"], "lmtp")
        self.assertEqual(d["serverFQDN"], "mx.test")
        self.assertEqual(d["vnd.zest.from"], "Bob <bob@example.net>")
        self.assertEqual(d["vnd.zest.messageId"], "<early.0@example.net>")
        self.assertEqual(d["timestamp"], ev["time"])
        # messageSize: the stored file with CRLF line ends (IMAP RFC822.SIZE).
        new = os.path.join(env.dir, "var", "home", "alice@example.org", "Maildir", "new")
        sizes = []
        for fn in os.listdir(new):
            with open(os.path.join(new, fn), "rb") as f:
                data = f.read()
            if b"Subject: early 0\n" in data:
                sizes.append(len(data) + data.count(b"\n"))
        self.assertEqual(sizes, [d["messageSize"]])

    def test_users_are_independent(self):
        """alice's receiver holds her request until all of bob's events have
        arrived: if one user's stream could hold back another's, bob's
        events would never come and the wait would fail."""
        port = free_port()
        env = Env([webhook("hook", port, timeout=120)])
        rx = Receiver(port, lambda n, ev: "hold" if ev["subject"] == "alice@example.org"
                      and not rx.release.is_set() else 200)
        try:
            env.add_user("alice@example.org")
            env.add_user("bob@example.org")
            env.start()
            env.deliver(["alice@example.org"], "alice first")
            wait_for(lambda: rx.held, "alice's request")
            for i in range(3):
                env.deliver(["bob@example.org"], "bob %d" % i)
            wait_for(lambda: len(rx.events_of("bob@example.org")) == 3, "bob's events")
            self.assertEqual(rx.events_of("alice@example.org"), [])
            rx.release.set()
            wait_for(lambda: len(rx.events_of("alice@example.org")) == 1, "alice's event")
            self.assertEqual(first_seen(rx.events_of("bob@example.org")), [1, 2, 3])
        finally:
            rx.release.set()
            env.cleanup()
            rx.stop()


class CrashTests(unittest.TestCase):
    def test_kill9_with_events_pending(self):
        port = free_port()
        env = Env([webhook("hook", port)])
        rx = None
        try:
            env.add_user("alice@example.org")
            env.start()
            for i in range(5):
                self.assertTrue(env.deliver(["alice@example.org"], "msg %d" % i)[0]
                                .startswith("250"))
            rows = env.outbox_rows("pending")
            self.assertEqual([int(r["seq"]) for r in rows], [1, 2, 3, 4, 5])
            env.stop(signal.SIGKILL)
            rx = Receiver(port)
            env.start()
            wait_for(lambda: len(rx.events_of("alice@example.org")) >= 5, "events after restart")
            got = rx.events_of("alice@example.org")
            self.assertEqual(first_seen(got), [1, 2, 3, 4, 5])
            self.assertEqual([e["data"]["vnd.zest.subject"] for e in got][:5],
                             ["msg %d" % i for i in range(5)])
            self.assertEqual([e["data"]["uri"].rsplit("=", 1)[1] for e in got][:5],
                             ["1", "2", "3", "4", "5"])
            self.assertEqual(rx.bad_signatures, 0)
        finally:
            env.cleanup()
            if rx:
                rx.stop()


class DeadTests(unittest.TestCase):
    def test_permanent_failure_is_dead_then_retried(self):
        port = free_port()
        env = Env([webhook("hook", port)])
        answer = [400]
        rx = Receiver(port, lambda n, ev: answer[0])
        try:
            env.add_user("alice@example.org")
            env.start()
            env.deliver(["alice@example.org"], "one")
            env.deliver(["alice@example.org"], "two")
            wait_for(lambda: len(env.outbox_rows("dead")) == 2, "two dead events")
            dead = env.outbox_rows("dead")
            self.assertEqual(dead[0]["error"], "HTTP status 400")
            answer[0] = 200
            r = env.zest("events", "retry", dead[1]["id"])
            self.assertEqual(r.returncode, 0, r.stderr)
            wait_for(lambda: len(rx.accepted) == 1, "the replayed event")
            self.assertEqual(rx.accepted[0]["id"], dead[1]["id"])
            r = env.zest("events", "retry", "--all-dead")
            self.assertIn(b"1 dead delivery queued again", r.stdout)
            wait_for(lambda: len(rx.accepted) == 2, "the second replay")
            self.assertEqual(rx.accepted[1]["id"], dead[0]["id"])
        finally:
            env.cleanup()
            rx.stop()


SCRIPT_SORT = ('require ["fileinto", "mailbox", "reject"];\n'
               'if header :contains "subject" "spam" { reject "no spam"; stop; }\n'
               'if header :contains "subject" "list" { fileinto :create "Lists/zest"; }\n')


class FilterTests(unittest.TestCase):
    def test_types_users_and_fields_denied(self):
        port_full, port_private = free_port(), free_port()
        full = Receiver(port_full)
        private = Receiver(port_private)
        env = Env([webhook("full", port_full),
                   webhook("private", port_private, events=["MessageNew"],
                           fields_denied=["vnd.zest.from", "vnd.zest.subject", "envelope"],
                           users_excluded=["carol@example.org"])],
                  )
        try:
            env.add_user("alice@example.org", SCRIPT_SORT)
            env.add_user("carol@example.org")
            env.start()
            env.deliver(["alice@example.org"], "hello")
            env.deliver(["alice@example.org"], "list news")
            self.assertTrue(env.deliver(["alice@example.org"], "spam offer")[0]
                            .startswith("550"))
            env.deliver(["alice@example.org"], "list more")
            env.deliver(["carol@example.org"], "for carol")
            wait_for(lambda: len(full.events_of("alice@example.org")) >= 5, "full sink")
            wait_for(lambda: len(private.events_of("alice@example.org")) >= 3, "private sink")
            types = [e["type"] for e in full.events_of("alice@example.org")]
            self.assertEqual(types, ["MessageNew", "MailboxCreate", "MessageNew",
                                     "vnd.zest.MessageRejected", "MessageNew"])
            mc = full.events_of("alice@example.org")[1]["data"]
            self.assertRegex(mc["mailboxID"],
                             r"^imap://alice%40example\.org@mx\.test/Lists/zest;UIDVALIDITY=\d+$")
            rej = full.events_of("alice@example.org")[3]["data"]
            self.assertEqual(rej["vnd.zest.reason"], "no spam")
            got = private.events_of("alice@example.org")
            self.assertEqual([e["type"] for e in got], ["MessageNew"] * 3)
            self.assertEqual(first_seen(got), [1, 2, 3])  # its own stream: no gaps
            for _, body, _ in private.requests:
                for word in (b"vnd.zest.from", b"vnd.zest.subject", b"envelope", b"Bob",
                             b"spam", b"list more"):
                    self.assertNotIn(word, body)
            self.assertTrue(got[1]["data"]["uri"].startswith(
                "imap://alice%40example.org@mx.test/Lists/zest;UIDVALIDITY="))
            wait_for(lambda: len(full.events_of("carol@example.org")) == 1, "carol, full sink")
            self.assertEqual(private.events_of("carol@example.org", accepted=False), [])
        finally:
            env.cleanup()
            full.stop()
            private.stop()


class QuotaTests(unittest.TestCase):
    def test_quota_exceed_and_within(self):
        port = free_port()
        rx = Receiver(port)
        env = Env([webhook("hook", port)], extra="[quota]\nstorage = 500\n")
        try:
            env.add_user("alice@example.org")
            env.start()
            self.assertTrue(env.deliver(["alice@example.org"], "first")[0].startswith("250"))
            self.assertTrue(env.deliver(["alice@example.org"], "second")[0]
                            .startswith("452 4.2.2"))
            # The user expunges (as an IMAP client would): room again.
            new = os.path.join(env.dir, "var", "home", "alice@example.org", "Maildir", "new")
            for fn in os.listdir(new):
                os.unlink(os.path.join(new, fn))
            self.assertTrue(env.deliver(["alice@example.org"], "third")[0].startswith("250"))
            wait_for(lambda: len(rx.events_of("alice@example.org")) == 4, "four events")
            got = rx.events_of("alice@example.org")
            self.assertEqual([e["type"] for e in got],
                             ["MessageNew", "QuotaExceed", "QuotaWithin", "MessageNew"])
            exceed = got[1]["data"]
            self.assertEqual(exceed["diskQuota"], 1)
            self.assertEqual(exceed["diskUsed"], 1)  # KiB, rounded up
            self.assertEqual(exceed["uri"], "imap://alice%40example.org@mx.test/")
            self.assertEqual(got[2]["data"]["diskUsed"], 0)
            self.assertEqual(first_seen(got), [1, 2, 3, 4])
        finally:
            env.cleanup()
            rx.stop()


class ManageSieveTests(unittest.TestCase):
    def test_login_logout(self):
        port, ms_port = free_port(), free_port()
        rx = Receiver(port)
        env = Env([webhook("hook", port, events=["Login", "Logout",
                                                 "vnd.zest.SieveScriptRefused"])])
        try:
            with open(env.cfg) as f:
                text = f.read()
            with open(env.cfg, "w") as f:
                f.write(text.replace("[managesieve]\nlisten = []",
                                     '[managesieve]\nlisten = ["127.0.0.1:%d"]' % ms_port))
            env.add_user("alice@example.org")
            env.start()
            wait_port(ms_port, env.proc)
            s = socket.create_connection(("127.0.0.1", ms_port), timeout=10)
            f = s.makefile("rb")

            def until_ok():
                while True:
                    line = f.readline()
                    if not line or line.startswith((b"OK", b"NO", b"BYE")):
                        return line
            until_ok()
            token = base64.b64encode(b"\0alice@example.org\0pw").decode()
            s.sendall(b'AUTHENTICATE "PLAIN" "%s"\r\n' % token.encode())
            self.assertTrue(until_ok().startswith(b"OK"))
            bad = b"fileino \"x\";\r\n"
            s.sendall(b'PUTSCRIPT "main" {%d+}\r\n%s\r\n' % (len(bad), bad))
            self.assertTrue(until_ok().startswith(b"NO"))
            s.sendall(b"LOGOUT\r\n")
            until_ok()
            s.close()
            wait_for(lambda: len(rx.events_of("alice@example.org")) == 3, "three events")
            login, refused, logout = rx.events_of("alice@example.org")
            self.assertEqual((login["type"], refused["type"], logout["type"]),
                             ("Login", "vnd.zest.SieveScriptRefused", "Logout"))
            self.assertEqual(first_seen([login, refused, logout]), [1, 2, 3])
            self.assertEqual(refused["data"]["vnd.zest.script"], "main")
            self.assertIn("fileino", refused["data"]["vnd.zest.reason"])
            self.assertEqual(login["data"]["service"], "sieve")
            self.assertEqual(login["data"]["clientIP"], "127.0.0.1")
            self.assertEqual(login["data"]["serverDomain"], "mx.test")
            self.assertEqual(logout["data"]["vnd.zest.disconnect"], "graceful")
        finally:
            env.cleanup()
            rx.stop()


class RedisTests(unittest.TestCase):
    def test_stream_in_order(self):
        redis = shutil.which("redis-server")
        if not redis:
            self.skipTest("redis-server not installed (scripts/install-test-deps.sh)")
        rport = free_port()
        rdir = tempfile.mkdtemp(prefix="zest-redis-")
        rlog = open(os.path.join(rdir, "redis.log"), "wb")
        rs = subprocess.Popen([redis, "--port", str(rport), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", rdir],
                              stdout=rlog, stderr=subprocess.STDOUT)
        env = Env([{"name": "bus", "type": "redis", "url": "redis://127.0.0.1:%d/0" % rport,
                    "stream": "zest:test", "fields_denied": ["vnd.zest.subject"]}])
        try:
            wait_port(rport, rs)
            env.add_user("alice@example.org")
            env.add_user("bob@example.org")
            env.start()
            for i in range(4):
                env.deliver(["alice@example.org", "bob@example.org"], "r %d" % i)
            r = Resp(rport)
            wait_for(lambda: r.cmd("XLEN", "zest:test") == 8, "8 stream entries")
            entries = r.cmd("XRANGE", "zest:test", "-", "+")
            seqs = {}
            ids = set()
            for _, fields in entries:
                f = dict(zip(fields[::2], fields[1::2]))
                ev = json.loads(f["event"])
                self.assertEqual(f["id"], ev["id"])
                self.assertEqual(f["type"], "MessageNew")
                self.assertEqual(f["sequence"], ev["sequence"])
                self.assertNotIn("vnd.zest.subject", ev["data"])
                seqs.setdefault(f["subject"], []).append(int(f["sequence"]))
                ids.add(f["id"])
            self.assertEqual(seqs, {"alice@example.org": [1, 2, 3, 4],
                                    "bob@example.org": [1, 2, 3, 4]})
            self.assertEqual(len(ids), 8)
            # Idempotent: each id has its marker; replaying adds nothing.
            for i in ids:
                self.assertEqual(r.cmd("EXISTS", "zest:test:seen:" + i), 1)
            r.close()
        finally:
            env.cleanup()
            stop_process(rs, timeout=10)
            rlog.close()
            shutil.rmtree(rdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(test_main(lambda a: globals().update(ARGS=a)))
