#!/usr/bin/env python3
"""Man pages from the programs themselves (one source: what --help,
--version and --config-reference print), generated at build time.

  gen-man.py program BINARY NAME SECTION OUT [--see-also a(1),b(5)]
  gen-man.py config ZESTD OUT           # zest.toml(5) from --config-reference
"""
import re
import subprocess
import sys

DATE = "zest"


def esc(text):
    """Roff-escape one line of running text."""
    text = text.replace("\\", "\\e")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text.replace("-", "\\-")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return r.stdout


def help_sections(text):
    """CLI11 help: description line, usage, and sections with indented entries."""
    lines = text.splitlines()
    desc = lines[0].strip() if lines else ""
    usage, sections, current = "", [], None
    for line in lines[1:]:
        if line.startswith("Usage:"):
            usage = line[len("Usage:"):].strip()
        elif line and not line.startswith(" ") and line.rstrip().endswith(":"):
            current = (line.rstrip()[:-1], [])
            sections.append(current)
        elif line.startswith("  ") and current is not None:
            m = re.match(r"\s+(\S.*?)(?:\s{2,}(\S.*))?$", line)
            if m:
                if m.group(1) and line[2] != " ":
                    current[1].append([m.group(1), m.group(2) or ""])
                elif current[1]:
                    current[1][-1][1] += " " + line.strip()
    return desc, usage, sections


def entries_roff(entries):
    out = []
    for term, text in entries:
        out += [".TP", "\\fB" + esc(term) + "\\fR", esc(text)]
    return out


def program_page(binary, name, section, see_also):
    version = run([binary, "--version"]).strip()
    desc, usage, sections = help_sections(run([binary, "--help"]))
    usage = re.sub(r"^\S+", name, usage)
    out = [f'.TH {name.upper()} {section} "" "{esc(version)}" "zest manual"',
           ".SH NAME", f"{esc(name)} \\- {esc(desc.split(': ', 1)[-1])}",
           ".SH SYNOPSIS", f"\\fB{esc(name)}\\fR {esc(usage[len(name):].strip())}",
           ".SH DESCRIPTION", esc(desc)]
    for title, entries in sections:
        out += [".SH " + title.upper()] + entries_roff(entries)
        if title.lower() != "subcommands":
            continue
        # One level of subcommands, each with its own options (zest user add ...).
        for sub, _ in entries:
            sdesc, susage, ssections = help_sections(run([binary, sub, "--help"]))
            out += [".SS " + esc(f"{name} {sub}"), esc(sdesc)]
            for stitle, sentries in ssections:
                if stitle.lower() == "subcommands":
                    for leaf, ltext in sentries:
                        ldesc, lusage, lsections = help_sections(run([binary, sub, leaf, "--help"]))
                        out += [".TP", "\\fB" + esc(f"{name} {sub} {leaf}") + "\\fR", esc(ltext)]
                        for _, lentries in lsections:
                            out += [".RS"] + entries_roff(lentries) + [".RE"]
                else:
                    out += entries_roff(sentries)
    out += [".SH VERSION", esc(version)]
    if see_also:
        refs = [re.match(r"(.+)\((\w+)\)", s) for s in see_also.split(",")]
        out += [".SH SEE ALSO", ",\n".join(f"\\fB{esc(m.group(1))}\\fR({m.group(2)})" for m in refs if m)]
    return "\n".join(out) + "\n"


def inline(md):
    """Markdown inline code and emphasis to roff fonts."""
    md = esc(md)
    md = re.sub(r"`([^`]*)`", r"\\fB\1\\fR", md)
    return re.sub(r"\*\*([^*]+)\*\*", r"\\fI\1\\fR", md)


def config_page(zestd):
    version = run([zestd, "--version"]).strip()
    ref = run([zestd, "--config-reference"])
    out = [f'.TH ZEST.TOML 5 "" "{esc(version)}" "zest manual"',
           ".SH NAME", "zest.toml \\- configuration file of zestd(8) and zest(1)",
           ".SH SYNOPSIS", "/etc/zest/zest.toml",
           ".SH DESCRIPTION",
           "A TOML file. Unknown keys and tables are errors. "
           "\\fBzestd \\-\\-check\\-config\\fR checks a file, "
           "\\fBzestd \\-\\-dump\\-config\\fR prints the effective configuration. "
           "The key list below is what \\fBzestd \\-\\-config\\-reference\\fR prints."]
    for line in ref.splitlines():
        if line.startswith("### "):
            out.append(".SH " + esc(line[4:]).upper())
        elif line.startswith("- `"):
            m = re.match(r"- `([^`]+)` \((.*?), default (.*?)\): (.*)$", line)
            if m:
                out += [".TP", f"\\fB{esc(m.group(1))}\\fR ({inline(m.group(2))}, default {inline(m.group(3))})",
                        inline(m.group(4))]
            else:
                out += [".TP", inline(line[2:])]
        elif line.strip():
            out += [".PP", inline(line)]
    out += [".SH SEE ALSO", "\\fBzestd\\fR(8), \\fBzest\\fR(1)"]
    return "\n".join(out) + "\n"


def main(argv):
    if argv[1] == "program":
        _, _, binary, name, section, outfile, *rest = argv
        see = rest[1] if len(rest) == 2 and rest[0] == "--see-also" else ""
        page = program_page(binary, name, section, see)
    elif argv[1] == "config":
        _, _, zestd, outfile = argv
        page = config_page(zestd)
    else:
        sys.exit(__doc__)
    if not page.count(".SH") >= 3:
        sys.exit(f"gen-man: {outfile}: no help text came out")
    with open(outfile, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main(sys.argv)
