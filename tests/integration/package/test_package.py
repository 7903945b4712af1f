#!/usr/bin/env python3
"""The Debian package, installed and run as an administrator would.

Builds the .deb from the existing build directory (cpack: no second
compilation), installs it with dpkg -i beside Debian's dovecot-sieve,
starts the installed /usr/sbin/zestd as root and checks that it runs as
`zest`, delivers, renews the certificate with SIGHUP (a new connection
sees the new certificate, an open session survives and delivers),
refuses a broken configuration on SIGHUP, scrapes /metrics when the
build has a [metrics] table, stops with SIGTERM during an open session
(its delivery completes), and purges the package. Also checks the
unit with `systemd-analyze verify` and prints the exposure figure of
`systemd-analyze security --offline=yes`.

Needs root (dpkg, a system user): otherwise exits 77, which ctest shows
as skipped. Changes the system: meant for CI containers and throw-away
machines. usage: test_package.py --build-dir DIR --source-dir DIR
"""
import argparse
import glob
import hashlib
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
CONF = "/etc/zest/zest.toml"
TLS_DIR = "/etc/zest/tls"
DATA = "/var/lib/zest"
TOOLS = ["sieve-test", "sievec", "sieve-dump", "sieve-filter"]


def sh(*cmd, check=True, **kw):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=300, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what, flush=True)


def installed(pkg):
    r = sh("dpkg-query", "-W", "-f=${Status}", pkg, check=False)
    return "install ok installed" in r.stdout


def make_cert(cn):
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
       "-subj", "/CN=" + cn, "-keyout", TLS_DIR + "/key.pem.new", "-out", TLS_DIR + "/cert.pem.new")
    for f in ("key.pem", "cert.pem"):
        os.chown(TLS_DIR + "/" + f + ".new", 0, grp_gid("zest"))
        os.chmod(TLS_DIR + "/" + f + ".new", 0o640)
        os.replace(TLS_DIR + "/" + f + ".new", TLS_DIR + "/" + f)
    with open(TLS_DIR + "/cert.pem") as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def grp_gid(name):
    import grp
    return grp.getgrnam(name).gr_gid


class Daemon:
    """The installed zestd, started as root without ZEST_ALLOW_ROOT."""

    def __init__(self, log_path):
        env = {k: v for k, v in os.environ.items() if k != "ZEST_ALLOW_ROOT"}
        # Stands in for systemd's notify socket (Type=notify): zestd sends
        # READY/RELOADING/STOPPING here, after it has become `zest`.
        sockdir = os.path.dirname(log_path)
        os.chmod(sockdir, 0o755)
        self.notify_path = os.path.join(sockdir, "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        os.chmod(self.notify_path, 0o777)
        self.notify.settimeout(30)
        self.notes = []
        env["NOTIFY_SOCKET"] = self.notify_path
        self.log_path = log_path
        self.logf = open(log_path, "ab")
        self.proc = subprocess.Popen(["/usr/sbin/zestd", "-c", CONF], stderr=self.logf, env=env)
        self.wait_log("event=started")
        self.lmtp = int(re.search(r"event=listening protocol=lmtp address=\S+:(\d+)", self.log()).group(1))
        self.sieve = int(re.search(r"event=listening protocol=managesieve address=\S+:(\d+)",
                                   self.log()).group(1))

    def wait_notify(self, field):
        """The next sd_notify datagram that carries `field` (e.g. READY=1)."""
        for _ in range(20):
            msg = self.notify.recv(4096).decode()
            self.notes.append(msg)
            if field in msg.splitlines():
                return msg
        raise AssertionError("no %s from zestd: %s" % (field, self.notes))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, count=1, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.log().count(needle) >= count:
                return
            if self.proc.poll() is not None:
                raise AssertionError("zestd exited %s before %r:\n%s" % (self.proc.returncode, needle, self.log()))
            time.sleep(0.05)
        raise AssertionError("no %r in the log within %ss:\n%s" % (needle, timeout, self.log()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def lmtp(port):
    c = smtplib.LMTP("127.0.0.1", port, timeout=30)
    c.ehlo("test.example")
    return c


def starttls_fingerprint(c):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c.starttls(context=ctx)
    c.ehlo("test.example")
    return hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()


def managesieve_fingerprint(port):
    """STARTTLS on a ManageSieve connection (RFC 5804 §2.2): the certificate's SHA-256."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        f = raw.makefile("rb")
        for _ in range(50):
            if f.readline().startswith(b"OK"):
                break
        raw.sendall(b"STARTTLS\r\n")
        check(f.readline().startswith(b"OK"), "ManageSieve STARTTLS answered OK")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(raw) as t:
            return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


def message(subject):
    return ("From: a@example.org\r\nTo: alice@example.org\r\nSubject: %s\r\n"
            "Message-ID: <%s@test>\r\n\r\nbody\r\n" % (subject, subject)).encode()


def delivered(subject):
    found = []
    for f in glob.glob(DATA + "/home/alice/Maildir/new/*"):
        with open(f, "rb") as fh:
            if re.search(rb"Subject: " + re.escape(subject.encode()) + rb"\r?\n", fh.read()):
                found.append(f)
    return found


def write_config(extra=""):
    text = open(CONF).read()
    text = re.sub(r'(?m)^listen = \["127.0.0.1:2424"\]', 'listen = ["127.0.0.1:0"]', text)
    text = re.sub(r'(?m)^listen = \["127.0.0.1:4190"\]', 'listen = ["127.0.0.1:0"]', text)
    # Both [lmtp] and [managesieve] get STARTTLS with the same files.
    text = text.replace('#tls_cert = "/etc/zest/tls/cert.pem"\n#tls_key = "/etc/zest/tls/key.pem"\n',
                        'tls_cert = "/etc/zest/tls/cert.pem"\ntls_key = "/etc/zest/tls/key.pem"\n')
    text += "\n# test-package\n" + extra
    with open(CONF, "w") as f:
        f.write(text)


def purge():
    sh("dpkg", "--purge", "zest", "zest-dbgsym", check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIPPED: the package test installs a .deb and creates a system user: run it as root "
              "(CI does)", flush=True)
        return SKIP
    for tool in ("dpkg", "cpack", "openssl", "systemd-analyze"):
        if not shutil.which(tool):
            raise AssertionError(tool + " is missing (scripts/install-test-deps.sh)")
    check(installed("dovecot-sieve"), "dovecot-sieve is installed beside zest (install-test-deps.sh)")
    dovecot_sieve_test = hashlib.sha256(open("/usr/bin/sieve-test", "rb").read()).hexdigest()

    # 1. Build the package from the existing build (no recompilation).
    out = tempfile.mkdtemp(prefix="zest-pkg-")
    sh("cpack", "-G", "DEB", "-B", out, "--config", os.path.join(args.build_dir, "CPackConfig.cmake"))
    debs = [d for d in glob.glob(out + "/*.deb")]
    ddebs = glob.glob(out + "/*.ddeb") + [d for d in debs if "dbgsym" in d]
    main_deb = [d for d in debs if "dbgsym" not in d]
    check(len(main_deb) == 1, "cpack made one zest .deb: %s" % main_deb)
    check(len(ddebs) == 1, "and a -dbgsym package with the debug information: %s" % ddebs)
    deb = main_deb[0]
    contents = sh("dpkg-deb", "-c", deb).stdout
    for path in ["./usr/sbin/zestd", "./usr/bin/zest", "./usr/lib/zest/bin/sieve-test",
                 "./usr/lib/zest/bin/sievec", "./usr/lib/zest/bin/sieve-dump",
                 "./usr/lib/zest/bin/sieve-filter",
                 "./etc/zest/zest.toml",
                 "./lib/systemd/system/zestd.service", "./usr/share/man/man8/zestd.8",
                 "./usr/share/man/man1/zest.1", "./usr/share/man/man5/zest.toml.5",
                 "./usr/share/man/man1/zest-sieve-test.1", "./usr/share/man/man1/zest-sieve-filter.1",
                 "./usr/share/doc/zest/zestd.md", "./usr/share/doc/zest/sieve-filter.md"]:
        check(re.search(re.escape(path) + r"(\.gz)?\n", contents) is not None, "package holds " + path)
    check("./usr/bin/sieve-test" not in contents, "package does not ship /usr/bin/sieve-test (dovecot-sieve's)")
    ctrl = tempfile.mkdtemp(prefix="zest-ctrl-")
    sh("dpkg-deb", "-e", deb, ctrl)
    check(open(ctrl + "/conffiles").read().split() == ["/etc/zest/zest.toml"], "zest.toml is a conffile")
    data = tempfile.mkdtemp(prefix="zest-data-")
    sh("dpkg-deb", "-x", deb, data)
    sections = sh("readelf", "-S", data + "/usr/sbin/zestd").stdout
    check(".debug_info" not in sections and ".symtab" not in sections, "zestd is stripped")

    # 2. Install beside dovecot-sieve.
    purge()
    if os.path.isdir(DATA):
        shutil.rmtree(DATA)
    sh("dpkg", "-i", deb)
    check(installed("zest"), "dpkg -i installed zest with dovecot-sieve present")
    check(hashlib.sha256(open("/usr/bin/sieve-test", "rb").read()).hexdigest() == dovecot_sieve_test,
          "/usr/bin/sieve-test is still dovecot-sieve's")
    q = sh("update-alternatives", "--query", "sieve-test").stdout
    check("/usr/lib/zest/bin/sieve-test" in q, "zest's sieve-test is registered as an alternative")
    for prog in ["/usr/sbin/zestd", "/usr/bin/zest"] + ["/usr/lib/zest/bin/" + t for t in TOOLS]:
        v = sh(prog, "--version").stdout
        check(re.search(r"\d+\.\d+\.\d+", v) is not None, "%s --version: %s" % (prog, v.strip()))
    h = sh("/usr/lib/zest/bin/sieve-filter", "--help").stdout
    check("DISCARD_ACTION" in h or "SOURCE_MAILBOX" in h, "sieve-filter --help runs")
    q = sh("update-alternatives", "--query", "sieve-filter").stdout
    check("/usr/lib/zest/bin/sieve-filter" in q, "zest's sieve-filter is registered as an alternative")
    zest_pw = pwd.getpwnam("zest")
    st = os.stat(DATA)
    check(st.st_uid == zest_pw.pw_uid and st.st_gid == grp_gid("zest"), DATA + " belongs to zest:zest")
    st = os.stat(CONF)
    check(st.st_uid == 0 and st.st_gid == grp_gid("zest") and st.st_mode & 0o777 == 0o640,
          CONF + " is 0640 root:zest")
    check(sh("man", "-w", "zest.toml", check=False).returncode == 0 or not shutil.which("man"),
          "man finds zest.toml(5)")

    # 3. The unit, offline.
    v = sh("systemd-analyze", "verify", "/lib/systemd/system/zestd.service", check=False)
    noise = [l for l in (v.stdout + v.stderr).splitlines() if "zestd.service" in l]
    check(v.returncode == 0 and not noise, "systemd-analyze verify zestd.service: %s" % (noise or "clean"))
    sec = sh("systemd-analyze", "security", "--offline=yes", "/lib/systemd/system/zestd.service",
             check=False)
    m = re.search(r"Overall exposure level for \S+: ([\d.]+) (\S+)", sec.stdout + sec.stderr)
    print("systemd-analyze security --offline=yes: %s" % (m.group(0) if m else "not computable: " + (sec.stderr.strip()[:300])), flush=True)

    # 4. Configure as an admin would: edit the conffile, TLS, a user.
    os.makedirs(TLS_DIR, exist_ok=True)
    fp_old = make_cert("old.example")
    write_config('[metrics]\nlisten = "127.0.0.1:0"\n')
    r = sh("/usr/bin/zest", "-c", CONF, "user", "add", "alice", "--password-stdin",
           input="secret\n", env={k: v for k, v in os.environ.items() if k != "ZEST_ALLOW_ROOT"})
    home = DATA + "/home/alice"
    for p in [DATA + "/passwd", home, home + "/Maildir"]:
        check(os.stat(p).st_uid == zest_pw.pw_uid, "zest user add run as root: %s belongs to zest" % p)
    # The LDA as the service user (Postfix pipe user=zest), passwd-file 0640 root:zest.
    os.chown(DATA + "/passwd", 0, grp_gid("zest"))
    os.chmod(DATA + "/passwd", 0o640)
    lda = subprocess.run(["/usr/bin/zest", "-c", CONF, "deliver", "-f", "a@example.org", "alice@example.org"],
                         input=message("lda-as-zest"), capture_output=True, timeout=60,
                         user=zest_pw.pw_uid, group=grp_gid("zest"), extra_groups=[])
    check(lda.returncode == 0, "zest deliver as user zest: exit %d %s" % (lda.returncode, lda.stderr))
    # Reinstalling keeps the edited conffile.
    edited = open(CONF).read()
    sh("dpkg", "-i", deb)
    check(open(CONF).read() == edited, "dpkg -i again keeps the edited " + CONF)

    # 5. zestd as root: refuses an unknown service user, else runs as zest.
    bad = tempfile.mkdtemp(prefix="zest-bad-")
    with open(bad + "/z.toml", "w") as f:
        f.write('data_dir = "%s"\n[server]\nuser = "zest-no-such-user"\n[lmtp]\nlisten = ["127.0.0.1:0"]\n'
                '[managesieve]\nlisten = []\n' % bad)
    env = {k: v for k, v in os.environ.items() if k != "ZEST_ALLOW_ROOT"}
    r = subprocess.run(["/usr/sbin/zestd", "-c", bad + "/z.toml"], capture_output=True, text=True,
                       timeout=60, env=env)
    check(r.returncode == 77 and "refusing to run as root" in r.stderr,
          "zestd as root refuses a missing service user: %d %s" % (r.returncode, r.stderr.strip()))

    logdir = tempfile.mkdtemp(prefix="zest-log-")
    d = Daemon(logdir + "/zestd.log")
    try:
        status = open("/proc/%d/status" % d.proc.pid).read()
        uids = re.search(r"Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status).groups()
        gids = re.search(r"Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", status).groups()
        check(set(map(int, uids)) == {zest_pw.pw_uid}, "zestd runs as zest (uids %s)" % (uids,))
        check(set(map(int, gids)) == {grp_gid("zest")}, "zestd runs as group zest (gids %s)" % (gids,))
        d.wait_notify("READY=1")
        check(True, "zestd told the notify socket READY=1 (Type=notify)")
        d.wait_log("event=tmp-cleanup-done")
        check(d.log().index("event=started") < d.log().index("event=tmp-cleanup-start"),
              "the tmp/ sweep starts after the listeners are up")

        c = lmtp(d.lmtp)
        c.sendmail("a@example.org", ["alice@example.org"], message("first"))
        c.quit()
        check(len(delivered("first")) == 1, "delivered over LMTP")
        check(os.stat(delivered("first")[0]).st_uid == zest_pw.pw_uid, "the mail file belongs to zest")

        # 6. Certificate renewal: SIGHUP.
        open_session = lmtp(d.lmtp)
        check(starttls_fingerprint(open_session) == fp_old, "STARTTLS shows the first certificate")
        check(managesieve_fingerprint(d.sieve) == fp_old, "ManageSieve STARTTLS shows it too")
        fp_new = make_cert("new.example")
        os.kill(d.proc.pid, signal.SIGHUP)
        d.wait_log("event=reloaded")
        d.wait_notify("RELOADING=1")
        d.wait_notify("READY=1")
        check(True, "SIGHUP: RELOADING=1 then READY=1 on the notify socket")
        c = lmtp(d.lmtp)
        check(starttls_fingerprint(c) == fp_new, "a new connection after SIGHUP sees the new certificate")
        c.quit()
        check(managesieve_fingerprint(d.sieve) == fp_new, "and so does a new ManageSieve connection")
        open_session.sendmail("a@example.org", ["alice@example.org"], message("survivor"))
        open_session.quit()
        check(len(delivered("survivor")) == 1, "the session opened before SIGHUP still delivers")

        # A broken configuration is refused; the running one stays.
        good = open(CONF).read()
        with open(CONF, "w") as f:
            f.write(good.replace('tls_cert = "/etc/zest/tls/cert.pem"', 'tls_cert = "/etc/zest/tls/missing.pem"', 1))
        os.kill(d.proc.pid, signal.SIGHUP)
        d.wait_log("event=reload-refused")
        check("missing.pem" in d.log(), "SIGHUP with a missing certificate is refused and logged")
        with open(CONF, "w") as f:
            f.write(good)
        c = lmtp(d.lmtp)
        check(starttls_fingerprint(c) == fp_new, "zestd still serves with the last good certificate")
        c.quit()

        # 7. /metrics, when this build has it (issue 16 point 7).
        mport = int(re.search(r"event=listening protocol=metrics address=\S+:(\d+)", d.log()).group(1))
        with socket.create_connection(("127.0.0.1", mport), timeout=10) as ms:
            ms.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            body = b""
            while True:
                chunk = ms.recv(65536)
                if not chunk:
                    break
                body += chunk
        check(body.startswith(b"HTTP/1.1 200 OK\r\n"), "/metrics answers 200")
        delivered_count = re.search(rb'(?m)^zest_deliveries_total\{result="delivered"\} (\d+)$', body)
        check(delivered_count is not None and int(delivered_count.group(1)) >= 2,
              "/metrics counts the deliveries so far")

        # 8. SIGTERM during an open session: its delivery completes.
        s = lmtp(d.lmtp)
        s.mail("a@example.org")
        s.rcpt("alice@example.org")
        os.kill(d.proc.pid, signal.SIGTERM)
        d.wait_log("event=shutdown")
        d.wait_notify("STOPPING=1")
        check(True, "SIGTERM: STOPPING=1 on the notify socket")
        refused = False
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", d.lmtp), timeout=2).close()
                time.sleep(0.05)
            except OSError:
                refused = True
                break
        check(refused, "after SIGTERM no new connection is accepted")
        code, _ = s.data(message("during-shutdown"))
        check(code == 250, "the open session's DATA after SIGTERM is accepted (250)")
        s.quit()
        check(len(delivered("during-shutdown")) == 1, "and the message is in the Maildir")
        rc = d.proc.wait(60)
        check(rc == 0 and "event=stopped" in d.log(), "zestd exits 0 after the session ended")
    finally:
        d.stop()
        sys.stdout.write("--- zestd log ---\n" + d.log()[-4000:])

    # 9. Purge.
    sh("dpkg", "--purge", "zest")
    check(not installed("zest"), "dpkg --purge removed zest")
    check(not os.path.exists("/usr/sbin/zestd") and not os.path.exists(CONF), "binaries and conffile are gone")
    check(hashlib.sha256(open("/usr/bin/sieve-test", "rb").read()).hexdigest() == dovecot_sieve_test,
          "dovecot-sieve's /usr/bin/sieve-test is untouched")
    check(subprocess.run(["update-alternatives", "--query", "sieve-test"], capture_output=True).returncode != 0
          or "/usr/lib/zest" not in sh("update-alternatives", "--query", "sieve-test", check=False).stdout,
          "the sieve-test alternative is gone")
    shutil.rmtree(DATA, ignore_errors=True)
    shutil.rmtree("/etc/zest", ignore_errors=True)
    for dname in (out, ctrl, data, bad, logdir):
        shutil.rmtree(dname, ignore_errors=True)
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("FAIL:", e, flush=True)
        sys.exit(1)
