#!/usr/bin/python3
"""Runs transport_peers_test against real peers on 127.0.0.1: an aiosmtpd
sink, an HTTP and an HTTPS webhook receiver (verifying signatures with
Python's hmac), an aiosmtpd with STARTTLS (self-signed) and AUTH, a
private Prosody with the receiving account online, and a
private redis-server with a password. Each peer writes what it received as
one JSON file per item into a spool directory the test program reads.
The peers are started on free ports before the program and stopped (by
pid) after it; their ports go to the program in environment variables.
/usr/bin/python3: aiosmtpd comes from Debian's python3-aiosmtpd."""
import argparse, json, os, shutil, ssl, subprocess, sys
import tempfile, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "notify"))
# Prosody, the small XMPP client and the webhook secret with its Python
# verifier, as the notification tests use them.
from test_notify import SECRET, Prosody, XmppClient, free_port, verify  # noqa: E402
from redis_peer import REDIS_PASSWORD, start_redis, stop  # noqa: E402


class Spool:
    """Numbered JSON files, written whole (rename) so a reader never sees half."""

    def __init__(self, root):
        self.root = root
        self.count = {}
        self.lock = threading.Lock()

    def put(self, kind, doc):
        with self.lock:
            n = self.count.get(kind, 0) + 1
            self.count[kind] = n
        tmp = os.path.join(self.root, ".%s-%d.tmp" % (kind, n))
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.root, "%s-%d.json" % (kind, n)))


class Receiver:
    """A webhook receiver. The path chooses the answer: /fail-once (500, then
    200), /status/<code>, /retry-after (429 with Retry-After: 7), else 200."""

    def __init__(self, spool, kind, tls=None):
        seen = {}
        lock = threading.Lock()

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with lock:
                    seen[self.path] = seen.get(self.path, 0) + 1
                    n = seen[self.path]
                code, extra = 200, {}
                if self.path == "/fail-once" and n == 1:
                    code = 500
                elif self.path.startswith("/status/"):
                    code = int(self.path.rsplit("/", 1)[1])
                elif self.path == "/retry-after":
                    code, extra = 429, {"Retry-After": "7"}
                spool.put(kind, {"path": self.path, "headers": headers,
                                 "body": body.decode("utf-8", "replace"),
                                 "signature_valid": "webhook-signature" in headers
                                                    and verify(headers, body),
                                 "status": code})
                self.send_response(code)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def make_cert(d):
    """A self-signed certificate for 127.0.0.1 (the name the test uses)."""
    key, crt = os.path.join(d, "https.key"), os.path.join(d, "https.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return crt, key


class XmppListener:
    """alice@localhost online; every <message/> she gets goes to the spool."""

    def __init__(self, server, spool):
        self.client = XmppClient(server.port, "alice", "alicepw", server.ca)
        self.spool = spool
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        done = 0
        while not self.stopping:
            try:
                got = self.client.messages(done + 1, timeout=1)
            except OSError:
                return
            for stanza in got[done:]:
                self.spool.put("xmpp", {"stanza": stanza})
            done = len(got)

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True)
    ap.add_argument("args", nargs="*", help="passed to the program (e.g. --gtest_filter=...)")
    args = ap.parse_args()
    for tool in ("prosody", "prosodyctl", "redis-server", "openssl"):
        if not shutil.which(tool):
            print("%s is not installed (scripts/install-test-deps.sh)" % tool)
            return 1
    from aiosmtpd.controller import Controller

    with tempfile.TemporaryDirectory(prefix="zest-peers-") as tmp:
        spool_dir = os.path.join(tmp, "spool")
        os.makedirs(spool_dir)
        spool = Spool(spool_dir)

        class SmtpSink:
            def __init__(self, kind="smtp"):
                self.kind = kind

            async def handle_DATA(self, server, session, envelope):
                spool.put(self.kind, {"mail_from": envelope.mail_from,
                                      "rcpt_tos": list(envelope.rcpt_tos),
                                      "content": envelope.content.decode("utf-8", "replace"),
                                      "tls": session.ssl is not None,
                                      "auth": bool(session.authenticated)})
                return "250 OK"

        stack = []
        try:
            smtp_port = free_port()
            smtp = Controller(SmtpSink(), hostname="127.0.0.1", port=smtp_port)
            smtp.start()
            stack.append(smtp.stop)
            http = Receiver(spool, "http")
            stack.append(http.stop)
            crt, key = make_cert(tmp)
            # A submission server as a stock MTA has it: STARTTLS with a
            # self-signed certificate, AUTH PLAIN/LOGIN only after STARTTLS.
            from aiosmtpd.smtp import AuthResult, LoginPassword
            tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_ctx.load_cert_chain(crt, key)

            def authenticator(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and \
                    (data.login, data.password) == (b"zest", b"submit-pw")
                return AuthResult(success=ok)

            starttls_port = free_port()
            starttls = Controller(SmtpSink("starttls"), hostname="127.0.0.1", port=starttls_port,
                                  tls_context=tls_ctx, authenticator=authenticator,
                                  auth_require_tls=True)
            starttls.start()
            stack.append(starttls.stop)
            https = Receiver(spool, "https", tls=(crt, key))
            stack.append(https.stop)
            prosody = Prosody(tmp)
            stack.append(prosody.stop)
            xmpp = XmppListener(prosody, spool)
            stack.append(xmpp.stop)
            redis, redis_port = start_redis(tmp)
            stack.append(lambda: stop(redis))

            env = dict(os.environ,
                       ZEST_PEER_SPOOL=spool_dir,
                       ZEST_PEER_TMP=tmp,
                       ZEST_SMTP_PORT=str(smtp_port),
                       ZEST_STARTTLS_PORT=str(starttls_port),
                       ZEST_HTTP_PORT=str(http.port),
                       ZEST_HTTPS_PORT=str(https.port),
                       ZEST_HTTPS_CA=crt,
                       ZEST_WEBHOOK_SECRET=SECRET,
                       ZEST_XMPP_PORT=str(prosody.port),
                       ZEST_XMPP_CA=prosody.ca,
                       ZEST_REDIS_PORT=str(redis_port),
                       ZEST_REDIS_PASSWORD=REDIS_PASSWORD)
            return subprocess.run([args.program] + args.args, env=env, timeout=300).returncode
        finally:
            for fn in reversed(stack):
                try:
                    fn()
                except Exception as e:  # keep stopping the others
                    print("stopping a peer failed: %s" % e)


if __name__ == "__main__":
    sys.exit(main())
