#!/usr/bin/env python3
"""Differential test: zest's `sieve-test --json` against Pigeonhole's
sieve-test on every case in tests/differential/cases.

    run.py BUILD_DIR [-k SUBSTRING] [-v]     (or the zest sieve-test binary)

A case is NAME.sieve + NAME.eml (+ optional NAME.args: extra sieve-test
options such as `-f from@x -r to@y`, shell-quoted, passed to both). When a
case gives no -f/-r, both get `-f sender@example.com -r recipient@example.com`.
A first script line `# requires-zest: EXT[, EXT...]` marks a case that needs
something zest does not implement yet: a difference there is "pending", not a
failure. Cases in the table of deviations.md are expected differences.

One line per case: `same`, `DIFF`, `pending` or `known-deviation`, then the
summary line `N passed, M failed` (failed = unexpected differences and
harness errors). Exit status 0 when nothing failed, 1 otherwise, 77 (ctest
SKIP_RETURN_CODE) when Pigeonhole's sieve-test is not installed, 2 on usage
errors.

Pigeonhole's sieve-test refuses to run as root without mail_uid and writes
its compiled .svbin beside the script, so each case runs in its own temporary
directory; when run as root that directory is given to the unprivileged user
`nobody` and Pigeonhole runs as that user (setpriv). It reads a two-line
dovecot.conf written there (mail_location, log_path), never /etc/dovecot.
"""
import argparse
import json
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pigeonhole_to_json  # noqa: E402

CASES = os.path.join(HERE, "cases")
DEVIATIONS = os.path.join(HERE, "deviations.md")
PIGEONHOLE = os.environ.get("PIGEONHOLE_SIEVE_TEST", "/usr/bin/sieve-test")
SKIP = 77
TIMEOUT = 30
DEFAULT_FROM = "sender@example.com"
DEFAULT_TO = "recipient@example.com"


def load_deviations():
    """Case names from the first column of the deviations.md table."""
    names = {}
    if not os.path.exists(DEVIATIONS):
        return names
    for line in open(DEVIATIONS, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 3:
            continue
        name = cells[0].strip("`")
        if name.lower() in ("case", "") or set(name) <= set("-: "):
            continue
        names[name] = cells[1]
    return names


def requires_zest(script_text):
    first = script_text.split("\n", 1)[0]
    m = re.match(r"#\s*requires-zest:\s*(.+)", first)
    return [x for x in re.split(r"[,\s]+", m.group(1).strip()) if x] if m else []


# ---------------------------------------------------------------- comparison

SYSTEM_FLAGS = pigeonhole_to_json.canonical_flags
ACTION_FIELDS = {
    "keep": ["flags"],
    "fileinto": ["mailbox", "flags", "copy", "create"],
    "redirect": ["address", "copy"],
    "discard": [],
    "reject": ["reason"],
    "vacation": ["seconds", "subject", "from", "handle", "reason"],
    "notify": ["method", "importance", "from", "subject", "recipients", "headers", "body"],
}


def sanitize_like_pigeonhole(s, max_len=128):
    """What Pigeonhole's str_sanitize(s, 128) prints: control characters
    become '?', and text longer than 128 bytes is cut (at a UTF-8 boundary)
    to end in '...'. Used for reject reasons, which is all its text output
    gives for them."""
    out = "".join("?" if ord(c) < 0x20 else c for c in s)
    b = out.encode("utf-8")
    if len(b) <= max_len:
        return out
    cut = b[:max_len - 3]
    return cut.decode("utf-8", errors="ignore") + "..."


def normalise_value(v):
    if isinstance(v, str):
        return v.replace("\r\n", "\n")
    if isinstance(v, list):
        return [normalise_value(x) for x in v]
    if isinstance(v, dict):
        return {k: normalise_value(x) for k, x in v.items()}
    return v


def normalise(result, lossy_reject=False):
    """The compared view of a JSON result: no `errors`, only the design's
    fields per action, flags in canonical form, CRLF as LF in strings."""
    out = {"status": result.get("status"),
           "implicit_keep": result.get("implicit_keep"),
           "implicit_keep_flags": SYSTEM_FLAGS(result.get("implicit_keep_flags") or [])}
    actions = []
    for a in result.get("actions") or []:
        t = a.get("type")
        n = {"type": t}
        for f in ACTION_FIELDS.get(t, sorted(k for k in a if k != "type")):
            n[f] = a.get(f)
        if "flags" in n:
            n["flags"] = SYSTEM_FLAGS(n["flags"] or [])
        if t == "reject" and lossy_reject and isinstance(n["reason"], str):
            n["reason"] = sanitize_like_pigeonhole(n["reason"].replace("\r\n", "\n")
                                                   .replace("\n", "\r\n"))
        actions.append(normalise_value(n))
    out["actions"] = actions
    return out


def diff_lines(zest, ph):
    lines = []
    for key in ("status", "implicit_keep", "implicit_keep_flags"):
        if zest[key] != ph[key]:
            lines.append("%s: zest %s, pigeonhole %s" % (key, json.dumps(zest[key]),
                                                           json.dumps(ph[key])))
    if zest["actions"] != ph["actions"]:
        lines.append("actions:")
        lines.append("  zest:       " + json.dumps(zest["actions"], ensure_ascii=False))
        lines.append("  pigeonhole: " + json.dumps(ph["actions"], ensure_ascii=False))
    return lines


# ------------------------------------------------------------------- running

class Runner:
    def __init__(self, zest_bin):
        self.zest_bin = zest_bin
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pw = pwd.getpwnam("nobody")
            except KeyError:
                raise SystemExit("run.py: running as root needs the user 'nobody'")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def envelope_args(self, extra):
        args = list(extra)
        if "-f" not in args:
            args += ["-f", DEFAULT_FROM]
        if "-r" not in args:
            args += ["-r", DEFAULT_TO]
        return args

    def run_zest(self, tmp, args):
        p = subprocess.run([self.zest_bin, "--json", "-C"] + args +
                           [os.path.join(tmp, "script.sieve"), os.path.join(tmp, "message.eml")],
                           capture_output=True, timeout=TIMEOUT)
        try:
            return json.loads(p.stdout.decode("utf-8", errors="replace"))
        except ValueError:
            raise RuntimeError("zest sieve-test exited %d without JSON: %s" %
                               (p.returncode, p.stderr.decode(errors="replace").strip()))

    def run_pigeonhole(self, tmp, args):
        conf = os.path.join(tmp, "dovecot.conf")
        with open(conf, "w") as f:
            f.write("mail_location = maildir:%s/Maildir\nlog_path = /dev/stderr\n" % tmp)
        cmd = [PIGEONHOLE, "-c", conf] + args + [os.path.join(tmp, "script.sieve"),
                                                 os.path.join(tmp, "message.eml")]
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8"}
        if self.as_root:
            for root, dirs, files in os.walk(tmp):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), self.uid, self.gid)
            os.chown(tmp, self.uid, self.gid)
            cmd = ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid,
                   "--clear-groups", "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, env=env, cwd=tmp, timeout=TIMEOUT)
        out = p.stdout.decode("utf-8", errors="replace")
        err = p.stderr.decode("utf-8", errors="replace")
        return pigeonhole_to_json.convert(out, err, p.returncode)

    def run_case(self, name):
        script = os.path.join(CASES, name + ".sieve")
        message = os.path.join(CASES, name + ".eml")
        argsf = os.path.join(CASES, name + ".args")
        extra = []
        if os.path.exists(argsf):
            extra = shlex.split(open(argsf, encoding="utf-8").read(), comments=True)
        args = self.envelope_args(extra)
        tmp = tempfile.mkdtemp(prefix="zest-diff-")
        try:
            os.chmod(tmp, 0o755)
            shutil.copyfile(script, os.path.join(tmp, "script.sieve"))
            shutil.copyfile(message, os.path.join(tmp, "message.eml"))
            zest = self.run_zest(tmp, args)
            # Pigeonhole gets a fresh copy: no .svbc/.svbin left by zest.
            for n in os.listdir(tmp):
                if n not in ("script.sieve", "message.eml"):
                    p = os.path.join(tmp, n)
                    shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
            ph = self.run_pigeonhole(tmp, args)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return zest, ph


def main():
    ap = argparse.ArgumentParser(description="zest vs Pigeonhole sieve-test on tests/differential/cases")
    ap.add_argument("build_dir")
    ap.add_argument("-k", dest="filter", help="only cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="show both results for every case")
    a = ap.parse_args()

    if not (os.path.isfile(PIGEONHOLE) and os.access(PIGEONHOLE, os.X_OK)):
        print("SKIP: Pigeonhole's sieve-test not found at %s "
              "(install dovecot-sieve: scripts/install-test-deps.sh)" % PIGEONHOLE)
        return SKIP
    zest_bin = os.path.abspath(a.build_dir)
    if os.path.isdir(zest_bin):  # a build directory, else the binary itself
        zest_bin = os.path.join(zest_bin, "tools", "sieve-test")
    if not os.access(zest_bin, os.X_OK):
        print("run.py: %s not found; build the sieve-test target first" % zest_bin, file=sys.stderr)
        return 2

    deviations = load_deviations()
    names = sorted(f[:-6] for f in os.listdir(CASES) if f.endswith(".sieve"))
    unknown = sorted(set(deviations) - set(names))
    if a.filter:
        names = [n for n in names if a.filter in n]
    runner = Runner(zest_bin)
    counts = {"same": 0, "DIFF": 0, "pending": 0, "known-deviation": 0, "error": 0}
    notes = []
    for name in names:
        if not os.path.exists(os.path.join(CASES, name + ".eml")):
            print("%-16s %s: missing %s.eml" % ("error", name, name))
            counts["error"] += 1
            continue
        needs = requires_zest(open(os.path.join(CASES, name + ".sieve"), encoding="utf-8",
                                   errors="replace").read())
        try:
            zest_raw, ph_raw = runner.run_case(name)
        except Exception as e:  # harness or converter failure: a failure, shown
            print("%-16s %s: %s" % ("error", name, e))
            counts["error"] += 1
            continue
        lossy = any(x.get("type") == "reject" for x in ph_raw.get("actions", []))
        zest, ph = normalise(zest_raw, lossy), normalise(ph_raw)
        detail = diff_lines(zest, ph)
        if not detail:
            verdict = "same"
            if needs:
                notes.append("%s: same result now; drop its requires-zest line" % name)
            if name in deviations:
                notes.append("%s: same result now; remove it from deviations.md" % name)
        elif name in deviations:
            verdict = "known-deviation"
        elif needs:
            verdict = "pending"
        else:
            verdict = "DIFF"
        counts[verdict] += 1
        suffix = " (requires-zest: %s)" % ", ".join(needs) if verdict == "pending" else ""
        print("%-16s %s%s" % (verdict, name, suffix))
        if verdict == "DIFF" or a.verbose:
            for l in detail:
                print("    " + l)
            if a.verbose:
                print("    zest:       " + json.dumps(zest, ensure_ascii=False))
                print("    pigeonhole: " + json.dumps(ph, ensure_ascii=False))
                if zest_raw.get("errors") or ph_raw.get("errors"):
                    print("    zest errors:       " + json.dumps(zest_raw.get("errors")))
                    print("    pigeonhole errors: " + json.dumps(ph_raw.get("errors")))
    for n in unknown:
        notes.append("deviations.md lists '%s', which is not a case" % n)
    for n in notes:
        print("note: " + n)
    passed = counts["same"] + counts["pending"] + counts["known-deviation"]
    failed = counts["DIFF"] + counts["error"]
    print("%d same, %d known-deviation, %d pending, %d DIFF, %d error" %
          (counts["same"], counts["known-deviation"], counts["pending"], counts["DIFF"],
           counts["error"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
