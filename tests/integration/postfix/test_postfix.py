#!/usr/bin/python3
"""Postfix end to end (issue 17.1, docs/postfix.md).

A private Postfix instance (its own config, queue and data directories,
loopback ports, `postfix -c DIR start` / `stop`; the system's Postfix, if
any, is never touched) in front of zestd and `zest deliver`:

  swaks -> Postfix smtpd -> lmtp:inet:127.0.0.1:PORT -> zestd -> Maildir
  swaks -> Postfix smtpd -> pipe(8) -> zest deliver -> Maildir
  Sieve redirect / vacation / mailto notify -> Postfix submission port
      (STARTTLS, self-signed certificate, SASL PLAIN from sasldb)
      -> Postfix virtual(8) -> a second local mailbox (other.test)
  Sieve reject in LMTP -> Postfix bounce -> the sender's mailbox (DSN)
  451 during LMTP (the redirect's submission is refused for a while)
      -> Postfix defers, retries, delivers

zestd and `zest deliver` run as `nobody` (pipe(8) refuses root), Postfix as
its own `postfix` user. Root only (Postfix is started as root): exit 77
otherwise. Every wait is bounded; everything is stopped by pid or by
`postfix -c DIR stop`.

usage: test_postfix.py --zestd PATH --zest PATH [--transcripts DIR] [-k NAME]
"""
import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
SUBMIT_USER, SUBMIT_PASSWORD, SASL_REALM = "zest", "submit-pw", "mx.test"

SCRIPT_ALICE = '''require ["fileinto", "reject", "vacation", "enotify"];
if header :contains "subject" "spam" { reject "No spam, thanks."; stop; }
if header :contains "subject" "urgent" { redirect "mobile@other.test"; keep; }
if header :contains "subject" "holiday" {
  vacation :days 1 :subject "Away" :addresses ["alice@example.org"] "I am away until Monday.";
}
if header :contains "subject" "ping" {
  notify :message "New mail for alice" "mailto:mobile@other.test";
}
if header :contains "subject" "list" { fileinto "Lists"; }
'''
# The 451 case: the redirect's submission is refused until the test lifts it.
SCRIPT_ERIN = 'redirect "later@other.test";\n'
SCRIPT_DAVE = 'require "fileinto";\nif header :contains "subject" "list" { fileinto "Lists"; }\n' \
              'if header :contains "subject" "urgent" { redirect "mobile@other.test"; keep; }\n'


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import free_port, stop_process, wait_for  # noqa: E402


def wait_port(port, what, proc=None, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited early with %s" % (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s: port %d did not open" % (what, port))


def maildir_files(path):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        if os.path.isdir(d):
            for fn in sorted(os.listdir(d)):
                with open(os.path.join(d, fn), "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
    return out


def header_count(msg, name):
    head = msg.split("\n\n", 1)[0]
    return len(re.findall(r"(?im)^" + re.escape(name) + r":", head))


class Postfix:
    """A private Postfix: config_directory, queue_directory, data_directory,
    virtual_mailbox_base and the maillog all under `root`."""

    def __init__(self, root, lmtp_port, zest, zest_cfg, run_as):
        self.root = root
        self.conf = os.path.join(root, "etc")
        self.queue = os.path.join(root, "queue")
        self.data = os.path.join(root, "data")
        self.vmail = os.path.join(root, "vmail")
        self.tls = os.path.join(root, "tls")
        self.sasl = os.path.join(self.conf, "sasl")  # Debian's Postfix looks here
        self.maillog = os.path.join(root, "maillog")
        self.hold = os.path.join(self.conf, "hold_recipients")
        self.smtp_port = free_port()
        self.submission_port = free_port()
        for d in (self.queue, self.data, self.vmail, self.tls, self.sasl):
            os.makedirs(d)
        pf = pwd.getpwnam("postfix")
        os.chown(self.data, pf.pw_uid, pf.pw_gid)
        os.chown(self.vmail, *run_as)
        self.cert = os.path.join(self.tls, "cert.pem")
        key = os.path.join(self.tls, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", self.cert], check=True, capture_output=True,
                       timeout=120)
        os.chmod(self.cert, 0o644)
        # SASL: Cyrus with the sasldb auxprop plugin, a private database.
        sasldb = os.path.join(root, "sasldb2")
        subprocess.run(["saslpasswd2", "-p", "-c", "-f", sasldb, "-u", SASL_REALM, SUBMIT_USER],
                       input=SUBMIT_PASSWORD.encode(), check=True, capture_output=True,
                       timeout=60)
        os.chown(sasldb, pf.pw_uid, pf.pw_gid)
        os.chmod(sasldb, 0o600)
        with open(os.path.join(self.sasl, "smtpd.conf"), "w") as f:
            f.write("pwcheck_method: auxprop\nauxprop_plugin: sasldb\n"
                    "mech_list: PLAIN LOGIN\nsasldb_path: %s\n" % sasldb)
        with open(self.hold, "w") as f:
            f.write("later@other.test 450 4.7.1 Not yet, please try again\n")
        uid, gid = run_as
        user = pwd.getpwuid(uid).pw_name
        # docs/postfix.md shows these lines with the installed paths.
        main_cf = f"""# A private test instance (tests/integration/postfix/test_postfix.py)
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
maillog_file = {self.maillog}
maillog_file_prefixes = {root}
syslog_name = postfix-zest-test
myhostname = mx.test
mydomain = mx.test
myorigin = mx.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtp_host_lookup = native
lmtp_host_lookup = native
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
delay_warning_time = 0

# --- the lines docs/postfix.md explains -----------------------------
# Mail for example.org goes to zestd over LMTP ...
virtual_mailbox_domains = example.org, lda.example.org, other.test
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
# ... mail for lda.example.org through pipe(8) to `zest deliver` (master.cf).
transport_maps = inline:{{ {{lda.example.org = zest:}}, {{other.test = virtual:}} }}
zest_destination_recipient_limit = 1
virtual_mailbox_maps = inline:{{ {{alice@example.org = x}}, {{erin@example.org = x}},
    {{dave@lda.example.org = x}}, {{mobile@other.test = mobile/Maildir/}},
    {{bob@other.test = bob/Maildir/}}, {{later@other.test = later/Maildir/}} }}
# other.test: plain Maildirs written by virtual(8), the "second local mailbox".
virtual_mailbox_base = {self.vmail}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1

# STARTTLS with a self-signed certificate; SASL for the submission port.
smtpd_tls_cert_file = {self.cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {self.sasl}
smtpd_sasl_local_domain = {SASL_REALM}
"""
        master_cf = f"""# A private test instance: loopback ports, nothing chrooted.
127.0.0.1:{self.smtp_port} inet n - n - - smtpd
127.0.0.1:{self.submission_port} inet n - n - - smtpd
  -o syslog_name=postfix-zest-test/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=check_recipient_access,texthash:{self.hold},permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# `zest deliver` as the LDA (docs/postfix.md: flags=DRhu; zest does not
# repeat the Delivered-To:/Return-Path: fields Postfix writes).
zest      unix  -       n       n       -       -       pipe
  flags=DRhu user={user} argv={zest} -c {zest_cfg} deliver -f ${{sender}} -a ${{original_recipient}} ${{recipient}}
"""
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(main_cf)
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(master_cf)
        for d in (root, self.conf, self.tls, self.sasl):
            os.chmod(d, 0o755)
        self.master_pid = None

    def postfix(self, *args, check=True):
        r = subprocess.run(["postfix", "-c", self.conf, *args], capture_output=True, text=True,
                           timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError("postfix %s failed:\n%s%s\n%s" % (" ".join(args), r.stdout,
                                                                r.stderr, self.log()))
        return r

    def start(self):
        self.postfix("check")  # creates the queue directories
        self.postfix("start")
        wait_port(self.smtp_port, "postfix smtpd")
        wait_port(self.submission_port, "postfix submission")
        with open(os.path.join(self.queue, "pid", "master.pid")) as f:
            self.master_pid = int(f.read().strip())

    def stop(self):
        if self.master_pid is None:
            return
        self.postfix("stop", check=False)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                os.kill(self.master_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(self.master_pid, signal.SIGKILL)
        self.master_pid = None

    def lift_hold(self):
        with open(self.hold, "w") as f:
            f.write("")
        self.postfix("reload")
        # Ask for the retry now rather than at the next backoff-driven queue
        # scan; it is still Postfix's own retry of the deferred message.
        self.postfix("flush", check=False)

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_lines(self, pattern):
        return [l for l in self.log().splitlines() if re.search(pattern, l)]

    def mailbox(self, user):
        return maildir_files(os.path.join(self.vmail, user, "Maildir"))


class Stack:
    """zestd (as nobody) + the private Postfix in front of it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="zest-postfix-")
        os.chmod(self.dir, 0o755)
        nobody = pwd.getpwnam("nobody")
        self.run_as = (nobody.pw_uid, nobody.pw_gid)
        self.creds = dict(user=self.run_as[0], group=self.run_as[1], extra_groups=[])
        self.zdir = os.path.join(self.dir, "zest")
        os.makedirs(self.zdir)
        os.chown(self.zdir, *self.run_as)
        self.lmtp_port = free_port()
        self.cfg = os.path.join(self.dir, "zest.toml")
        self.postfix = Postfix(os.path.join(self.dir, "postfix"), self.lmtp_port, ARGS.zest,
                               self.cfg, self.run_as)
        with open(self.cfg, "w") as f:
            f.write(f'''data_dir = "{self.zdir}/var"
hostname = "mx.test"
[lmtp]
listen = ["127.0.0.1:{self.lmtp_port}"]
reject = "protocol"
[managesieve]
listen = []
# Outgoing mail: Postfix's submission port, STARTTLS with its self-signed
# certificate (trusted through ca_file), SASL.
[submission]
url = "smtp://127.0.0.1:{self.postfix.submission_port}"
starttls = "required"
ca_file = "{self.postfix.cert}"
user = "{SUBMIT_USER}"
password = "{SUBMIT_PASSWORD}"
timeout = 30
[delivery]
autocreate = true
''')
        os.chmod(self.cfg, 0o644)
        self.zestd = None
        self.zlog = os.path.join(self.dir, "zestd.log")

    def zest(self, *args, stdin=None):
        return subprocess.run([ARGS.zest, "-c", self.cfg, *args], input=stdin,
                              capture_output=True, timeout=60, **self.creds)

    def home(self, user):
        return os.path.join(self.zdir, "var", "home", user)

    def add_user(self, name, script):
        r = self.zest("user", "add", name, "--password-stdin", "--scheme", "PLAIN", stdin=b"pw\n")
        assert r.returncode == 0, r.stderr
        h = self.home(name)
        os.makedirs(os.path.join(h, "sieve"), exist_ok=True)
        with open(os.path.join(h, "sieve", "main.sieve"), "w") as f:
            f.write(script)
        os.symlink("sieve/main.sieve", os.path.join(h, ".dovecot.sieve"))
        for p in ("sieve", "sieve/main.sieve", ".dovecot.sieve"):
            os.lchown(os.path.join(h, p), *self.run_as)

    def maildir(self, user, folder=""):
        return maildir_files(os.path.join(self.home(user), "Maildir", folder))

    def start(self):
        self.add_user("alice@example.org", SCRIPT_ALICE)
        self.add_user("erin@example.org", SCRIPT_ERIN)
        self.add_user("dave@lda.example.org", SCRIPT_DAVE)
        self.zlogf = open(self.zlog, "ab")
        self.zestd = subprocess.Popen([ARGS.zestd, "-c", self.cfg], stderr=self.zlogf,
                                      **self.creds)
        wait_port(self.lmtp_port, "zestd", self.zestd)
        self.postfix.start()

    def stop(self):
        try:
            self.postfix.stop()
        finally:
            stop_process(self.zestd, timeout=40)
            if self.zestd:
                self.zlogf.close()

    def zestd_log(self):
        with open(self.zlog, errors="replace") as f:
            return f.read()

    def swaks(self, to, subject, sender="bob@other.test", port=None, extra=()):
        r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                            str(port or self.postfix.smtp_port), "--from", sender, "--to", to,
                            "--helo", "client.test", "--header", "Subject: " + subject,
                            "--header", "To: " + to, "--body", "Body of: " + subject, *extra],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    def diagnostics(self):
        return "\n--- maillog ---\n%s\n--- zestd ---\n%s" % (self.postfix.log(), self.zestd_log())


STACK = None
TRANSCRIPTS = {}


def record(name, text):
    TRANSCRIPTS.setdefault(name, []).append(text)


class PostfixEndToEnd(unittest.TestCase):
    def wait(self, fn, what, timeout=60.0):
        try:
            return wait_for(fn, what, timeout)
        except AssertionError as e:
            raise AssertionError(str(e) + STACK.diagnostics()) from None

    def test_1_smtp_postfix_lmtp_maildir(self):
        out = STACK.swaks("alice@example.org", "list digest")
        got = self.wait(lambda: STACK.maildir("alice@example.org", ".Lists"), "alice's Lists")
        self.assertEqual(len(got), 1)
        msg = got[0]
        self.assertIn("Subject: list digest", msg)
        self.assertEqual(header_count(msg, "Return-Path"), 1)
        self.assertEqual(header_count(msg, "Delivered-To"), 1)
        self.assertIn("Return-Path: <bob@other.test>", msg)
        self.assertRegex(msg, r"Received: from mx\.test .*\n?.*with LMTP")
        sent = self.wait(lambda: STACK.postfix.log_lines(
            r"to=<alice@example.org>.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d.*status=sent"
            % STACK.lmtp_port), "Postfix's status=sent over LMTP")
        record("smtp-postfix-lmtp-maildir",
               "$ swaks --server 127.0.0.1 --port %d --from bob@other.test --to alice@example.org"
               " ...\n%s\n--- Postfix maillog (LMTP hop) ---\n%s\n--- zestd log ---\n%s\n"
               "--- the file in alice's Maildir/.Lists/new ---\n%s"
               % (STACK.postfix.smtp_port, out.strip(),
                  "\n".join(STACK.postfix.log_lines(r"to=<alice@example.org>|"
                                                    r"from=<bob@other.test>")),
                  "\n".join(l for l in STACK.zestd_log().splitlines() if "list digest" in l
                            or "event=delivery" in l and "alice" in l)[:2000],
                  msg))
        self.assertTrue(sent)

    def test_2_redirect_goes_out_through_submission(self):
        out = STACK.swaks("alice@example.org", "urgent: call me")
        kept = self.wait(lambda: [m for m in STACK.maildir("alice@example.org")
                                  if "urgent: call me" in m], "alice's kept copy")
        self.assertEqual(len(kept), 1)
        got = self.wait(lambda: [m for m in STACK.postfix.mailbox("mobile")
                                 if "urgent: call me" in m], "the redirect in mobile's mailbox")
        msg = got[0]
        # Redirected unchanged, with the original sender (RFC 5228 §4.2).
        self.assertIn("Return-Path: <bob@other.test>", msg)
        self.assertIn("Delivered-To: mobile@other.test", msg)
        # It came in over the submission port: ESMTPSA = TLS + SASL.
        self.assertRegex(msg, r"by mx\.test \(Postfix\) with ESMTPSA")
        sub = self.wait(lambda: STACK.postfix.log_lines(
            r"postfix-zest-test/submission/smtpd.*sasl_username=zest"), "the SASL login on submission")
        record("redirect-submission-mailbox",
               "$ swaks ... --to alice@example.org --header 'Subject: urgent: call me'\n%s\n"
               "--- zestd log ---\n%s\n--- Postfix maillog (submission in, virtual out) ---\n%s\n"
               "--- the file in mobile@other.test's Maildir/new ---\n%s"
               % (out.strip(),
                  "\n".join(l for l in STACK.zestd_log().splitlines() if "redirect" in l),
                  "\n".join(STACK.postfix.log_lines(
                      r"submission|to=<mobile@other.test>|TLS connection established")),
                  msg))

    def test_3_vacation_reply_reaches_the_sender(self):
        STACK.swaks("alice@example.org", "holiday plans")
        got = self.wait(lambda: [m for m in STACK.postfix.mailbox("bob")
                                 if "Subject: Away" in m], "the vacation reply in bob's mailbox")
        msg = got[0]
        self.assertIn("Auto-Submitted: auto-replied", msg)
        self.assertIn("I am away until Monday.", msg)
        self.assertIn("Return-Path: <>", msg)  # vacation replies have a null sender

    def test_4_mailto_notification(self):
        STACK.swaks("alice@example.org", "ping")
        got = self.wait(lambda: [m for m in STACK.postfix.mailbox("mobile")
                                 if "New mail for alice" in m], "the notification")
        self.assertIn("Auto-Submitted: auto-notified", got[0])

    def test_5_reject_comes_back_as_postfix_bounce(self):
        STACK.swaks("alice@example.org", "spam offer")
        got = self.wait(lambda: [m for m in STACK.postfix.mailbox("bob")
                                 if "report-type=delivery-status" in m and "spam offer" in m],
                        "Postfix's bounce in bob's mailbox")
        dsn = got[0]
        self.assertRegex(dsn, r"From: .*<MAILER-DAEMON@mx\.test>")
        self.assertIn("Return-Path: <>", dsn)
        self.assertIn("Final-Recipient: rfc822; alice@example.org", dsn)
        self.assertIn("Action: failed", dsn)
        self.assertIn("Status: 5.7.1", dsn)
        self.assertRegex(dsn, r"Diagnostic-Code: (smtp|lmtp); 550 5\.7\.1 No spam, thanks\.")
        self.assertEqual([m for m in STACK.maildir("alice@example.org") if "spam offer" in m], [])

    def test_6_temporary_failure_is_retried(self):
        STACK.swaks("erin@example.org", "retry me")
        # zestd answers 451 (the redirect's submission is refused) ...
        self.wait(lambda: STACK.postfix.log_lines(
            r"to=<erin@example.org>.*status=deferred.*451 4\.3\.0"), "Postfix's deferral")
        self.assertEqual(STACK.postfix.mailbox("later"), [])
        # ... and once submission works, Postfix's own retry delivers it.
        STACK.postfix.lift_hold()
        got = self.wait(lambda: [m for m in STACK.postfix.mailbox("later") if "retry me" in m],
                        "the retried redirect", timeout=120)
        self.assertEqual(len(got), 1)
        # The redirect goes out before zestd answers 250, so the LMTP status
        # line can trail the redirected copy.
        self.wait(lambda: STACK.postfix.log_lines(r"to=<erin@example.org>.*status=sent"),
                  "Postfix's status=sent for the retried message")

    def test_7_pipe_to_zest_deliver(self):
        STACK.swaks("dave@lda.example.org", "list via pipe")
        got = self.wait(lambda: STACK.maildir("dave@lda.example.org", ".Lists"), "dave's Lists")
        msg = got[0]
        # flags=DRhu: Postfix writes Delivered-To and Return-Path, zest not again.
        self.assertEqual(header_count(msg, "Return-Path"), 1, msg)
        self.assertEqual(header_count(msg, "Delivered-To"), 1, msg)
        self.assertIn("Return-Path: <bob@other.test>", msg)
        self.assertIn("Delivered-To: dave@lda.example.org", msg)
        # The pipe's status line is logged after zest deliver has written the
        # file (through postlogd), so it may trail the Maildir by a moment.
        self.wait(lambda: STACK.postfix.log_lines(
            r"to=<dave@lda.example.org>.*relay=zest.*status=sent"), "Postfix's pipe status line")
        STACK.swaks("dave@lda.example.org", "urgent via pipe")
        self.wait(lambda: [m for m in STACK.postfix.mailbox("mobile") if "urgent via pipe" in m],
                  "the LDA's redirect in mobile's mailbox")


def main():
    global ARGS, STACK
    p = argparse.ArgumentParser()
    p.add_argument("--zestd", required=True)
    p.add_argument("--zest", required=True)
    p.add_argument("--transcripts", help="write the transcripts into this directory")
    p.add_argument("-k", default=None)
    ARGS, rest = p.parse_known_args()
    ARGS.zest, ARGS.zestd = os.path.abspath(ARGS.zest), os.path.abspath(ARGS.zestd)
    if os.getuid() != 0:
        print("skipped: the Postfix test runs as root (it starts a private Postfix)")
        return 77
    for tool in ("postfix", "saslpasswd2", "swaks", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            print("%s is not installed (scripts/install-test-deps.sh)" % tool)
            return 1
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    STACK = Stack()
    try:
        STACK.start()
        argv = [sys.argv[0]] + (["-k", ARGS.k] if ARGS.k else []) + rest
        result = unittest.main(argv=argv, verbosity=2, exit=False).result
        ok = result.wasSuccessful()
    except Exception:
        print(STACK.diagnostics())
        raise
    finally:
        STACK.stop()
    for name, parts in TRANSCRIPTS.items():
        text = "\n".join(parts)
        print("\n===== transcript: %s =====\n%s" % (name, text))
        if ARGS.transcripts:
            os.makedirs(ARGS.transcripts, exist_ok=True)
            with open(os.path.join(ARGS.transcripts, name + ".txt"), "w") as f:
                f.write(text + "\n")
    if ok:
        shutil.rmtree(STACK.dir, ignore_errors=True)
    else:
        print("left for inspection: " + STACK.dir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
