#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every state builder states its independent proof (run by `make check`).

  check-builders.py [--root DIR] [--list]

A builder is a C function returning `const char *` (NULL built and proven,
a static reason to SKIP, or state_broken() evidence to FAIL) that is named
`build` or `*_build`, takes the `struct region *` it builds or changes, or
can answer state_broken(). It is looked for in
helpers/ and tests/ (builders local to a test program included). Its
contract comment (the comment right before its definition, or before its
prototype in a header) must hold a line with "Proof:" naming how the state
is proven (or "Proof: none" and why nothing needs proving). Whether that
proof is independent of the field the tests assert is reviewed by reading;
this check keeps the statement from going missing. Prints one line per
builder without one and exits 1 if there was any; --list prints every
builder found with its Proof: line.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# A definition at the start of a line: [static] const char *name(args) {
DEF_RE = re.compile(r"^(static\s+)?const\s+char\s*\*\s*(\w+)\s*\(([^;{}]*?)\)\s*\{", re.M)
PROOF_RE = re.compile(r"\bProof:")
REGION_RE = re.compile(r"\bstruct\s+region\s*\*")


def comment_before(text, pos):
    """The /* */ comment that ends right before pos (blank space between)."""
    head = text[:pos].rstrip()
    if not head.endswith("*/"):
        return ""
    start = head.rfind("/*")
    return head[start:] if start >= 0 else ""


def body_of(text, pos):
    """The function body whose '{' is at pos (brace matched)."""
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[pos:i + 1]
    return text[pos:]


def sources(root):
    files = []
    for top in ("helpers", "tests"):
        for ext in ("c", "h"):
            files += glob.glob(os.path.join(root, top, "**", "*." + ext), recursive=True)
    # the helpers' own unit tests and the fault library build no state
    return sorted(f for f in files if os.sep + "helpers" + os.sep + "tests" + os.sep not in f
                  and os.sep + "faultinject" + os.sep not in f)


def builders(root):
    """-> [(name, file, line, proof line or None)]"""
    files = sources(root)
    texts = {f: open(f, encoding="utf-8", errors="replace").read() for f in files}
    headers = [f for f in files if f.endswith(".h")]
    found = []
    for f in files:
        if not f.endswith(".c"):
            continue
        text = texts[f]
        for m in DEF_RE.finditer(text):
            name = m.group(2)
            body = body_of(text, m.end() - 1)
            if not (name == "build" or name.endswith("_build") or "state_broken(" in body
                    or REGION_RE.search(m.group(3))):
                continue
            comments = [comment_before(text, m.start())]
            if not m.group(1):  # exported: its prototype's comment counts too
                proto = re.compile(r"^const\s+char\s*\*\s*" + name + r"\s*\([^;{]*\);", re.M)
                for h in headers:
                    for p in proto.finditer(texts[h]):
                        comments.append(comment_before(texts[h], p.start()))
            proof = None
            for c in comments:
                for line in c.splitlines():
                    if PROOF_RE.search(line):
                        proof = line.strip(" /*\t")
                        break
                if proof:
                    break
            found.append((name, os.path.relpath(f, root), text.count("\n", 0, m.start()) + 1, proof))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    found = builders(a.root)
    bad = 0
    for name, f, line, proof in found:
        if a.list:
            print("%s:%d: %s: %s" % (f, line, name, proof or "NO PROOF LINE"))
        if not proof:
            bad += 1
            if not a.list:
                print("%s:%d: builder %s: its contract comment has no 'Proof:' line" % (f, line, name))
    if not found:
        print("no builders found under %s" % a.root)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
