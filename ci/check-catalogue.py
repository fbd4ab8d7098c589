#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Lint the fix catalogue (fixes.tsv), the tests' PMC_TAG lines and
known-issues.txt against each other (run by `make check`).

  check-catalogue.py [--catalogue FILE] [--known FILE] [--tests DIR]

Defaults are the repository's own files. Rejects: a malformed line, a
duplicate id, an id with two commits or a commit not 40 hex digits, one
commit under two ids, a relation naming an unknown id (or the wrong kind:
breaks= only on a regression, introduced= only on a fix), a symptom that is
not a Python regex, a tag naming no catalogue line, a catalogue line that no
test pins, leftover PMC_FIX/PMC_FEATURE tags, and a known-issues entry that
is malformed or names an unknown id. Prints one line per problem and exits 1
if there was any.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ID_RE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
HASH_RE = re.compile(r"^[0-9a-f]{40}$")
RELEASE_RE = re.compile(r"^[0-9]+\.[0-9]+$")
KINDS = ("fix", "feature", "regression")
RELATIONS = {"breaks": "regression", "introduced": "fix", "requires": None}
TAG_RE = re.compile(r'\bPMC_TAG\(\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)')
OLD_TAG_RE = re.compile(r"\bPMC_(FIX|FEATURE)\(")


def regex_ok(text):
    try:
        re.compile(text)
        return True
    except re.error:
        return False


def load_catalogue(path, err):
    cat, commits = {}, {}
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            where = "%s:%d" % (os.path.basename(path), n)
            fields = line.split("\t")
            if len(fields) != 7:
                err("%s: %d TAB-separated fields, want 7 (id kind commit release relation symptom subject)"
                    % (where, len(fields)))
                continue
            cid, kind, commit, release, relation, symptom, subject = fields
            if not ID_RE.match(cid):
                err("%s: id '%s' is not upper-case words joined by dashes" % (where, cid))
            if cid in cat:
                err("%s: duplicate id %s (first on line %d)" % (where, cid, cat[cid]["line"]))
                continue
            if kind not in KINDS:
                err("%s: %s: kind '%s' is not one of %s" % (where, cid, kind, "/".join(KINDS)))
            hashes = re.findall(r"[0-9a-fA-F]{7,}", commit)
            if len(hashes) > 1 or re.search(r"[\s,;]", commit):
                err("%s: %s has two commits (%s): one commit per id, split it" % (where, cid, commit))
            elif not HASH_RE.match(commit):
                err("%s: %s: commit '%s' is not a full 40-digit lower-case hash" % (where, cid, commit))
            elif commit in commits:
                err("%s: %s: commit %s is already id %s" % (where, cid, commit, commits[commit]))
            else:
                commits[commit] = cid
            if not RELEASE_RE.match(release):
                err("%s: %s: release '%s' is not a mainline release like 6.11" % (where, cid, release))
            if symptom != "-" and not regex_ok(symptom):
                err("%s: %s: symptom is not a valid regular expression" % (where, cid))
            if not subject.strip():
                err("%s: %s: empty subject" % (where, cid))
            cat[cid] = {"kind": kind, "relation": relation, "line": n}
    for cid, c in cat.items():
        if c["relation"] == "-":
            continue
        for rel in c["relation"].split(","):
            key, _, other = rel.partition("=")
            if key not in RELATIONS or not other:
                err("fixes.tsv:%d: %s: relation '%s' is not breaks=/introduced=/requires=ID"
                    % (c["line"], cid, rel))
            elif other not in cat:
                err("fixes.tsv:%d: %s: %s names unknown id %s" % (c["line"], cid, key, other))
            elif RELATIONS[key] and c["kind"] != RELATIONS[key]:
                err("fixes.tsv:%d: %s: %s= only on a %s, this is a %s"
                    % (c["line"], cid, key, RELATIONS[key], c["kind"]))
    return cat


def load_tags(tests_dir, err):
    tags = []
    for path in sorted(glob.glob(os.path.join(tests_dir, "**", "*.c"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        rel = os.path.relpath(path, os.path.dirname(tests_dir))
        for m in OLD_TAG_RE.finditer(text):
            err("%s:%d: PMC_%s: tests tag ids only, with PMC_TAG(\"glob\", \"ID\")"
                % (rel, text.count("\n", 0, m.start()) + 1, m.group(1)))
        for m in TAG_RE.finditer(text):
            tags.append((rel, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)))
    return tags


def check_known(path, cat, err):
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = "%s:%d" % (os.path.basename(path), n)
            fields = line.split(None, 3)
            if len(fields) < 4:
                err("%s: want '<case-glob> <conditions> <symptom> <reason ...>'" % where)
                continue
            glob_, conds, symptom, _ = fields
            if glob_.count(".") < 2 and "*" not in glob_:
                err("%s: '%s' does not name area.fixture.variant.test" % (where, glob_))
            named = []
            for cond in ([] if conds == "*" else conds.split(",")):
                key, _, val = cond.partition("=")
                if key in ("missing", "regressed"):
                    named.append(val)
                    if val not in cat:
                        err("%s: %s=%s: no such id in fixes.tsv" % (where, key, val))
                    elif key == "regressed" and cat[val]["kind"] != "regression":
                        err("%s: regressed=%s is a %s, not a regression" % (where, val, cat[val]["kind"]))
                    elif key == "missing" and cat[val]["kind"] == "regression":
                        err("%s: missing=%s is a regression: use regressed=" % (where, val))
                elif key in ("feature", "nofeature", "release"):
                    if not val:
                        err("%s: condition '%s' has no value" % (where, cond))
                else:
                    err("%s: unknown condition '%s'" % (where, cond))
            if symptom == "-":
                if not named:
                    err("%s: symptom '-' needs a missing=/regressed= condition to take it from" % where)
            elif not regex_ok(symptom):
                err("%s: symptom is not a valid regular expression" % where)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--catalogue", default=os.path.join(ROOT, "fixes.tsv"))
    ap.add_argument("--known", default=os.path.join(ROOT, "known-issues.txt"))
    ap.add_argument("--tests", default=os.path.join(ROOT, "tests"))
    a = ap.parse_args()
    problems = []
    err = problems.append
    cat = load_catalogue(a.catalogue, err)
    pinned = set()
    for rel, n, glob_, cid in load_tags(a.tests, err):
        if cid not in cat:
            err("%s:%d: PMC_TAG(\"%s\", \"%s\"): no such id in fixes.tsv" % (rel, n, glob_, cid))
        pinned.add(cid)
    for cid, c in sorted(cat.items(), key=lambda kv: kv[1]["line"]):
        if cid not in pinned:
            err("fixes.tsv:%d: %s is pinned by no test (add a PMC_TAG)" % (c["line"], cid))
    if os.path.exists(a.known):
        check_known(a.known, cat, err)
    for p in problems:
        print(p)
    if problems:
        print("%d catalogue problem(s)" % len(problems))
        return 1
    print("catalogue ok: %d ids, all pinned" % len(cat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
