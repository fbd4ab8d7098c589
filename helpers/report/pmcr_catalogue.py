# SPDX-License-Identifier: GPL-2.0
"""The fix catalogue (fixes.tsv) and the fix verdicts.

fixes.tsv, one TAB-separated line per id:
    id  kind  commit  release  relation  symptom  subject
kind fix | feature | regression; relation '-' or comma-separated
breaks=ID / introduced=ID / requires=ID; symptom '-' or a Python regex that
every failing-check line of a pinning case matches when the kernel shows the
pre-fix / regressed behaviour / lacks the feature.

Verdicts come from the pinning cases' RAW results (before known issues):
  MISSING       a pinning case FAILs and all its failing-check lines match
                the symptom (fix, feature)
  present       the pinning cases pass (fix, feature); a regression whose
                symptom shows
  regressed     a fix some `breaks=` regression of which is present
  not affected  a fix whose `introduced=` change is absent; a regression
                whose symptom does not show
  n/a           the pinning cases SKIP, none ran, or a `requires=` is absent
  unknown       a pinning case ERRORs or FAILs without the symptom
Each verdict carries one evidence line (observed vs expected).
"""
import fnmatch
import re

KINDS = ("fix", "feature", "regression")


class CatalogueError(Exception):
    pass


def load_fixes(path):
    """-> {id: entry} in file order. Raises CatalogueError on a bad line."""
    cat = {}
    try:
        text = open(path, errors="replace").read()
    except OSError as e:
        raise CatalogueError("%s: %s" % (path, e))
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 7:
            raise CatalogueError("%s:%d: needs 7 TAB-separated fields, has %d" % (path, n, len(f)))
        fid, kind, commit, release, relation, symptom, subject = (x.strip() for x in f)
        if kind not in KINDS:
            raise CatalogueError("%s:%d: kind '%s' is not fix|feature|regression" % (path, n, kind))
        if fid in cat:
            raise CatalogueError("%s:%d: duplicate id %s" % (path, n, fid))
        rel = {"breaks": [], "introduced": [], "requires": []}
        if relation != "-":
            for r in relation.split(","):
                k, _, v = r.partition("=")
                if k not in rel or not v:
                    raise CatalogueError("%s:%d: bad relation '%s'" % (path, n, r))
                rel[k].append(v)
        if symptom != "-":
            try:
                re.compile(symptom)
            except re.error as e:
                raise CatalogueError("%s:%d: symptom is not a regex: %s" % (path, n, e))
        cat[fid] = {"id": fid, "kind": kind, "commit": commit, "release": release,
                    "relation": rel, "symptom": symptom, "subject": subject}
    return cat


def symptom_covers(symptom, checks):
    """True when every failing-check line matches (at least one line)."""
    if not checks:
        return False
    if symptom in ("-", "", None):
        return True
    rx = re.compile(symptom)
    return all(rx.search(msg) for _, msg in checks)


def first_uncovered(symptom, checks):
    if symptom in ("-", "", None):
        return None
    rx = re.compile(symptom)
    for site, msg in checks:
        if not rx.search(msg):
            return site + ":" + msg
    return None


def evidence_line(case):
    """The observed-vs-expected line of a case."""
    if case["checks"]:
        site, msg = case["checks"][0]
        return "%s: %s" % (case["name"], msg.strip())
    first = (case["reason"] or "").splitlines()
    return "%s %s: %s" % (case["name"], case["result"], first[0].lstrip("# ") if first else "no output")


def pinning(cases, tags):
    """-> {id: [case, ...]} (raw cases that each id's tags select)."""
    byprog = {}
    for c in cases:
        byprog.setdefault(c["program"], []).append(c)
    pins = {}
    for prog, glob, t in tags:
        area = prog.split("/", 1)[0]
        lst = pins.setdefault(t["id"], [])
        for c in byprog.get(prog, []):
            short = c["name"][len(area) + 1:]
            if fnmatch.fnmatchcase(short, glob) and c not in lst:
                lst.append(c)
    return pins


def own_state(entry, cases, intermittent=()):
    """-> (state, evidence, tests) from the id's own pinning cases.
    intermittent: names of cases whose deviation shows in some runs only
    (an [intermittent] known issue): their passing run proves nothing."""
    if not cases:
        return "none", "no pinning case was run", []
    names = [c["name"] for c in cases]
    for c in cases:
        if c["result"] == "FAIL" and (symptom_covers(entry["symptom"], c["checks"])
                                      or (entry["symptom"] == "-" and not c["checks"])):
            return "shows", evidence_line(c), names
    for c in cases:
        if c["result"] in ("FAIL", "ERROR"):
            why = "" if c["result"] == "ERROR" else " (not the symptom /%s/)" % entry["symptom"]
            return "unclear", evidence_line(c) + why, names
    passed = [c for c in cases if c["result"] == "PASS"]
    if passed and all(c["name"] in intermittent for c in passed):
        return "unclear", "%s PASS this run, but its deviation is intermittent (known-issues.txt): " \
            "one run cannot tell" % passed[0]["name"], names
    if passed:
        return "clean", "%s PASS (expected behaviour observed)" % ", ".join(c["name"] for c in passed[:3]) + \
            (" and %d more" % (len(passed) - 3) if len(passed) > 3 else ""), names
    reasons = []
    for c in cases:
        if c["reason"] and c["reason"] not in reasons:
            reasons.append(c["reason"])
    return "skip", "SKIP: " + "; ".join(reasons), names


def verdicts(cat, cases, tags, intermittent=()):
    """-> {id: {verdict, evidence, tests, regressed_by}} for every catalogue id."""
    pins = pinning(cases, tags)
    own = {fid: own_state(e, pins.get(fid, []), intermittent) for fid, e in cat.items()}
    memo, busy = {}, set()

    def present(fid):
        if fid not in cat:
            return None
        v = verdict(fid)["verdict"]
        if v in ("present", "regressed"):
            return True
        if v == "MISSING" or (v == "not affected" and cat[fid]["kind"] == "regression"):
            return False
        return None

    def verdict(fid):
        if fid in memo:
            return memo[fid]
        if fid in busy:
            return {"verdict": "unknown", "evidence": "relation cycle through " + fid, "tests": []}
        busy.add(fid)
        e = cat[fid]
        state, ev, tests = own[fid]
        r, by = None, None
        # An id that requires another applies only where that one is shown
        # present: absent or undecided (n/a, unknown) both leave it n/a, or
        # a regression that needs a kconfig nobody could read would be
        # blamed for what is really a missing fix (PM-EXCL on 6.1).
        for x in e["relation"]["requires"]:
            if present(x) is not True:
                r = ("n/a", "requires %s, %s here: %s" % (
                    x, "absent" if present(x) is False else "not established", verdict(x)["evidence"]))
                break
        if r is None and e["kind"] == "fix":
            for rid, re_ in cat.items():
                if re_["kind"] == "regression" and fid in re_["relation"]["breaks"] and present(rid):
                    r, by = ("regressed", "present, regressed by %s: %s" % (rid, verdict(rid)["evidence"])), rid
                    break
        if r is None and state == "shows":
            r = ("present" if e["kind"] == "regression" else "MISSING", ev)
        if r is None and e["kind"] == "fix":
            for x in e["relation"]["introduced"]:
                if present(x) is False:
                    r = ("not affected", "the change that introduced the bug, %s, is absent: %s"
                         % (x, verdict(x)["evidence"]))
                    break
        if r is None and e["kind"] == "fix" and state == "clean" and e["relation"]["introduced"] and \
                not any(present(x) for x in e["relation"]["introduced"]):
            # A passing case cannot tell a fixed kernel from one that never
            # had the bug while the change that brought it is undecided here.
            x = e["relation"]["introduced"][0]
            r = ("unknown", "the case passes, but whether %s (which brought the bug) is in cannot be "
                 "decided here (%s): present or not affected" % (x, verdict(x)["verdict"]))
        if r is None:
            r = {"unclear": ("unknown", ev), "clean": ("not affected" if e["kind"] == "regression" else "present", ev),
                 "skip": ("n/a", ev), "none": ("n/a", ev)}[state]
        busy.discard(fid)
        memo[fid] = {"verdict": r[0], "evidence": r[1], "tests": tests}
        if by:
            memo[fid]["regressed_by"] = by
        return memo[fid]

    return {fid: verdict(fid) for fid in cat}
