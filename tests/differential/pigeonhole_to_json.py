#!/usr/bin/env python3
"""Turn the text output of Pigeonhole's sieve-test (0.5.19) into zest's
canonical JSON result (docs: /work/shared/design/sieve-test-json.md).

Only the compared fields are produced; `errors` holds Pigeonhole's stderr
lines for information. Usage as a filter:

    sieve-test SCRIPT MSG >out 2>err; echo $? >rc
    pigeonhole_to_json.py --rc "$(cat rc)" --stderr err <out

What Pigeonhole prints (studied on the installed 0.5.19 binary):

    <blank>
    Performed actions:
    <blank>
     * store message in folder: X/y            (fileinto / keep)
            + create mailbox if it does not exist
            + preserve implicit keep            (:copy)
            + add IMAP flags: \\seen $foo        (system flags lower-case)
     * redirect message to: <a@b.c>
     * discard
     * reject message with reason: TEXT        (str_sanitize(.., 128): control
                                                chars become '?', long text is
                                                cut and ends in "...")
     * send vacation message:
        => seconds : 604800
        => subject : S                          (only if :subject)
        => from    : F                          (only if :from)
        => handle  : H                          (always; generated when no :handle)
    <blank>
    START MESSAGE
    REASON
    END MESSAGE
     * send notification with method 'mailto:':
        => importance   : 2
        => subject      : S
        => from         : F
        => recipients   :
           + To: a@b.c
           + Cc: c@d.e
        => headers      :
           + name: value
        => body         :
    --
    BODY
    --
    <blank>
      (none)                                    (no actions)
    <blank>
    Implicit keep:
    <blank>
     * store message in folder: INBOX
            + add IMAP flags: ...
      (none)

Exit status 0 with that text: "ok". Exit status 89 and "failed to compile
sieve script" on stderr: "compile_error". Any other failure (exit 1, "final
result: failed; resolved with successful implicit keep", no text on stdout):
"runtime_error".
"""
import argparse
import json
import re
import sys

SYSTEM_FLAGS = {f.lower(): f for f in ("\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen")}


def canonical_flags(flags):
    """The design's canonical flag list: system flags capitalised, duplicates
    removed case-insensitively, sorted by the ASCII-lowercased form."""
    seen = {}
    for f in flags:
        f = SYSTEM_FLAGS.get(f.lower(), f)
        seen.setdefault(f.lower(), f)
    return [seen[k] for k in sorted(seen)]


def failed(status, errors):
    return {"status": status, "actions": [], "implicit_keep": True,
            "implicit_keep_flags": [], "errors": errors}


# A vacation/notify "=> key : value" item; values may contain CRLF line
# breaks of their own (Pigeonhole keeps script strings in CRLF form), the
# printer's own line breaks are bare LF.
ITEM_RE = re.compile(r"(?<!\r)\n    => (\w+)\s*:[ ]?")


def parse_items(text):
    parts = ITEM_RE.split("\n" + text)
    items = {}
    for i in range(1, len(parts) - 1, 2):
        items[parts[i]] = parts[i + 1]
    return items


def parse_store(head, extra):
    mailbox = head[len("store message in folder: "):]
    flags, copy, create = None, False, False
    for line in extra:
        s = line.strip().lstrip("+").strip()
        if s == "create mailbox if it does not exist":
            create = True
        elif s == "preserve implicit keep":
            copy = True
        elif s.startswith("add IMAP flags:"):
            flags = s[len("add IMAP flags:"):].split()
        else:
            raise ValueError("unknown store side effect line: %r" % line)
    flags = canonical_flags(flags or [])
    if mailbox.upper() == "INBOX" or mailbox.upper().startswith("INBOX/"):
        mailbox = "INBOX" + mailbox[5:]
    if mailbox == "INBOX":
        return {"type": "keep", "flags": flags}
    return {"type": "fileinto", "mailbox": mailbox, "flags": flags, "copy": copy, "create": create}


def parse_vacation(body):
    # body: everything after " * send vacation message:" up to END MESSAGE.
    m = re.match(r"(.*?)\n\nSTART MESSAGE\n(.*)\nEND MESSAGE$", body, re.S)
    if not m:
        raise ValueError("unparsable vacation action: %r" % body)
    items = parse_items(m.group(1))
    reason = m.group(2)
    handle = items.get("handle")
    # Without :handle Pigeonhole prints the handle it generated:
    # reason + (subject|"<default-subject>") + (from|"<default-from>") +
    # ("<MIME>"|"<NO-MIME>"). The JSON reports only an explicit handle.
    if handle is not None and (handle.endswith("<NO-MIME>") or handle.endswith("<MIME>")):
        handle = None
    return {"type": "vacation", "seconds": int(items["seconds"]),
            "subject": items.get("subject"), "from": items.get("from"),
            "handle": handle, "reason": reason.replace("\r\n", "\n")}


def parse_notify(head, body):
    m = re.match(r"send notification with method '([^':]*):?'", head)
    if not m:
        raise ValueError("unparsable notify action: %r" % head)
    act = {"type": "notify", "method": m.group(1), "importance": 2, "from": None,
           "subject": None, "recipients": [], "headers": [], "body": None}
    bm = re.search(r"\n    => body         : \n--\n(.*)\n--\n?$", body, re.S)
    if bm:
        act["body"] = bm.group(1).replace("\r\n", "\n")
        body = body[:bm.start()]
    items = parse_items(body)
    if "importance" in items:
        act["importance"] = int(items["importance"].strip())
    for k in ("subject", "from"):
        if k in items:
            act[k] = items[k].rstrip("\n")
    for line in items.get("recipients", "").split("\n"):
        rm = re.match(r"\s+\+ (To|Cc): (.*)$", line)
        if rm:
            act["recipients"].append({"field": rm.group(1).lower(), "address": rm.group(2)})
    for line in items.get("headers", "").split("\n"):
        hm = re.match(r"\s+\+ ([^:]+): (.*)$", line)
        if hm:
            act["headers"].append({"name": hm.group(1), "value": hm.group(2)})
    return act


def split_entries(section):
    """Split a section into (head line, following text) per ' * ' entry."""
    entries = []
    for chunk in re.split(r"(?:^|(?<!\r)\n) \* ", section)[1:]:
        head, _, rest = chunk.partition("\n")
        entries.append((head, rest))
    return entries


def parse_action(head, rest):
    if head.startswith("store message in folder: "):
        return parse_store(head, [l for l in rest.split("\n") if l.strip()])
    if head.startswith("redirect message to: "):
        addr = head[len("redirect message to: "):].strip()
        if addr.startswith("<") and addr.endswith(">"):
            addr = addr[1:-1]
        copy = "preserve implicit keep" in rest
        return {"type": "redirect", "address": addr, "copy": copy}
    if head == "discard":
        return {"type": "discard"}
    if head.startswith("reject message with reason: "):
        return {"type": "reject", "reason": head[len("reject message with reason: "):]}
    if head == "send vacation message:":
        return parse_vacation(rest.rstrip("\n"))
    if head.startswith("send notification with method"):
        return parse_notify(head, rest)
    raise ValueError("unknown action line: %r" % head)


def convert(stdout, stderr="", rc=0):
    errors = [l for l in stderr.splitlines() if l.strip()]
    if rc != 0 or "Performed actions:" not in stdout:
        if "failed to compile sieve script" in stderr or rc == 89 and "Fatal" in stderr and \
                "compile" in stderr:
            return failed("compile_error", errors)
        return failed("runtime_error", errors)
    m = re.search(r"\nPerformed actions:\n\n(.*?)\n\nImplicit keep:\n\n(.*)$", stdout, re.S)
    if not m:
        raise ValueError("unparsable sieve-test output: %r" % stdout)
    performed, implicit = m.group(1), m.group(2).rstrip("\n")
    actions = []
    if performed.strip() != "(none)":
        # Vacation reasons may contain lines starting with " * "; cut them out
        # before splitting into entries.
        blocks = re.split(r"(\nSTART MESSAGE\n.*?\nEND MESSAGE)", performed, flags=re.S)
        text, stash = "", []
        for i, b in enumerate(blocks):
            if i % 2:
                stash.append(b)
                text += "\x00VACATION%d\x00" % (len(stash) - 1)
            else:
                text += b
        for head, rest in split_entries(text):
            rest = re.sub(r"\x00VACATION(\d+)\x00", lambda mm: stash[int(mm.group(1))], rest)
            act = parse_action(head, rest)
            # Merge as the design says (Pigeonhole already merges duplicates
            # of the same kind; keep this for fileinto "INBOX" + keep).
            if act["type"] == "keep" and any(a["type"] == "keep" for a in actions):
                continue
            actions.append(act)
    implicit_keep, implicit_flags = False, []
    if implicit.strip() != "(none)":
        entries = split_entries("\n" + implicit)
        if len(entries) != 1 or not entries[0][0].startswith("store message in folder: "):
            raise ValueError("unparsable implicit keep: %r" % implicit)
        k = parse_store(entries[0][0], [l for l in entries[0][1].split("\n") if l.strip()])
        implicit_keep, implicit_flags = True, k["flags"]
    return {"status": "ok", "actions": actions, "implicit_keep": implicit_keep,
            "implicit_keep_flags": implicit_flags if implicit_keep else [], "errors": errors}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rc", type=int, default=0, help="exit status of sieve-test")
    ap.add_argument("--stderr", help="file holding sieve-test's standard error")
    args = ap.parse_args()
    err = open(args.stderr, encoding="utf-8", errors="replace").read() if args.stderr else ""
    out = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    json.dump(convert(out, err, args.rc), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
