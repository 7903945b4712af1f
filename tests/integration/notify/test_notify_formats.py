#!/usr/bin/python3
"""[[notify.http.target]] formats (issue 18, 4 and 6): zestd sends one
notification in each format (default JSON, ntfy, gotify) to the receiver
examples of docs/notifications.md, run here exactly as printed there; each
checks its requests against the service's published API (ntfy's publish
endpoint, Gotify's POST /message) and prints what it accepted.
The test also checks what the stand-ins cannot see as a service would:
signature headers on every format, the Title of a non-ASCII sender, the
priority mapping and the Click / extras IMAP URL."""
import argparse, base64, json, os, re, signal, smtplib, socket, subprocess, sys, tempfile, time

FAILS = []
SECRET = "whsec_" + base64.b64encode(b"sieve-test-secret-0123456789abcd").decode()
HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "..", "..", "docs", "notifications.md")


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from zestlib import free_port  # noqa: E402


def receivers_from_doc():
    text = open(DOC).read()
    out = {}
    for name, code in re.findall(r"<!-- receiver:(\w+) -->\n```python\n(.*?)```", text, re.S):
        out[name] = code
    return out


class Proc:
    def __init__(self, tmp, name, code, env):
        self.path = os.path.join(tmp, "receiver_%s.py" % name)
        open(self.path, "w").write(code)
        self.out = os.path.join(tmp, "receiver_%s.out" % name)
        self.port = int(env["PORT"])
        self.p = subprocess.Popen([sys.executable, self.path], env=dict(os.environ, **env),
                                  stdout=open(self.out, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("receiver %s did not start: %s" % (name, open(self.out).read()))

    def lines(self):
        out = []
        for l in open(self.out).read().splitlines():
            try:
                out.append(json.loads(l))
            except ValueError:
                pass
        return out

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zestd", required=True)
    ap.add_argument("--zest", required=True)
    args = ap.parse_args()
    recv = receivers_from_doc()
    check(sorted(recv) == ["cloudevents", "gotify", "json", "ntfy"], "docs/notifications.md has the four receivers %s" % sorted(recv))
    with tempfile.TemporaryDirectory(prefix="zest-notify-formats-") as tmp:
        ports = {n: free_port() for n in ("json", "ntfy", "gotify", "cloudevents")}
        procs = []
        zestd = None
        log = os.path.join(tmp, "zestd.log")
        try:
            procs.append(Proc(tmp, "json", recv["json"], {"PORT": str(ports["json"]), "SECRET": SECRET}))
            procs.append(Proc(tmp, "ntfy", recv["ntfy"], {"PORT": str(ports["ntfy"]), "TOKEN": "tk_secret"}))
            procs.append(Proc(tmp, "gotify", recv["gotify"], {"PORT": str(ports["gotify"]), "TOKEN": "AppTok1"}))
            procs.append(Proc(tmp, "cloudevents", recv["cloudevents"],
                              {"PORT": str(ports["cloudevents"]), "SECRET": SECRET}))
            rx = dict(zip(("json", "ntfy", "gotify", "cloudevents"), procs))
            lmtp = free_port()
            data = os.path.join(tmp, "var")
            cfg = os.path.join(tmp, "zestd.toml")
            open(cfg, "w").write(
                f'data_dir = "{data}"\nhostname = "mx.test"\n'
                f'[lmtp]\nlisten = ["127.0.0.1:{lmtp}"]\n[managesieve]\nlisten = []\n'
                f'[notify.http]\nallow = ["127.0.0.1/32"]\nallow_http = true\nsecret = "{SECRET}"\n'
                f'[[notify.http.target]]\nprefix = "http://127.0.0.1:{ports["ntfy"]}/"\nformat = "ntfy"\n'
                f'token = "tk_secret"\ntags = ["envelope", "zest"]\n'
                f'[[notify.http.target]]\nprefix = "http://127.0.0.1:{ports["gotify"]}/"\nformat = "gotify"\n'
                f'token = "AppTok1"\n'
                f'[[notify.http.target]]\nprefix = "http://127.0.0.1:{ports["cloudevents"]}/"\n'
                f'format = "cloudevents"\n'
                f'[[events.sink]]\nname = "ce"\ntype = "webhook"\n'
                f'url = "http://127.0.0.1:{ports["cloudevents"]}/events"\nsecret = "{SECRET}"\n'
                f'events = ["MessageNew"]\n')
            r = subprocess.run([args.zest, "-c", cfg, "user", "add", "alice", "--password-stdin",
                                "--scheme", "PLAIN"], input=b"pw\n", capture_output=True, timeout=60)
            check(r.returncode == 0, "user added %s" % r.stderr)
            home = os.path.join(data, "home", "alice")
            os.makedirs(os.path.join(home, "sieve"), exist_ok=True)
            open(os.path.join(home, "sieve", "main.sieve"), "w").write(
                'require ["enotify", "variables"];\n'
                'if header :matches "subject" "*" { set "s" "${1}"; }\n'
                f'notify :importance "1" :message "json: ${{s}}" "http://127.0.0.1:{ports["json"]}/hook";\n'
                f'notify :importance "1" :message "ntfy: ${{s}}" "http://127.0.0.1:{ports["ntfy"]}/alice-mail";\n'
                f'notify :importance "3" :message "gotify: ${{s}}" "http://127.0.0.1:{ports["gotify"]}/message";\n'
                f'notify :message "ce: ${{s}}" "http://127.0.0.1:{ports["cloudevents"]}/hook";\n')
            os.symlink("sieve/main.sieve", os.path.join(home, ".dovecot.sieve"))
            r = subprocess.run([args.zestd, "--check-config", "-c", cfg], capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, "zestd --check-config accepts the targets %s" % r.stderr.strip())
            zestd = subprocess.Popen([args.zestd, "-c", cfg], stderr=open(log, "ab"))
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", lmtp), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            msg = ("From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>\r\nTo: alice@mx.test\r\n"
                   "Subject: Caf\xc3\xa9 report\r\nMessage-ID: <f1@example.org>\r\n\r\nHi.\r\n").encode("latin-1")
            with smtplib.LMTP("127.0.0.1", lmtp) as s:
                check(s.sendmail("zoe@example.org", ["alice@mx.test"], msg) == {}, "LMTP 250")
            deadline = time.time() + 60
            while time.time() < deadline and not (all(p.lines() for p in procs)
                                                  and len(rx["cloudevents"].lines()) >= 2):
                time.sleep(0.1)
            j, n, g = rx["json"].lines(), rx["ntfy"].lines(), rx["gotify"].lines()
            check(len(j) == 1 and j[0]["message"] == "json: Café report" and j[0]["importance"] == 1
                  and j[0]["user"].startswith("alice"), "json receiver (signature verified): %s" % j)
            check(len(n) == 1 and n[0]["topic"] == "alice-mail" and n[0]["message"] == "ntfy: Café report"
                  and n[0]["title"] == "Mail from Zoë <zoe@example.org>" and n[0]["priority"] == 4
                  and n[0]["tags"] == ["envelope", "zest"], "ntfy receiver: %s" % n)
            imap = re.compile(r"^imap://alice@mx\.test/INBOX;UIDVALIDITY=\d+/;UID=1$")
            check(len(n) == 1 and imap.match(n[0]["click"] or "") is not None, "ntfy Click is the IMAP URL %s" % n)
            check(len(n) == 1 and n[0]["id"].startswith("evt_"), "ntfy request signed (webhook-id) %s" % n)
            check(len(g) == 1 and g[0]["message"] == "gotify: Café report" and g[0]["priority"] == 2
                  and g[0]["title"] == "Mail from Zoë <zoe@example.org>"
                  and imap.match(g[0]["extras"]["client::notification"]["click"]["url"]) is not None,
                  "gotify receiver: %s" % g)
            c = rx["cloudevents"].lines()
            cn = [x for x in c if "message" in x]
            ce = [x for x in c if x.get("type") == "MessageNew"]
            check(len(cn) == 1 and cn[0]["message"] == "ce: Café report" and cn[0]["user"].startswith("alice")
                  and cn[0]["sequence"] == "%020d" % 1,
                  "one CloudEvents receiver: the notification (signed, sequence 1) %s" % c)
            check(len(ce) == 1 and ce[0]["user"] == "alice", "... and the MessageNew event %s" % c)
            logtext = open(log).read()
            check(len(re.findall(r"event=notify-delivered", logtext)) == 4, "four notify-delivered lines")
        finally:
            if zestd:
                zestd.send_signal(signal.SIGTERM)
                zestd.wait(20)
            for p in procs:
                p.stop()
            if FAILS:
                for p in procs:
                    print(p.path, open(p.out).read()[-2000:])
                if os.path.exists(log):
                    print(open(log).read()[-4000:])
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
