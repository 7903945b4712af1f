#!/usr/bin/env python3
"""Every `event=<name>` the code logs is in base/log_events.def, and every
name there is logged somewhere: the list (and docs/logging.md, generated
from it) cannot drift from the code.

Looks in the non-test sources for event names in string literals:
"event=<name>" and the DeliveryLog calls log.event("<name>", ...) and
write("<name>", ...). Usage: test_log_events.py SOURCE_DIR"""
import os
import re
import sys

root = sys.argv[1]
DIRS = ["base", "config", "delivery", "events", "grammar", "interp", "mail", "manage-sieve",
        "methods", "metrics", "net", "server", "store", "tools", "transport"]
LITERAL = re.compile(r'"([^"\\]|\\.)*"')
EVENT_IN_LITERAL = re.compile(r'event=([a-z][a-z0-9-]*)')
CALL = re.compile(r'(?:\.event|\bwrite)\(\s*"([a-z][a-z0-9-]*)"')
DEF = re.compile(r'^ZEST_LOG_EVENT\("([a-z0-9-]+)"', re.M)

defined = set(DEF.findall(open(os.path.join(root, "base", "log_events.def")).read()))
used = {}
for d in DIRS:
    for dirpath, _, files in os.walk(os.path.join(root, d)):
        for name in files:
            if not name.endswith((".cpp", ".hpp")):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8").read()
            rel = os.path.relpath(path, root)
            # Calls may span lines (clang-format): searched in the whole text.
            for m in CALL.finditer(text):
                used.setdefault(m.group(1), "%s:%d" % (rel, text.count("\n", 0, m.start()) + 1))
            for lineno, line in enumerate(text.splitlines(), 1):
                code = line.split("//", 1)[0] if not line.lstrip().startswith('"') else line
                for lit in LITERAL.finditer(code):
                    for n in EVENT_IN_LITERAL.findall(lit.group(0)):
                        used.setdefault(n, "%s:%d" % (rel, lineno))

failed = 0
for n, where in sorted(used.items()):
    if n not in defined:
        print("%s: event=%s is not in base/log_events.def" % (where, n))
        failed += 1
for n in sorted(defined - set(used)):
    print("base/log_events.def: %s is never logged by the code" % n)
    failed += 1
print("%d events logged, %d defined" % (len(used), len(defined)))
print("%d passed, %d failed" % (1 if not failed else 0, failed))
sys.exit(1 if failed else 0)
