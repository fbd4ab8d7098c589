# SPDX-License-Identifier: GPL-2.0
"""Raw results -> cases.

The one raw layout, written by the host runner (helpers/bats/common.bash),
by the VM runner (split from the guest's results port, see split_frames)
and by the kselftest wrapper:

  DIR/kernel.txt               uname -r of the kernel under test
  DIR/features.json            pmc-probe --json
  DIR/programs.txt             programs expected to run (area/prog), optional
  DIR/status.txt               why a run stopped early (VM: panic, hang), optional
  DIR/<area>/<prog>.list       the cases asked (fixture.variant.test); absent: all reported
  DIR/<area>/<prog>.meta       prog --meta (one JSON object per tag)
  DIR/<area>/<prog>.tap        the program's stdout+stderr, interleaved (the harness'
                               TAP with its diagnostics)
  DIR/<area>/<prog>.rc         exit status; absent = the program never finished
  DIR/<area>/<prog>.times      optional: one wall-clock time per line of .tap
  DIR/<area>/<prog>.missing    the program was listed but not built

A case is one dict: name (area.fixture.variant.test), program (area/prog),
result (PASS FAIL SKIP ERROR; XFAIL/XPASS only after known issues), reason
(skip reason, or the case's diagnostic lines joined by newlines), checks
(the failing-check lines: (site, message)), time (seconds or None).
"""
import json
import os
import re

MARK = "@@PMC:"
RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s+(?:-\s+)?([^\s#]+)\s*(?:#\s*(\S+)\s*(.*))?$")
RUN_RE = re.compile(r"^#\s+RUN\s+(\S+)")
# kselftest_harness.h's __TH_LOG format: "# FILE:LINE:TEST:MESSAGE".
CHECK_RE = re.compile(r"^#\s?([^\s:]+):(\d+):([^\s:]+):(.*)$")
NOISE_RE = re.compile(r"^#\s+(OK|FAIL)\s+\S+$|^#\s+SKIP\s{2}|^# Totals:|^# (PASSED|FAILED|SKIPPED):|"
                      r"^# Planned tests|^TAP version|^KTAP version|^1\.\.\d+")
# The harness' own words for a case that did not end by itself.
ERROR_RE = re.compile(r"Test terminated by timeout|Test terminated unexpectedly by signal|"
                      r"Test ended in some other way")


def read(path, default=None):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_output(text, times=None):
    """Harness output -> {name: case-dict-without-name-prefix}, ordered."""
    cases = {}
    cur, diag, start = None, [], None
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r")
        now = times[i] if times and i < len(times) else None
        m = RUN_RE.match(line)
        if m:
            cur, diag, start = m.group(1), [], now
            continue
        m = RESULT_RE.match(line.strip())
        if m:
            status, _, name, directive, why = m.groups()
            directive = (directive or "").upper()
            why = (why or "").strip()
            if cur != name:
                diag = diag if cur is None else []
            checks = [(c.group(1) + ":" + c.group(2), c.group(4)) for c in map(CHECK_RE.match, diag) if c]
            if directive == "SKIP":
                res, reason = "SKIP", why or "skipped"
            elif status == "ok":
                res, reason = "PASS", ""
            else:
                res = "ERROR" if any(ERROR_RE.search(d) for d in diag) else "FAIL"
                reason = "\n".join(diag) or ("# " + why if why else "")
            t = round(now - start, 3) if now is not None and start is not None else None
            cases[name] = {"result": res, "reason": reason, "checks": checks, "time": t}
            cur, diag, start = None, [], now
            continue
        if NOISE_RE.match(line):
            continue
        if line.startswith("#"):
            diag.append(line)
        elif line.strip() and cur is not None:
            diag.append("# " + line)  # free text on stderr of the running case
    return cases


def ended_reason(rc, status):
    if rc is None:
        return "the program never finished: " + (status or "results cut")
    if rc in ("124", "137"):
        return "program timed out before reporting this case"
    if rc.isdigit() and int(rc) > 128:
        return "program killed by signal %d before reporting this case" % (int(rc) - 128)
    return "program exited (status %s) before reporting this case" % rc


def program_cases(d, prog, status=""):
    """All cases of one program of a raw results directory."""
    area, short = prog.split("/", 1)
    base = os.path.join(d, prog)
    if os.path.exists(base + ".missing"):
        return [{"name": area + "." + short, "program": prog, "result": "ERROR",
                 "reason": "# program not built", "checks": [], "time": None}]
    text = read(base + ".tap")
    listed = [n for n in (read(base + ".list", "") or "").split() if n]
    rc = read(base + ".rc")
    rc = rc.strip() if rc is not None else None
    if text is None:
        why = "the program was not run" + (": " + status if status else "")
        if not listed:
            return [{"name": area + "." + short, "program": prog, "result": "ERROR",
                     "reason": "# " + why, "checks": [], "time": None}]
        return [{"name": area + "." + n, "program": prog, "result": "ERROR", "reason": "# " + why,
                 "checks": [], "time": None} for n in listed]
    times = None
    tt = read(base + ".times")
    if tt:
        try:
            times = [float(x) for x in tt.split()]
        except ValueError:
            times = None
    seen = parse_output(text, times)
    out = []
    names = listed + [n for n in seen if n not in listed]
    for n in names:
        c = seen.get(n)
        if c is None:
            c = {"result": "ERROR", "reason": "# " + ended_reason(rc, status), "checks": [], "time": None}
        c = dict(c)
        c["name"], c["program"] = area + "." + n, prog
        out.append(c)
    if rc not in (None, "0", "1", "4") and all(n in seen for n in names):
        out.append({"name": area + "." + short, "program": prog, "result": "ERROR",
                    "reason": "# program exited with status %s after its cases" % rc, "checks": [], "time": None})
    return out


def programs(d):
    """Programs of a raw results directory: programs.txt (what was meant to
    run; files of other programs are stale), else what is on disk."""
    listed = read(os.path.join(d, "programs.txt"))
    progs = [p for p in (listed or "").split() if p]
    if listed is None and os.path.isdir(d):
        for area in sorted(os.listdir(d)):
            ad = os.path.join(d, area)
            if not os.path.isdir(ad) or area.startswith("."):
                continue
            for fn in sorted(os.listdir(ad)):
                base, ext = os.path.splitext(fn)
                p = area + "/" + base
                if ext in (".tap", ".list", ".missing", ".rc") and p not in progs:
                    progs.append(p)
    return progs


def load(d):
    """-> run dict: kernel, features, status, cases, tags [(prog, glob, tagdict)]."""
    status = (read(os.path.join(d, "status.txt"), "") or "").strip()
    try:
        probe = json.loads(read(os.path.join(d, "features.json"), "") or "null")
    except ValueError:
        probe = None
    kernel = (read(os.path.join(d, "kernel.txt"), "") or "").strip()
    if not kernel and isinstance(probe, dict):
        kernel = probe.get("kernel", "")
    feats = probe.get("features") if isinstance(probe, dict) and isinstance(probe.get("features"), dict) \
        else (probe if isinstance(probe, dict) else {})
    cases, tags = [], []
    for p in programs(d):
        cases += program_cases(d, p, status)
        for line in (read(os.path.join(d, p + ".meta"), "") or "").splitlines():
            try:
                tag = json.loads(line)
            except ValueError:
                continue
            if isinstance(tag, dict) and tag.get("id"):
                tags.append((p, tag.get("test", ""), tag))
    if status:
        cases.append({"name": "vm.guest", "program": "", "result": "ERROR", "reason": "# " + status,
                      "checks": [], "time": None})
    return {"kernel": kernel or "unknown", "features": feats or {}, "status": status,
            "cases": cases, "tags": tags}


# ---------------------------------------------------------------- VM frames
def split_frames(d):
    """DIR/results.raw (guest results port) -> the raw layout; return facts."""
    facts = {"hello": None, "done": False}
    data = ""
    try:
        with open(os.path.join(d, "results.raw"), "rb") as f:
            data = f.read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        pass
    cur, body = None, []
    for line in data.split("\n"):
        if line.startswith(MARK):
            f = line[len(MARK):].split()
            if not f:
                continue
            if f[0] == "HELLO":
                facts["hello"] = f[1] if len(f) > 1 else "?"
            elif f[0] == "DONE":
                facts["done"] = True
            elif f[0] == "BEGIN" and len(f) >= 3:
                cur, body = (f[1], f[2]), []
            elif f[0] == "END" and len(f) >= 4 and cur == (f[1], f[2]):
                _write_frame(d, cur, body, f[3])
                cur = None
            continue
        if cur is not None:
            body.append(line)
    if cur is not None:  # the guest stopped inside a frame: keep the partial body
        _write_frame(d, cur, body, None)
    if facts["hello"]:
        with open(os.path.join(d, "kernel.txt"), "w") as f:
            f.write(facts["hello"] + "\n")
    return facts


def _write_frame(d, key, body, rc):
    kind, prog = key
    text = "\n".join(body).strip("\n") + "\n"
    if kind == "probe":
        with open(os.path.join(d, "features.json"), "w") as f:
            f.write(text)
        return
    ext = {"tap": ".tap", "list": ".list", "meta": ".meta"}.get(kind)
    if not ext or "/" not in prog or ".." in prog:
        return
    path = os.path.join(d, prog + ext)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if kind == "tap" and rc is not None:
        with open(os.path.join(d, prog + ".rc"), "w") as f:
            f.write(rc + "\n")
