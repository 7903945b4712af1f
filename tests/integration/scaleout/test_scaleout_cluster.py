#!/usr/bin/env python3
"""Three zestd nodes, one redis-server, one shared data directory (ctest
scaleout_cluster, issue 19 point 5).

A private redis-server (append-only file, fsynced on every write, so that
stopping and starting it keeps its keys) holds the Sieve state of all
nodes (`[state] backend = "redis"`) and receives every node's events
(one Redis Streams `[[events.sink]]` "bus", stream `zt:events`). Each node
has its own outbox (SQLite on its own directory) and its own `[events]
source`. Vacation replies and mailto notifications go through
`[submission]` to an aiosmtpd sink in this process, which counts them.
LMTP sessions for the same users and senders run concurrently on all
three nodes. The tests run in name order, each building on the last:

a. one vacation reply per sender across nodes;
b. `duplicate` true on another node for a copy first seen on one, also
   when the copies arrive at all three at once;
c. `[notify] max_per_user_hour` counted once for all nodes;
d. concurrent load, then no UID twice in any dovecot-uidlist and Dovecot
   imapd lists every message of every folder;
e. every user's events in the stream numbered 1..n without gap or repeat,
   increasing per node (source) in stream order, one MessageNew per
   stored message;
f. kill -9 of node 2 under load while its stream sink is unreachable
   (node 2's sink URL goes through a TCP proxy in this process that is
   switched off: its events stay pending in its outbox): every message
   acknowledged with 250 is in the Maildir, and node 2, restarted on the
   same outbox, sends the events that were pending;
g. redis-server stopped under load: 250 or 451 4.x only, never a second
   vacation reply nor a first copy filed as a duplicate; started again on
   the same port, delivery resumes with the right actions.

As root, zestd and Dovecot's mail processes run as `nobody`.

usage: test_scaleout_cluster.py --zestd PATH --zest PATH [-k NAME]
"""
import imaplib
import json
import os
import re
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
from test_scaleout_store import Lmtp, folder_files, read_uidlist  # noqa: E402

STREAM = "zt:events"
NOTIFY_LIMIT = 4

SCRIPTS = {
    # a, g: vacation
    "vac": 'require "vacation";\nvacation :days 1 :addresses "vac@mx.test" "Away.";\n',
    # b, g: duplicate
    "dup": 'require ["duplicate", "fileinto", "mailbox"];\n'
           'if duplicate { fileinto :create "Dups"; }\n',
    # c: one mailto notification per message, up to the limit
    "ntf": 'require "enotify";\nnotify :message "mail for ntf" "mailto:watch@example.net";\n',
    # d: two folders, one created by whichever node delivers first
    "ann": 'require ["fileinto", "mailbox"];\n'
           'if header :contains "subject" "[list]" { fileinto :create "Lists"; }\n',
}
PLAIN_USERS = ("kil", "dan")


class Proxy:
    """A TCP forwarder on 127.0.0.1 to `upstream`; block() drops its
    connections and closes new ones at once (a sink that cannot be
    reached), unblock() forwards again."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.blocked = False
        self.running = True
        self.lock = threading.Lock()
        self.conns = []
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.blocked:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
            except OSError:
                c.close()
                continue
            c.settimeout(None)
            u.settimeout(None)
            with self.lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def block(self):
        self.blocked = True
        self.drop()

    def unblock(self):
        self.blocked = False

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()
        self.drop()


class ScaleOutCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from aiosmtpd.controller import Controller
        cls.tmp = tempfile.mkdtemp(prefix="zest-cluster-redis-")
        cls.redis, cls.redis_port = start_redis(cls.tmp, persistent=True)
        cls.proxy = Proxy(cls.redis_port)
        cls.mails, mails = [], []
        cls.mails = mails

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        cls.smtp_port = zestlib.free_port()
        cls.smtp = Controller(Handler(), hostname="127.0.0.1", port=cls.smtp_port)
        cls.smtp.start()
        url = "redis://default:%s@127.0.0.1:%d/0" % (REDIS_PASSWORD, cls.redis_port)
        node_config = (
            '[state]\nbackend = "redis"\nurl = "%s"\nkey_prefix = "zt:"\ntimeout = 1\n'
            '[maildir]\nlock_timeout = 10\nstale_lock_timeout = 5\n'
            '[notify]\nmax_per_user_hour = %d\nbackoff_initial_ms = 50\nbackoff_max_ms = 500\n'
            '[[events.sink]]\nname = "bus"\ntype = "redis"\nstream = "%s"\n'
            'url = "redis://:%s@127.0.0.1:SINKPORT/0"\n'
            % (url, NOTIFY_LIMIT, STREAM, REDIS_PASSWORD))
        cls.env = zestlib.ZestdCluster(
            "zest-scaleout-cluster-", ARGS.zestd, ARGS.zest, count=3,
            node_config=node_config, run_as=zestlib.run_as_nobody(),
            submission="smtp://127.0.0.1:%d" % cls.smtp_port,
            events_config=('source = "urn:zest:node{node.index}"\n'
                           'backoff_initial_ms = 50\nbackoff_max_ms = 500\n'))
        # Node 2 reaches the stream through the proxy; the others directly.
        for node in cls.env.nodes:
            with open(node.cfg) as f:
                text = f.read()
            port = cls.proxy.port if node.index == 2 else cls.redis_port
            with open(node.cfg, "w") as f:
                f.write(text.replace("SINKPORT", str(port)))
        for user, script in SCRIPTS.items():
            cls.env.add_user(user, script=script)
        for user in PLAIN_USERS:
            cls.env.add_user(user)
        cls.env.start()
        cls.t0 = time.monotonic()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        cls.smtp.stop()
        cls.proxy.close()
        stop(cls.redis)
        print("scaleout_cluster: %.1f s" % (time.monotonic() - cls.t0), file=sys.stderr)
        cls.env.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers -------------------------------------------------------------

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.redis_port), "--no-auth-warning",
                            "-a", REDIS_PASSWORD, *args], capture_output=True, text=True,
                           timeout=10)
        return r.stdout

    def deliver(self, node, rcpt, sender, subject, msgid):
        """(code, text) of one LMTP transaction on `node`."""
        c = Lmtp(self.env.nodes[node].lmtp_port)
        try:
            return c.send(sender, [rcpt], self.message(rcpt, sender, subject, msgid))[0]
        finally:
            c.close()

    @staticmethod
    def message(rcpt, sender, subject, msgid):
        return ("From: %s\nTo: %s@mx.test\nSubject: %s\nMessage-ID: <%s@example.org>\n\n"
                "body of %s\n" % (sender, rcpt, subject, msgid, msgid)).encode()

    def concurrently(self, jobs):
        """Runs each job (node, rcpt, sender, subject, msgid) in its own
        thread, all at once; [(job, code, text)]."""
        out, lock = [], threading.Lock()
        start = threading.Barrier(len(jobs))

        def run(job):
            start.wait(30)
            try:
                code, text = self.deliver(*job)
            except Exception as e:  # noqa: BLE001 - reported by the caller
                code, text = 0, repr(e)
            with lock:
                out.append((job, code, text))

        threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), "LMTP clients still running")
        return out

    def pending(self, node, sink=None):
        """Pending outbox rows of a node (sink "bus", "notify:mail", or all)."""
        path = os.path.join(node.dir, "events.sqlite")
        if not os.path.exists(path):
            return []
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
        try:
            q = ("SELECT d.sink, d.user, d.seq, e.uid FROM delivery d JOIN event e "
                 "ON e.id = d.event WHERE d.state = 0")
            rows = db.execute(q).fetchall()
        finally:
            db.close()
        return [r for r in rows if sink is None or r[0] == sink]

    def drained(self, timeout=60):
        """Until no node (running) has anything pending."""
        zestlib.wait_for(lambda: not any(self.pending(n) for n in self.env.nodes),
                         "every outbox sent", timeout=timeout)

    def mails_to(self, rcpt):
        return [m for m in self.mails if rcpt in m[1]]

    def stream(self):
        """[(entry id, {field: value})] of the events stream, in order."""
        script = ("local r = redis.call('XRANGE', KEYS[1], '-', '+') "
                  "return cjson.encode(r)")
        raw = self.redis_cli("--raw", "EVAL", script, "1", STREAM)
        entries = []
        for eid, fields in json.loads(raw):
            entries.append((eid, dict(zip(fields[0::2], fields[1::2]))))
        return entries

    def stored(self, user):
        """{folder: [(Message-ID, path)]} of a user's Maildir."""
        maildir = os.path.join(self.env.home(user), "Maildir")
        out = {}
        if not os.path.isdir(maildir):
            return out
        folders = [("INBOX", maildir)] + [
            (e[1:], os.path.join(maildir, e)) for e in sorted(os.listdir(maildir))
            if e.startswith(".") and os.path.isdir(os.path.join(maildir, e, "new"))]
        for name, folder in folders:
            ids = []
            for path, _ in folder_files(folder).values():
                with open(path, "rb") as f:
                    m = re.search(rb"(?mi)^Message-ID:\s*<([^>@]*)@example\.org>", f.read())
                ids.append((m.group(1).decode() if m else None, path))
            out[name] = ids
        return out

    def ids_in(self, user, folder):
        return [i for i, _ in self.stored(user).get(folder, [])]

    # --- a: one vacation reply per sender across nodes -----------------------

    def test_a_one_vacation_reply_per_sender(self):
        senders = ["s%d@example.org" % i for i in range(4)]
        jobs = [(t % 3, "vac", senders[i], "hi %d/%d" % (t, i), "a-%d-%d" % (t, i))
                for t in range(6) for i in range(len(senders))]
        results = self.concurrently(jobs)
        self.assertEqual([r for r in results if r[1] != 250], [], self.env.logtext()[-3000:])
        zestlib.wait_for(lambda: all(self.mails_to(s) for s in senders), "vacation replies")
        self.drained()
        time.sleep(0.5)
        for s in senders:
            got = self.mails_to(s)
            self.assertEqual(len(got), 1, "%s got %d vacation replies" % (s, len(got)))
            self.assertEqual(got[0][0], "<>")
        self.assertEqual(len(self.ids_in("vac", "INBOX")), len(jobs))

    # --- b: duplicate true on a second node ------------------------------------

    def test_b_duplicate_across_nodes(self):
        # First seen on node 0, then copies through nodes 1 and 2.
        for node in (0, 1, 2):
            code, text = self.deliver(node, "dup", "x@example.org", "copy", "b-seq")
            self.assertEqual(code, 250, text)
        self.assertEqual(self.ids_in("dup", "INBOX"), ["b-seq"])
        self.assertEqual(self.ids_in("dup", "Dups"), ["b-seq", "b-seq"])
        # Three copies of each of five messages arrive at the three nodes at once.
        jobs = [(node, "dup", "x@example.org", "copy %d" % i, "b-con-%d" % i)
                for i in range(5) for node in range(3)]
        results = self.concurrently(jobs)
        self.assertEqual([r for r in results if r[1] != 250], [], self.env.logtext()[-3000:])
        inbox, dups = self.ids_in("dup", "INBOX"), self.ids_in("dup", "Dups")
        for i in range(5):
            mid = "b-con-%d" % i
            self.assertEqual((inbox.count(mid), dups.count(mid)), (1, 2), mid)

    # --- c: notify rate limit counted once -------------------------------------

    def test_c_notify_limit_shared(self):
        extra = 5
        jobs = [(i % 3, "ntf", "n@example.org", "n %d" % i, "c-%d" % i)
                for i in range(NOTIFY_LIMIT + extra)]
        results = self.concurrently(jobs)
        self.assertEqual([r for r in results if r[1] != 250], [], self.env.logtext()[-3000:])
        zestlib.wait_for(lambda: len(self.mails_to("watch@example.net")) >= NOTIFY_LIMIT,
                         "notifications")
        self.drained()
        time.sleep(0.5)
        self.assertEqual(len(self.mails_to("watch@example.net")), NOTIFY_LIMIT)
        self.assertEqual(self.redis_cli("GET", "zt:rate:notify:ntf").strip(), str(NOTIFY_LIMIT))
        self.assertEqual(len(self.ids_in("ntf", "INBOX")), NOTIFY_LIMIT + extra)
        skipped = len(re.findall(r"(?m)event=notify\b.*status=\"?skipped", self.env.logtext()))
        self.assertEqual(skipped, extra, "skipped notifications logged")

    # --- d: shared Maildirs: unique UIDs, Dovecot reads every folder -----------

    def test_d_uids_unique_and_dovecot_reads_all(self):
        jobs = [(t % 3, "ann", "l%d@example.org" % t,
                 "m %d %d%s" % (t, i, " [list]" if (t + i) % 2 else ""), "d-%d-%d" % (t, i))
                for t in range(6) for i in range(4)]
        # Six clients (two per node), four messages each, all at once.
        by_client = {}
        for j in jobs:
            by_client.setdefault(j[2], []).append(j)
        out, lock = [], threading.Lock()

        def client(js):
            c = Lmtp(self.env.nodes[js[0][0]].lmtp_port)
            try:
                for node, rcpt, sender, subject, mid in js:
                    r = c.send(sender, [rcpt], self.message(rcpt, sender, subject, mid))[0]
                    with lock:
                        out.append((mid, r))
            finally:
                c.close()

        threads = [threading.Thread(target=client, args=(js,)) for js in by_client.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(sorted(r[0] for _, r in out), [250] * len(jobs))
        st = self.stored("ann")
        self.assertEqual(len(st["INBOX"]) + len(st["Lists"]), len(jobs))
        users = list(SCRIPTS)
        expected = {}
        for u in users:
            maildir = os.path.join(self.env.home(u), "Maildir")
            for folder, files in self.stored(u).items():
                path = maildir if folder == "INBOX" else os.path.join(maildir, "." + folder)
                _, records = read_uidlist(path)
                uids = [uid for uid, _ in records]
                self.assertEqual(len(uids), len(set(uids)), "%s %s: a UID twice" % (u, folder))
                self.assertEqual(len(records), len(files), "%s %s: uidlist and files" % (u, folder))
                expected[(u, folder)] = sorted(uids)
        self.assertIn(("dup", "Dups"), expected)
        if not zestlib.dovecot_imapd_available():
            self.skipTest("dovecot-imapd not installed (scripts/install-test-deps.sh)")
        with zestlib.DovecotImapd(self.env) as port:
            for u in users:
                m = imaplib.IMAP4("127.0.0.1", port)
                try:
                    m.login(u, "pw")
                    for (user, folder), uids in expected.items():
                        if user != u:
                            continue
                        typ, _ = m.select(folder, readonly=True)
                        self.assertEqual(typ, "OK", (u, folder))
                        typ, data = m.uid("SEARCH", "ALL")
                        self.assertEqual(typ, "OK")
                        got = sorted(int(x) for x in data[0].split())
                        self.assertEqual(got, uids, "%s %s as Dovecot sees it" % (u, folder))
                finally:
                    m.logout()

    # --- e: events gapless and in order across nodes -----------------------------

    def check_stream(self, gapless_users=None, gaps_allowed=()):
        """Per user: numbers never repeat, increase per source in stream
        order, and (unless in gaps_allowed) are 1..n; n is the shared
        counter. Returns {user: [(type, messageId)]}."""
        per_user = {}
        for _, f in self.stream():
            ev = json.loads(f["event"])
            self.assertEqual(int(f["sequence"]), int(ev["sequence"]))
            per_user.setdefault(f["subject"], []).append(
                (ev["source"], int(f["sequence"]), f["type"], ev["data"].get("vnd.zest.messageId")))
        for user, evs in per_user.items():
            seqs = [s for _, s, _, _ in evs]
            self.assertEqual(len(seqs), len(set(seqs)), "%s: a sequence number twice" % user)
            for src in {e[0] for e in evs}:
                mine = [s for so, s, _, _ in evs if so == src]
                self.assertEqual(mine, sorted(mine), "%s from %s out of order" % (user, src))
            counter = int(self.redis_cli("GET", "zt:seq:bus:%s" % user).strip())
            if user not in gaps_allowed:
                self.assertEqual(sorted(seqs), list(range(1, counter + 1)), "%s: gap" % user)
            self.assertLessEqual(max(seqs), counter)
        return {u: [(t, m) for _, _, t, m in evs] for u, evs in per_user.items()}

    def test_e_events_gapless_across_nodes(self):
        self.drained()
        events = self.check_stream()
        for user in SCRIPTS:
            stored = sum(len(v) for v in self.stored(user).values())
            news = [m for t, m in events.get(user, []) if t == "MessageNew"]
            self.assertEqual(len(news), stored, "%s: one MessageNew per stored message" % user)
            sources = set()
            for _, f in self.stream():
                if f["subject"] == user:
                    sources.add(json.loads(f["event"])["source"])
            self.assertEqual(sources, {"urn:zest:node0", "urn:zest:node1", "urn:zest:node2"}, user)

    # --- f: kill -9 of one node under load ------------------------------------------

    def test_f_kill9_loses_nothing_acknowledged(self):
        self.proxy.block()  # node 2's stream sink is unreachable from here on
        acked, refused, retried, lock = [], [], [], threading.Lock()
        stop_at = time.monotonic() + 20
        victim = self.env.nodes[2]

        def client(t):
            node = t % 3
            conn = None
            try:
                for i in range(40):
                    if time.monotonic() > stop_at:
                        return
                    mid = "f-%d-%d" % (t, i)
                    if conn is None:
                        conn = Lmtp(self.env.nodes[node].lmtp_port)
                    for _ in range(100):  # an MTA retries a 451 later
                        code, text = conn.send("k@example.org", ["kil"],
                                               self.message("kil", "k@example.org", "k", mid))[0]
                        if code != 451:
                            break
                        with lock:
                            retried.append((node, mid, text))
                        time.sleep(0.1)
                    if code != 250:
                        with lock:
                            refused.append((node, mid, text))
                    else:
                        with lock:
                            acked.append((node, mid))
                            if node == 2 and victim.proc.poll() is None and \
                                    sum(1 for n, _ in acked if n == 2) >= 8:
                                victim.proc.kill()  # kill -9, the other client mid-session
            except (OSError, EOFError, AssertionError):
                if node != 2:
                    raise
            finally:
                if conn is not None:
                    try:
                        conn.close()
                    except OSError:
                        pass

        errors = []

        def guarded(t):
            try:
                client(t)
            except Exception as e:  # noqa: BLE001
                errors.append((t, repr(e)))

        threads = [threading.Thread(target=guarded, args=(t,)) for t in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(refused, [], self.env.logtext()[-3000:])
        # A node killed while it held a folder's dovecot-uidlist.lock leaves
        # the lock: the others wait and take it over once it is
        # stale_lock_timeout (5 s here, 120 by default) old; with a
        # lock_timeout shorter than that they answer 451 4.2.0 meanwhile.
        for r in retried:
            self.assertTrue(r[2].startswith("451 4.2.0 "), r)
        stale = self.env.logtext().count("event=maildir-stale-lock")
        victim.proc.wait(10)
        self.assertEqual(victim.proc.returncode, -9, "node 2 was killed by SIGKILL")
        victim.stop()
        on_victim = [m for n, m in acked if n == 2]
        self.assertGreaterEqual(len(on_victim), 8)
        self.assertGreater(len(acked), len(on_victim), "the other nodes delivered meanwhile")
        stored = self.ids_in("kil", "INBOX")
        missing = [m for _, m in acked if m not in stored]
        self.assertEqual(missing, [], "acknowledged but not in the Maildir")
        self.assertEqual(len(stored), len(set(stored)), "a message stored twice")
        # What node 2 could not send is still pending in its outbox.
        pending = self.pending(victim, "bus")
        self.assertGreaterEqual(len(pending), len(on_victim), pending[:3])
        pending_ids = {uid for _, _, _, uid in pending}
        in_stream = {f["id"] for _, f in self.stream()}
        self.assertEqual(pending_ids & in_stream, set())
        # Restarted on the same outbox with its sink reachable: all sent.
        self.proxy.unblock()
        victim.start()
        zestlib.wait_for(lambda: pending_ids <= {f["id"] for _, f in self.stream()},
                         "node 2's pending events in the stream", timeout=60)
        self.drained()
        events = self.check_stream(gaps_allowed=("kil",))
        news = {m for t, m in events["kil"] if t == "MessageNew"}
        self.assertEqual({"<%s@example.org>" % m for _, m in acked} - news, set(),
                         "an acknowledged message without its event")
        print("kill -9: %d acknowledged (%s by nodes 0, 1, 2), %d stale lock(s) of node 2 taken "
              "over, %d answered 451 and retried, %d events were pending on node 2"
              % (len(acked), "/".join(str(sum(1 for n, _ in acked if n == i)) for i in range(3)),
                 stale, len(retried), len(pending_ids)), file=sys.stderr)

    # --- g: Redis stopped under load ---------------------------------------------------

    def test_g_redis_down_tempfails_then_resumes(self):
        code, text = self.deliver(0, "vac", "g0@example.org", "before", "g-vac-0")
        self.assertEqual(code, 250, text)
        code, text = self.deliver(1, "dup", "x@example.org", "before", "g-dup")
        self.assertEqual(code, 250, text)
        zestlib.wait_for(lambda: self.mails_to("g0@example.org"), "the first vacation reply")

        phase = {"now": "up"}
        results, lock = [], threading.Lock()
        done = threading.Event()

        errors = []

        def client(node):
            try:
                load(node)
            except Exception as e:  # noqa: BLE001
                errors.append((node, repr(e)))

        def load(node):
            i = 0
            while not done.is_set() and i < 400:
                i += 1
                for rcpt, sender, mid in (("vac", "g0@example.org", "g-vac-%d-%d" % (node, i)),
                                          ("dup", "x@example.org", "g-dup"),
                                          ("dan", "d@example.org", "g-dan-%d-%d" % (node, i))):
                    before = phase["now"]
                    code, text = self.deliver(node, rcpt, sender, "load", mid)
                    with lock:
                        results.append((before, phase["now"], node, rcpt, mid, code, text))
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            phase["now"] = "stopping"
            stop(self.redis)
            phase["now"] = "down"
            time.sleep(2.0)
            phase["now"] = "starting"
            type(self).redis, _ = start_redis(self.tmp, port=self.redis_port, persistent=True)
            phase["now"] = "restarted"
            time.sleep(1.5)
            phase["now"] = "up again"
            time.sleep(1.5)
        finally:
            done.set()
            for t in threads:
                t.join(120)
        self.assertEqual(errors, [])
        bad = [r for r in results if r[5] not in (250, 451)]
        self.assertEqual(bad, [], self.env.logtext()[-3000:])
        for r in results:
            if r[5] == 451:
                self.assertRegex(r[6], r"^451 4\.\d+\.\d+ ", r)
        down = [r for r in results if r[0] == "down" and r[1] == "down"]
        self.assertTrue(down, "no delivery while Redis was down")
        self.assertEqual({r[5] for r in down}, {451}, "while Redis was down")
        self.assertEqual({r[2] for r in down}, {0, 1, 2})
        again = [r for r in results if r[0] == "up again"]
        self.assertTrue(again)
        self.assertEqual({r[5] for r in again}, {250}, "after Redis came back")
        ok = [r for r in results if r[5] == 250]
        # No wrong action: g0 was answered before; its copy of g-dup was first.
        self.drained()
        time.sleep(0.5)
        self.assertEqual(len(self.mails_to("g0@example.org")), 1, "a second vacation reply")
        self.assertEqual(self.ids_in("dup", "INBOX").count("g-dup"), 1)
        self.assertEqual(self.ids_in("dup", "Dups").count("g-dup"),
                         sum(1 for r in ok if r[4] == "g-dup"))
        for rcpt in ("vac", "dan"):
            stored = self.ids_in(rcpt, "INBOX")
            self.assertEqual([r[4] for r in ok if r[3] == rcpt and r[4] not in stored], [])
            failed = [r[4] for r in results if r[3] == rcpt and r[5] == 451]
            self.assertEqual([m for m in failed if m in stored], [], "stored after a 451")
        # Resumed with the right actions: a new sender answered once, a new
        # message first in INBOX, its copy on another node a duplicate.
        for node in (2, 0, 1):
            code, text = self.deliver(node, "vac", "g1@example.org", "after", "g-after-%d" % node)
            self.assertEqual(code, 250, text)
        self.assertEqual(self.deliver(0, "dup", "x@example.org", "after", "g-new")[0], 250)
        self.assertEqual(self.deliver(2, "dup", "x@example.org", "after", "g-new")[0], 250)
        zestlib.wait_for(lambda: self.mails_to("g1@example.org"), "the new sender's reply")
        self.drained()
        time.sleep(0.5)
        self.assertEqual(len(self.mails_to("g1@example.org")), 1)
        self.assertEqual(self.ids_in("dup", "INBOX").count("g-new"), 1)
        self.assertEqual(self.ids_in("dup", "Dups").count("g-new"), 1)
        self.check_stream(gaps_allowed=("kil", "vac", "dup", "dan"))
        print("redis down: %d deliveries, %d answered 451 while it was down, %d after it came "
              "back, all 250" % (len(results), len(down), len(again)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(zestlib.test_main(lambda a: globals().update(ARGS=a),
                               programs=("redis-server", "redis-cli")))
