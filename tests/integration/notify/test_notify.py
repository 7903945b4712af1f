#!/usr/bin/python3
"""Notifications delivered to real servers on 127.0.0.1 by `sieve-test -e -c`:
mailto -> aiosmtpd, https/http -> a local signed-webhook receiver, xmpp ->
a private Prosody instance. Every server is started and stopped here."""
import argparse, base64, hashlib, hmac, json, os, shutil, signal, socket, subprocess
import sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        cfg = f'[submission]\nurl = "smtp://127.0.0.1:{port}"\n'
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


def test_xmpp(args, tmp):
    if not shutil.which("prosody"):
        check(False, "xmpp: prosody is not installed (scripts/install-test-deps.sh)")
        return
    d = os.path.join(tmp, "prosody")
    os.makedirs(os.path.join(d, "data"))
    port = free_port()
    cfgfile = os.path.join(d, "prosody.cfg.lua")
    open(cfgfile, "w").write(PROSODY_CFG.format(d=d, port=port))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    os.path.join(d, "localhost.key"), "-out", os.path.join(d, "localhost.crt"),
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    for user, pw in (("notify", "notifypw"), ("alice", "alicepw")):
        subprocess.run(["prosodyctl", "--config", cfgfile, "register", user, "localhost", pw],
                       check=True, capture_output=True, timeout=30)
    proc = subprocess.Popen(["prosody", "--config", cfgfile, "-F"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        cfg = (f'[notify.xmpp]\njid = "notify@localhost"\npassword = "notifypw"\n'
               f'host = "127.0.0.1"\nport = {port}\nca_file = "{d}/localhost.crt"\n')
        script = ('require ["enotify"];\nnotify :importance "1" :message "Report from Bob" '
                  '"xmpp:alice@localhost?message;subject=Mail";\n')
        r = run_sieve(args, tmp, script, cfg)
        check(r.returncode == 0 and "xmpp notification sent" in r.stderr, "xmpp: sent (%s)" % r.stderr.strip())
        # alice is offline: Prosody stores the type=normal stanza for her account.
        store = os.path.join(d, "data", "localhost", "offline", "alice.list")
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(store):
            time.sleep(0.2)
        text = open(store).read() if os.path.exists(store) else ""
        check("Report from Bob" in text and '"normal"' in text and "notify@localhost" in text,
              "xmpp: stanza arrived at alice@localhost (offline store)")
        check("Urgency" in text and "high" in text and "Mail" in text, "xmpp: subject and SHIM Urgency")
        bad = cfg.replace("notifypw", "wrong")
        r = run_sieve(args, tmp, script, bad)
        check("error" in r.stderr and r.returncode == 0, "xmpp: wrong password is a logged failure, delivery ok")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sieve-test", required=True)
    ap.add_argument("--only", choices=["mailto", "http", "xmpp"])
    args = ap.parse_args()
    for name, fn in (("mailto", test_mailto), ("http", test_http), ("xmpp", test_xmpp)):
        if args.only and args.only != name:
            continue
        with tempfile.TemporaryDirectory(prefix="zest-notify-") as tmp:
            fn(args, tmp)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
