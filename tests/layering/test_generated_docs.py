#!/usr/bin/env python3
"""A doc carries a table zestd generates verbatim (docs/logging.md:
`zestd --log-events-reference` from base/log_events.def; docs/metrics.md:
`zestd --metrics-reference` from metrics/metrics.def).
Usage: test_generated_docs.py ZESTD FLAG DOC"""
import subprocess
import sys

zestd, flag, doc_path = sys.argv[1], sys.argv[2], sys.argv[3]
ref = subprocess.run([zestd, flag], capture_output=True, text=True, check=True).stdout
doc = open(doc_path, encoding="utf-8").read()
if ref.strip() in doc:
    print("%s matches zestd %s" % (doc_path, flag))
    print("1 passed, 0 failed")
    sys.exit(0)
print("%s differs from `zestd %s`: paste its output over the generated table" % (doc_path, flag))
print("0 passed, 1 failed")
sys.exit(1)
