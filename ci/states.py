#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The state catalogue (tests/states.tsv) and the list of cases that check
interface rules (tests/cases-not-states.tsv): parser, and the check `make
check` runs against the programs' --list.

  states.py [--root DIR] [--build DIR | --list FILE]

Fails (exit 1, one line per problem) on: a malformed line, a duplicate state
id, an empty builder, proof or interface cell, a reason key that is not
defined (or defined and never used), a glob matching no case, a case that
matches no state and no rule, a case listed both as a state's and as a
rule. --build DIR runs every program of tests/programs.tsv from DIR/tests
with --list; --list FILE reads full case names (area.fixture.variant.test),
one a line. Without either only the files themselves are checked.
"""
import argparse
import collections
import fnmatch
import os
import subprocess
import sys

INTERFACES = ("pagemap", "kpageflags", "kpagecount", "kpagecgroup", "PAGEMAP_SCAN")
State = collections.namedtuple("State", "id builder proof cells line")
Cell = collections.namedtuple("Cell", "globs reason key")
Rule = collections.namedtuple("Rule", "glob interface what line")
Catalogue = collections.namedtuple("Catalogue", "states rules reasons problems")


def glob_match(pattern, name):
    return fnmatch.fnmatchcase(name, pattern)


def data_lines(path):
    """(line number, line) of a table file: comments and blank lines skipped."""
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line and not line.startswith("#"):
                yield n, line


def parse_cell(text, reasons, where, err, used):
    text = text.strip()
    if not text:
        err("%s: empty cell" % where)
        return Cell([], "", None)
    if text.startswith("!"):
        key = text[1:]
        used.add(key)
        if key not in reasons:
            err("%s: reason key '!%s' is not defined" % (where, key))
            return Cell([], "?", key)
        return Cell([], reasons[key], key)
    if text.startswith("-"):
        reason = text[1:].strip()
        if len(reason) < 8:
            err("%s: '- reason' needs a reason, got '%s'" % (where, text))
        return Cell([], reason, None)
    return Cell(text.split(), "", None)


def load(root, states_file=None, rules_file=None):
    problems = []
    err = problems.append
    states_file = states_file or os.path.join(root, "tests/states.tsv")
    rules_file = rules_file or os.path.join(root, "tests/cases-not-states.tsv")
    reasons, rows, states, used = {}, [], [], set()
    name = os.path.basename(states_file)
    for n, line in data_lines(states_file):
        if line.startswith("!"):
            key, _, text = line[1:].partition("\t")
            if not key or not text.strip() or key in reasons:
                err("%s:%d: want '!key<TAB>reason' with a new key" % (name, n))
            reasons[key] = text.strip()
            continue
        rows.append((n, line.split("\t")))
    seen = {}
    for n, fields in rows:
        where = "%s:%d" % (name, n)
        if len(fields) != 3 + len(INTERFACES):
            err("%s: %d TAB-separated fields, want %d (id builder proof %s)"
                % (where, len(fields), 3 + len(INTERFACES), " ".join(INTERFACES)))
            continue
        sid, builder, proof = (x.strip() for x in fields[:3])
        if not sid or not all(c.isalnum() or c in "_-" for c in sid):
            err("%s: id '%s' is not [A-Za-z0-9_-]+" % (where, sid))
        if sid in seen:
            err("%s: duplicate state %s (first on line %d)" % (where, sid, seen[sid]))
        seen[sid] = n
        if not builder:
            err("%s: %s: empty builder" % (where, sid))
        if not proof:
            err("%s: %s: empty proof" % (where, sid))
        cells = {}
        for itf, text in zip(INTERFACES, fields[3:]):
            cells[itf] = parse_cell(text, reasons, "%s: %s: %s" % (where, sid, itf), err, used)
        states.append(State(sid, builder, proof, cells, n))
    for key in sorted(set(reasons) - used):
        err("%s: reason key '!%s' is used by no cell" % (name, key))
    rules = []
    rname = os.path.basename(rules_file)
    for n, line in data_lines(rules_file):
        fields = line.split("\t")
        if len(fields) != 3 or not all(x.strip() for x in fields):
            err("%s:%d: want 'case-glob<TAB>interface(s)<TAB>what it checks'" % (rname, n))
            continue
        for itf in fields[1].split():
            if itf not in INTERFACES:
                err("%s:%d: interface '%s' is not one of %s" % (rname, n, itf, " ".join(INTERFACES)))
        rules.append(Rule(fields[0], fields[1], fields[2], n))
    return Catalogue(states, rules, reasons, problems)


def cases_from_build(root, build, err):
    cases = []
    progs = [line.split("\t")[0] for _, line in data_lines(os.path.join(root, "tests/programs.tsv"))]
    for p in progs:
        area = p.split("/")[0]
        binary = os.path.join(build, "tests", p)
        try:
            out = subprocess.run([binary, "--list"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            err("%s --list: %s (build first)" % (binary, e))
            continue
        cases += ["%s.%s" % (area, c) for c in out.split()]
    return cases


def check_cases(cat, cases, err):
    state_of = collections.defaultdict(list)
    for s in cat.states:
        for itf in INTERFACES:
            for g in s.cells[itf].globs:
                hit = [c for c in cases if glob_match(g, c)]
                if not hit:
                    err("states.tsv:%d: %s: %s: '%s' matches no case" % (s.line, s.id, itf, g))
                for c in hit:
                    state_of[c].append(s.id)
    rule_of = collections.defaultdict(list)
    for r in cat.rules:
        hit = [c for c in cases if glob_match(r.glob, c)]
        if not hit:
            err("cases-not-states.tsv:%d: '%s' matches no case" % (r.line, r.glob))
        for c in hit:
            rule_of[c].append(r.glob)
    for c in cases:
        if c not in state_of and c not in rule_of:
            err("%s: belongs to no state of tests/states.tsv and is not in tests/cases-not-states.tsv" % c)
        elif c in state_of and c in rule_of:
            err("%s: is a case of state %s and of the rule '%s': one list only"
                % (c, state_of[c][0], rule_of[c][0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--states", help="the catalogue (default: ROOT/tests/states.tsv)")
    ap.add_argument("--rules", help="the non-state cases (default: ROOT/tests/cases-not-states.tsv)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--build", help="build directory: run each program's --list")
    g.add_argument("--list", help="file of full case names")
    a = ap.parse_args()
    cat = load(a.root, a.states, a.rules)
    problems = list(cat.problems)
    cases = None
    if a.build:
        cases = cases_from_build(a.root, a.build, problems.append)
    elif a.list:
        with open(a.list, encoding="utf-8") as f:
            cases = f.read().split()
    if cases is not None:
        check_cases(cat, cases, problems.append)
    for p in problems:
        print(p)
    if problems:
        print("%d state catalogue problem(s)" % len(problems))
        return 1
    gaps = sum(1 for s in cat.states for c in s.cells.values() if "GAP" in c.reason)
    print("states ok: %d states x %d interfaces, %d rule lines%s, %d gaps named"
          % (len(cat.states), len(INTERFACES), len(cat.rules),
             ", %d cases each classified" % len(cases) if cases is not None else "", gaps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
