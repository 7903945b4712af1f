#!/usr/bin/env python3
"""The layering check catches a crossing include, names file and line, and
passes the real tree. Run by ctest as `layering_check`."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1])
SCRIPT = os.path.join(ROOT, "scripts", "check-layers.py")

DOC = """# x
<!-- layers:begin -->
| folder | may include |
|---|---|
| `base/` | — |
| `mail/` | `base` |
<!-- layers:end -->
"""


def run(root):
    return subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)


def tree(files):
    d = tempfile.mkdtemp(prefix="layers-")
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    return d


passed = failures = 0


def expect(cond, what):
    global passed, failures
    print(("ok   " if cond else "FAIL ") + what)
    if cond:
        passed += 1
    else:
        failures += 1


good = tree({"docs/architecture.md": DOC, "base/a.hpp": '#include <string>\n',
             "mail/m.cpp": '#include "base/a.hpp"\n#include "mail/m.hpp"\n',
             "tests/t.cpp": '#include "mail/m.hpp"\n'})
r = run(good)
expect(r.returncode == 0, "a tree that keeps the table passes")

bad = tree({"docs/architecture.md": DOC, "base/a.hpp": '\n\n#include "mail/m.hpp"\n',
            "mail/m.hpp": ""})
r = run(bad)
expect(r.returncode == 1, "an upward include fails")
expect("base/a.hpp:3: base/ may not include mail/m.hpp" in r.stdout, "the failure names file and line")

stray = tree({"docs/architecture.md": DOC, "extra/x.cpp": '#include "base/a.hpp"\n', "base/a.hpp": ""})
r = run(stray)
expect(r.returncode == 1 and "extra/ is not in the layers table" in r.stdout,
       "a folder missing from the table fails")

r = run(tree({"docs/architecture.md": "# no table\n", "base/a.hpp": ""}))
expect(r.returncode == 2, "a document without the table is an error")

r = run(ROOT)
print(r.stdout, end="")
expect(r.returncode == 0, "the zest tree keeps docs/architecture.md's table")

print(f"{passed} passed, {failures} failed")
sys.exit(1 if failures else 0)
