#!/usr/bin/env python3
"""The layering check: every #include of a non-test source file must stay
within the allowed dependencies of docs/architecture.md.

The table is read from docs/architecture.md itself (the rows between the
`layers:begin` and `layers:end` markers), so the document and the check
cannot drift apart. Prints one line per crossing include, naming the file
and line, and exits 1 if there is any; exits 2 when the table is unusable.

Usage: check-layers.py [REPO_ROOT]
"""
import os
import re
import sys

SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".c", ".cc", ".yy", ".l", ".def", ".inc")
# Not product code: tests may reach anything, build trees are outputs.
SKIP_TOP = {"tests", ".git", ".ci", "docs", "examples", "scripts"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_table(doc_path):
    """{folder: set(allowed folders)} from the marked table of the doc."""
    try:
        text = open(doc_path, encoding="utf-8").read()
    except OSError as e:
        sys.exit(f"check-layers: cannot read {doc_path}: {e}")
    m = re.search(r"<!--\s*layers:begin\s*-->(.*?)<!--\s*layers:end\s*-->", text, re.S)
    if not m:
        print(f"check-layers: {doc_path}: no <!-- layers:begin --> ... <!-- layers:end --> table",
              file=sys.stderr)
        sys.exit(2)
    table = {}
    for line in m.group(1).splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= set("-: ") or cells[0] == "folder":
            continue
        folder = cells[0].rstrip("/")
        allowed = set()
        for word in re.split(r"[,\s]+", cells[1]):
            word = word.strip("`").rstrip("/")
            if word and word not in ("—", "-", "nothing"):
                allowed.add(word)
        table[folder] = allowed
    if not table:
        print(f"check-layers: {doc_path}: the layers table is empty", file=sys.stderr)
        sys.exit(2)
    return table


def source_files(root):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if not os.path.isdir(path) or top in SKIP_TOP or top.startswith("build"):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    yield top, os.path.join(dirpath, name)


def check(root):
    table = read_table(os.path.join(root, "docs", "architecture.md"))
    folders = {d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))}
    problems = []
    files = 0
    for top, path in source_files(root):
        files += 1
        rel = os.path.relpath(path, root)
        if top not in table:
            problems.append(f"{rel}:1: folder {top}/ is not in the layers table of docs/architecture.md")
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m or "/" not in m.group(1):
                    continue
                target = m.group(1).split("/", 1)[0]
                if target == top or target not in folders:
                    continue
                if target not in table.get(top, set()):
                    allowed = ", ".join(sorted(table[top])) or "nothing"
                    problems.append(f"{rel}:{lineno}: {top}/ may not include {m.group(1)} "
                                    f"({top}/ may include: {allowed})")
    for p in problems:
        print(p)
    print(f"check-layers: {files} files, {len(problems)} crossing include(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")))
