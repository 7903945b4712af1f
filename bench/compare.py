#!/usr/bin/python3
"""compare.py - zestd and Dovecot/Pigeonhole side by side, one table of ratios.

Usage: compare.py --build BUILD --shared SHARED_BENCH --workdir W [options]
(bench/compare.sh installs, builds and calls this; run as root.)

In one run, on one corpus (SHARED_BENCH/gen-corpus.py) and the four scripts
of SHARED_BENCH/scripts:
  lmtp     zestd, then a private Dovecot (SHARED_BENCH/dovecot-up.sh), each
           with every script active for user1..user100 and with no Sieve at
           all: SHARED_BENCH/lmtp-load.py at concurrency 1, 4, 16 (msg/s,
           p50/p99); peak memory of the daemon under load; memory per idle
           LMTP and ManageSieve connection.
  inproc   bench_eval (parse message + run script over the corpus) against
           Pigeonhole's sieve-filter dry run, and bench_compile against
           sievec (both from SHARED_BENCH/measure.py --sections cli).
  maildir  bench_maildir: the bare fsync'd Maildir write loop, 1/4/16 threads.
  filter   zest's sieve-filter against Pigeonhole's sieve-filter: the same
           Maildir built from the corpus, the same scripts, a dry run on
           both (as the mail user), CPU time per message.
  scaleout (only when asked for) one private redis-server; 1, 2 and 3 zestd
           nodes on one data directory with [state] backend = "redis", and
           one node with the local backend: the typical script for every
           user, one lmtp-load.py per node with the concurrency split; msg/s,
           CPU per delivery, Redis round trips and time per delivery.
Writes W/results/*.json and the markdown table to --out (and stdout).
"""
import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from zestlib import stop_process  # noqa: E402

SCRIPTS = ["trivial", "small", "typical", "huge"]
CONCS = [1, 4, 16]
PY = "/usr/bin/python3"


def log(*a):
    print("compare:", *a, file=sys.stderr, flush=True)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited early (%s)" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


# ---------------------------------------------------------------- memory
def children_of(root):
    """root and all its descendants (from /proc/*/stat)."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_kib(root):
    return sum(pss_kib(p) for p in children_of(root))


class MemSampler:
    """Largest PSS sum over a process tree, sampled every 0.2 s."""

    def __init__(self, root):
        self.root, self.peak, self.stop_ev = root, 0, threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_ev.wait(0.2):
            self.peak = max(self.peak, tree_pss_kib(self.root))

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.t.join(5)


def idle_connections(root_pid, port, n, hello):
    """PSS of the tree per idle connection (KiB): open n, say hello, wait."""
    time.sleep(0.5)
    before = tree_pss_kib(root_pid)
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.recv(4096)  # greeting
            if hello:
                s.sendall(hello)
                s.recv(4096)
            socks.append(s)
        time.sleep(1.0)
        after = tree_pss_kib(root_pid)
    finally:
        for s in socks:
            s.close()
    return round((after - before) / n, 1)


# ---------------------------------------------------------------- servers
class Zestd:
    """One zestd with its own config, log and submission sink under `base`.
    With `var` (section scaleout) several nodes share that data directory,
    as nodes sharing an NFS export do; each node then keeps its event
    outbox (SQLite) under its own `base`, and `extra` is appended to its
    configuration."""

    def __init__(self, a, base, var=None, extra=""):
        self.a, self.dir = a, base
        self.lmtp_port, self.ms_port, self.sink_port = free_port(), free_port(), free_port()
        self.proc = self.sink = None
        self.cfg = os.path.join(base, "zest.toml")
        self.shared = var is not None
        self.var = var or os.path.join(base, "var")
        self.extra = extra
        self.outbox = os.path.join(base, "outbox")

    def setup(self, users=True):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        os.makedirs(self.var, exist_ok=True)
        with open(self.cfg, "w") as f:
            f.write('data_dir = "%s"\nhostname = "bench.example.test"\n' % self.var)
            f.write('[lmtp]\nlisten = ["127.0.0.1:%d"]\n' % self.lmtp_port)
            if getattr(self.a, "lmtp_workers", 0):
                f.write('workers = %d\n' % self.a.lmtp_workers)
            f.write('[managesieve]\nlisten = ["127.0.0.1:%d"]\n' % self.ms_port)
            f.write('[submission]\nurl = "smtp://127.0.0.1:%d"\n' % self.sink_port)
            f.write('[delivery]\nautocreate = true\n')
            # as ../shared/bench/dovecot-up.sh configures Pigeonhole: random
            # recipients are rarely in To/Cc
            f.write('[sieve]\nvacation_dont_check_recipient = "yes"\n')
            if self.shared:
                f.write('[events]\noutbox = "%s"\n' % os.path.join(self.dir, "events.sqlite"))
            f.write(self.extra)
        if not users:
            return
        zest = os.path.join(self.a.build, "server", "zest")
        for i in range(1, self.a.users + 1):
            subprocess.run([zest, "-c", self.cfg, "user", "add", "user%d" % i, "--password-stdin",
                            "--scheme", "PLAIN"], input=b"pass\n", check=True,
                           capture_output=True)

    def set_script(self, script):
        for i in range(1, self.a.users + 1):
            home = os.path.join(self.var, "home", "user%d" % i)
            shutil.rmtree(os.path.join(home, "Maildir"), ignore_errors=True)
            os.makedirs(os.path.join(home, "sieve"), exist_ok=True)
            link = os.path.join(home, ".dovecot.sieve")
            if os.path.lexists(link):
                os.unlink(link)
            for f in os.listdir(os.path.join(home, "sieve")):
                os.unlink(os.path.join(home, "sieve", f))
            # the local [state] backend's files (as Dovecot's .dovecot.lda-dupes)
            for f in (".zest.duplicates", ".zest.notify-rate"):
                if os.path.exists(os.path.join(home, f)):
                    os.unlink(os.path.join(home, f))
            if script:
                shutil.copyfile(script, os.path.join(home, "sieve", "active.sieve"))
                os.symlink("sieve/active.sieve", link)

    def start(self):
        shutil.rmtree(self.outbox, ignore_errors=True)
        self.sink = subprocess.Popen([PY, os.path.join(self.a.here, "smtp_sink.py"), "--port",
                                      str(self.sink_port), "--dir", self.outbox],
                                     stdout=subprocess.DEVNULL)
        wait_port(self.sink_port, self.sink)
        self.logf = open(os.path.join(self.dir, "zestd.log"), "ab")
        self.proc = subprocess.Popen([os.path.join(self.a.build, "server", "zestd"), "-c",
                                      self.cfg], stderr=self.logf)
        wait_port(self.lmtp_port, self.proc)
        return self.proc.pid

    def stop(self):
        for p in (self.proc, self.sink):
            stop_process(p, timeout=15)
        if self.proc:
            self.logf.close()
        self.proc = self.sink = None

    def outgoing(self):
        return len([f for f in os.listdir(self.outbox) if f.endswith(".eml")]) \
            if os.path.isdir(self.outbox) else 0

    def errors(self):
        n = 0
        with open(os.path.join(self.dir, "zestd.log"), errors="replace") as fh:
            for line in fh:
                if "level=error" in line or "status=tempfail" in line or "error=" in line:
                    n += 1
        return n


class Dovecot:
    def __init__(self, a, base):
        self.a, self.dir = a, base
        self.lmtp_port, self.ms_port = a.dc_lmtp_port, a.dc_sieve_port
        self.env = dict(os.environ, LMTP_PORT=str(self.lmtp_port), SIEVE_PORT=str(self.ms_port),
                        IMAP_PORT=str(a.dc_imap_port))
        self.script = None

    def setup(self):
        pass

    def set_script(self, script):
        self.script = script
        home = os.path.join(self.dir, "home")
        if os.path.isdir(home):
            for u in os.listdir(home):
                for n in ("Maildir", ".dovecot.lda-dupes", ".dovecot.sieve.log"):
                    p = os.path.join(home, u, n)
                    if os.path.isdir(p):
                        shutil.rmtree(p)
                    elif os.path.exists(p):
                        os.unlink(p)

    def start(self):
        ob = os.path.join(self.dir, "outbox")
        if os.path.isdir(ob):
            for f in os.listdir(ob):
                os.unlink(os.path.join(ob, f))
        extra = ["--script", self.script] if self.script else ["--no-sieve"]
        subprocess.run([os.path.join(self.a.shared, "dovecot-up.sh"), "--restart", "-n",
                        str(self.a.users)] + extra + [self.dir], check=True, env=self.env,
                       stdout=sys.stderr)
        with open(os.path.join(self.dir, "run", "master.pid")) as fh:
            return int(fh.read().strip())

    def stop(self):
        subprocess.run([os.path.join(self.a.shared, "dovecot-down.sh"), self.dir],
                       stdout=subprocess.DEVNULL)

    def outgoing(self):
        ob = os.path.join(self.dir, "outbox")
        return len([f for f in os.listdir(ob) if f.endswith(".eml")]) if os.path.isdir(ob) else 0

    def errors(self):
        n = 0
        with open(os.path.join(self.dir, "log", "dovecot.log"), errors="replace") as fh:
            for line in fh:
                if ": Error: " in line or ": Fatal: " in line or ": Panic: " in line:
                    n += 1
        return n


def load_argv(a, port, conc, count, seed, jf):
    argv = [PY, os.path.join(a.shared, "lmtp-load.py"), "--corpus", a.corpus, "--port", str(port),
            "-n", str(count), "-t", str(a.duration), "-c", str(conc), "--seed", str(seed),
            "--users", str(a.users)]
    if jf:
        argv += ["--json", jf]
    return argv


def load(a, port, conc, count, seed, jf, warm=False):
    subprocess.run(load_argv(a, port, conc, count, seed, jf),
                   stdout=sys.stderr if not warm else subprocess.DEVNULL)
    if jf:
        with open(jf) as fh:
            return json.load(fh)
    return None


def section_lmtp(a, res):
    out = {}
    servers = {"zest": Zestd(a, os.path.join(a.workdir, "zd")),
               "dovecot": Dovecot(a, os.path.join(a.workdir, "dc"))}
    for name, srv in servers.items():
        srv.setup()
    modes = [(s, os.path.join(a.shared, "scripts", s + ".sieve")) for s in a.scripts]
    if a.nosieve:
        modes.append(("nosieve", None))
    for mode, script in modes:
        for name, srv in servers.items():
            srv.set_script(script)
            pid = srv.start()
            try:
                r = {"by_concurrency": {}}
                load(a, srv.lmtp_port, 4, a.warmup, 999, None, warm=True)
                with MemSampler(pid) as mem:
                    for c in CONCS:
                        runs = []
                        for k in range(a.runs):
                            jf = os.path.join(res, "lmtp-%s-%s-c%d-r%d.json" % (name, mode, c, k))
                            runs.append(load(a, srv.lmtp_port, c, a.count, 1000 * k + c, jf))
                        r["by_concurrency"][str(c)] = {
                            "msgs_per_s": med([x["msgs_per_s"] for x in runs]),
                            "p50_ms": med([x["lat_ms_p50"] for x in runs]),
                            "p99_ms": med([x["lat_ms_p99"] for x in runs]),
                            "failed": sum(x["failed"] for x in runs),
                            "all_msgs_per_s": [x["msgs_per_s"] for x in runs],
                            "all_p99_ms": [x["lat_ms_p99"] for x in runs]}
                r["peak_pss_kib"] = mem.peak
                if name == "zest":
                    r["peak_rss_kib"] = status_kib(pid, "VmHWM")
                r["outgoing"] = srv.outgoing()
                r["log_errors"] = srv.errors()
            finally:
                srv.stop()
            if mode == "typical" or (mode == a.scripts[0] and "typical" not in a.scripts):
                # On a freshly started daemon: after load, Dovecot's idle lmtp
                # processes would take the new connections (and stay around
                # to inflate the peak of a later run), zestd's heap would
                # still be settling.
                pid = srv.start()
                try:
                    r["idle_lmtp_kib"] = idle_connections(pid, srv.lmtp_port, a.idle,
                                                          b"LHLO bench.example.test\r\n")
                    r["idle_managesieve_kib"] = idle_connections(pid, srv.ms_port, a.idle, None)
                finally:
                    srv.stop()
            out.setdefault(mode, {})[name] = r
            log("lmtp %s %s: %s" % (mode, name, {c: v["msgs_per_s"]
                                                 for c, v in r["by_concurrency"].items()}))
    with open(os.path.join(res, "lmtp.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out


def gbench(a, prog, res, env=None, extra=()):
    jf = os.path.join(res, prog + ".json")
    e = dict(os.environ, ZEST_BENCH_CORPUS=a.corpus,
             ZEST_BENCH_SCRIPTS=os.path.join(a.shared, "scripts"), **(env or {}))
    subprocess.run([os.path.join(a.build, "bench", prog), "--benchmark_out=" + jf,
                    "--benchmark_out_format=json",
                    "--benchmark_repetitions=%d" % a.repeat] + list(extra), check=True, env=e,
                   stdout=sys.stderr)
    with open(jf) as fh:
        rows = json.load(fh)["benchmarks"]
    # Every repetition's row; the figure is the median of each field, and
    # `spread` keeps (min, max) of the CPU time so the table can show it.
    reps = {}
    for b in rows:
        if b.get("run_type", "iteration") == "iteration":
            reps.setdefault(b.get("run_name", b["name"]), []).append(b)
    out = {}
    for name, bs in reps.items():
        m = dict(bs[0])
        for k, v in bs[0].items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                m[k] = med([x[k] for x in bs if k in x])
        m["repetitions"] = len(bs)
        m["spread"] = {k: [min(x[k] for x in bs if k in x), max(x[k] for x in bs if k in x)]
                       for k in ("cpu_time", "real_time", "us_per_msg") if k in bs[0]}
        out[name] = m
    return out


def time_cmd(argv, k):
    """Median wall and CPU (user + system of the child) time in ms."""
    walls, cpus = [], []
    for i in range(k + 1):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        w = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:  # the first run warms the page cache
            walls.append(w)
            cpus.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return {"wall_ms": round(med(walls) * 1000, 2), "cpu_ms": round(med(cpus) * 1000, 2)}


def section_inproc(a, res):
    out = {"eval": gbench(a, "bench_eval", res, extra=["--benchmark_min_time=2"]),
           "compile": gbench(a, "bench_compile", res)}
    # our sievec as a process, the same measure as Pigeonhole's sievec
    out["zest_sievec_ms"] = {}
    sievec = os.path.join(a.build, "tools", "sievec")
    for s in SCRIPTS:
        src = os.path.join(a.shared, "scripts", s + ".sieve")
        out["zest_sievec_ms"][s] = time_cmd([sievec, src, os.path.join(res, s + ".svbc")],
                                            a.cli_runs)
    # Pigeonhole: sievec and the sieve-filter dry run over the corpus
    mw = os.path.join(a.workdir, "pigeonhole")
    os.makedirs(mw, exist_ok=True)
    os.chmod(mw, 0o755)
    if not os.path.exists(os.path.join(mw, "corpus")):
        os.symlink(a.corpus, os.path.join(mw, "corpus"))
    env = dict(os.environ, LMTP_PORT=str(a.dc_lmtp_port), SIEVE_PORT=str(a.dc_sieve_port),
               IMAP_PORT=str(a.dc_imap_port))
    subprocess.run([PY, os.path.join(a.shared, "measure.py"), mw, "--sections", "cli",
                    "--cli-runs", str(a.cli_runs), "--batch-runs", str(a.batch_runs)],
                   check=True, env=env, stdout=sys.stderr)
    with open(os.path.join(mw, "results", "cli.json")) as fh:
        out["pigeonhole"] = json.load(fh)
    return out


def section_filter(a, res):
    """zest's sieve-filter against Pigeonhole's sieve-filter on equal terms:
    one Maildir made from the corpus (as measure.py makes it), each script,
    a dry run on both, both as the mail user, child CPU time per message
    (median of --batch-runs passes, after one warm-up pass that lets
    Pigeonhole build its index and .svbin and zest its .svbc)."""
    import pwd
    base = os.path.join(a.workdir, "filter")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    os.chmod(base, 0o755)
    # Pigeonhole's tools need the private instance's configuration (and its
    # mail user): dovecot-up.sh writes both; the daemon itself is not used.
    dc = os.path.join(base, "dc")
    env = dict(os.environ, LMTP_PORT=str(a.dc_lmtp_port), SIEVE_PORT=str(a.dc_sieve_port),
               IMAP_PORT=str(a.dc_imap_port))
    subprocess.run([os.path.join(a.shared, "dovecot-up.sh"), "--restart", "--no-sieve", "-n", "1",
                    dc], check=True, env=env, stdout=sys.stderr)
    subprocess.run([os.path.join(a.shared, "dovecot-down.sh"), dc], stdout=sys.stderr)
    conf = os.path.join(dc, "etc", "dovecot.conf")
    pw = pwd.getpwnam(os.environ.get("MAIL_USER", "vmail"))
    md, home, sdir = (os.path.join(base, d) for d in ("Maildir", "home", "scripts"))
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d))
    files = sorted(f for f in os.listdir(a.corpus) if f.endswith(".eml"))
    for i, f in enumerate(files, 1):
        src = os.path.join(a.corpus, f)
        shutil.copyfile(src, os.path.join(md, "cur", "%d.M%dP1.bench,S=%d:2," % (
            1700000000 + i, i, os.path.getsize(src))))
    os.makedirs(home)
    os.makedirs(sdir)
    for s in a.scripts:
        shutil.copyfile(os.path.join(a.shared, "scripts", s + ".sieve"),
                        os.path.join(sdir, s + ".sieve"))
    for root, dirs, fs in os.walk(base):
        if root.startswith(dc):
            continue
        for n in [root] + [os.path.join(root, x) for x in dirs + fs]:
            os.chown(n, pw.pw_uid, pw.pw_gid)
    run_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "USER": pw.pw_name, "HOME": home,
               "LANG": "C"}

    def timed(argv):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           user=pw.pw_uid, group=pw.pw_gid, extra_groups=[], env=run_env,
                           cwd=home, timeout=600)
        w = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                      p.stderr.decode(errors="replace")[-800:]))
        return w, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

    zest_filter = os.path.join(a.build, "tools", "sieve-filter")
    out = {"messages": len(files), "batch_runs": a.batch_runs, "scripts": {}}
    for s in a.scripts:
        script = os.path.join(sdir, s + ".sieve")
        sides = {
            # Pigeonhole first: its warm-up pass writes dovecot-uidlist, which
            # zest's walk then reads (the same UIDs on both sides).
            "pigeonhole": ["sieve-filter", "-c", conf, "-o", "mail_location=maildir:" + md,
                           "-o", "mail_home=" + home, script, "INBOX"],
            "zest": [zest_filter, script, md],
        }
        row = {}
        for side, argv in sides.items():
            timed(argv)  # warm-up
            walls, cpus = [], []
            for _ in range(a.batch_runs):
                w, c = timed(argv)
                walls.append(w)
                cpus.append(c)
            row[side] = {"wall_s": round(med(walls), 3), "cpu_s": round(med(cpus), 3),
                         "cpu_us_per_msg": round(med(cpus) / len(files) * 1e6, 1),
                         "all_cpu_s": [round(c, 3) for c in cpus]}
            log("sieve-filter %-10s %-8s %d msgs: cpu %.3f s (%.1f us/msg), wall %.3f s" % (
                side, s, len(files), med(cpus), med(cpus) / len(files) * 1e6, med(walls)))
        out["scripts"][s] = row
    with open(os.path.join(res, "filter.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out


def section_maildir(a, res):
    return gbench(a, "bench_maildir", res, env={"ZEST_BENCH_DIR": a.workdir},
                  extra=["--benchmark_min_time=3"])


# ---------------------------------------------------------------- scale-out
SLOWLOG_MAX = 200000
# what the control connection below sends; never counted as zest's
CONTROL_COMMANDS = {"config", "slowlog", "info", "flushall", "ping"}


def cpu_s(pid):
    """User + system CPU seconds of a process (all its threads, also those
    that ended) so far, in clock ticks (10 ms)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def run_s(pid):
    """CPU seconds of a process's live threads so far, in nanoseconds
    (/proc/PID/task/*/schedstat): for redis-server, whose threads live as
    long as it does and whose share per delivery is below a clock tick."""
    t = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as fh:
                t += int(fh.read().split()[0])
    except (OSError, ValueError):
        return float("nan")
    return t / 1e9


class Redis:
    """A private redis-server on a free loopback port (no persistence, no
    password: loopback only) for section scaleout. Every command goes to the
    slow log (`slowlog-log-slower-than 0`): it records the commands a client
    sent with that client's address and those a Lua script ran with "?:0",
    which tells round trips from script-internal calls (INFO commandstats
    counts both, and its EVAL time includes the calls the script made). A
    minimal RESP client on one control connection reads the figures."""

    def __init__(self, base):
        self.dir, self.port, self.proc, self.sock = base, free_port(), None, None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        self.logf = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--slowlog-log-slower-than", "0",
             "--slowlog-max-len", str(SLOWLOG_MAX)], stdout=self.logf, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc)
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.f = self.sock.makefile("rb")
        return self.proc.pid

    def stop(self):
        if self.sock:
            self.f.close()
            self.sock.close()
            self.sock = None
        stop_process(self.proc, timeout=15)
        if self.proc:
            self.logf.close()
        self.proc = None

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for x in args:
            x = x if isinstance(x, bytes) else str(x).encode()
            out += b"$%d\r\n%s\r\n" % (len(x), x)
        self.sock.sendall(out)
        return self.reply()

    def reply(self):
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("redis-server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError("redis: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2].decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("redis: unexpected reply %r" % line)

    def reset(self):
        self.cmd("CONFIG", "RESETSTAT")
        self.cmd("SLOWLOG", "RESET")

    def ping_us(self, n=2000):
        """Median round trip of a PING from this (Python) client, µs."""
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.cmd("PING")
            ts.append((time.perf_counter() - t0) * 1e6)
        return round(med(ts), 1)

    def figures(self):
        """Since reset(): per command [round trips, calls, server µs]. Round
        trips and their µs are the slow log's entries sent by a client
        other than this one (an EVAL's µs includes what its script ran);
        calls are INFO commandstats' (script-internal calls included)."""
        me = "%s:%d" % self.sock.getsockname()
        log = self.cmd("SLOWLOG", "GET", "-1")
        out = {}
        for e in log:
            # [id, time, duration µs, [argv...], client addr, client name]
            name = e[3][0].lower() if e[3] else "?"
            if e[4] == me or e[4] == "?:0" or name in CONTROL_COMMANDS:
                continue
            r = out.setdefault(name, [0, 0, 0])
            r[0] += 1
            r[2] += e[2]
        for line in self.cmd("INFO", "commandstats").splitlines():
            if not line.startswith("cmdstat_"):
                continue
            name, _, rest = line[len("cmdstat_"):].partition(":")
            if name.split("|")[0] in CONTROL_COMMANDS:  # "config|resetstat"
                continue
            kv = dict(x.split("=", 1) for x in rest.split(","))
            out.setdefault(name, [0, 0, 0])[1] = int(kv["calls"])
        return out, len(log) >= SLOWLOG_MAX


def load_nodes(a, ports, conc, count, seed, prefix):
    """lmtp-load.py against every node at once, the concurrency and the
    message count split evenly; the aggregate is every delivery over the
    span from the first client's start to the last one's end (each client
    times itself after loading the corpus). prefix None: a warm-up."""
    n = len(ports)
    procs = []
    for i, port in enumerate(ports):
        jf = None if prefix is None else "%s-node%d.json" % (prefix, i)
        argv = load_argv(a, port, max(1, conc // n), count // n + (i < count % n),
                         seed * 10 + i, jf)
        procs.append([subprocess.Popen(argv, stdout=sys.stderr if jf else subprocess.DEVNULL),
                      jf, None])
    deadline = time.monotonic() + a.duration + 120
    while any(p[2] is None for p in procs):
        for p in procs:
            if p[2] is None and p[0].poll() is not None:
                p[2] = time.monotonic()
        if time.monotonic() > deadline:
            for p in procs:
                if p[0].poll() is None:
                    p[0].kill()
                    p[0].wait()
            raise RuntimeError("lmtp-load did not finish")
        time.sleep(0.02)
    if prefix is None:
        return None
    rs = []
    for p, jf, end in procs:
        with open(jf) as fh:
            r = json.load(fh)
        r["start"], r["end"] = end - r["elapsed_s"], end
        rs.append(r)
    span = max(r["end"] for r in rs) - min(r["start"] for r in rs)
    delivered = sum(r["delivered"] for r in rs)
    return {"delivered": delivered, "failed": sum(r["failed"] for r in rs),
            "span_s": round(span, 3), "msgs_per_s": round(delivered / span, 2),
            "start_stagger_s": round(max(r["start"] for r in rs) - min(r["start"] for r in rs), 3),
            "node_msgs_per_s": [r["msgs_per_s"] for r in rs],
            "p50_ms": med([r["lat_ms_p50"] for r in rs]),
            "p99_ms": max(r["lat_ms_p99"] for r in rs)}


def section_scaleout(a, res):
    """1..3 zestd nodes on one data directory sharing [state] in one private
    redis-server, and one node with the local backend: the typical script
    for every user, lmtp-load.py spread over the nodes. Every configuration
    runs at once (each with its own data directory and key prefix) and the
    runs take turns, run k of each before run k + 1 of any, so that the
    machine's drift over the minutes of the section does not fall on one
    configuration."""
    base = os.path.join(a.workdir, "scaleout")
    shutil.rmtree(base, ignore_errors=True)
    redis = Redis(os.path.join(base, "redis"))
    rpid = redis.start()
    script = os.path.join(a.shared, "scripts", "typical.sieve")
    out = {"script": "typical", "concurrency": a.scaleout_conc, "warmup": a.scaleout_warmup,
           "interleaved": True, "runs": []}
    sets = []
    try:
        out["ping_us"] = redis.ping_us()
        configs = [("local", 1)] + [("redis", int(n)) for n in a.scaleout_nodes.split(",")]
        for backend, n in configs:
            label = "%s-%d" % (backend, n)
            state = ('[state]\nbackend = "redis"\nurl = "redis://127.0.0.1:%d/0"\n'
                     'key_prefix = "bench:%s:"\n' % (redis.port, label))
            var = os.path.join(base, label, "var")
            nodes = [Zestd(a, os.path.join(base, label, "node%d" % i), var=var,
                           extra=state if backend == "redis" else "") for i in range(n)]
            sets.append({"backend": backend, "nodes": n, "label": label, "zestd": nodes,
                         "pids": [], "runs": []})
            for i, z in enumerate(nodes):
                z.setup(users=i == 0)
            nodes[0].set_script(script)
            for z in nodes:
                sets[-1]["pids"].append(z.start())
        for s in sets:
            # every node sees every user a few times first: its script
            # cache and .svbc, the folders the script creates
            load_nodes(a, [z.lmtp_port for z in s["zestd"]], a.scaleout_conc,
                       a.scaleout_warmup, 999, None)
        for k in range(a.runs):
            for s in sets:
                time.sleep(1)  # the outboxes send what the last run queued
                redis.reset()
                c0 = [cpu_s(p) for p in s["pids"]]
                r0 = run_s(rpid)
                r = load_nodes(a, [z.lmtp_port for z in s["zestd"]], a.scaleout_conc, a.count,
                               1000 * k + 7, os.path.join(res, "scaleout-%s-r%d" % (s["label"], k)))
                r["zestd_cpu_ms_per_msg"] = round(
                    sum(cpu_s(p) - c for p, c in zip(s["pids"], c0)) * 1e3 / r["delivered"], 3)
                r["redis_cpu_us_per_msg"] = round((run_s(rpid) - r0) * 1e6 / r["delivered"], 1)
                r["redis"], r["slowlog_full"] = redis.figures()
                s["runs"].append(r)
                log("scaleout %s run %d: %.1f msg/s (nodes %s), zestd cpu %.2f ms/msg, "
                    "redis %s" % (s["label"], k, r["msgs_per_s"], r["node_msgs_per_s"],
                                  r["zestd_cpu_ms_per_msg"], r["redis"]))
        for s in sets:
            out["runs"].append({"backend": s["backend"], "nodes": s["nodes"], "runs": s["runs"],
                                "outgoing": sum(z.outgoing() for z in s["zestd"])})
    finally:
        for s in sets:
            for z in s["zestd"]:
                z.stop()
        redis.stop()
        for s, row in zip(sets, out["runs"]):
            row["log_errors"] = sum(z.errors() for z in s["zestd"])
        shutil.rmtree(base, ignore_errors=True)
    with open(os.path.join(res, "scaleout.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out


# ---------------------------------------------------------------- report
def machine(workdir):
    def first(path, key):
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"
    fs = subprocess.run(["df", "--output=fstype,source", workdir], capture_output=True,
                        text=True).stdout.split("\n")[1:2] or ["?"]
    dv = rv = "?"
    if shutil.which("dovecot"):
        dv = subprocess.run(["dovecot", "--version"], capture_output=True,
                            text=True).stdout.strip()
    if shutil.which("redis-server"):
        rv = subprocess.run(["redis-server", "--version"], capture_output=True,
                            text=True).stdout.split()[2].replace("v=", "")
    return {"cpu": first("/proc/cpuinfo", "model name"), "cpus": os.cpu_count(),
            "mem": first("/proc/meminfo", "MemTotal"), "kernel": platform.release(),
            "debian": open("/etc/debian_version").read().strip()
            if os.path.exists("/etc/debian_version") else "?",
            "fs": fs[0], "dovecot": dv, "redis": rv,
            "load": " ".join("%.2f" % x for x in os.getloadavg())}


def fmt(x, nd=0):
    if x is None or x != x:
        return "–"
    return ("%%.%df" % nd) % x


def spread(xs, nd=0):
    """"min–max" of the repetitions behind a median, or "" for a single run."""
    xs = [x for x in (xs or []) if x == x]
    if len(xs) < 2:
        return ""
    return " (%s–%s)" % (fmt(min(xs), nd), fmt(max(xs), nd))


def ratio(num, den, nd=1):
    if not num or not den or num != num or den != den:
        return "–"
    return "%.*f×" % (nd, num / den)


def scaleout_rows(so):
    """Per configuration: the medians over its runs (and the spread)."""
    rows = []
    for c in so["runs"]:
        runs = c["runs"]

        def per_msg(r, i):
            return sum(v[i] for v in r["redis"].values()) / r["delivered"] if r["delivered"] \
                else float("nan")
        rows.append({
            "label": "%s, %d node%s" % (c["backend"], c["nodes"], "s" if c["nodes"] > 1 else ""),
            "backend": c["backend"], "nodes": c["nodes"],
            "msgs_per_s": med([r["msgs_per_s"] for r in runs]),
            "all_msgs_per_s": [r["msgs_per_s"] for r in runs],
            "node_msgs_per_s": [med([r["node_msgs_per_s"][i] for r in runs])
                                for i in range(c["nodes"])],
            "p50_ms": med([r["p50_ms"] for r in runs]),
            "p99_ms": med([r["p99_ms"] for r in runs]),
            "zestd_cpu_ms": med([r["zestd_cpu_ms_per_msg"] for r in runs]),
            "round_trips": med([per_msg(r, 0) for r in runs]),
            "calls": med([per_msg(r, 1) for r in runs]),
            "server_us": med([per_msg(r, 2) for r in runs]),
            "redis_cpu_us": med([r["redis_cpu_us_per_msg"] for r in runs]),
            "failed": sum(r["failed"] for r in runs),
            "delivered": sum(r["delivered"] for r in runs),
            "log_errors": c["log_errors"], "outgoing": c["outgoing"],
            "slowlog_full": any(r.get("slowlog_full") for r in runs),
            "stagger_s": max(r.get("start_stagger_s", 0) for r in runs),
            "span_s": med([r["span_s"] for r in runs])})
    return rows


def report_scaleout(a, so):
    rows = scaleout_rows(so)
    conc = so["concurrency"]
    L = ["## Scale-out: zestd nodes sharing one data directory and one Redis", "",
         "The %s script active for user1..user%d; N zestd nodes on this machine share one "
         "data directory and `[state] backend = \"redis\"` (one private redis-server on the "
         "loopback); one lmtp-load.py per node, total concurrency %d split evenly (%s per "
         "node) after a warm-up of %d messages; msg/s is every delivery over the span from "
         "the first client's start to the last one's end, median of %d runs (min–max). "
         "zestd CPU: all nodes' user + system time per delivery. Redis: round trips are "
         "the commands zestd sent (from the slow log, every command logged), calls also "
         "count what the Lua scripts ran (INFO commandstats), server µs is Redis's own "
         "execution time of those round trips, redis-server CPU includes its network I/O; "
         "all per delivered message." % (
             so["script"], a.users, conc,
             ", ".join("%d with %d node%s" % (max(1, conc // n), n, "s" if n > 1 else "")
                       for n in sorted({r["nodes"] for r in rows})),
             so.get("warmup", a.warmup), a.runs) + (
             " All configurations ran side by side, each with its own data directory and "
             "key prefix, and their runs took turns (run k of each before run k + 1 of any)."
             if so.get("interleaved") else ""), "",
         "| backend, nodes | msg/s | per node msg/s | p50 ms | p99 ms | zestd CPU ms/msg | "
         "Redis round trips/msg | Redis calls/msg | Redis server µs/msg | redis-server CPU "
         "µs/msg |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        red = r["backend"] == "redis"
        L.append("| %s | **%s**%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["label"], fmt(r["msgs_per_s"]), spread(r["all_msgs_per_s"]),
            " / ".join(fmt(x) for x in r["node_msgs_per_s"]), fmt(r["p50_ms"], 1),
            fmt(r["p99_ms"], 1), fmt(r["zestd_cpu_ms"], 2),
            fmt(r["round_trips"], 2) if red else "–", fmt(r["calls"], 2) if red else "–",
            fmt(r["server_us"], 1) if red else "–", fmt(r["redis_cpu_us"], 0) if red else "–"))
    L.append("")
    # round trips by command over every Redis run
    by, delivered = {}, 0
    for c in so["runs"]:
        if c["backend"] != "redis":
            continue
        for r in c["runs"]:
            delivered += r["delivered"]
            for name, v in r["redis"].items():
                t = by.setdefault(name, [0, 0, 0])
                for i in range(3):
                    t[i] += v[i]
    if delivered and by:
        L += ["Redis commands over all Redis runs (%d deliveries):" % delivered, "",
              "| command | round trips/msg | calls/msg (with those in scripts) | server µs per "
              "round trip |", "|---|---|---|---|"]
        for name, (rt, calls, us) in sorted(by.items(), key=lambda x: (-x[1][0], -x[1][1])):
            L.append("| %s | %.3f | %.3f | %s |" % (name.upper(), rt / delivered,
                                                   calls / delivered,
                                                   fmt(us / rt, 1) if rt else "–"))
        L.append("")
    local = next((r for r in rows if r["backend"] == "local"), None)
    one = next((r for r in rows if r["backend"] == "redis" and r["nodes"] == 1), None)
    if local and one and local["msgs_per_s"] and one["msgs_per_s"]:
        overlap = min(local["all_msgs_per_s"]) <= max(one["all_msgs_per_s"]) and \
            min(one["all_msgs_per_s"]) <= max(local["all_msgs_per_s"])
        L.append("- Redis at 1 node: %s → %s msg/s, %+.2f ms of wall time per delivery (%s); "
                 "zestd CPU %+.3f ms per delivery; %.2f round trips per delivery at a loopback "
                 "PING round trip of %s µs (measured from Python on the idle server, so an "
                 "upper bound for zestd's hiredis client), i.e. about %.0f µs of waiting per "
                 "delivery." % (
                     fmt(local["msgs_per_s"]), fmt(one["msgs_per_s"]),
                     1000 / one["msgs_per_s"] - 1000 / local["msgs_per_s"],
                     "one run each: no spread to compare with" if a.runs < 2 else
                     "within the run-to-run spread: the two ranges overlap" if overlap
                     else "outside the run-to-run spread",
                     one["zestd_cpu_ms"] - local["zestd_cpu_ms"], one["round_trips"],
                     fmt(so["ping_us"], 1), one["round_trips"] * so["ping_us"]))
    for r in rows:
        L.append("- %s: %d delivered, %d failed; log errors %d; outgoing messages %d; a run "
                 "took %.1f s, the clients started up to %.2f s apart%s" % (
            r["label"], r["delivered"], r["failed"], r["log_errors"], r["outgoing"],
            r["span_s"], r["stagger_s"],
            "; SLOW LOG FULL: round trips undercounted" if r["slowlog_full"] else ""))
    L.append("")
    return L


def report(a, meta, lmtp, inproc, maildir, filt=None, scaleout=None, scaling=None):
    peer = lmtp or inproc or maildir or filt
    L = ["# %s, %s" % ("zestd vs Dovecot/Pigeonhole" if peer else
                       "zestd scale-out" if scaleout else "zestd scaling",
                       meta["when"]), ""]
    L += ["- machine: %s, %s vCPUs, %s RAM, kernel %s, Debian %s, mail on %s" % (
        meta["m"]["cpu"], meta["m"]["cpus"], meta["m"]["mem"], meta["m"]["kernel"],
        meta["m"]["debian"], meta["m"]["fs"])]
    if peer:
        L.append("- peer: Dovecot %s with Pigeonhole (Debian 12 packages), private instance "
                 "from ../shared/bench/dovecot-up.sh" % meta["m"]["dovecot"])
    if scaleout:
        L.append("- Redis: %s, private instance, no persistence, loopback" % (
            meta["m"].get("redis", "?")))
    L += ["- zest: %s (RelWithDebInfo), `[lmtp] workers` %s" % (
        meta["rev"], a.lmtp_workers or "default"),
          "- load average at the start: %s%s" % (
              meta["m"]["load"], "" if "load_allowed" not in meta else
              " — ABOVE 1: started with --allow-load, figures are not a clean baseline"
              if meta["load_allowed"] else " (compare.sh refuses to start above 1)") + (
              "; at the end: %s (the run's own client and worker threads included)"
              % meta["load_end"] if "load_end" in meta else ""),
          "- every figure is the median of %d repetitions, with (min–max) where shown; "
          "commit %s" % (a.runs, meta["rev"]),
          "- corpus: gen-corpus.py, %d messages; LMTP: lmtp-load.py, %d messages or %d s per run, "
          "median of %d run(s), %d users, after a %d-message warm-up" % (
              meta["corpus_n"], a.count, a.duration, a.runs, a.users, a.warmup), ""]
    if lmtp:
        L += ["## LMTP delivery", "",
              "msg/s: zest / Dovecot (ratio); p50 and p99 latency in ms: zest / Dovecot.", "",
              "| script | conc | zest msg/s | Dovecot msg/s | ratio | zest p50 | Dovecot p50 | "
              "zest p99 | Dovecot p99 | p99 ratio (Dovecot/zest) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for mode, v in lmtp.items():
            for c in CONCS:
                z = v["zest"]["by_concurrency"][str(c)]
                d = v["dovecot"]["by_concurrency"][str(c)]
                L.append("| %s | %d | %s | %s | **%s** | %s | %s | %s | %s | %s |" % (
                    mode, c, fmt(z["msgs_per_s"]) + spread(z.get("all_msgs_per_s")),
                    fmt(d["msgs_per_s"]) + spread(d.get("all_msgs_per_s")),
                    ratio(z["msgs_per_s"], d["msgs_per_s"]), fmt(z["p50_ms"], 1),
                    fmt(d["p50_ms"], 1), fmt(z["p99_ms"], 1) + spread(z.get("all_p99_ms"), 1),
                    fmt(d["p99_ms"], 1) + spread(d.get("all_p99_ms"), 1),
                    ratio(d["p99_ms"], z["p99_ms"])))
        L.append("")
        for mode, v in lmtp.items():
            L.append("- %s: failed deliveries zest %d / Dovecot %d; log errors %d / %d; outgoing "
                     "messages %d / %d" % (
                         mode, sum(x["failed"] for x in v["zest"]["by_concurrency"].values()),
                         sum(x["failed"] for x in v["dovecot"]["by_concurrency"].values()),
                         v["zest"]["log_errors"], v["dovecot"]["log_errors"],
                         v["zest"]["outgoing"], v["dovecot"]["outgoing"]))
        L.append("")
    if scaleout:
        L += report_scaleout(a, scaleout)
    if maildir:
        L += ["## Bare fsync'd Maildir writes (no Sieve, no LMTP)", "",
              "`bench_maildir` BM_MaildirWrite: write to tmp/, fsync, link into new/, fsync "
              "new/ (2 fsyncs, no UIDs); 100 Maildirs. For comparison, zest's store path "
              "alone (BM_MaildirTransaction: the same plus the UID appended to "
              "dovecot-uidlist under its lock, fsyncs in two rounds with 8 fsync threads) "
              "and zestd over LMTP with no script.",
              "", "| threads | bare msg/s | zest store path msg/s | zest LMTP nosieve msg/s "
              "| zest LMTP typical msg/s | share of the bare rate (target ≥ 0.5 at 4 and 16) "
              "|", "|---|---|---|---|---|---|"]
        for c in CONCS:
            b = maildir.get("BM_MaildirWrite/real_time/threads:%d" % c, {})
            tx = maildir.get("BM_MaildirTransaction/real_time/threads:%d" % c, {})
            bare = b.get("items_per_second")

            def lm(script):
                return (lmtp or {}).get(script, {}).get("zest", {}).get("by_concurrency", {}) \
                    .get(str(c), {}).get("msgs_per_s")
            zt = lm("typical")
            L.append("| %d | %s | %s | %s | %s | %s |" % (
                c, fmt(bare), fmt(tx.get("items_per_second")), fmt(lm("nosieve")), fmt(zt),
                "%.2f" % (zt / bare) if zt and bare else "–"))
        L.append("")
    if inproc:
        ph = inproc["pigeonhole"]
        L += ["## In-process evaluation (parse message + run script, whole corpus)", "",
              "zest: `bench_eval`; Pigeonhole: `sieve-filter` dry run over the corpus as a "
              "Maildir (one process; includes reading each message from its Maildir). CPU "
              "time per message on both sides (the machine is shared, so wall time says "
              "more about the neighbours); wall time in brackets.", "",
              "| script | zest µs/msg | Pigeonhole µs/msg | ratio (target ≥ 10×) |",
              "|---|---|---|---|"]
        ev = inproc["eval"]
        nmsg = ph.get("corpus_messages") or meta["corpus_n"]
        zus = {}
        for s in SCRIPTS:
            b = ev.get("BM_Eval/" + s)
            zus[s] = b["us_per_msg"] if b else None
            zwall = b["real_time"] * 1000 / nmsg if b else None  # ms per corpus pass
            pf = ph["sieve_filter"].get(s, {})
            pcpu = pf["cpu_s"] * 1e6 / nmsg if pf else None
            L.append("| %s | %s%s (%s) | %s (%s) | **%s** |" % (
                s, fmt(zus[s], 1), spread(b.get("spread", {}).get("us_per_msg") if b else None, 1),
                fmt(zwall, 1), fmt(pcpu, 1), fmt(pf.get("per_msg_us"), 1),
                ratio(pcpu, zus[s])))
        if zus.get("huge") and zus.get("typical"):
            L.append("")
            L.append("huge (2000 rules) costs %.1f× typical (43 rules) per message (target ≤ 20×)."
                     % (zus["huge"] / zus["typical"]))
        pm = ev.get("BM_ParseMessage")
        if pm:
            L.append("Parsing the message alone (header index, with the copy): %.2f µs/msg CPU." % (
                pm["cpu_time"] * 1000 / nmsg))
        L += ["", "## Compile", "",
              "CPU time. zest in-process: `bench_compile`; both `sievec` as processes "
              "(Pigeonhole's includes about 10 ms of process start and configuration parsing).",
              "", "| script | source KiB | zest compile µs (target < 5000 for huge) | µs per KiB | "
              "zest load .svbc µs (target < 100) | zest sievec ms | Pigeonhole sievec ms | "
              "ratio (sievec) |", "|---|---|---|---|---|---|---|---|"]
        cb = inproc["compile"]
        for s in SCRIPTS:
            c = cb.get("BM_Compile/" + s, {})
            ld = cb.get("BM_LoadBinary/" + s, {})
            psv = ph["sievec"].get(s, {}).get("cpu_ms")
            zsv = inproc["zest_sievec_ms"].get(s, {})
            zsv = zsv.get("cpu_ms") if isinstance(zsv, dict) else zsv
            L.append("| %s | %.1f | %s | %s | %s | %s | %s | %s |" % (
                s, c.get("source_bytes", 0) / 1024, fmt(c.get("cpu_time"), 1),
                fmt(c.get("per_KiB", float("nan")) * 1e6, 1), fmt(ld.get("cpu_time"), 2),
                fmt(zsv, 2), fmt(psv, 2), ratio(psv, zsv)))
        L.append("")
    if filt:
        L += ["## sieve-filter over the corpus as a Maildir (dry run, both tools)", "",
              "zest's `sieve-filter SCRIPT MAILDIR` against Pigeonhole's `sieve-filter -c "
              "dovecot.conf -o mail_location=maildir:MAILDIR SCRIPT INBOX`: the same %d "
              "messages, the same script, one process per pass, run as the mail user; CPU time "
              "(user + system) per message, median of %d pass(es) after a warm-up; wall time "
              "of a pass in brackets." % (filt["messages"], filt["batch_runs"]), "",
              "| script | zest µs/msg | Pigeonhole µs/msg | ratio (Pigeonhole/zest) |",
              "|---|---|---|---|"]
        for s, row in filt["scripts"].items():
            z, p = row["zest"], row["pigeonhole"]
            L.append("| %s | %s (%s s) | %s (%s s) | **%s** |" % (
                s, fmt(z["cpu_us_per_msg"], 1), fmt(z["wall_s"], 2), fmt(p["cpu_us_per_msg"], 1),
                fmt(p["wall_s"], 2), ratio(p["cpu_us_per_msg"], z["cpu_us_per_msg"])))
        L.append("")
    if lmtp:
        L += ["## Memory", "", "| measure | zest | Dovecot | target |", "|---|---|---|---|"]
        t = lmtp.get("typical") or next(iter(lmtp.values()))
        z, d = t["zest"], t["dovecot"]
        L.append("| peak memory under load (c ≤ 16), MiB: zest RSS high-water / Dovecot sum of "
                 "PSS | %.1f | %.1f | zest < 50 |" % (z.get("peak_rss_kib", 0) / 1024,
                                                      d["peak_pss_kib"] / 1024))
        L.append("| peak PSS sampled under load, MiB | %.1f | %.1f | |" % (
            z["peak_pss_kib"] / 1024, d["peak_pss_kib"] / 1024))
        if "idle_lmtp_kib" in z:
            L.append("| per idle LMTP connection (after LHLO), KiB | %s | %s | < 64 |" % (
                fmt(z["idle_lmtp_kib"], 1), fmt(d["idle_lmtp_kib"], 1)))
            L.append("| per idle ManageSieve connection (after greeting), KiB | %s | %s | < 64 |"
                     % (fmt(z["idle_managesieve_kib"], 1), fmt(d["idle_managesieve_kib"], 1)))
        L.append("")
    if scaling:
        import scaling as scaling_section  # bench/scaling.py, beside this file
        L += scaling_section.report_scaling(a, scaling, inproc)
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build")
    ap.add_argument("--shared")
    ap.add_argument("--workdir")
    ap.add_argument("--out", help="markdown file to write")
    ap.add_argument("--sections", default="lmtp,inproc,maildir,filter,scaling",
                    help="any of lmtp,inproc,maildir,filter,scaling,scaleout (scaleout is not "
                    "in the default)")
    ap.add_argument("--lmtp-workers", type=int, default=0,
                    help="zestd's [lmtp] workers (0 = its default)")
    ap.add_argument("--scaling-parts", default="users,connections,size",
                    help="section scaling: any of users,connections,size")
    ap.add_argument("--scripts", default=",".join(SCRIPTS))
    ap.add_argument("--no-nosieve", dest="nosieve", action="store_false")
    ap.add_argument("--count", type=int, default=1000, help="messages per LMTP run")
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3, help="LMTP runs per point (median)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="repetitions of each Google Benchmark figure (median)")
    ap.add_argument("--load-allowed", action="store_true",
                    help="(set by compare.sh --allow-load) say in the table that the load was high")
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--idle", type=int, default=100, help="idle connections to open")
    ap.add_argument("--cli-runs", type=int, default=5)
    ap.add_argument("--batch-runs", type=int, default=3)
    ap.add_argument("--corpus-n", type=int, default=1000)
    ap.add_argument("--scaleout-nodes", default="1,2,3",
                    help="section scaleout: node counts with the redis backend (one local run "
                    "at 1 node comes first)")
    ap.add_argument("--scaleout-warmup", type=int, default=2000,
                    help="section scaleout: warm-up messages per configuration, split over "
                    "the nodes")
    ap.add_argument("--scaleout-conc", type=int, default=12,
                    help="section scaleout: total LMTP concurrency, split over the nodes")
    ap.add_argument("--render", help="only print the table of an earlier run's all.json")
    a = ap.parse_args()
    if a.render:
        with open(a.render) as fh:
            d = json.load(fh)
        for k, v in d["args"].items():
            setattr(a, k, v)
        print(report(a, d["meta"], d["lmtp"], d["inproc"], d["maildir"], d.get("filter"),
                     d.get("scaleout"), d.get("scaling")))
        return
    if not (a.build and a.shared and a.workdir):
        ap.error("--build, --shared and --workdir are required (or --render)")
    if os.geteuid() != 0:
        sys.exit("compare.py: run as root (Dovecot's master needs it)")
    a.here = os.path.dirname(os.path.abspath(__file__))
    a.build = os.path.abspath(a.build)
    a.shared = os.path.abspath(a.shared)
    a.workdir = os.path.abspath(a.workdir)
    a.scripts = a.scripts.split(",")
    a.dc_lmtp_port, a.dc_sieve_port, a.dc_imap_port = free_port(), free_port(), free_port()
    os.makedirs(a.workdir, exist_ok=True)
    os.chmod(a.workdir, 0o755)
    res = os.path.join(a.workdir, "results")
    os.makedirs(res, exist_ok=True)
    a.corpus = os.path.join(a.workdir, "corpus")
    if not os.path.exists(os.path.join(a.corpus, "manifest.tsv")):
        subprocess.run([PY, os.path.join(a.shared, "gen-corpus.py"), "-n", str(a.corpus_n),
                        a.corpus], check=True, stdout=sys.stderr)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M %z"), "m": machine(a.workdir),
            "corpus_n": len([f for f in os.listdir(a.corpus) if f.endswith(".eml")]),
            "rev": subprocess.run(["git", "-C", a.here, "describe", "--always", "--dirty"],
                                  capture_output=True, text=True).stdout.strip(),
            "load_allowed": a.load_allowed}
    sections = a.sections.split(",")
    lmtp = inproc = maildir = filt = scaleout = scaling = None
    if "inproc" in sections:
        inproc = section_inproc(a, res)
    if "filter" in sections:
        filt = section_filter(a, res)
    if "maildir" in sections:
        maildir = section_maildir(a, res)
    if "lmtp" in sections:
        lmtp = section_lmtp(a, res)
    if "scaleout" in sections:
        scaleout = section_scaleout(a, res)
    if "scaling" in sections:
        import scaling as scaling_section  # bench/scaling.py, beside this file
        scaling = scaling_section.section_scaling(a, res, sys.modules[__name__])
    meta["load_end"] = " ".join("%.2f" % x for x in os.getloadavg())
    with open(os.path.join(res, "all.json"), "w") as fh:
        json.dump({"meta": meta, "lmtp": lmtp, "inproc": inproc, "maildir": maildir,
                   "filter": filt, "scaleout": scaleout, "scaling": scaling,
                   "args": {k: getattr(a, k) for k in ("count", "duration", "runs", "users",
                                                       "warmup", "repeat", "scaleout_warmup")}},
                  fh, indent=1)
    md = report(a, meta, lmtp, inproc, maildir, filt, scaleout, scaling)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(md)
    print(md)


if __name__ == "__main__":
    main()
