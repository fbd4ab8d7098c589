#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count one run's results with every consumer kernel CI uses, case by case.

  consumers.py RAWDIR [--known FILE] [--fixes FILE] [--kunit DIR] [--out DIR]

RAWDIR is a raw results directory (helpers/report/pmcr_raw.py). The engine
writes its TAP, JUnit and JSON; then each consumer classifies every case as
pass / fail / skip:
  kunit      the kernel's tools/testing/kunit/kunit_parser.py (DIR holds
             kunit_parser.py and kunit_printer.py, e.g. from the 6.12 source)
  tap        Perl's TAP::Parser (what `prove` uses)
  lkft-py    LKFT test-definitions automated/linux/kselftest/parse-output.py
             (the tappy-based version, 95c6020ca5b4): its logic redone here
  lkft-perl  the parse_output() perl of LKFT's kselftest.sh (7b9fd95331e9):
             its logic redone here
             (both LKFT parsers read the run_kselftest.sh wrapping: our TAP
             indented with "# " under "# selftests: <collection>: <prog>")
  junit      xmllint against ci/tests/junit-10.xsd, then failure/error ->
             fail, skipped -> skip, else pass
  ours       the engine's JSON (passed = PASS+XFAIL+XPASS, failed =
             FAIL+ERROR, skipped = SKIP)
Prints one count line per consumer; exit 0 iff all agree case by case and
every parser reported no parse error.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENGINE = os.path.join(ROOT, "helpers", "report", "pmc_report.py")
XSD = os.path.join(ROOT, "ci", "tests", "junit-10.xsd")
WRAP = "pagemap-conformance: run_tests.sh"


def kunit(tap, kdir):
    sys.path.insert(0, kdir)
    import io
    import kunit_parser
    import kunit_printer
    kunit_parser.stdout = kunit_printer.Printer(io.StringIO())  # its report is not ours to print
    test = kunit_parser.parse_run_tests(tap.splitlines())
    cls = {kunit_parser.TestStatus.SUCCESS: "pass", kunit_parser.TestStatus.SKIPPED: "skip"}
    out = [(t.name.strip(), cls.get(t.status, "fail")) for t in test.subtests]
    return out, test.counts.errors


def tap_parser(path):
    perl = r'''
use TAP::Parser;
my $p = TAP::Parser->new({ source => $ARGV[0] });
while (my $r = $p->next) {
    next unless $r->is_test;
    my $d = $r->description; $d =~ s/^-\s*//; $d =~ s/\s+$//;
    print $d, " ", (!$r->is_ok ? "fail" : $r->has_skip ? "skip" : "pass"), "\n";
}
print "#parse_errors ", scalar($p->parse_errors), "\n";
'''
    res = subprocess.run(["perl", "-e", perl, path], capture_output=True, text=True, check=True)
    out, errors = [], 0
    for line in res.stdout.splitlines():
        if line.startswith("#parse_errors "):
            errors = int(line.split()[1])
        else:
            name, c = line.rsplit(" ", 1)
            out.append((name, c))
    return out, errors


def kselftest_wrap(tap):
    """What run_kselftest.sh's runner.sh makes of one program's output."""
    return "\n".join(["TAP version 13", "1..1", "# timeout set to 300", "# selftests: " + WRAP] +
                     ["# " + l for l in tap.splitlines()] + ["ok 1 selftests: " + WRAP]) + "\n"


# ---- LKFT parse-output.py (tappy-based): the same decisions, no tappy ----
TAPPY_RESULT = re.compile(r"^(ok|not ok)\s*(\d*)\s*([^#]*)#?\s*(.*)")
TAPPY_SKIP = re.compile(r"^SKIP\S*\s*(.*)", re.IGNORECASE)


def lkft_slugify(line):
    line = re.sub(r"\[\d{1,5}\]", "", line)
    return re.sub(r"_-", "__", re.sub(r"(^_|_$)", "", re.sub(r"[^A-Za-z0-9_-]+", "_", line)))


def lkft_parse_nested(string):
    results, output = [], ""
    for raw in string.splitlines():
        line = raw.rstrip()
        m = TAPPY_RESULT.match(line)
        if m and (m.group(1) == "ok" or line.startswith("not ok")):
            ok, desc, directive = m.group(1) == "ok", m.group(3).strip(), m.group(4)
            skip = bool(TAPPY_SKIP.match(directive))
            name = desc[10:] if desc.startswith("selftests:") else desc
            d = directive[4:] if ok and skip and directive.lower().startswith("skip") else ""
            name = lkft_slugify(("%s %s" % (name, d)).strip() or "<unknown>")
            results.append({"name": name, "result": ("skip" if skip else "pass") if ok else "fail",
                            "children": lkft_parse_nested(output)})
            output = ""
        elif line.startswith("#"):
            output += line[1:].strip() + "\n"
    return results


def lkft_flatten(prefix, results):
    out = []
    for r in results:
        name = prefix + r["name"]
        out += lkft_flatten(name + "_", r["children"]) + [(name, r["result"])]
    return out


def lkft_py(wrapped):
    flat = lkft_flatten("", lkft_parse_nested(wrapped))
    top = lkft_slugify(WRAP)
    return [(n, c) for n, c in flat if n.startswith(top + "_")], 0


# ---- LKFT kselftest.sh parse_output() perl, the same regexes ----
def lkft_perl(wrapped):
    out, testdir = [], ""
    for line in wrapped.splitlines():
        m = re.match(r"^# selftests: (.*)$", line)
        if m:
            testdir = re.sub(r"[:/]\s*", ".", m.group(1))
            continue
        m = re.match(r"^(?:# )*(not )?ok (?:\d+) ([^#]+)(# (SKIP)?)?", line)
        if not m:
            continue
        test = m.group(2).rstrip()
        s = re.search(r"selftests: (.*)", test)
        if s:
            continue  # the program's own line (run_kselftest.sh's), not a case
        result = "skip" if m.group(4) == "SKIP" else "fail" if m.group(1) == "not " else "pass"
        out.append((testdir + "." + test, result))
    return out, 0


def junit(path):
    res = subprocess.run(["xmllint", "--noout", "--schema", XSD, path], capture_output=True, text=True)
    errors = 0 if res.returncode == 0 else 1
    if errors:
        sys.stderr.write(res.stderr[-2000:])
    out = []
    for tc in ET.parse(path).getroot().iter("testcase"):
        if tc.find("failure") is not None or tc.find("error") is not None:
            c = "fail"
        elif tc.find("skipped") is not None:
            c = "skip"
        else:
            c = "pass"
        if tc.get("time") is None:
            errors += 1
        out.append((tc.get("name"), c))
    return out, errors


def ours(path):
    three = {"PASS": "pass", "XFAIL": "pass", "XPASS": "pass", "FAIL": "fail", "ERROR": "fail", "SKIP": "skip"}
    j = json.load(open(path))
    out = [(t["name"], three[t["result"]]) for t in j["tests"]]
    s = j["summary"]
    ok = (s["passed"], s["failed"], s["skipped"]) == tuple(sum(c == k for _, c in out) for k in ("pass", "fail", "skip"))
    return out, 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw")
    ap.add_argument("--known")
    ap.add_argument("--fixes")
    ap.add_argument("--kunit", required=True)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    out = a.out or os.path.join(a.raw, ".consumers")
    os.makedirs(out, exist_ok=True)
    tapf, xmlf, jsonf = (os.path.join(out, n) for n in ("run.tap", "run.xml", "run.json"))
    cmd = [sys.executable, ENGINE, "report", a.raw, "--format", "none", "--tap", tapf, "--junit", xmlf,
           "--json", jsonf]
    if a.known:
        cmd += ["--known", a.known]
    if a.fixes:
        cmd += ["--fixes", a.fixes]
    subprocess.run(cmd, check=False)
    tap = open(tapf).read()
    wrapped = kselftest_wrap(tap)
    got = {
        "ours": ours(jsonf),
        "kunit": kunit(tap, a.kunit),
        "tap": tap_parser(tapf),
        "lkft-py": lkft_py(wrapped),
        "lkft-perl": lkft_perl(wrapped),
        "junit": junit(xmlf),
    }
    ref = [c for _, c in got["ours"][0]]
    agree = True
    for k, (cases, errors) in got.items():
        classes = [c for _, c in cases]
        same = classes == ref
        agree &= same and errors == 0
        print("%-9s %3d cases: %3d pass, %3d fail, %3d skip; parse errors %d; %s" % (
            k, len(cases), classes.count("pass"), classes.count("fail"), classes.count("skip"), errors,
            "same as ours" if same else "DIFFERENT"))
        if not same:
            for i in range(max(len(classes), len(ref))):
                x = cases[i] if i < len(cases) else ("-", "-")
                y = got["ours"][0][i] if i < len(ref) else ("-", "-")
                if x[1] != y[1]:
                    print("   %s: %s says %s, ours %s %s" % (k, x[0], x[1], y[0], y[1]))
                    break
    print("consumers: " + ("all agree case by case" if agree else "DISAGREE"))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
