#!/usr/bin/python3
"""Notifications delivered to real servers on 127.0.0.1, by `sieve-test -e -c`
and by zestd for mail arriving over LMTP: mailto -> aiosmtpd, https/http ->
a local signed-webhook receiver, xmpp -> a private Prosody instance, where a
second account is online with a small XMPP client and receives the stanza
live. Every server is started and stopped here."""
import argparse, base64, hashlib, hmac, json, os, re, shutil, signal, smtplib, socket, ssl
import subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import free_port, stop_process  # noqa: E402


MESSAGE = (b"From: Bob Sender <bob@example.org>\r\nTo: alice@example.org\r\n"
           b"Subject: Quarterly report\r\nDate: Sat, 28 Nov 2026 09:00:00 +0000\r\n"
           b"Message-ID: <q1@example.org>\r\n\r\nNumbers.\r\n")


def run_sieve(args, tmp, script, config, sender="bob@example.org", message=MESSAGE):
    sp = os.path.join(tmp, "s.sieve")
    mp = os.path.join(tmp, "m.eml")
    cp = os.path.join(tmp, "zest.toml")
    md = os.path.join(tmp, "Maildir")
    open(sp, "w").write(script)
    open(mp, "wb").write(message)
    open(cp, "w").write(config)
    r = subprocess.run([args.sieve_test, "-e", "-c", cp, "-l", md, "-f", sender,
                        "-r", "alice@example.org", sp, mp],
                       capture_output=True, text=True, timeout=60)
    return r


# ---------------------------------------------------------------- mailto
def test_mailto(args, tmp):
    from aiosmtpd.controller import Controller
    got = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        script = ('require ["enotify"];\n'
                  'notify :importance "1" :message "Report from Bob" '
                  '"mailto:carol@example.net?cc=dave@example.net&x-tag=q%20report&from=evil@x&body=See%20it%0D%0A.%20dot";\n')
        cfg = f'hostname = "localhost"\n[submission]\nurl = "smtp://127.0.0.1:{port}"\n'
        r = run_sieve(args, tmp, script, cfg)
        check(r.returncode == 0, "mailto: sieve-test ok (%s)" % r.stderr.strip())
        check(len(got) == 2, "mailto: one SMTP transaction per recipient (%d)" % len(got))
        rcpts = sorted(sum((g[1] for g in got), []))
        check(rcpts == ["carol@example.net", "dave@example.net"], "mailto: envelope recipients %s" % rcpts)
        check(all(g[0] == "postmaster@localhost" for g in got), "mailto: envelope sender postmaster (%s)" % [g[0] for g in got])
        if got:
            text = got[0][2].decode()
            head, _, body = text.partition("\r\n\r\n")
            hdr = {}
            for line in head.replace("\r\n ", " ").split("\r\n"):
                k, _, v = line.partition(": ")
                hdr.setdefault(k.lower(), []).append(v)
            check(hdr.get("auto-submitted") == ['auto-notified; owner-email="alice@example.org"'], "mailto: Auto-Submitted %s" % hdr.get("auto-submitted"))
            check(hdr.get("from") == ["alice@example.org"], "mailto: From is the user, from= ignored %s" % hdr.get("from"))
            check(hdr.get("to") == ["carol@example.net"], "mailto: To %s" % hdr.get("to"))
            check(hdr.get("cc") == ["dave@example.net"], "mailto: Cc %s" % hdr.get("cc"))
            check(hdr.get("subject") == ["Report from Bob"], "mailto: Subject from :message")
            check(hdr.get("x-tag") == ["q report"], "mailto: URI header copied %s" % hdr.get("x-tag"))
            check(hdr.get("importance") == ["High"] and hdr.get("x-priority") == ["1 (Highest)"], "mailto: importance 1")
            check("date" in hdr and "message-id" in hdr, "mailto: fresh Date and Message-ID")
            check(body == "See it\r\n. dot\r\n", "mailto: body from body= with a dot line %r" % body)
        # Null sender: the notification's sender is null too; auto-submitted: nothing.
        got.clear()
        r = run_sieve(args, tmp, script, cfg, sender="<>")
        check([g[0] for g in got] == ["", ""] or [g[0] for g in got] == ["<>", "<>"], "mailto: null sender stays null %s" % [g[0] for g in got])
        got.clear()
        r = run_sieve(args, tmp, script, cfg, message=b"Auto-Submitted: auto-replied\r\n" + MESSAGE)
        check(not got, "mailto: no notification about an auto-submitted message")
        # Header injection is refused at compile time.
        r = run_sieve(args, tmp, 'require "enotify";\nnotify "mailto:a@example.net?subject=x%0D%0ABcc:%20evil@x";\n', cfg)
        check(r.returncode != 0 and not got, "mailto: CRLF in a header field is a compile error")
    finally:
        ctl.stop()


# ------------------------------------------------------------------ http
SECRET_KEY = b"sieve-test-secret-0123456789abcd"
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()


class Receiver:
    def __init__(self, fail_first=0):
        self.requests = []
        self.fail_first = fail_first
        self.connections = 0
        outer = self

        class H(BaseHTTPRequestHandler):
            def setup(self):
                outer.connections += 1
                super().setup()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((self.path, dict(self.headers.items()), body))
                code = 500 if len(outer.requests) <= outer.fail_first else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(cond, timeout=30):
    """Bounded wait until cond() holds (the outbox senders work after the 250)."""
    deadline = time.time() + timeout
    while not cond() and time.time() < deadline:
        time.sleep(0.05)
    return cond()


def verify(headers, body):
    h = {k.lower(): v for k, v in headers.items()}
    signed = (h["webhook-id"] + "." + h["webhook-timestamp"] + ".").encode() + body
    expect = "v1," + base64.b64encode(hmac.new(SECRET_KEY, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expect, s) for s in h["webhook-signature"].split())


def test_http(args, tmp):
    script = ('require ["enotify"];\nnotify :importance "1" :options "channel=ops" '
              ':message "Report arrived" "http://127.0.0.1:%d/hook?u=alice";\n')
    rx = Receiver()
    try:
        cfg = (f'[notify.http]\nallow = ["127.0.0.1/32"]\nallow_http = true\n'
               f'secret = "{SECRET}"\ntimeout = 5\nretry_delay_ms = 100\n')
        r = run_sieve(args, tmp, script % rx.port, cfg)
        check(r.returncode == 0 and len(rx.requests) == 1, "http: one POST (%s)" % r.stderr.strip())
        if rx.requests:
            path, headers, body = rx.requests[0]
            h = {k.lower(): v for k, v in headers.items()}
            doc = json.loads(body)
            check(path == "/hook?u=alice", "http: path and query kept")
            check(h.get("content-type") == "application/json", "http: content type")
            check(verify(headers, body), "http: webhook-signature verifies with hmac")
            check(abs(int(h["webhook-timestamp"]) - time.time()) < 60, "http: timestamp is now")
            check(doc["event"] == "sieve.notify" and doc["id"] == h["webhook-id"], "http: event and id")
            check(doc["message"] == "Report arrived" and doc["importance"] == 1, "http: message and importance")
            check(doc["user"] == "alice@example.org", "http: user")
            check(doc["options"] == {"channel": "ops"}, "http: options")
            t = doc["trigger"]
            check(t["from"] == "Bob Sender <bob@example.org>" and t["subject"] == "Quarterly report"
                  and t["message_id"] == "<q1@example.org>" and t["date"].startswith("Sat, 28 Nov 2026"),
                  "http: message summary %s" % t)
    finally:
        rx.close()
    # 500 then 200: delivered once more, with the same webhook-id.
    rx = Receiver(fail_first=1)
    try:
        r = run_sieve(args, tmp, script % rx.port, cfg)
        ids = [{k.lower(): v for k, v in h.items()}["webhook-id"] for _, h, _ in rx.requests]
        check(r.returncode == 0 and len(ids) == 2 and ids[0] == ids[1],
              "http: 500 then 200 -> retried once with the same webhook-id %s" % ids)
        check(all(verify(h, b) for _, h, b in rx.requests), "http: every attempt is signed")
    finally:
        rx.close()
    # Private address without an allow entry: refused before connecting.
    rx = Receiver()
    try:
        cfg2 = f'[notify.http]\nallow_http = true\nsecret = "{SECRET}"\n'
        r = run_sieve(args, tmp, script % rx.port, cfg2)
        check(rx.connections == 0 and "refused" in r.stderr, "http: loopback refused without connecting (%s)" % r.stderr.strip())
        cfg3 = f'[notify.http]\nallow = ["127.0.0.1/32"]\n'
        r = run_sieve(args, tmp, script % rx.port, cfg3)
        check(r.returncode != 0 and rx.connections == 0, "http: http: URIs refused unless allow_http")
    finally:
        rx.close()


# ------------------------------------------------------------------ xmpp
PROSODY_CFG = """
pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
run_as_root = true
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
s2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
admin_socket = "{d}/prosody.sock"
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "offline" }}
modules_disabled = {{ "s2s"; "posix" }}
authentication = "internal_plain"
c2s_require_encryption = true
storage = "internal"
log = {{ debug = "{d}/prosody.log" }}
certificates = "{d}"
VirtualHost "localhost"
  ssl = {{ key = "{d}/localhost.key"; certificate = "{d}/localhost.crt" }}
"""


class Prosody:
    """A private Prosody on 127.0.0.1 with the accounts notify and alice."""

    def __init__(self, tmp):
        self.dir = d = os.path.join(tmp, "prosody")
        os.makedirs(os.path.join(d, "data"))
        self.port = free_port()
        self.ca = os.path.join(d, "localhost.crt")
        cfgfile = os.path.join(d, "prosody.cfg.lua")
        open(cfgfile, "w").write(PROSODY_CFG.format(d=d, port=self.port))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(d, "localhost.key"), "-out", self.ca, "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True)
        for user, pw in (("notify", "notifypw"), ("alice", "alicepw")):
            subprocess.run(["prosodyctl", "--config", cfgfile, "register", user, "localhost", pw],
                           check=True, capture_output=True, timeout=30)
        self.proc = subprocess.Popen(["prosody", "--config", cfgfile, "-F"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)

    def config(self):
        return (f'[notify.xmpp]\njid = "notify@localhost"\npassword = "notifypw"\n'
                f'host = "127.0.0.1"\nport = {self.port}\nca_file = "{self.ca}"\n')

    def stop(self):
        stop_process(self.proc, timeout=10)


class XmppClient:
    """A minimal XMPP client (RFC 6120) for the receiving account: STARTTLS
    verified against the test certificate, SASL PLAIN, resource binding,
    initial presence; then it collects <message/> stanzas as they arrive."""

    NS = ("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")

    def __init__(self, port, user, password, ca):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = ""
        self.restart("urn:ietf:params:xml:ns:xmpp-tls")
        self.sock.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until("<proceed")
        self.sock = ssl.create_default_context(cafile=ca).wrap_socket(
            self.sock, server_hostname="localhost")
        self.restart("PLAIN")
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        self.sock.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                           + token + "</auth>").encode())
        if "<success" not in self.read_until("<success", "<failure"):
            raise RuntimeError("xmpp login failed: " + self.buf)
        self.restart("urn:ietf:params:xml:ns:xmpp-bind")
        self.sock.sendall(b"<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                          b"<resource>test</resource></bind></iq>")
        self.read_until("</iq>")
        self.buf = ""
        # Initial presence; the server reflects it to us once we are available.
        self.sock.sendall(b"<presence/>")
        self.read_until("<presence")
        self.buf = ""
        self.sock.settimeout(1)

    def restart(self, feature):
        self.buf = ""
        self.sock.sendall(self.NS.encode())
        self.read_until("</stream:features>")
        if feature not in self.buf:
            raise RuntimeError("xmpp: %s not offered: %s" % (feature, self.buf))

    def read_until(self, *markers, timeout=15):
        deadline = time.time() + timeout
        while not any(m in self.buf for m in markers):
            if time.time() > deadline:
                raise TimeoutError("xmpp: waited for %s, have %r" % (markers, self.buf))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise EOFError(self.buf)
            self.buf += data.decode(errors="replace")
        return self.buf

    def messages(self, count, timeout=15):
        """Waits (bounded) until `count` message stanzas arrived; returns all."""
        pattern = re.compile(r"<message\b.*?</message>", re.S)
        deadline = time.time() + timeout
        while len(pattern.findall(self.buf)) < count and time.time() < deadline:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            self.buf += data.decode(errors="replace")
        return pattern.findall(self.buf)

    def close(self):
        try:
            self.sock.sendall(b"</stream:stream>")
        except OSError:
            pass
        self.sock.close()


def test_xmpp(args, tmp):
    if not shutil.which("prosody"):
        check(False, "xmpp: prosody is not installed (scripts/install-test-deps.sh)")
        return
    server = Prosody(tmp)
    alice = None
    try:
        alice = XmppClient(server.port, "alice", "alicepw", server.ca)
        cfg = server.config()
        script = ('require ["enotify"];\nnotify :importance "1" :message "Report from Bob" '
                  '"xmpp:alice@localhost?message;subject=Mail";\n')
        r = run_sieve(args, tmp, script, cfg)
        check(r.returncode == 0 and "xmpp notification sent" in r.stderr, "xmpp: sent (%s)" % r.stderr.strip())
        got = alice.messages(1)
        text = got[0] if got else ""
        check(len(got) == 1, "xmpp: one stanza arrived live at alice@localhost (%d)" % len(got))
        check("Report from Bob" in text and "type='normal'" in text.replace('"', "'")
              and "notify@localhost" in text, "xmpp: body, type normal, from the service account %r" % text)
        check("<delay" not in text, "xmpp: delivered live, not from the offline store")
        check("Urgency" in text and "high" in text and "<subject>Mail</subject>" in text,
              "xmpp: subject and SHIM Urgency")
        bad = cfg.replace("notifypw", "wrong")
        r = run_sieve(args, tmp, script, bad)
        check("error" in r.stderr and r.returncode == 0, "xmpp: wrong password is a logged failure, delivery ok")
    finally:
        if alice:
            alice.close()
        server.stop()


# ------------------------------------------------------------------ zestd
LMTP_SCRIPT = """require ["enotify", "variables"];
if header :matches "subject" "*" { set "s" "${1}"; }
notify :message "mail: ${s}" "mailto:carol@example.net";
notify :importance "1" :message "xmpp: ${s}" "xmpp:alice@localhost";
notify :message "http: ${s}" "http://127.0.0.1:%d/hook";
"""


def lmtp_send(port, subject):
    msg = MESSAGE.replace(b"Subject: Quarterly report", b"Subject: " + subject.encode())
    with smtplib.LMTP("127.0.0.1", port) as s:
        return s.sendmail("bob@example.org", ["alice@mx.test"], msg)  # {} = every rcpt 250


def test_zestd(args, tmp):
    """Mail delivered over LMTP to a user whose active script notifies by
    mailto, xmpp and http reaches the real servers; [notify]
    max_per_user_hour then holds, across a restart of zestd."""
    if not args.zestd or not shutil.which("prosody"):
        check(False, "zestd: needs --zestd/--zest and prosody")
        return
    from aiosmtpd.controller import Controller
    mails = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    smtp_port = free_port()
    smtp = Controller(Handler(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    rx = Receiver()
    xmpp = Prosody(tmp)
    alice = None
    zestd = None
    lmtp_port = free_port()
    data = os.path.join(tmp, "var")
    cfg = os.path.join(tmp, "zestd.toml")  # run_sieve writes zest.toml
    log = os.path.join(tmp, "zestd.log")
    open(cfg, "w").write(
        f'data_dir = "{data}"\nhostname = "mx.test"\n'
        f'[lmtp]\nlisten = ["127.0.0.1:{lmtp_port}"]\n[managesieve]\nlisten = []\n'
        f'[submission]\nurl = "smtp://127.0.0.1:{smtp_port}"\n'
        f'[notify]\nmax_per_user_hour = 3\n' + xmpp.config() +
        f'[notify.http]\nallow = ["127.0.0.1/32"]\nallow_http = true\nsecret = "{SECRET}"\n')

    def start():
        p = subprocess.Popen([args.zestd, "-c", cfg], stderr=open(log, "ab"))
        deadline = time.time() + 15
        while time.time() < deadline and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", lmtp_port), timeout=1).close()
                return p
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("zestd did not start: " + open(log).read())

    def stop(p):
        stop_process(p, timeout=10)

    try:
        r = subprocess.run([args.zest, "-c", cfg, "user", "add", "alice", "--password-stdin",
                            "--scheme", "PLAIN"], input=b"pw\n", capture_output=True, timeout=60)
        check(r.returncode == 0, "zestd: user added (%s)" % r.stderr)
        home = os.path.join(data, "home", "alice")
        os.makedirs(os.path.join(home, "sieve"), exist_ok=True)
        open(os.path.join(home, "sieve", "main.sieve"), "w").write(LMTP_SCRIPT % rx.port)
        os.symlink("sieve/main.sieve", os.path.join(home, ".dovecot.sieve"))
        alice = XmppClient(xmpp.port, "alice", "alicepw", xmpp.ca)
        zestd = start()

        refused = lmtp_send(lmtp_port, "First")
        check(refused == {}, "zestd: LMTP 250 for the first message %s" % refused)
        check(len(os.listdir(os.path.join(home, "Maildir", "new"))) == 1, "zestd: message kept in INBOX")
        # The outbox senders carry the notifications after the 250.
        wait_for(lambda: len(mails) >= 1 and len(rx.requests) >= 1)
        # mailto: through [submission], exactly one transaction.
        check(len(mails) == 1 and mails[0][1] == ["carol@example.net"], "zestd: mailto submitted %s" % [m[1] for m in mails])
        if mails:
            text = mails[0][2].decode()
            check("Auto-Submitted: auto-notified" in text and "Subject: mail: First" in text
                  and "From: alice@mx.test" in text, "zestd: mailto notification message %r" % text[:300])
            check(re.search(r"Message-ID: <[^>]+@mx\.test>", text) is not None,
                  "zestd: notification Message-ID in the user's domain")
        # xmpp: live at alice's client.
        got = alice.messages(1)
        check(len(got) == 1 and "xmpp: First" in got[0] and "<delay" not in got[0]
              and "notify@localhost" in got[0], "zestd: xmpp stanza live at alice %r" % got)
        # http: one signed POST.
        check(len(rx.requests) == 1, "zestd: one webhook POST (%d)" % len(rx.requests))
        if rx.requests:
            path, headers, body = rx.requests[0]
            doc = json.loads(body)
            check(path == "/hook" and verify(headers, body), "zestd: webhook path and signature")
            check(doc["message"] == "http: First" and doc["trigger"]["subject"] == "First"
                  and doc["trigger"]["envelope_to"] == "alice@mx.test", "zestd: webhook payload %s" % doc)
        logtext = open(log).read()
        check(len(re.findall(r"event=notify .*status=queued", logtext)) == 3, "zestd: three notify lines logged as queued")
        wait_for(lambda: len(re.findall(r"event=notify-delivered", open(log).read())) == 3)
        check(len(re.findall(r"event=notify-delivered", open(log).read())) == 3, "zestd: three notify-delivered lines")

        # max_per_user_hour = 3: the next message is delivered, its notifications are not sent.
        refused = lmtp_send(lmtp_port, "Second")
        check(refused == {}, "zestd: LMTP 250 for the second message")
        check(len(os.listdir(os.path.join(home, "Maildir", "new"))) == 2, "zestd: second message kept")
        check(len(mails) == 1 and len(rx.requests) == 1, "zestd: no mailto/http over the hourly limit")
        logtext = open(log).read()
        skipped = re.findall(r"event=notify .*method=(\w+) status=skipped detail=\"notification rate limit for alice reached\"", logtext)
        check(sorted(skipped) == ["http", "mailto", "xmpp"], "zestd: three notifications skipped and logged %s" % skipped)
        rate = open(os.path.join(home, ".zest.notify-rate")).read().split()
        check(len(rate) == 3, "zestd: three send times recorded in .zest.notify-rate %s" % rate)

        # The count survives a restart (it lives in the user's home).
        stop(zestd)
        zestd = start()
        refused = lmtp_send(lmtp_port, "Third")
        check(refused == {} and len(mails) == 1 and len(rx.requests) == 1,
              "zestd: still limited after a restart")
        # The xmpp client saw only the first notification: a marker sent
        # afterwards arrives next, with nothing in between.
        r = run_sieve(args, tmp, 'require "enotify";\nnotify :message "marker" "xmpp:alice@localhost";\n',
                      xmpp.config())
        got = alice.messages(2)
        check(len(got) == 2 and "marker" in got[1], "zestd: no xmpp stanza over the limit %r" % got[1:])
    finally:
        if zestd:
            stop(zestd)
        if alice:
            alice.close()
        xmpp.stop()
        rx.close()
        smtp.stop()
        if FAILS and os.path.exists(log):
            print(open(log).read()[-4000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve-test", required=True)
    ap.add_argument("--zestd")
    ap.add_argument("--zest")
    ap.add_argument("--only", choices=["mailto", "http", "xmpp", "zestd"])
    args = ap.parse_args()
    for name, fn in (("mailto", test_mailto), ("http", test_http), ("xmpp", test_xmpp),
                     ("zestd", test_zestd)):
        if args.only and args.only != name:
            continue
        with tempfile.TemporaryDirectory(prefix="zest-notify-") as tmp:
            fn(args, tmp)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
