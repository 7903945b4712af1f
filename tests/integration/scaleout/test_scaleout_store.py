#!/usr/bin/env python3
"""Several zestd nodes sharing one mail store and one set of user scripts
(ctest scaleout_store, issue 19 points 2, 3 and the Maildir part of 5).

Three real zestd processes on loopback ports share one data directory, as
nodes sharing an NFS export would (each has its own event outbox). LMTP
sessions to all three deliver, at the same time, messages for the same
users into the same folders with fileinto and addflag keywords; then every
folder's dovecot-uidlist has no UID twice, every message is there exactly
once, its keywords are the ones its script gave, no lock is left behind,
and a real Dovecot imapd reads every folder with the same UIDs and
keywords. A script uploaded and activated over ManageSieve on node 0 (or
replaced in place with the same size and mtime) is the one nodes 1 and 2
run on their next delivery.

As root, zestd and Dovecot's mail processes run as `nobody`.

usage: test_scaleout_store.py --zestd PATH --zest PATH [-k NAME]
"""
import base64
import imaplib
import os
import re
import socket
import sys
import threading
import unittest

ARGS = None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zestlib  # noqa: E402

USERS = ("ann", "ben", "cat")
THREADS = 6          # LMTP clients, two per node
MESSAGES = 15        # per client, each to every user
KEYWORDS = 10        # kw0..kw9, plus "zest" on every message

# Every message gets its X-Kw keyword and "zest"; subjects with "[list]" go
# to Lists (created by the first delivery that needs it, on any node).
SCRIPT = """require ["fileinto", "imap4flags", "variables", "mailbox"];
if header :matches "x-kw" "*" { addflag "${1}"; }
addflag "zest";
if header :contains "subject" "[list]" { fileinto :create "Lists"; }
"""


class Lmtp:
    """A minimal LMTP client that reads one reply per accepted recipient
    after DATA (smtplib reads only one)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.f = self.sock.makefile("rb")
        self.reply()
        self.cmd("LHLO client.test")

    def reply(self):
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("LMTP connection closed")
            lines.append(line.decode().rstrip("\r\n"))
            if line[3:4] != b"-":
                return int(lines[-1][:3]), "\n".join(lines)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, sender, rcpts, message):
        """The per-recipient replies after DATA."""
        code, text = self.cmd("MAIL FROM:<%s>" % sender)
        assert code == 250, text
        for r in rcpts:
            code, text = self.cmd("RCPT TO:<%s>" % r)
            assert code == 250, text
        code, text = self.cmd("DATA")
        assert code == 354, text
        data = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        data = re.sub(rb"(?m)^\.", b"..", data)
        self.sock.sendall(data + b".\r\n")
        return [self.reply() for _ in rcpts]

    def close(self):
        try:
            self.cmd("QUIT")
        except (OSError, EOFError):
            pass
        self.f.close()
        self.sock.close()


class ManageSieve:
    """A ManageSieve session (PLAIN over loopback, allow_plaintext_auth)."""

    def __init__(self, port, user, password):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.f = self.sock.makefile("rb")
        self.until_status()
        auth = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        self.ok('AUTHENTICATE "PLAIN" "%s"' % auth)

    def until_status(self):
        out = []
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError(out)
            out.append(line)
            if line.split(b" ")[0].strip() in (b"OK", b"NO", b"BYE"):
                return out

    def ok(self, command):
        data = command if isinstance(command, bytes) else command.encode()
        self.sock.sendall(data + b"\r\n")
        out = self.until_status()
        assert out[-1].startswith(b"OK"), out
        return out

    def put_and_activate(self, name, source):
        s = source.encode()
        self.ok(b'PUTSCRIPT "%s" {%d+}\r\n%s' % (name.encode(), len(s), s))
        self.ok('SETACTIVE "%s"' % name)

    def close(self):
        try:
            self.ok("LOGOUT")
        except (OSError, EOFError, AssertionError):
            pass
        self.f.close()
        self.sock.close()


def read_uidlist(folder):
    """(header fields, [(uid, base name)]) of a folder's dovecot-uidlist."""
    with open(os.path.join(folder, "dovecot-uidlist")) as f:
        lines = f.read().splitlines()
    head = lines[0].split()
    assert head[0] == "3", lines[0]
    fields = {w[0]: w[1:] for w in head[1:]}
    records = []
    for line in lines[1:]:
        if not line:
            continue
        uid, rest = line.split(" ", 1)
        records.append((int(uid), rest[rest.index(":") + 1:]))
    return fields, records


def read_keywords(folder):
    letters = {}
    path = os.path.join(folder, "dovecot-keywords")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                idx, name = line.split()
                letters[chr(ord("a") + int(idx))] = name
    return letters


def folder_files(folder):
    """{base name: (path, info letters)} of the messages in new/ and cur/."""
    out = {}
    for sub in ("new", "cur"):
        d = os.path.join(folder, sub)
        for fn in os.listdir(d):
            base, _, info = fn.partition(":2,")
            assert base not in out, "%s twice in %s" % (base, folder)
            out[base] = (os.path.join(d, fn), info)
    return out


def subject_of(path):
    with open(path, "rb") as f:
        for line in f.read().decode().split("\n"):
            if line.lower().startswith("subject:"):
                return line.split(":", 1)[1].strip()
    return None


class ScaleOutStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = zestlib.ZestdCluster("zest-scaleout-", ARGS.zestd, ARGS.zest, count=3,
                                       run_as=zestlib.run_as_nobody())
        for u in USERS:
            cls.env.add_user(u, script=SCRIPT)
        cls.env.add_user("dan")
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        cls.env.cleanup()

    def deliver(self, node, rcpts, subject, extra=""):
        c = Lmtp(self.env.nodes[node].lmtp_port)
        try:
            msg = ("From: sender@example.org\nTo: %s\nSubject: %s\n%s\nbody of %s\n"
                   % (", ".join(rcpts), subject, extra, subject)).encode()
            return c.send("sender@example.org", rcpts, msg)
        finally:
            c.close()

    # --- point 2: one Maildir tree, three nodes delivering at once ---------

    def test_concurrent_delivery_from_three_nodes(self):
        expected = {u: {} for u in USERS}  # user -> subject -> (folder, keywords)
        failures = []
        lock = threading.Lock()

        def client(t):
            node = self.env.nodes[t % len(self.env.nodes)]
            conn = None
            try:
                for i in range(MESSAGES):
                    if conn is None or i % 5 == 0:  # a new LMTP session every 5 messages
                        if conn is not None:
                            conn.close()
                        conn = Lmtp(node.lmtp_port)
                    n = t * MESSAGES + i
                    listed = n % 2 == 0
                    subject = "m-%d-%d%s" % (t, i, " [list]" if listed else "")
                    kw = "kw%d" % (n % KEYWORDS)
                    msg = ("From: sender%d@example.org\nTo: %s\nSubject: %s\nX-Kw: %s\n\n"
                           "body %d\n" % (t, ", ".join(USERS), subject, kw, n)).encode()
                    replies = conn.send("sender%d@example.org" % t, USERS, msg)
                    with lock:
                        for u, (code, text) in zip(USERS, replies):
                            if code != 250:
                                failures.append((node.index, u, subject, text))
                            expected[u][subject] = ("Lists" if listed else "INBOX", {kw, "zest"})
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    failures.append((node.index, "client", t, repr(e)))
            finally:
                if conn is not None:
                    conn.close()

        threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(600)
        self.assertFalse(any(th.is_alive() for th in threads), "LMTP clients still running")
        self.assertEqual(failures, [], self.env.logtext()[-4000:])

        uids_seen = {}
        for u in USERS:
            maildir = os.path.join(self.env.home(u), "Maildir")
            found = {}
            for folder_name, folder in (("INBOX", maildir), ("Lists", os.path.join(maildir, ".Lists"))):
                fields, records = read_uidlist(folder)
                uids = [r[0] for r in records]
                self.assertEqual(len(uids), len(set(uids)), "%s %s: a UID twice" % (u, folder_name))
                bases = [r[1] for r in records]
                self.assertEqual(len(bases), len(set(bases)), "%s %s: a file listed twice"
                                 % (u, folder_name))
                # Appended lines leave the header's N behind (as Dovecot's
                # do); what counts is that UIDs only grow down the file.
                self.assertEqual(uids, sorted(uids), "%s %s: UIDs out of order" % (u, folder_name))
                self.assertLessEqual(int(fields["N"]), max(uids) + 1)
                files = folder_files(folder)
                self.assertEqual(set(files), set(bases),
                                 "%s %s: files and dovecot-uidlist differ" % (u, folder_name))
                letters = read_keywords(folder)
                uid_of = dict((b, uid) for uid, b in records)
                for base, (path, info) in files.items():
                    subject = subject_of(path)
                    self.assertNotIn(subject, found, "%s: %s stored twice" % (u, subject))
                    kws = {letters[c] for c in info if c.islower()}
                    found[subject] = (folder_name, kws)
                    uids_seen[(u, folder_name, subject)] = uid_of[base]
                for leftover in os.listdir(folder):
                    self.assertFalse(leftover.endswith(".lock") or ".lock." in leftover,
                                     "%s left in %s" % (leftover, folder))
                self.assertEqual(os.listdir(os.path.join(folder, "tmp")), [])
            self.assertEqual(found, expected[u], u)
        total = sum(len(v) for v in expected.values())
        self.assertEqual(total, len(USERS) * THREADS * MESSAGES)
        print("delivered %d messages (%d LMTP transactions) through %d nodes"
              % (total, THREADS * MESSAGES, len(self.env.nodes)), file=sys.stderr)

        if not zestlib.dovecot_imapd_available():
            self.skipTest("dovecot-imapd not installed (scripts/install-test-deps.sh)")
        with zestlib.DovecotImapd(self.env) as port:
            for u in USERS:
                m = imaplib.IMAP4("127.0.0.1", port)
                try:
                    m.login(u, "pw")
                    for folder_name in ("INBOX", "Lists"):
                        typ, _ = m.select(folder_name, readonly=True)
                        self.assertEqual(typ, "OK", (u, folder_name))
                        typ, data = m.uid("FETCH", "1:*",
                                          "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                        self.assertEqual(typ, "OK")
                        got = {}
                        for item in data:
                            if not isinstance(item, tuple):
                                continue
                            meta = item[0].decode()
                            uid = int(re.search(r"UID (\d+)", meta).group(1))
                            flags = set(re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split())
                            subject = item[1].decode().split(":", 1)[1].strip()
                            got[subject] = (uid, flags - {"\\Recent"})
                        want = {s: (uids_seen[(u, folder_name, s)], kws)
                                for s, (f, kws) in expected[u].items() if f == folder_name}
                        self.assertEqual(got, want, "%s %s as Dovecot sees it" % (u, folder_name))
                finally:
                    m.logout()

    # --- point 3: a script changed on one node runs everywhere --------------

    def folder_of(self, user, subject):
        """"INBOX" or the Maildir++ directory (".One") holding `subject`."""
        maildir = os.path.join(self.env.home(user), "Maildir")
        folders = [("INBOX", maildir)] + [
            (e, os.path.join(maildir, e)) for e in sorted(os.listdir(maildir))
            if e.startswith(".") and os.path.isdir(os.path.join(maildir, e, "new"))]
        for name, folder in folders:
            for path, _ in folder_files(folder).values():
                if subject_of(path) == subject:
                    return name
        return None

    def test_script_changed_on_one_node_runs_on_the_others(self):
        script_dir = os.path.join(self.env.home("dan"), "sieve")
        ms = ManageSieve(self.env.nodes[0].managesieve_port, "dan", "pw")
        try:
            ms.put_and_activate("s", 'require ["fileinto", "mailbox"]; fileinto :create "One";\n')
        finally:
            ms.close()
        # Nodes 1 and 2 compile it (and cache it) on their first delivery.
        for node in (1, 2):
            self.assertEqual(self.deliver(node, ["dan"], "first-%d" % node)[0][0], 250)
            self.assertEqual(self.folder_of("dan", "first-%d" % node), ".One")
        script = os.path.join(script_dir, "s.sieve")
        st = os.stat(script)

        # Replaced over ManageSieve on node 0 with a script of the same size;
        # its mtime set back to the old one's, to the nanosecond.
        ms = ManageSieve(self.env.nodes[0].managesieve_port, "dan", "pw")
        try:
            ms.put_and_activate("s", 'require ["fileinto", "mailbox"]; fileinto :create "Two";\n')
        finally:
            ms.close()
        self.assertEqual(os.stat(script).st_size, st.st_size)
        os.utime(script, ns=(st.st_atime_ns, st.st_mtime_ns))
        for node in (1, 2):
            self.assertEqual(self.deliver(node, ["dan"], "second-%d" % node)[0][0], 250)
            self.assertEqual(self.folder_of("dan", "second-%d" % node), ".Two")

        # Rewritten in place (same inode, same size, same mtime): only the
        # text differs.
        st = os.stat(script)
        with open(script, "r+") as f:
            f.write('require ["fileinto", "mailbox"]; fileinto :create "Six";\n')
        os.utime(script, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertEqual(os.stat(script).st_ino, st.st_ino)
        for node in (1, 2):
            self.assertEqual(self.deliver(node, ["dan"], "third-%d" % node)[0][0], 250)
            self.assertEqual(self.folder_of("dan", "third-%d" % node), ".Six")

        # Another script activated on node 0: the link target changes.
        ms = ManageSieve(self.env.nodes[0].managesieve_port, "dan", "pw")
        try:
            ms.put_and_activate("t", 'require ["fileinto", "mailbox"]; fileinto :create "Ten";\n')
        finally:
            ms.close()
        for node in (1, 2):
            self.assertEqual(self.deliver(node, ["dan"], "fourth-%d" % node)[0][0], 250)
            self.assertEqual(self.folder_of("dan", "fourth-%d" % node), ".Ten")


if __name__ == "__main__":
    sys.exit(zestlib.test_main(lambda a: globals().update(ARGS=a)))
