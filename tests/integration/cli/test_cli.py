#!/usr/bin/env python3
"""Integration test of sieve-test, sievec and sieve-dump (run by ctest as
cli_tools): exit codes, the README example's text and JSON output, the
binary cache, corrupted binaries, delivery into a Maildir, and traces."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None

# What the README shows for `make run` (examples/filter.sieve on examples/message.eml).
EXAMPLE_ENVELOPE = ["-f", "bob@example.net", "-r", "alice@example.org"]
EXAMPLE_JSON = {
    "status": "ok",
    "actions": [
        {"type": "fileinto", "mailbox": "Lists/sieve-users", "flags": [], "copy": False, "create": False},
        {"type": "redirect", "address": "alice.mobile@example.net", "copy": False},
    ],
    "implicit_keep": False,
    "implicit_keep_flags": [],
}
EXAMPLE_TEXT = """
Performed actions:

 * store message in folder: Lists/sieve-users
 * redirect message to: alice.mobile@example.net

Implicit keep:

  (none)

"""


def run(tool, *argv, stdin=None):
    p = subprocess.run([tool, *argv], input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="zest-cli-")
        self.dir = self.tmp.name
        src = ARGS.source_dir
        self.script = os.path.join(src, "examples", "filter.sieve")
        self.message = os.path.join(src, "examples", "message.eml")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text, mode="w"):
        path = os.path.join(self.dir, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def sieve_test(self, *argv):
        return run(ARGS.sieve_test, *argv)

    def assertNoCrash(self, rc, err):
        self.assertGreaterEqual(rc, 0, "killed by a signal: " + err)
        self.assertNotIn("AddressSanitizer", err)


class ExitCodes(Base):
    def test_ok_is_0(self):
        rc, out, err = self.sieve_test(*EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)

    def test_compile_error_is_1(self):
        bad = self.write("bad.sieve", 'require "fileinto";\nfrobnicate "x";\n')
        rc, out, err = self.sieve_test(bad, self.message)
        self.assertEqual(rc, 1)
        self.assertIn("bad.sieve:2:", err)
        self.assertIn("unknown command 'frobnicate'", err)
        rc, out, err = self.sieve_test("--json", bad, self.message)
        self.assertEqual(rc, 1)
        j = json.loads(out)
        self.assertEqual(j["status"], "compile_error")
        self.assertEqual(j["actions"], [])
        self.assertIs(j["implicit_keep"], True)
        self.assertEqual(j["implicit_keep_flags"], [])
        self.assertTrue(j["errors"])

    def test_runtime_error_is_2(self):
        many = self.write(
            "many.sieve", "".join('redirect "u%d@example.com";\n' % i for i in range(10)))
        rc, out, err = self.sieve_test(many, self.message)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("number of redirect actions exceeds policy limit", err)
        self.assertIn("Implicit keep:", out)
        self.assertIn("store message in folder: INBOX", out)
        rc, out, err = self.sieve_test("--json", many, self.message)
        self.assertEqual(rc, 2)
        j = json.loads(out)
        self.assertEqual(j["status"], "runtime_error")
        self.assertEqual(j["actions"], [])
        self.assertIs(j["implicit_keep"], True)

    def test_usage_is_64(self):
        for argv in ([], [self.script], ["--frobnicate", self.script, self.message],
                     ["-T", "everything", "-t", "-", self.script, self.message],
                     ["-e", self.script, self.message],
                     ["-x", "+frobnicate", self.script, self.message],
                     [self.script, os.path.join(self.dir, "no-such-message")]):
            rc, out, err = self.sieve_test(*argv)
            self.assertEqual(rc, 64, "%s: %s" % (argv, err))
        for tool in (ARGS.sievec, ARGS.sieve_dump):
            rc, out, err = run(tool)
            self.assertEqual(rc, 64, tool)

    def test_help_is_0(self):
        rc, out, err = self.sieve_test("--help")
        self.assertEqual(rc, 0)
        self.assertIn("--json", out)


class ReadmeExample(Base):
    def test_text_output(self):
        rc, out, err = self.sieve_test(*EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, EXAMPLE_TEXT)

    def test_json_output(self):
        rc, out, err = self.sieve_test("--json", *EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        j = json.loads(out)
        self.assertEqual(list(j.keys()),
                         ["status", "actions", "implicit_keep", "implicit_keep_flags", "errors"])
        self.assertIsInstance(j.pop("errors"), list)
        self.assertEqual(j, EXAMPLE_JSON)

    def test_message_from_stdin(self):
        with open(self.message, "rb") as f:
            data = f.read()
        p = subprocess.run([ARGS.sieve_test, "--json", *EXAMPLE_ENVELOPE, self.script, "-"],
                           input=data, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["actions"], EXAMPLE_JSON["actions"])

    def test_envelope_decides_invoices(self):
        rc, out, err = self.sieve_test("--json", "-f", "bob@example.net", "-r",
                                       "alice+invoices@example.org", self.script, self.message)
        self.assertEqual(rc, 0, err)
        boxes = [a.get("mailbox") for a in json.loads(out)["actions"]]
        self.assertIn("Finance/Invoices", boxes)

    def test_envelope_to_is_the_original_recipient(self):
        """Issue 20.4: -a is what envelope "to" compares (sieve-test(1)); -r
        is the final recipient."""
        script = self.write("orig.sieve", 'require ["envelope", "fileinto"];\n'
                            'if envelope "to" "list@example.org" { fileinto "ViaList"; }\n'
                            'if envelope "to" "me@example.org" { fileinto "Direct"; }\n')
        rc, out, err = self.sieve_test("--json", "-r", "me@example.org", "-a", "list@example.org",
                                       script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a.get("mailbox") for a in json.loads(out)["actions"]], ["ViaList"])
        rc, out, err = self.sieve_test("--json", "-r", "me@example.org", script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a.get("mailbox") for a in json.loads(out)["actions"]], ["Direct"])

    def test_replace_inside_foreverypart(self):
        """Issue 20.7: replace in foreverypart replaces the current part
        (RFC 5703 section 5) instead of failing at run time."""
        msg = self.write("parts.eml", "From: a@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
                         "Content-Type: text/plain\r\n\r\nHello\r\n--X\r\n"
                         "Content-Type: application/zip\r\n\r\nUEsDBA==\r\n--X--\r\n")
        script = self.write("strip.sieve",
                            'require ["replace", "foreverypart", "mime", "body", "fileinto"];\n'
                            'foreverypart { if header :mime :type "Content-Type" "application" {\n'
                            '  replace "The attachment was removed."; } }\n'
                            'if allof (body :text :contains "attachment was removed",\n'
                            '          body :text :contains "Hello",\n'
                            '          header :is "Subject" "parts") { fileinto "Cleaned"; }\n')
        rc, out, err = self.sieve_test("--json", script, msg)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a.get("mailbox") for a in json.loads(out)["actions"]], ["Cleaned"])

    def test_extension_disabled_with_x(self):
        rc, out, err = self.sieve_test("-x", "-envelope", self.script, self.message)
        self.assertEqual(rc, 1, err)


class Binaries(Base):
    def test_sievec_and_dump(self):
        svbc = os.path.join(self.dir, "filter.svbc")
        rc, out, err = run(ARGS.sievec, self.script, svbc)
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.getsize(svbc) > 20)
        rc, dump, err = run(ARGS.sieve_dump, svbc)
        self.assertEqual(rc, 0, err)
        self.assertIn("fileinto", dump)
        self.assertIn('"Lists/sieve-users"', dump)
        self.assertIn("; extensions:", dump)
        # Dumping the source gives the same listing as dumping the binary.
        rc, dump2, err = run(ARGS.sieve_dump, self.script)
        self.assertEqual(rc, 0, err)
        self.assertEqual(dump, dump2)
        # sieve-test -d - prints the same listing before the result.
        rc, out, err = self.sieve_test("-d", "-", *EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith(dump), out)
        # Running the binary gives the same result as running the source.
        rc, out, err = self.sieve_test("--json", *EXAMPLE_ENVELOPE, svbc, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["actions"], EXAMPLE_JSON["actions"])

    def test_sievec_default_output_name(self):
        script = self.write("rules.sieve", "keep;\n")
        rc, out, err = run(ARGS.sievec, script)
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "rules.svbc")))

    def test_sievec_compile_error(self):
        bad = self.write("bad.sieve", "if true;\n")
        rc, out, err = run(ARGS.sievec, bad, os.path.join(self.dir, "bad.svbc"))
        self.assertEqual(rc, 1)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bad.svbc")))

    def test_corrupted_binary_reported_cleanly(self):
        svbc = os.path.join(self.dir, "filter.svbc")
        rc, out, err = run(ARGS.sievec, self.script, svbc)
        self.assertEqual(rc, 0, err)
        with open(svbc, "rb") as f:
            good = f.read()
        cases = {
            "truncated": good[: len(good) // 2],
            "bad-magic": b"X" + good[1:],
            "stale-hash": good[:12] + bytes([good[12] ^ 0xFF]) + good[13:],
            "garbage": b"\x00\xff" * 100,
            "flipped-tail": good[:-3] + bytes([good[-3] ^ 0x7F]) + good[-2:],
        }
        for name, data in cases.items():
            path = self.write(name + ".svbc", data, "wb")
            for tool, argv in ((ARGS.sieve_dump, [path]),
                               (ARGS.sieve_test, [path, self.message])):
                rc, out, err = run(tool, *argv)
                self.assertNoCrash(rc, err)
                if name == "flipped-tail" and rc == 0:
                    continue  # a flip can land on a harmless byte (a line number)
                self.assertEqual(rc, 1, "%s %s: %s" % (tool, name, err))
                self.assertRegex(err, r"(corrupt|stale) binary", name)

    def test_cache_rule(self):
        # SCRIPT.svbc next to SCRIPT and at least as new is used instead of
        # compiling; -C forces a compile.
        script = self.write("rules.sieve", "discard;\n")
        other = self.write("other.sieve", "keep;\n")
        rc, out, err = run(ARGS.sievec, other, os.path.join(self.dir, "rules.svbc"))
        self.assertEqual(rc, 0, err)
        old = time.time() - 100
        os.utime(script, (old, old))
        rc, out, err = self.sieve_test("--json", script, self.message)
        self.assertEqual(json.loads(out)["actions"], [{"type": "keep", "flags": []}])
        rc, out, err = self.sieve_test("--json", "-C", script, self.message)
        self.assertEqual(json.loads(out)["actions"], [{"type": "discard"}])
        # A script newer than its binary is compiled.
        new = time.time() + 100
        os.utime(script, (new, new))
        rc, out, err = self.sieve_test("--json", script, self.message)
        self.assertEqual(json.loads(out)["actions"], [{"type": "discard"}])
        # A corrupt cache is ignored: the source is compiled.
        self.write("rules.svbc", b"garbage", "wb")
        os.utime(script, (old, old))
        rc, out, err = self.sieve_test("--json", script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["actions"], [{"type": "discard"}])


class Maildir(Base):
    def maildir(self, *folders):
        root = os.path.join(self.dir, "Maildir")
        for folder in ("",) + folders:
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(root, folder, sub), exist_ok=True)
        return root

    def files(self, root, folder, sub="new"):
        path = os.path.join(root, folder, sub)
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def test_execute_implicit_keep_into_inbox(self):
        root = self.maildir()
        script = self.write("empty.sieve", "# nothing\n")
        rc, out, err = self.sieve_test("-e", "-l", root, script, self.message)
        self.assertEqual(rc, 0, err)
        delivered = self.files(root, "")
        self.assertEqual(len(delivered), 1, err)
        with open(self.message, "rb") as f, \
                open(os.path.join(root, "new", delivered[0]), "rb") as g:
            self.assertEqual(g.read().replace(b"\r\n", b"\n"), f.read().replace(b"\r\n", b"\n"))

    def test_execute_example_into_list_folder(self):
        root = self.maildir(".Lists.sieve-users")
        rc, out, err = self.sieve_test("-e", "-l", root, *EXAMPLE_ENVELOPE, self.script,
                                       self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.files(root, ".Lists.sieve-users")), 1, err)
        self.assertEqual(self.files(root, ""), [])  # no implicit keep
        self.assertIn("redirect", err)  # reported as not executed

    def test_without_e_nothing_is_stored(self):
        root = self.maildir(".Lists.sieve-users")
        rc, out, err = self.sieve_test("-l", root, *EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.files(root, ".Lists.sieve-users"), [])


class ExternalPrograms(Base):
    """vnd.dovecot.filter / execute run their programs while the script runs,
    with and without -e; vnd.dovecot.pipe only with -e (as Pigeonhole's
    sieve-test). Programs come from the [sieve] *_bin_dir of -c."""

    SCRIPT = ('require ["vnd.dovecot.filter", "vnd.dovecot.execute", "vnd.dovecot.pipe",\n'
              '         "variables", "fileinto", "copy"];\n'
              'filter "tag";\n'
              'execute :output "who" "whoami-env";\n'
              'if header :is "x-tagged" "yes" { fileinto "Filtered"; }\n'
              'if string :is "${who}" "ran as ${who}" { fileinto "Never"; }\n'
              'if string :matches "${who}" "ran:*" { fileinto "Executed"; }\n'
              'pipe :copy "save";\n')

    maildir = Maildir.maildir
    files = Maildir.files

    def setUp(self):
        super().setUp()
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        self.piped = os.path.join(self.dir, "piped.eml")
        for name, body in (("tag", "echo 'X-Tagged: yes'; cat"),
                           ("whoami-env", "cat >/dev/null; printf 'ran:%s' \"$RECIPIENT\""),
                           ("save", "cat > '%s'" % self.piped)):
            path = os.path.join(bindir, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body + "\n")
            os.chmod(path, 0o750)
        self.cfg = self.write("zest.toml", "[sieve]\n" + "".join(
            '%s_bin_dir = "%s"\n' % (k, bindir) for k in ("pipe", "filter", "execute")))
        self.prog = self.write("programs.sieve", self.SCRIPT)

    def test_filter_and_execute_run_without_e_pipe_does_not(self):
        rc, out, err = self.sieve_test("-c", self.cfg, "-r", "rcpt@example.org", self.prog,
                                       self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn("Filtered", out)
        self.assertIn("Executed", out)
        self.assertNotIn("Never", out)
        self.assertIn("pipe", out)
        self.assertFalse(os.path.exists(self.piped))

    def test_with_e_pipe_runs(self):
        root = self.maildir(".Filtered", ".Executed")
        rc, out, err = self.sieve_test("-c", self.cfg, "-e", "-l", root, "-r", "rcpt@example.org",
                                       self.prog, self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn("piped to program 'save'", err)
        with open(self.piped, "rb") as f, open(self.message, "rb") as g:
            # The message as read (sieve-test -e also stores it unedited).
            self.assertEqual(f.read().replace(b"\r\n", b"\n"), g.read().replace(b"\r\n", b"\n"))
        self.assertEqual(len(self.files(root, ".Filtered")), 1, err)

    def test_failed_pipe_is_an_error(self):
        os.remove(os.path.join(self.dir, "bin", "save"))
        root = self.maildir(".Filtered", ".Executed")
        rc, out, err = self.sieve_test("-c", self.cfg, "-e", "-l", root, self.prog, self.message)
        self.assertEqual(rc, 2, err)
        self.assertIn("failed to pipe message to program 'save'", err)


class BeforeScriptsAndDefaultMailbox(Base):
    """Issue 17.6: Pigeonhole's sieve-test -s SCRIPT (run before the main
    script, repeatable, in order) and -m MAILBOX (the default mailbox)."""

    def test_before_scripts_run_first_in_order(self):
        one = self.write("one.sieve", 'require ["imap4flags", "variables"];\n'
                         'addflag "$one";\n')
        two = self.write("two.sieve", 'require ["imap4flags"];\naddflag "$two";\n')
        main = self.write("main.sieve", 'require ["imap4flags", "fileinto"];\n'
                          'if hasflag "$two" { fileinto "Both"; }\n')
        rc, out, err = self.sieve_test("--json", "-s", one, "-s", two, main, self.message)
        self.assertEqual(rc, 0, err)
        result = json.loads(out)
        self.assertEqual(result["actions"], [{"type": "fileinto", "mailbox": "Both",
                                              "flags": ["$one", "$two"], "copy": False,
                                              "create": False}])
        self.assertFalse(result["implicit_keep"])
        self.assertNotIn("default_mailbox", result)

    def test_before_script_cancelling_keep_ends_the_sequence(self):
        first = self.write("first.sieve", 'require "fileinto";\nfileinto "Early";\n')
        main = self.write("main.sieve", 'require "fileinto";\nfileinto "Late";\n')
        rc, out, err = self.sieve_test("--json", "-s", first, main, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual([a["mailbox"] for a in json.loads(out)["actions"]], ["Early"])

    def test_before_script_compile_error(self):
        bad = self.write("bad.sieve", "frobnicate;\n")
        rc, out, err = self.sieve_test("-s", bad, self.script, self.message)
        self.assertEqual(rc, 1)
        self.assertIn("bad.sieve:1:", err)

    def test_before_script_runtime_error_drops_everything(self):
        first = self.write("first.sieve", 'require ["fileinto", "variables"];\n'
                           'set "a" "x@";\nredirect "${a}";\n')
        rc, out, err = self.sieve_test("--json", "-s", first, self.script, self.message)
        self.assertEqual(rc, 2, err)
        result = json.loads(out)
        self.assertEqual(result["status"], "runtime_error")
        self.assertIn("first.sieve", err)

    def test_default_mailbox_text_and_json(self):
        script = self.write("empty.sieve", "# nothing\n")
        rc, out, err = self.sieve_test("-m", "Archive", script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn(" * store message in folder: Archive\n", out)
        rc, out, err = self.sieve_test("--json", "-m", "Archive", script, self.message)
        result = json.loads(out)
        self.assertTrue(result["implicit_keep"])
        self.assertEqual(result["default_mailbox"], "Archive")
        keep = self.write("keep.sieve", "keep;\n")
        rc, out, err = self.sieve_test("--json", "-m", "Archive", keep, self.message)
        self.assertEqual(json.loads(out)["actions"],
                         [{"type": "keep", "flags": [], "mailbox": "Archive"}])

    def test_default_mailbox_with_e_stores_there(self):
        root = os.path.join(self.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(root, sub))
        keep = self.write("keep.sieve", 'require "fileinto";\nkeep;\nfileinto "Other";\n')
        rc, out, err = self.sieve_test("-e", "-l", root, "-m", "Archive", keep, self.message)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(os.listdir(os.path.join(root, ".Archive", "new"))), 1, err)
        self.assertEqual(os.listdir(os.path.join(root, "new")), [])


class Trace(Base):
    def test_trace_to_stdout(self):
        rc, out, err = self.sieve_test("-t", "-", *EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn("fileinto command", out)
        self.assertIn("header test: true", out)
        self.assertIn("Performed actions:", out)

    def test_trace_levels(self):
        rc, commands, err = self.sieve_test("-t", "-", "-T", "commands", *EXAMPLE_ENVELOPE,
                                            self.script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn("fileinto command", commands)
        self.assertNotIn("header test", commands)

    def test_trace_level_actions(self):
        """Issue 20.5: -T actions shows the actions and what they will do,
        without commands or tests; Pigeonhole's level= syntax works too."""
        for opt in ("actions", "level=actions"):
            rc, out, err = self.sieve_test("-t", "-", "-T", opt, *EXAMPLE_ENVELOPE,
                                           self.script, self.message)
            self.assertEqual(rc, 0, err)
            self.assertIn("## Started executing script 'filter'", out)
            self.assertIn("fileinto action: store message in mailbox 'Lists/sieve-users'", out)
            self.assertIn("redirect action: forward message to address <alice.mobile@example.net>",
                          out)
            self.assertIn("## Implicit keep cancelled", out)
            self.assertIn("## Finished executing script 'filter'", out)
            self.assertNotIn("command", out.split("Performed actions:")[0])
            self.assertNotIn(" test: ", out)

    def test_trace_matching_debug_addresses(self):
        script = self.write("dbg.sieve", 'require ["vnd.dovecot.debug", "relational", "fileinto"];\n'
                            'debug_log "checking";\n'
                            'if header :count "ge" "received" "0" { fileinto "Counted"; }\n'
                            'keep;\nkeep;\n')
        rc, out, err = self.sieve_test("-t", "-", "-T", "level=matching", "-T", "debug",
                                       "-T", "addresses", script, self.message)
        self.assertEqual(rc, 0, err)
        self.assertIn("DEBUG: checking", out)
        self.assertIn("starting :count \"ge\" match with 'i;ascii-casemap' comparator:", out)
        self.assertIn(":count '0': matched", out)
        self.assertIn("keep action: merged with an earlier action", out)
        self.assertRegex(out, r"\n +3 \[\d+\]: header test: true")
        self.assertIn("## Implicit keep cancelled", out)
        rc, out, err = self.sieve_test("-t", "-", "-T", "level=loud", script, self.message)
        self.assertEqual(rc, 64)
        self.assertIn("unknown trace level 'loud'", err)

    def test_trace_to_file(self):
        path = os.path.join(self.dir, "trace.txt")
        rc, out, err = self.sieve_test("-t", path, *EXAMPLE_ENVELOPE, self.script, self.message)
        self.assertEqual(rc, 0, err)
        with open(path) as f:
            self.assertIn("redirect command", f.read())
        self.assertNotIn("redirect command", out)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for opt in ("--sieve-test", "--sievec", "--sieve-dump", "--source-dir"):
        parser.add_argument(opt, required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
