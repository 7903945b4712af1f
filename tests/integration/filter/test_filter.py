#!/usr/bin/env python3
"""Integration test of sieve-filter over a real Maildir (ctest
sieve_filter_maildir).

The Maildirs are written by a real zestd over LMTP (so cur/, new/,
dovecot-uidlist and dovecot-keywords are zest's own files), once per test
class; every test works on a byte-identical copy. A Dovecot imapd reads the
folders after `-e -W` and after an interrupted run.

As root, zestd, sieve-filter and Dovecot's mail processes run as `nobody`
(Dovecot never gives mail access to root).

usage: test_filter.py --sieve-filter PATH --zestd PATH --zest PATH [-k NAME]
"""
import argparse
import grp
import imaplib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

ARGS = None

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import ZestdEnv, free_port, stop_process, wait_port  # noqa: E402

# Delivery gives some messages flags, so dovecot-keywords is zest's own.
DELIVERY_SCRIPT = ('require ["imap4flags"];\n'
                   'if header :contains "subject" "flagged" { addflag ["\\\\Flagged", "work"]; }\n')

# The script sieve-filter runs over alice's INBOX.
FILTER_SCRIPT = """require ["fileinto", "imap4flags", "mailbox", "vacation", "enotify"];
if header :contains "subject" "list" { fileinto :create "Lists"; stop; }
if header :contains "subject" "spam" { discard; stop; }
if header :contains "subject" "flagged" { addflag ["\\\\Seen", "filtered"]; }
if header :contains "subject" "outgoing" {
  redirect "fwd@example.net";
  vacation :days 1 :subject "away" "I am away";
  notify "mailto:n@example.net";
}
"""

# subject -> what FILTER_SCRIPT does with it.
ALICE_MESSAGES = ["list one", "plain two", "spam three", "flagged four", "outgoing five",
                  "list six", "plain seven"]

# The bulk folder of the interrupted run: every third message is
# discarded, the odd ones are filed, the rest stay with a flag.
BULK_SCRIPT = """require ["fileinto", "imap4flags", "mailbox"];
if header :contains "subject" "discard" { discard; stop; }
if header :contains "subject" "odd" { fileinto :create "Odd"; stop; }
addflag "\\\\Seen";
"""
BULK_COUNT = 400


def bulk_subject(i):
    kind = "discard" if i % 3 == 0 else ("odd" if i % 2 else "even")
    return "bulk %s %04d" % (kind, i)


def body_token(subject):
    return ("token-" + subject.replace(" ", "-")).encode()


def message(subject):
    return ("From: Bob <bob@example.net>\r\nTo: alice@example.org\r\n"
            "Subject: %s\r\nMessage-ID: <%s@example.net>\r\n\r\n"
            "body %s\r\n.dot line\r\n" % (subject, subject.replace(" ", "."),
                                          body_token(subject).decode())).encode()


def dotstuff(msg):
    lines = msg.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)


class Lmtp:
    """A raw LMTP client: one reply per call."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.s.makefile("rb")
        self.reply()
        self.cmd("LHLO filter.test")

    def reply(self):
        lines = [self.f.readline().decode().rstrip("\r\n")]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.f.readline().decode().rstrip("\r\n"))
        return lines

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def deliver(self, rcpt, msg):
        for c in ("MAIL FROM:<bob@example.net>", "RCPT TO:<%s>" % rcpt, "DATA"):
            r = self.cmd(c)
            assert r[0][0] in "23", (c, r)
        self.s.sendall(dotstuff(msg) + b".\r\n")
        r = self.reply()
        assert r[0].startswith("250"), r

    def close(self):
        self.cmd("QUIT")
        self.f.close()
        self.s.close()
        self.f = self.s = None


def run_as():
    """(uid, gid) to run as when root, else None."""
    if os.getuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return (nobody.pw_uid, nobody.pw_gid)


class Env(ZestdEnv):
    def __init__(self):
        super().__init__("zest-filter-", ARGS.zestd, ARGS.zest, run_as=run_as())
        self.port = free_port()
        self.write_config(
            'data_dir = "%s"\nhostname = "mx.test"\n' % self.var
            + '[lmtp]\nlisten = ["127.0.0.1:%d"]\ntimeout = 30\n' % self.port
            + '[managesieve]\nlisten = []\n'
            + '[submission]\nurl = "smtp://127.0.0.1:9"\ntimeout = 5\n'
            + '[delivery]\nautocreate = true\n')

    def maildir(self, user, folder=""):
        return os.path.join(self.home(user), "Maildir", folder)

    def chown_tree(self, path):
        if not self.run_as:
            return
        os.lchown(path, *self.run_as)
        for root, dirs, files in os.walk(path):
            for n in dirs + files:
                os.lchown(os.path.join(root, n), *self.run_as)

    def write_file(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        self.chown_tree(path)
        return path

    def filter(self, *args, stdout=subprocess.PIPE):
        return subprocess.run([ARGS.sieve_filter, *args], stdout=stdout, stderr=subprocess.PIPE,
                              timeout=300, **self.creds)


def snapshot(path):
    """{relative path: bytes (files) or None (directories)} of a tree."""
    out = {}
    for root, dirs, files in os.walk(path):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), path)] = None
        for n in files:
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, path)] = f.read()
    return out


def folder_snapshot(folder):
    """The message files (by base name) and the dovecot-uidlist of one
    Maildir folder, not its subfolders."""
    out = {}
    for sub in ("cur", "new"):
        for n in os.listdir(os.path.join(folder, sub)):
            with open(os.path.join(folder, sub, n), "rb") as f:
                out[sub + "/" + n] = f.read()
    with open(os.path.join(folder, "dovecot-uidlist"), "rb") as f:
        out["dovecot-uidlist"] = f.read()
    return out


def messages(folder):
    """{subject: (base name, flag letters, bytes)} of a Maildir folder."""
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(folder, sub)
        if not os.path.isdir(d):
            continue
        for n in os.listdir(d):
            with open(os.path.join(d, n), "rb") as f:
                raw = f.read()
            subj = [l for l in raw.splitlines() if l.startswith(b"Subject: ")][0][9:].decode()
            assert subj not in out, "duplicate message " + subj
            base, _, info = n.partition(":2,")
            out[subj] = (base, info, raw)
    return out


def uidlist(folder):
    """{base name: uid} from a folder's dovecot-uidlist."""
    out = {}
    with open(os.path.join(folder, "dovecot-uidlist")) as f:
        lines = f.read().splitlines()
    for line in lines[1:]:
        head, name = line.split(" :", 1)
        out[name] = int(head.split()[0])
    return out


def keyword_letters(folder):
    """{keyword: letter} from a folder's dovecot-keywords."""
    out = {}
    path = os.path.join(folder, "dovecot-keywords")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                i, name = line.rstrip("\n").split(" ", 1)
                out[name] = chr(ord("a") + int(i))
    return out


class Base(unittest.TestCase):
    """One zestd run delivers alice's INBOX and the bulk user's INBOX; each
    test gets a copy of the data dir."""

    @classmethod
    def setUpClass(cls):
        env = Env()
        cls.template = env
        try:
            env.add_user("alice@example.org", DELIVERY_SCRIPT)
            env.add_user("bulk@example.org")
            env.start(env.port)
            c = Lmtp(env.port)
            for s in ALICE_MESSAGES:
                c.deliver("alice@example.org", message(s))
            if cls.need_bulk:
                for i in range(BULK_COUNT):
                    c.deliver("bulk@example.org", message(bulk_subject(i)))
            c.close()
            env.stop()
        except BaseException:
            env.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.template.cleanup()

    need_bulk = False

    def setUp(self):
        self.env = Env()
        shutil.rmtree(self.env.var, ignore_errors=True)
        shutil.copytree(self.template.var, self.env.var, symlinks=True)
        self.env.chown_tree(self.env.var)
        self.script = self.env.write_file("filter.sieve", FILTER_SCRIPT)
        self.inbox = self.env.maildir("alice@example.org")

    def tearDown(self):
        self.env.cleanup()


class DryRunAndExecute(Base):
    def test_dry_run_changes_nothing_and_says_what_would_happen(self):
        before = snapshot(self.env.var)
        r = self.env.filter(self.script, self.inbox)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(snapshot(self.env.var), before)
        out = r.stdout.decode()
        self.assertEqual(out.count(">> Filtering message:"), len(ALICE_MESSAGES))
        uids = uidlist(self.inbox)
        for subj, (base, _, _) in messages(self.inbox).items():
            self.assertIn("Subject: " + subj, out)
            self.assertIn("UID:     %d" % uids[base], out)
        self.assertIn("store message in folder: Lists", out)
        self.assertIn("not carried out: redirect to <fwd@example.net>", out)
        self.assertIn("dry run", r.stderr.decode())

    def test_dry_run_json_one_line_per_message(self):
        before = snapshot(self.env.var)
        r = self.env.filter("--json", self.script, self.inbox)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(snapshot(self.env.var), before)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), len(ALICE_MESSAGES))
        uids = uidlist(self.inbox)
        stored = messages(self.inbox)
        by_subject = {}
        for line in lines:
            j = json.loads(line)
            for field in ("status", "actions", "implicit_keep", "implicit_keep_flags", "errors",
                          "file", "uid"):
                self.assertIn(field, j)
            self.assertEqual(j["status"], "ok")
            base = j["file"].partition(":2,")[0]
            self.assertEqual(j["uid"], uids[base])
            subj = [s for s, v in stored.items() if v[0] == base][0]
            by_subject[subj] = j
        self.assertEqual(sorted(by_subject), sorted(ALICE_MESSAGES))
        self.assertEqual(by_subject["list one"]["actions"],
                         [{"type": "fileinto", "mailbox": "Lists", "flags": [], "copy": False,
                           "create": True}])
        self.assertFalse(by_subject["list one"]["implicit_keep"])
        self.assertEqual(by_subject["spam three"]["actions"], [{"type": "discard"}])
        self.assertTrue(by_subject["plain two"]["implicit_keep"])
        # imap4flags starts with the stored flags.
        self.assertEqual(by_subject["flagged four"]["implicit_keep_flags"],
                         ["\\Flagged", "\\Seen", "filtered", "work"])
        types = [a["type"] for a in by_subject["outgoing five"]["actions"]]
        self.assertEqual(sorted(types), ["notify", "redirect", "vacation"])
        self.assertEqual(len(by_subject["outgoing five"]["outgoing_not_executed"]), 3)

    def test_execute_without_W_copies_and_leaves_source(self):
        before = folder_snapshot(self.inbox)
        r = self.env.filter("-e", self.script, self.inbox)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"")
        self.assertEqual(folder_snapshot(self.inbox), before)
        lists = messages(os.path.join(self.inbox, ".Lists"))
        self.assertEqual(sorted(lists), ["list one", "list six"])
        src = messages(self.inbox)
        for s in lists:
            self.assertEqual(lists[s][2], src[s][2])

    def test_execute_W_moves_and_flags(self):
        uids = uidlist(self.inbox)
        src_before = messages(self.inbox)
        sink = socket.socket()
        sink.bind(("127.0.0.1", 0))
        sink.listen(5)
        sink.setblocking(False)
        cfg = self.env.write_file("filter.toml", '[submission]\nurl = "smtp://127.0.0.1:%d"\n'
                                  % sink.getsockname()[1])
        try:
            r = self.env.filter("-c", cfg, "-e", "-W", "-v", self.script, self.inbox)
            self.assertEqual(r.returncode, 0, r.stderr)
            # Outgoing actions are listed and not carried out.
            out = r.stdout.decode()
            for o in ("redirect to <fwd@example.net>", "vacation reply", "notify mailto:"):
                self.assertIn("not carried out: " + o, out)
            self.assertIn("3 outgoing actions not carried out", r.stderr.decode())
            with self.assertRaises(BlockingIOError):
                sink.accept()
        finally:
            sink.close()
        src = messages(self.inbox)
        # Moved, and the discarded one is kept (the default DISCARD_ACTION).
        self.assertEqual(sorted(src), sorted(["plain two", "spam three", "flagged four",
                                              "outgoing five", "plain seven"]))
        self.assertEqual(sorted(messages(os.path.join(self.inbox, ".Lists"))),
                         ["list one", "list six"])
        # Kept messages keep their base name (so their UID).
        for s in src:
            self.assertEqual(src[s][0], src_before[s][0])
            self.assertEqual(src[s][2], src_before[s][2])
            self.assertIn(src[s][0], uids)
        kw = keyword_letters(self.inbox)
        self.assertEqual(set(src["flagged four"][1]),
                         {"F", "S", kw["work"], kw["filtered"]})
        self.assertEqual(src["plain two"][1], src_before["plain two"][1])
        self.check_imap()

    def discard_run(self, *action):
        r = self.env.filter("-e", "-W", self.script, self.inbox, *action)
        self.assertEqual(r.returncode, 0, r.stderr)
        return messages(self.inbox)

    # "spam three" is discarded; "outgoing five" is only redirected, so it
    # is stored nowhere either: both get the DISCARD_ACTION.
    DISCARDED = ["outgoing five", "spam three"]

    def test_discard_action_keep(self):
        before = messages(self.inbox)
        src = self.discard_run("keep")
        for s in self.DISCARDED:
            self.assertEqual(src[s], before[s])

    def test_discard_action_delete(self):
        src = self.discard_run("delete")
        for s in self.DISCARDED:
            self.assertIn("T", src[s][1])
        self.assertNotIn("T", src["plain two"][1])
        # A \Deleted message is skipped by the next run.
        r = self.env.filter("--json", self.script, self.inbox)
        self.assertEqual(len(r.stdout.decode().splitlines()), len(src) - 2)

    def test_discard_action_expunge(self):
        src = self.discard_run("expunge")
        self.assertEqual(sorted(src), ["flagged four", "plain seven", "plain two"])

    def test_discard_action_move(self):
        trash = os.path.join(self.inbox, ".Trash")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(trash, sub))
        open(os.path.join(trash, "maildirfolder"), "w").close()
        self.env.chown_tree(trash)
        before = messages(self.inbox)
        src = self.discard_run("move", "Trash")
        self.assertEqual(sorted(src), ["flagged four", "plain seven", "plain two"])
        moved = messages(trash)
        self.assertEqual(sorted(moved), self.DISCARDED)
        for s in self.DISCARDED:
            self.assertEqual(moved[s][2], before[s][2])
            self.assertIn(moved[s][0], uidlist(trash))

    def test_discard_move_to_missing_mailbox_is_a_usage_error(self):
        before = snapshot(self.env.var)
        r = self.env.filter("-e", "-W", self.script, self.inbox, "move", "Nope")
        self.assertEqual(r.returncode, 64)
        self.assertIn("Nope", r.stderr.decode())
        self.assertEqual(snapshot(self.env.var), before)

    def check_imap(self):
        """Dovecot imapd sees the folders, the flags, and the same UIDs."""
        uids = uidlist(self.inbox)
        with Dovecot(self, self.env) as m:
            typ, _ = m.login("alice@example.org", "pw")
            self.assertEqual(typ, "OK")
            got = fetch_all(self, m, "INBOX")
            src = messages(self.inbox)
            self.assertEqual(sorted(got), sorted(src))
            for s, (uid, flags, body) in got.items():
                self.assertEqual(uid, uids[src[s][0]], s)
                self.assertEqual(body.replace(b"\r\n", b"\n"), src[s][2])
            self.assertTrue({b"\\Flagged", b"\\Seen", b"work", b"filtered"}
                            <= got["flagged four"][1])
            self.assertEqual(sorted(fetch_all(self, m, "Lists")), ["list one", "list six"])
            m.logout()


class UserMailboxes(Base):
    """-u USER: SOURCE_MAILBOX is a mailbox name of that user, found
    through the user lookup of the -c configuration."""

    def test_dry_run_by_user_and_name_equals_by_path(self):
        by_path = self.env.filter("--json", self.script, self.inbox)
        by_name = self.env.filter("-c", self.env.cfg, "-u", "alice@example.org", "--json",
                                  self.script, "INBOX")
        self.assertEqual(by_name.returncode, 0, by_name.stderr)
        self.assertEqual(by_name.stdout, by_path.stdout)

    def test_execute_on_named_subfolders(self):
        user = ("-c", self.env.cfg, "-u", "alice@example.org")
        r = self.env.filter(*user, "-e", "-W", self.script, "INBOX")
        self.assertEqual(r.returncode, 0, r.stderr)
        again = self.env.write_file("again.sieve", 'require ["fileinto", "mailbox"];\n'
                                    'fileinto :create "a/b";\n')
        r = self.env.filter(*user, "-e", "-W", again, "Lists")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(messages(os.path.join(self.inbox, ".Lists")), {})
        self.assertEqual(sorted(messages(os.path.join(self.inbox, ".a.b"))),
                         ["list one", "list six"])
        r = self.env.filter(*user, "--json", again, "a/b")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 2)

    def test_unknown_user_and_mailbox(self):
        before = snapshot(self.env.var)
        r = self.env.filter("-c", self.env.cfg, "-u", "nobody@example.org", self.script, "INBOX")
        self.assertEqual(r.returncode, 67)
        self.assertIn("nobody@example.org", r.stderr.decode())
        r = self.env.filter("-c", self.env.cfg, "-u", "alice@example.org", self.script, "Nope")
        self.assertEqual(r.returncode, 64)
        self.assertIn("Nope", r.stderr.decode())
        self.assertEqual(snapshot(self.env.var), before)


class LargeFolder(Base):
    """A folder of 400 messages (BULK_COUNT)."""
    need_bulk = True

    def test_progress_bar_only_on_a_terminal(self):
        import pty
        inbox = self.env.maildir("bulk@example.org")
        script = self.env.write_file("bulk.sieve", BULK_SCRIPT)
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([ARGS.sieve_filter, "--json", script, inbox],
                                 stdout=subprocess.DEVNULL, stderr=slave, **self.env.creds)
            os.close(slave)
            slave = None
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the tool closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            self.assertEqual(p.wait(timeout=300), 0, shown)
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertIn(b"] 100%% %d/%d messages" % (BULK_COUNT, BULK_COUNT), shown)
        self.assertIn(b"[###############...............] 50%", shown)
        r = self.env.filter("--json", script, inbox, stdout=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0)
        self.assertNotIn(b"messages\r", r.stderr)
        self.assertNotIn(b"% ", r.stderr)


    def test_sigint_leaves_every_message_handled_or_untouched(self):
        inbox = self.env.maildir("bulk@example.org")
        script = self.env.write_file("bulk.sieve", BULK_SCRIPT)
        uids = uidlist(inbox)
        before = messages(inbox)
        self.assertEqual(len(before), BULK_COUNT)
        err = open(os.path.join(self.env.dir, "filter.err"), "w+b")
        # -v prints a report per message (about 270 bytes; 400 messages make
        # more than a pipe holds) into a pipe this test stops reading after
        # the first byte: the tool then blocks on the full pipe long before
        # the end of the folder, so the SIGINT always comes mid-run.
        p = subprocess.Popen([ARGS.sieve_filter, "-e", "-W", "-v", script, inbox, "expunge"],
                             stdout=subprocess.PIPE, stderr=err, **self.env.creds)
        try:
            first = p.stdout.read(1)
            self.assertEqual(first, b">")
            p.send_signal(signal.SIGINT)
            rest = p.stdout.read()
            rc = p.wait(timeout=300)
        finally:
            p.stdout.close()
            if p.poll() is None:
                p.kill()
                p.wait()
        err.seek(0)
        errtext = err.read().decode()
        err.close()
        self.assertEqual(rc, 130, errtext)
        self.assertIn("interrupted", errtext)
        handled = (first + rest).decode().count(">> Filtering message:")
        print("interrupted after %d of %d messages" % (handled, BULK_COUNT), file=sys.stderr)
        self.assertGreater(handled, 0)
        self.assertLess(handled, BULK_COUNT)

        after = messages(inbox)
        odd = messages(os.path.join(inbox, ".Odd"))
        self.assertFalse(set(after) & set(odd), "a message is in both folders")
        n_handled = 0
        for i in range(BULK_COUNT):
            s = bulk_subject(i)
            token = body_token(s)
            places = [name for name, box in (("INBOX", after), ("Odd", odd)) if s in box]
            count = sum(box[s][2].count(token) for box in (after, odd) if s in box)
            self.assertLessEqual(count, 1, s)
            if s in after:
                self.assertEqual(after[s][0], before[s][0], s)  # same base name, same UID
                self.assertEqual(after[s][2], before[s][2])
                if "S" in after[s][1]:
                    n_handled += 1
            elif "discard" in s:
                self.assertEqual(places, [])
                n_handled += 1
            else:
                self.assertEqual(places, ["Odd"], s)
                self.assertEqual(odd[s][2], before[s][2])
                n_handled += 1
        self.assertEqual(n_handled, handled)
        # Handled in UID order: everything up to the last handled message.
        self.assertGreater(len(after) + len(odd), 0)

        with Dovecot(self, self.env) as m:
            typ, _ = m.login("bulk@example.org", "pw")
            self.assertEqual(typ, "OK")
            got = fetch_all(self, m, "INBOX")
            self.assertEqual(sorted(got), sorted(after))
            for s, (uid, flags, body) in got.items():
                self.assertEqual(uid, uids[before[s][0]], s)
                self.assertEqual(b"\\Seen" in flags, "S" in after[s][1], s)
            self.assertEqual(sorted(fetch_all(self, m, "Odd")), sorted(odd))
            m.logout()


def fetch_all(test, m, box):
    """{subject: (uid, flags, body)} of an IMAP mailbox."""
    typ, data = m.select('"%s"' % box, readonly=True)
    test.assertEqual(typ, "OK", (box, data))
    if int(data[0]) == 0:
        return {}
    typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
    test.assertEqual(typ, "OK")
    got = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, body = item
        uid = int(meta.split(b"UID ")[1].split()[0].rstrip(b")"))
        flags = set(imaplib.ParseFlags(meta))
        subj = [l for l in body.split(b"\r\n") if l.startswith(b"Subject: ")][0][9:].decode()
        got[subj] = (uid, flags, body)
    return got


class Dovecot:
    """A private Dovecot imapd over the env's homes, as in
    tests/integration/zestd/test_zestd.py; yields a logged-out IMAP4."""

    def __init__(self, test, env):
        self.test, self.env, self.proc = test, env, None

    def __enter__(self):
        dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(dovecot) or not os.path.exists("/usr/lib/dovecot/imap"):
            self.test.skipTest("dovecot-imapd not installed")
        env = self.env
        if os.getuid() == 0:
            internal = "dovecot" if _has_user("dovecot") else "nobody"
            internal_group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        else:
            internal = pwd.getpwuid(os.getuid()).pw_name
            internal_group = grp.getgrgid(os.getgid()).gr_name
        uid, gid = env.run_as or (os.getuid(), os.getgid())
        port = free_port()
        self.base = base = os.path.join(env.dir, "dovecot")
        os.makedirs(base)
        os.chmod(env.dir, 0o755)
        os.chmod(base, 0o755)
        passwd = os.path.join(base, "passwd")
        shutil.copy(os.path.join(env.var, "passwd"), passwd)
        os.chmod(passwd, 0o644)
        conf = os.path.join(base, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(DOVECOT_CONF.format(base=base, port=port, passwd=passwd, uid=uid, gid=gid,
                                        home=os.path.join(env.var, "home"), user=internal,
                                        group=internal_group))
        with open(os.path.join(base, "dovecot.stderr"), "wb") as errf:
            self.proc = subprocess.Popen([dovecot, "-F", "-c", conf], stderr=errf)
        wait_port(port, self.proc, what="dovecot")
        return imaplib.IMAP4("127.0.0.1", port)

    def __exit__(self, typ, value, tb):
        if typ is not None:
            for n in ("dovecot.stderr", "dovecot.log"):
                p = os.path.join(self.base, n)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        print(f.read()[-3000:], file=sys.stderr)
        stop_process(self.proc, timeout=10)
        return False


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


DOVECOT_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
default_internal_user = {user}
default_login_user = {user}
default_internal_group = {group}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
  default_fields = home={home}/%u
}}
"""


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--sieve-filter", required=True)
    p.add_argument("--zestd", required=True)
    p.add_argument("--zest", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
