#!/usr/bin/env python3
"""docs/configuration.md carries `zestd --config-reference` verbatim: the
key list is generated from config/config_keys.def and must not drift.
Usage: test_config_reference.py ZESTD DOC"""
import subprocess
import sys

zestd, doc_path = sys.argv[1], sys.argv[2]
ref = subprocess.run([zestd, "--config-reference"], capture_output=True, text=True, check=True).stdout
doc = open(doc_path, encoding="utf-8").read()
if ref.strip() in doc:
    print("docs/configuration.md matches zestd --config-reference")
    print("1 passed, 0 failed")
    sys.exit(0)
print("docs/configuration.md differs from `zestd --config-reference`: paste its output into the\n"
      "generated section (see the recipe 'Add a configuration key' in docs/architecture.md)")
print("0 passed, 1 failed")
sys.exit(1)
