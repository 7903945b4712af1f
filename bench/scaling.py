"""Section `scaling` of compare.py (issue 21 point 5): zest alone, how the
cost of a delivery holds up as the work grows.

- users: one zestd with the typical script active for 100 users against one
  with 10 000, every user's INBOX and compiled script made by a warm-up
  that reaches each of them, and the folders the measured runs file into
  by a pass of the runs' own message sequences; LMTP runs at concurrency 4
  taking turns; the compiled-script cache's hit rate from zestd's /metrics,
  and the folders made during the runs (should be few).
- connections: 1 000 idle LMTP (after LHLO) and 1 000 idle ManageSieve
  (after the greeting) connections on one zestd; memory per connection
  (PSS growth of the process) and the delivery rate on other connections
  with and without them (runs taking turns).
- size: one message of 1 KiB .. 20 MiB at a time through LMTP (a text part
  and a base64 attachment, or all text) on a fresh zestd per size: zestd's
  CPU per delivery and per KiB, and the peak memory a delivery adds (VmHWM
  against the RSS before it); and the in-process evaluation of the typical
  script over the same message (bench_eval with the message as its corpus).

The number of rules is the in-process section's huge / typical ratio.
`c` is the compare module (its helpers and Zestd)."""
import base64
import json
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

SIZES_KIB = [1, 16, 256, 1024, 4096, 20480]
IDLE = 1000
USER_COUNTS = [100, 10000]
CONC = 4


def metrics(port):
    """zestd's /metrics as {name{labels}: value}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            out[k] = float(v)
    return out


def cache_counts(port):
    m = metrics(port)
    get = lambda r: m.get('zest_script_cache_lookups_total{result="%s"}' % r, 0.0)  # noqa: E731
    return {"hit": get("hit"), "binary": get("binary"), "compiled": get("compiled"),
            "failed": get("failed"),
            "evictions": m.get("zest_script_cache_evictions_total", 0.0),
            "entries": m.get("zest_script_cache_entries", 0.0),
            "bytes": m.get("zest_script_cache_bytes", 0.0)}


def count_folders(var):
    """Maildir++ folders (`.Name` directories) in every home under `var`."""
    n = 0
    home = os.path.join(var, "home")
    for user in os.scandir(home) if os.path.isdir(home) else ():
        md = os.path.join(user.path, "Maildir")
        if os.path.isdir(md):
            n += sum(1 for e in os.scandir(md) if e.name.startswith(".") and e.is_dir())
    return n


def write_users(var, n):
    """The passwd-file for user1..userN (what `zest user add` writes, without
    10 000 processes)."""
    os.makedirs(var, exist_ok=True)
    with open(os.path.join(var, "passwd"), "w") as fh:
        for i in range(1, n + 1):
            fh.write("user%d:{PLAIN}pass::::::\n" % i)


def lmtp_reach_everyone(port, users, per_txn=500):
    """One small message to every user, `per_txn` recipients per LMTP
    transaction: each home gets its folders and its compiled script."""
    msg = (b"From: warm@example.org\r\nTo: everyone@example.test\r\nSubject: warm-up\r\n"
           b"Message-ID: <warm-%d@bench>\r\n\r\nhello\r\n.\r\n")
    s = socket.create_connection(("127.0.0.1", port), timeout=600)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("LMTP connection closed")
            if line[3:4] != b"-":
                return line

    reply()
    s.sendall(b"LHLO bench.example.test\r\n")
    reply()
    failed = 0
    for start in range(1, users + 1, per_txn):
        rcpts = range(start, min(users, start + per_txn - 1) + 1)
        s.sendall(b"MAIL FROM:<warm@example.org>\r\n")
        reply()
        ok = 0
        for i in rcpts:
            s.sendall(b"RCPT TO:<user%d@example.test>\r\n" % i)
            ok += reply().startswith(b"250")
        s.sendall(b"DATA\r\n")
        reply()
        s.sendall(msg % start)
        for _ in range(ok):
            failed += not reply().startswith(b"250")
        failed += len(rcpts) - ok
    s.sendall(b"QUIT\r\n")
    s.close()
    return failed


def section_users(a, res, c, script):
    nodes = {}
    saved_users = a.users
    try:
        for n in USER_COUNTS:
            a.users = n
            z = c.Zestd(a, os.path.join(a.workdir, "sc-users-%d" % n))
            z.metrics_port = c.free_port()
            z.extra = '[metrics]\nlisten = "127.0.0.1:%d"\n' % z.metrics_port
            z.setup(users=False)
            write_users(z.var, n)
            z.set_script(script)
            nodes[n] = z
        out = {}
        for n, z in nodes.items():
            a.users = n
            z.start()
            t = time.time()
            failed = lmtp_reach_everyone(z.lmtp_port, n)
            out[n] = {"warmup_s": round(time.time() - t, 1), "warmup_failed": failed}
            c.load(a, z.lmtp_port, CONC, a.warmup, 999, None, warm=True)
            # The measured runs' own sequences once (lmtp-load draws its
            # messages and recipients from the seed): the folders they file
            # into exist, as on a site that has been running, so that the
            # runs compare the number of users and not first deliveries
            # into new folders (10 000 users x ~20 folders: most of 3 000
            # deliveries would otherwise make a folder; run 2026-12-07-0055).
            for k in range(a.runs):
                c.load(a, z.lmtp_port, CONC, a.count, 7000 + k, None, warm=True)
            out[n]["before"] = cache_counts(z.metrics_port)
            out[n]["folders_before"] = count_folders(z.var)
            out[n]["outgoing_before"] = z.outgoing()
        # lmtp-load picks recipients among --users: each configuration its own
        configs = [(str(n), z.lmtp_port) for n, z in nodes.items()]
        runs = {label: [] for label, _ in configs}
        for k in range(a.runs):
            for n, z in nodes.items():
                a.users = n
                jf = os.path.join(res, "scaling-users-%d-r%d.json" % (n, k))
                runs[str(n)].append(c.load(a, z.lmtp_port, CONC, a.count, 7000 + k, jf))
        for n, z in nodes.items():
            r = runs[str(n)]
            after = cache_counts(z.metrics_port)
            before = out[n]["before"]
            looked = sum(after[k] - before[k] for k in ("hit", "binary", "compiled", "failed"))
            out[n].update({
                "msgs_per_s": c.med([x["msgs_per_s"] for x in r]),
                "all_msgs_per_s": [x["msgs_per_s"] for x in r],
                "p99_ms": c.med([x["lat_ms_p99"] for x in r]),
                "failed": sum(x["failed"] for x in r),
                "cache_lookups": looked,
                "cache_hit_rate": (after["hit"] - before["hit"]) / looked if looked else None,
                "cache_binary_loads": after["binary"] - before["binary"],
                "cache_compiles": after["compiled"] - before["compiled"],
                "cache_evictions": after["evictions"] - before["evictions"],
                "cache_entries": after["entries"], "cache_mib": after["bytes"] / 1048576,
                "rss_hwm_kib": c.status_kib(z.proc.pid, "VmHWM"),
                "folders_created": count_folders(z.var) - out[n]["folders_before"],
                "outgoing": z.outgoing() - out[n]["outgoing_before"],
                "log_errors": z.errors()})
    finally:
        a.users = saved_users
        for z in nodes.values():
            z.stop()
    for z in nodes.values():
        shutil.rmtree(z.var, ignore_errors=True)
    return out


def open_idle(port, n, hello):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.recv(4096)
        if hello:
            s.sendall(hello)
            s.recv(4096)
        socks.append(s)
    return socks


def section_connections(a, res, c, script):
    z = c.Zestd(a, os.path.join(a.workdir, "sc-conn"))
    z.setup()
    # The limits go into the [lmtp] and [managesieve] tables setup() wrote.
    with open(z.cfg) as fh:
        text = fh.read()
    text = text.replace("[lmtp]\n", "[lmtp]\nmax_connections = %d\n" % (IDLE + 100), 1)
    text = text.replace("[managesieve]\n", "[managesieve]\nmax_connections = %d\n"
                        "max_connections_per_address = %d\n" % (IDLE + 100, IDLE + 100), 1)
    with open(z.cfg, "w") as fh:
        fh.write(text)
    z.set_script(script)
    out = {}
    socks = []
    try:
        pid = z.start()
        c.load(a, z.lmtp_port, CONC, a.warmup, 999, None, warm=True)
        time.sleep(0.5)
        base = c.tree_pss_kib(pid)
        socks += open_idle(z.lmtp_port, IDLE, b"LHLO bench.example.test\r\n")
        time.sleep(1.0)
        with_lmtp = c.tree_pss_kib(pid)
        socks += open_idle(z.ms_port, IDLE, None)
        time.sleep(1.0)
        with_both = c.tree_pss_kib(pid)
        out["idle_lmtp_kib"] = round((with_lmtp - base) / IDLE, 1)
        out["idle_managesieve_kib"] = round((with_both - with_lmtp) / IDLE, 1)
        out["idle_open"] = len(socks)
        # Runs with the idle connections open and without, taking turns; the
        # order flips every repetition so that neither side always runs on
        # the fuller Maildirs.
        rates = {"idle": [], "none": []}
        held = socks

        def run(label, k):
            rates[label].append(c.load(a, z.lmtp_port, CONC, a.count, 8000 + k,
                                       os.path.join(res, "scaling-conn-%s-r%d.json" % (label, k))))

        def count_alive():
            alive = 0
            for s in held:
                try:
                    s.setblocking(False)
                    alive += s.recv(1, socket.MSG_PEEK) != b""
                except BlockingIOError:
                    alive += 1
                except OSError:
                    pass
                finally:
                    s.setblocking(True)
            return alive

        for k in range(a.runs):
            for label in (("idle", "none") if k % 2 == 0 else ("none", "idle")):
                if label == "idle":
                    if not held:
                        held = open_idle(z.lmtp_port, IDLE, b"LHLO bench.example.test\r\n") + \
                            open_idle(z.ms_port, IDLE, None)
                        time.sleep(1.0)
                    run("idle", k)
                    out.setdefault("idle_alive_after_run", []).append(count_alive())
                    continue
                for s in held:
                    s.close()
                held = []
                time.sleep(1.0)
                run("none", k)
        socks = held
        for label, r in rates.items():
            out[label] = {"msgs_per_s": c.med([x["msgs_per_s"] for x in r]),
                          "all_msgs_per_s": [x["msgs_per_s"] for x in r],
                          "p99_ms": c.med([x["lat_ms_p99"] for x in r]),
                          "failed": sum(x["failed"] for x in r)}
        out["log_errors"] = z.errors()
    finally:
        for s in socks:
            s.close()
        z.stop()
    return out


def make_message(kib, kind, seed):
    """A message of about `kib` KiB: a short text part and a base64
    attachment ("attach"), or one text/plain body ("text")."""
    rnd = random.Random(seed)
    head = ("Return-Path: <sender%d@example.org>\r\nFrom: Sender <sender%d@example.org>\r\n"
            "To: user1@example.test\r\nSubject: report %d\r\nMessage-ID: <size-%d-%s-%d@bench>\r\n"
            "Date: Mon, 1 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" % (
                seed, seed, seed, kib, kind, seed))
    words = ["alpha", "meeting", "invoice", "budget", "schedule", "project", "review", "data",
             "quarter", "report", "lunch", "notes", "draft", "update", "status", "plan"]
    target = kib * 1024

    def text(n):
        parts, size = [], 0
        while size < n:
            line = " ".join(rnd.choice(words) for _ in range(12)) + "\r\n"
            parts.append(line)
            size += len(line)
        return "".join(parts)

    if kind == "text":
        body = text(max(0, target - len(head) - 60))
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    intro = text(min(400, target // 4))
    raw = rnd.randbytes(max(0, (target - len(head) - len(intro) - 400) * 3 // 4))
    b64 = base64.encodebytes(raw).decode().replace("\n", "\r\n")
    return (head + 'Content-Type: multipart/mixed; boundary="=-b-="\r\n\r\n'
            "--=-b-=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + intro +
            "\r\n--=-b-=\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n" + b64 +
            "\r\n--=-b-=--\r\n").encode()


def lmtp_send(port, raw, rcpt, n):
    """n deliveries of `raw` over one LMTP session, one after another."""
    s = socket.create_connection(("127.0.0.1", port), timeout=600)
    f = s.makefile("rb")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("LMTP connection closed")
            if line[3:4] != b"-":
                return line

    reply()
    s.sendall(b"LHLO bench.example.test\r\n")
    reply()
    data = raw.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    failed = 0
    # SIZE= as Postfix's LMTP client sends it when the server offers SIZE
    # (RFC 1870: the message's octets, CRLFs included).
    for _ in range(n):
        s.sendall(b"MAIL FROM:<sender@example.org> SIZE=%d\r\nRCPT TO:<%s>\r\nDATA\r\n"
                  % (len(raw), rcpt))
        reply(), reply(), reply()
        s.sendall(data + b".\r\n")
        failed += not reply().startswith(b"250")
    s.sendall(b"QUIT\r\n")
    s.close()
    return failed


def bench_eval_us(a, corpus_dir):
    """bench_eval's CPU time per message of the typical script over the
    messages in `corpus_dir` (median of a.repeat)."""
    prog = os.path.join(a.build, "bench", "bench_eval")
    jf = os.path.join(corpus_dir, "eval.json")
    env = dict(os.environ, ZEST_BENCH_CORPUS=corpus_dir,
               ZEST_BENCH_SCRIPTS=os.path.join(a.shared, "scripts"))
    subprocess.run([prog, "--benchmark_filter=BM_Eval/typical$",
                    "--benchmark_repetitions=%d" % a.repeat, "--benchmark_min_time=0.5",
                    "--benchmark_out=" + jf, "--benchmark_out_format=json"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    with open(jf) as fh:
        d = json.load(fh)
    vals = [b["us_per_msg"] for b in d["benchmarks"]
            if b.get("run_type") == "iteration" and "us_per_msg" in b]
    return sorted(vals)[len(vals) // 2] if vals else None


def section_size(a, res, c, script):
    out = {}
    for kind in ("attach", "text"):
        for kib in SIZES_KIB:
            raw = make_message(kib, kind, kib)
            n = max(3, min(50, 20480 // kib))
            corpus = os.path.join(a.workdir, "sc-size-corpus-%s-%d" % (kind, kib))
            os.makedirs(corpus, exist_ok=True)
            with open(os.path.join(corpus, "m.eml"), "wb") as fh:
                fh.write(raw)
            z = c.Zestd(a, os.path.join(a.workdir, "sc-size"))
            z.setup()
            z.set_script(script)
            try:
                pid = z.start()
                # a small message first: the script compiled, folders made
                lmtp_send(z.lmtp_port, make_message(1, kind, 0), b"user1@example.test", 3)
                time.sleep(0.3)
                rss0 = c.status_kib(pid, "VmRSS")
                cpu0, t0 = c.cpu_s(pid), time.time()
                failed = lmtp_send(z.lmtp_port, raw, b"user1@example.test", n)
                wall, cpu = time.time() - t0, c.cpu_s(pid) - cpu0
                hwm = c.status_kib(pid, "VmHWM")
            finally:
                z.stop()
            ev = bench_eval_us(a, corpus)
            r = {"bytes": len(raw), "deliveries": n, "failed": failed,
                 "cpu_ms_per_msg": cpu * 1000 / n, "wall_ms_per_msg": wall * 1000 / n,
                 "cpu_us_per_kib": cpu * 1e6 / n / (len(raw) / 1024),
                 "eval_us_per_msg": ev,
                 "eval_us_per_kib": ev / (len(raw) / 1024) if ev else None,
                 "rss_before_kib": rss0, "hwm_kib": hwm,
                 "peak_added_kib": max(0, hwm - rss0),
                 "peak_added_per_size": max(0, hwm - rss0) / (len(raw) / 1024)}
            out.setdefault(kind, {})[str(kib)] = r
            c.log("scaling size %s %d KiB: %.2f ms/msg, +%d KiB peak" % (
                kind, kib, r["cpu_ms_per_msg"], r["peak_added_kib"]))
            shutil.rmtree(corpus, ignore_errors=True)
    return out


def section_scaling(a, res, c):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 3 * IDLE:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8 * IDLE), hard))
    script = os.path.join(a.shared, "scripts", "typical.sieve")
    parts = getattr(a, "scaling_parts", "users,connections,size").split(",")
    out = {}
    if "users" in parts:
        out["users"] = section_users(a, res, c, script)
        c.log("scaling users: %s" % {n: v["msgs_per_s"] for n, v in out["users"].items()})
    if "connections" in parts:
        out["connections"] = section_connections(a, res, c, script)
        c.log("scaling connections: %s" % {k: out["connections"][k]["msgs_per_s"]
                                           for k in ("idle", "none")})
    if "size" in parts:
        out["size"] = section_size(a, res, c, script)
    with open(os.path.join(res, "scaling.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out


def pair_ratios(cn):
    """with/without per repetition (the two runs of a repetition follow
    each other; repetition k ran the idle side first when k is even)."""
    return [i / n for i, n in zip(cn["idle"]["all_msgs_per_s"], cn["none"]["all_msgs_per_s"])]


def balanced_ratio(ratios):
    """The geometric mean of the idle-first and the none-first repetitions'
    (geometric) means: whichever runs first in a pair is slower on this
    machine, and this cancels that order effect."""
    groups = [[r for k, r in enumerate(ratios) if k % 2 == side] for side in (0, 1)]
    means = [math.exp(sum(math.log(r) for r in g) / len(g)) for g in groups if g]
    return math.exp(sum(math.log(m) for m in means) / len(means))


def report_scaling(a, sc, inproc=None):
    L = ["## Flat costs as the work grows", ""]
    u = sc.get("users")
    if u:
        lo, hi = str(USER_COUNTS[0]), str(USER_COUNTS[-1])
        lo, hi = (u.get(lo) or u.get(int(lo))), (u.get(hi) or u.get(int(hi)))
        L += ["### Users", "",
              "The typical script active for every user; a warm-up delivers to each user once "
              "(INBOX made, script compiled), %d messages more and each measured run's "
              "message sequence once (so that the folders the runs file into exist); then "
              "LMTP at concurrency %d, runs taking turns (median, min–max). Cache: `[delivery] "
              "script_cache_memory` default (128 MiB); hit rate over the measured runs from "
              "`zest_script_cache_lookups_total`." % (a.warmup, CONC), "",
              "| users | msg/s | p99 ms | cache hit rate | .svbc loads | compiles | evictions | "
              "programs cached | cache MiB | zestd RSS high-water MiB | folders made in the runs "
              "| outgoing | failed |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for n, r in ((USER_COUNTS[0], lo), (USER_COUNTS[-1], hi)):
            L.append("| %d | %.0f (%.0f–%.0f) | %.1f | %s | %d | %d | %d | %d | %.1f | %.1f | %s | %s "
                     "| %d |" % (
                n, r["msgs_per_s"], min(r["all_msgs_per_s"]), max(r["all_msgs_per_s"]),
                r["p99_ms"],
                "%.1f %%" % (100 * r["cache_hit_rate"]) if r["cache_hit_rate"] is not None else "–",
                r["cache_binary_loads"], r["cache_compiles"], r["cache_evictions"],
                r["cache_entries"], r["cache_mib"], r["rss_hwm_kib"] / 1024,
                r.get("folders_created", "–"), r.get("outgoing", "–"),
                r["failed"] + r["warmup_failed"]))
        L += ["", "%d users deliver at **%.2f×** the rate of %d (target ≥ 0.90)." % (
            USER_COUNTS[-1], hi["msgs_per_s"] / lo["msgs_per_s"], USER_COUNTS[0]), ""]
    cn = sc.get("connections")
    if cn:
        L += ["### Idle connections", "",
              "%d idle LMTP connections (after LHLO) and %d idle ManageSieve connections "
              "(after the greeting) held open on one zestd; memory per connection is the "
              "PSS growth of the process; delivery runs (concurrency %d, other connections) "
              "with them open and without, taking turns (the first run of each repetition alternates: "
              "idle first when the repetition number is even)." % (IDLE, IDLE, CONC), "",
              "| measure | value | target |", "|---|---|---|",
              "| memory per idle LMTP connection, KiB | %.1f | < 64 |" % cn["idle_lmtp_kib"],
              "| memory per idle ManageSieve connection, KiB | %.1f | < 64 |"
              % cn["idle_managesieve_kib"],
              "| msg/s with %d idle connections open | %.0f (%.0f–%.0f) | |" % (
                  cn["idle_open"], cn["idle"]["msgs_per_s"], min(cn["idle"]["all_msgs_per_s"]),
                  max(cn["idle"]["all_msgs_per_s"])),
              "| msg/s without | %.0f (%.0f–%.0f) | |" % (
                  cn["none"]["msgs_per_s"], min(cn["none"]["all_msgs_per_s"]),
                  max(cn["none"]["all_msgs_per_s"])),
              "| ratio of the medians, with / without | %.2f× | |" % (
                  cn["idle"]["msgs_per_s"] / cn["none"]["msgs_per_s"]),
              "| ratio per repetition (first run of the pair) | %s | |" % ", ".join(
                  "%.2f (%s)" % (r, "idle" if k % 2 == 0 else "none")
                  for k, r in enumerate(pair_ratios(cn))),
              "| ratio with the order balanced | **%.2f×** | unchanged (≈ 1) |"
              % balanced_ratio(pair_ratios(cn)),
              "| idle connections still open after each run | %s | all |" % ", ".join(
                  str(x) for x in cn.get("idle_alive_after_run", [])), ""]
    sz = sc.get("size")
    if sz:
        L += ["### Message size", "",
              "One message at a time through LMTP to one user with the typical script, on a "
              "fresh zestd per size (after 3 small deliveries): zestd's CPU per delivery "
              "(`/proc`, user + system), and the memory a delivery adds at its peak "
              "(VmHWM after the deliveries minus VmRSS before them); in-process evaluation "
              "(`bench_eval` BM_Eval/typical with the message as the corpus: parse + run, "
              "no I/O). Linear cost = a flat µs per KiB down the column.", ""]
        for kind, title in (("attach", "a short text part and a base64 attachment"),
                            ("text", "one text/plain body (what `body :text` reads)")):
            if kind not in sz:
                continue
            L += ["%s:" % title.capitalize(), "",
                  "| size | deliveries | zestd CPU ms/delivery | µs/KiB | evaluation µs | "
                  "µs/KiB | peak added MiB | × message size (target < 3 + constant) |",
                  "|---|---|---|---|---|---|---|---|"]
            for kib in SIZES_KIB:
                r = sz[kind].get(str(kib))
                if not r:
                    continue
                L.append("| %s | %d | %.2f | %.1f | %s | %s | %.1f | %.2f |" % (
                    "%d KiB" % kib if kib < 1024 else "%d MiB" % (kib // 1024), r["deliveries"],
                    r["cpu_ms_per_msg"], r["cpu_us_per_kib"],
                    "%.0f" % r["eval_us_per_msg"] if r["eval_us_per_msg"] else "–",
                    "%.2f" % r["eval_us_per_kib"] if r["eval_us_per_kib"] else "–",
                    r["peak_added_kib"] / 1024, r["peak_added_per_size"]))
            L.append("")
    if inproc:
        L += ["### Rules", "", "See the in-process table: huge (2000 rules) against typical "
              "(43 rules), target ≤ 20×.", ""]
    return L
