#!/usr/bin/python3
"""Notifications never hold up delivery and are never lost (issue 18, 1-2).

Real zestd on 127.0.0.1, real receivers started and stopped here:

1. blackhole: an HTTP "receiver" that accepts connections and never
   answers ([notify.http] timeout is 600 s, so a delivery that waited for it
   could not finish within this test). N LMTP deliveries that each notify
   it all get 250 while the receiver holds connections it never answered:
   no delivery waits for a receiver. The same N deliveries for a user
   without notifications, and for a user with alice's script whose receiver
   answers at once, give N 250s as well (counts, not timings); the
   wall-clock rates of the three are printed for the record
   (bench/notify_outbox.sh): blackholed and answering should match, the
   gap to "none" is the cost of recording.
2. kill -9: with those N notifications (and N vacation replies to a
   stopped SMTP server) pending, zestd is killed with SIGKILL; the
   blackhole is replaced by a real receiver and SMTP comes up; after a
   restart every notification and reply arrives.
3. flaky: a receiver that fails two of every three requests (503, some
   with Retry-After) still gets every notification exactly once per id,
   each signed; `zest events list` shows them delivered.
"""
import argparse, base64, hashlib, hmac, json, os, re, signal, smtplib, socket, subprocess, sys
import tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILS = []
SECRET_KEY = b"sieve-test-secret-0123456789abcd"
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import free_port, stop_process  # noqa: E402


def wait_for(cond, timeout=60):
    deadline = time.time() + timeout
    while not cond() and time.time() < deadline:
        time.sleep(0.05)
    return cond()


def verify(headers, body):
    h = {k.lower(): v for k, v in headers.items()}
    signed = (h["webhook-id"] + "." + h["webhook-timestamp"] + ".").encode() + body
    expect = "v1," + base64.b64encode(hmac.new(SECRET_KEY, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expect, s) for s in h.get("webhook-signature", "").split())


class Blackhole:
    """Accepts TCP connections, reads what comes, never answers."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.accepted = []
        self.answered = 0  # never changes: that is the point
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted.append(c)

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()
        for c in self.accepted:
            c.close()


class Receiver:
    """A signed-webhook receiver; fail(n) says whether request n (1-based) fails."""

    def __init__(self, port, fail=lambda n: False):
        self.requests = []  # (webhook-id, status, verified)
        self.ok_ids = []
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    n = len(outer.requests) + 1
                    bad = fail(n)
                    wid = self.headers.get("webhook-id", "")
                    outer.requests.append((wid, 503 if bad else 200, verify(dict(self.headers), body)))
                    if not bad:
                        outer.ok_ids.append(wid)
                self.send_response(503 if bad else 200)
                if bad and n % 2:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SCRIPT = """require ["enotify", "variables", "vacation"];
if header :matches "subject" "*" { set "s" "${1}"; }
notify :message "n: ${s}" "http://127.0.0.1:%d/hook";
%s
"""


class Zestd:
    def __init__(self, args, tmp, hook_port, smtp_port):
        self.args, self.tmp = args, tmp
        self.lmtp_port = free_port()
        self.data = os.path.join(tmp, "var")
        self.cfg = os.path.join(tmp, "zestd.toml")
        self.log = os.path.join(tmp, "zestd.log")
        self.proc = None
        open(self.cfg, "w").write(
            f'data_dir = "{self.data}"\nhostname = "mx.test"\n'
            f'[lmtp]\nlisten = ["127.0.0.1:{self.lmtp_port}"]\n[managesieve]\nlisten = []\n'
            f'[submission]\nurl = "smtp://127.0.0.1:{smtp_port}"\ntimeout = 5\n'
            f'[notify]\nmax_per_user_hour = 0\nbackoff_initial_ms = 20\n'
            f'backoff_max_ms = 200\nbreaker_cooldown = 1\n'
            f'[notify.http]\nallow = ["127.0.0.1/32"]\nallow_http = true\nsecret = "{SECRET}"\n'
            f'timeout = 600\n')

    def zest(self, *argv, **kw):
        return subprocess.run([self.args.zest, "-c", self.cfg] + list(argv), capture_output=True,
                              text=True, timeout=60, **kw)

    def add_user(self, name, script):
        r = subprocess.run([self.args.zest, "-c", self.cfg, "user", "add", name, "--password-stdin",
                            "--scheme", "PLAIN"], input=b"pw\n", capture_output=True, timeout=60)
        check(r.returncode == 0, "user %s added (%s)" % (name, r.stderr))
        home = os.path.join(self.data, "home", name)
        os.makedirs(os.path.join(home, "sieve"), exist_ok=True)
        open(os.path.join(home, "sieve", "main.sieve"), "w").write(script)
        os.symlink("sieve/main.sieve", os.path.join(home, ".dovecot.sieve"))

    def start(self):
        self.proc = subprocess.Popen([self.args.zestd, "-c", self.cfg], stderr=open(self.log, "ab"))
        deadline = time.time() + 15
        while time.time() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.lmtp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("zestd did not start: " + open(self.log).read())

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self):
        if not self.proc:
            return
        stop_process(self.proc, timeout=20)
        self.proc = None

    def deliver(self, rcpt, n, tag):
        """n messages over one LMTP connection; returns (250 count, seconds)."""
        ok = 0
        t0 = time.monotonic()
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as s:
            for i in range(n):
                msg = ("From: Bob <bob%d@example.org>\r\nTo: %s\r\nSubject: %s %d\r\n"
                       "Message-ID: <%s.%d@example.org>\r\n\r\nHello.\r\n" % (i, rcpt, tag, i, tag, i)).encode()
                if s.sendmail("bob%d@example.org" % i, [rcpt], msg) == {}:
                    ok += 1
        return ok, time.monotonic() - t0

    def pending(self, sink):
        r = self.zest("events", "list", "--state", "pending", "--sink", sink, "--limit", "1000000")
        return [l for l in r.stdout.splitlines()[1:] if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zestd", required=True)
    ap.add_argument("--zest", required=True)
    ap.add_argument("-n", type=int, default=200, help="deliveries per run")
    args = ap.parse_args()
    from aiosmtpd.controller import Controller
    mails = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    N = args.n
    with tempfile.TemporaryDirectory(prefix="zest-notify-outbox-") as tmp:
        hook_port, flaky_port, smtp_port, live_port = free_port(), free_port(), free_port(), free_port()
        z = Zestd(args, tmp, hook_port, smtp_port)
        z.add_user("alice", SCRIPT % (hook_port, 'vacation :days 1 :subject "Away" "I am away.";'))
        z.add_user("plain", "keep;\n")
        # The same script as alice's, to a receiver that answers at once.
        z.add_user("live", SCRIPT % (live_port, 'vacation :days 1 :subject "Away" "I am away.";'))
        z.add_user("flaky", SCRIPT % (flaky_port, ""))
        hole = Blackhole(hook_port)
        smtp = None
        rx = flaky = None
        live = Receiver(live_port)
        try:
            z.start()
            # -- 1: the same load with and without a blackholed receiver.
            ok_none, secs_none = z.deliver("plain@mx.test", N, "none")
            ok_live, secs_live = z.deliver("live@mx.test", N, "live")
            ok_hole, secs_hole = z.deliver("alice@mx.test", N, "hole")
            check(ok_live == N, "answering receiver: %d of %d deliveries got 250" % (ok_live, N))
            check(ok_none == N, "no notifications: %d of %d deliveries got 250" % (ok_none, N))
            check(ok_hole == N, "blackholed receiver: %d of %d deliveries got 250" % (ok_hole, N))
            check(len(hole.accepted) >= 1 and hole.answered == 0,
                  "the receiver held %d connection(s), answered none, while all deliveries completed"
                  % len(hole.accepted))
            print("THROUGHPUT none=%.1f msg/s answering=%.1f msg/s blackholed=%.1f msg/s "
                  "(n=%d, one LMTP connection; answering and blackholed: one notify + one vacation "
                  "reply recorded per message)" % (N / secs_none, N / secs_live, N / secs_hole, N), flush=True)
            check(len(os.listdir(os.path.join(z.data, "home", "alice", "Maildir", "new"))) == N,
                  "every message stored")
            pend = z.pending("notify:http://127.0.0.1:%d" % hook_port)
            check(len(pend) == N, "%d notifications pending for the blackhole" % len(pend))
            vac = z.pending("notify:mail")
            check(len(vac) == 2 * N, "%d vacation replies pending (SMTP down)" % len(vac))

            # -- 2: kill -9 with all of them pending, then everything arrives.
            z.kill9()
            hole.close()
            rx = Receiver(hook_port)
            smtp = Controller(Handler(), hostname="127.0.0.1", port=smtp_port)
            smtp.start()
            z.start()
            wait_for(lambda: len(set(rx.ok_ids)) >= N and len(mails) >= 2 * N, 120)
            check(len(set(rx.ok_ids)) == N, "after kill -9 and restart: %d of %d notifications arrived"
                  % (len(set(rx.ok_ids)), N))
            check(all(v for _, _, v in rx.requests), "every request signed")
            got_vac = [m for m in mails if b"Subject: Away" in m[2] and b"alice@mx.test" in m[2]]
            check(len([m for m in mails if b"Subject: Away" in m[2]]) == 2 * N,
                  "every vacation reply of both users sent once (%d)" % len(mails))
            check(len(got_vac) == N and all(m[0] == "<>" for m in got_vac),
                  "after kill -9 and restart: %d of %d vacation replies sent, null sender" % (len(got_vac), N))
            check(sorted(r[1][0] for r in got_vac) == sorted(["bob%d@example.org" % i for i in range(N)]),
                  "each sender answered once")
            left = lambda: z.pending("notify:mail") + z.pending("notify:http://127.0.0.1:%d" % hook_port)
            check(wait_for(lambda: left() == []), "nothing left pending %s" % left()[:3])

            # -- 3: a receiver that fails two of three requests.
            flaky = Receiver(flaky_port, fail=lambda n: n % 3 != 0)
            K = 30
            ok, _ = z.deliver("flaky@mx.test", K, "flaky")
            check(ok == K, "flaky: %d of %d deliveries got 250" % (ok, K))
            wait_for(lambda: len(flaky.ok_ids) >= K, 120)
            counts = {}
            for i in flaky.ok_ids:
                counts[i] = counts.get(i, 0) + 1
            check(len(counts) == K and all(c == 1 for c in counts.values()),
                  "flaky: %d ids accepted, each exactly once (%d accepted answers, %d requests)"
                  % (len(counts), len(flaky.ok_ids), len(flaky.requests)))
            check(len(flaky.requests) >= 2 * K, "flaky: failures were retried (%d requests)" % len(flaky.requests))
            r = z.zest("events", "list", "--state", "delivered", "--sink", "notify:http://127.0.0.1:%d" % flaky_port)
            rows = [l.split("\t") for l in r.stdout.splitlines()[1:] if l.strip()]
            check(len(rows) == K and all(row[4] == "vnd.zest.Notify" and row[5] == "delivered" for row in rows),
                  "zest events list: %d delivered notifications" % len(rows))
            # Per-user order kept at the destination: ids arrive in recording order.
            seqs = [int(row[3]) for row in rows]
            check(seqs == sorted(seqs), "sequence numbers in order")
            logtext = open(z.log).read()
            order = re.findall(r'event=notify-delivered destination="?notify:http://127\.0\.0\.1:%d"? id="?(\w+)"?' % flaky_port, logtext)
            listed = [row[0] for row in sorted(rows, key=lambda row: int(row[3]))]
            check(order == listed, "flaky: delivered in the order recorded")
        finally:
            z.stop()
            for x in (rx, flaky, live):
                if x:
                    x.close()
            if hole.running:
                hole.close()
            if smtp:
                smtp.stop()
            if FAILS and os.path.exists(z.log):
                print(open(z.log).read()[-6000:])
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
