# SPDX-License-Identifier: GPL-2.0
"""Kernel matrix: several results.json (host or VM, same contract) side by
side -> OUTDIR/matrix.md, matrix.json, matrix.html. It only renders: every
verdict comes from the engine's JSON, so identical raw results give identical
cells wherever they were made."""
import html
import json
import os

SUMMARY_KEYS = ("passed", "failed", "skipped", "xfail", "xpass", "error")

def feats_of(r):
    f = r.get("features")
    if not isinstance(f, dict):
        return {}
    return f["features"] if isinstance(f.get("features"), dict) else f


def matrix(outdir, specs):
    runs = []
    for spec in specs:
        label, _, path = spec.partition("=")
        try:
            with open(path) as f:
                runs.append((label, json.load(f)))
        except (OSError, ValueError) as e:
            runs.append((label, {"kernel": "unknown", "features": None, "fixes": [],
                                 "summary": {"passed": 0, "failed": 1, "skipped": 0, "xfail": 0, "xpass": 0,
                                             "error": 1},
                                 "tests": [{"name": "vm.guest", "program": "", "result": "ERROR",
                                            "reason": "no results: %s" % e}]}))
    labels = [l for l, _ in runs]
    names = []
    for _, r in runs:
        for t in r.get("tests", []):
            if t["name"] not in names:
                names.append(t["name"])
    names.sort()
    cell = {(l, t["name"]): t for l, r in runs for t in r.get("tests", [])}
    feats = []
    for _, r in runs:
        for k in feats_of(r):
            if k not in feats:
                feats.append(k)
    fixes = {}
    for l, r in runs:
        for fx in r.get("fixes", []):
            fixes.setdefault(fx["id"], {k: fx.get(k, "") for k in ("id", "kind", "commit", "subject", "release")})
            fixes[fx["id"]].setdefault("verdicts", {})[l] = {
                "verdict": fx.get("verdict", "?"), "reason": fx.get("evidence", "")}
    mj = {"kernels": [{"label": l, "kernel": r.get("kernel"), "summary": r.get("summary"),
                       "run": r.get("run")} for l, r in runs],
          "tests": [{"name": n, "results": {l: {"result": cell[(l, n)]["result"], "reason": cell[(l, n)]["reason"]}
                                            for l in labels if (l, n) in cell}} for n in names],
          "features": {l: feats_of(r) for l, r in runs},
          "fixes": sorted(fixes.values(), key=lambda f: f["id"])}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "matrix.json"), "w") as f:
        json.dump(mj, f, indent=1)
        f.write("\n")

    # Markdown: reasons as numbered footnotes
    notes, note_of = [], {}

    def note(text):
        # one line, bounded: the full text is in matrix.json / the HTML title
        text = " / ".join(l.strip().lstrip("# ").strip() for l in text.splitlines() if l.strip())
        if len(text) > 400:
            text = text[:400] + " …"
        if text not in note_of:
            notes.append(text)
            note_of[text] = len(notes)
        return note_of[text]

    def md_cell(l, n):
        t = cell.get((l, n))
        if not t:
            return "—"
        if t["result"] == "PASS" or not t["reason"]:
            return t["result"]
        return "%s [%d]" % (t["result"], note(t["reason"].replace("|", "/")))

    md = ["# Kernel matrix", ""]
    md += ["| kernel | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    md.append("| uname -r | " + " | ".join(r.get("kernel", "?") for _, r in runs) + " |")
    for k in SUMMARY_KEYS:
        md.append("| %s | " % k + " | ".join(str((r.get("summary") or {}).get(k, "")) for _, r in runs) + " |")
    el = [str(((r.get("run") or {}).get("elapsed_s", ""))) for _, r in runs]
    if any(el):
        md.append("| guest seconds | " + " | ".join(el) + " |")
    differ = [n for n in names if len({cell[(l, n)]["result"] if (l, n) in cell else "—" for l in labels}) > 1]
    # which catalogued fixes/features pin a test (to explain a FAIL)
    tagged = {}
    for fx in mj["fixes"]:
        for l, r in runs:
            for f in r.get("fixes", []):
                if f.get("id") == fx["id"]:
                    for n in f.get("tests", []):
                        tagged.setdefault(n, set()).add(fx["id"] + (" " + fx["commit"][:12] if fx["commit"] else ""))
    bad = [n for n in names if any(cell[(l, n)]["result"] in ("FAIL", "ERROR", "XFAIL", "XPASS")
                                   for l in labels if (l, n) in cell)]
    md += ["", "## Failures (%d tests FAIL, ERROR, XFAIL or XPASS somewhere)" % len(bad), ""]
    if bad:
        md += ["| test | " + " | ".join(labels) + " | pinned fix |", "|---|" + "---|" * (len(labels) + 1)]
        md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " | %s |" %
               ", ".join(sorted(tagged.get(n, []))) for n in bad]
    else:
        md.append("None.")
    support = [n for n in differ if n not in bad]
    md += ["", "## Support differences (%d tests PASS on one kernel, SKIP or absent on another)" % len(support), ""]
    if support:
        md += ["| test | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " |" for n in support]
    md += ["", "## Fix catalog", ""]
    if fixes:
        md += ["| id | kind | commit | release | subject | " + " | ".join(labels) + " |",
               "|---|---|---|---|---|" + "---|" * len(labels)]
        for fx in mj["fixes"]:
            cells = []
            for l in labels:
                v = fx["verdicts"].get(l)
                cells.append("—" if not v else v["verdict"] if not v["reason"] else
                             "%s [%d]" % (v["verdict"], note(v["reason"].replace("|", "/"))))
            md.append("| %s | %s | %s | %s | %s | " % (fx["id"], fx["kind"], (fx["commit"] or "")[:12],
                                                      fx["release"], fx["subject"].replace("|", "/")) +
                      " | ".join(cells) + " |")
    else:
        md.append("No tagged fixes in the programs that ran.")
    md += ["", "## Features (probed in each kernel)", ""]
    if feats:
        md += ["| feature | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for k in feats:
            cells = []
            for l in labels:
                v = mj["features"][l].get(k)
                if not isinstance(v, dict):
                    cells.append("—")
                else:
                    cells.append(("yes" if v.get("present") else "no") +
                                 (" (%s)" % v["detail"].replace("|", " ") if v.get("detail") else ""))
            md.append("| %s | " % k + " | ".join(cells) + " |")
    md += ["", "## All tests", ""]
    md += ["| test | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    md += ["| %s | " % n + " | ".join(md_cell(l, n) for l in labels) + " |" for n in names]
    if notes:
        md += ["", "## Notes", ""] + ["%d. %s" % (i, t) for i, t in enumerate(notes, 1)]
    with open(os.path.join(outdir, "matrix.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    # HTML: reasons on hover
    colour = {"PASS": "#cfc", "FAIL": "#f99", "SKIP": "#eee", "XFAIL": "#fd9", "XPASS": "#9cf", "ERROR": "#f6f",
              "present": "#cfc", "MISSING": "#f99", "n/a": "#eee", "unknown": "#f6f",
              "regressed": "#f96", "not affected": "#cfc"}
    e = html.escape
    h = ["<!doctype html><meta charset=utf-8><title>pagemap-conformance kernel matrix</title>",
         "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
         "padding:2px 6px;font-size:13px}td[title]{cursor:help}</style>",
         "<h1>Kernel matrix</h1><table><tr><th>kernel</th>" + "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>",
         "<tr><td>uname -r</td>" + "".join("<td>%s</td>" % e(r.get("kernel", "?")) for _, r in runs) + "</tr>"]
    for k in SUMMARY_KEYS:
        h.append("<tr><td>%s</td>" % k + "".join("<td>%s</td>" % (r.get("summary") or {}).get(k, "")
                                                 for _, r in runs) + "</tr>")
    h.append("</table>")

    def hcell(res, why):
        return '<td style="background:%s"%s>%s</td>' % (colour.get(res, "#fff"),
                                                         ' title="%s"' % e(why) if why else "", e(res))

    h.append("<h2>Tests</h2><table><tr><th>test</th>" + "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for n in names:
        h.append("<tr><td>%s%s</td>" % (e(n), " &#9888;" if n in differ else "") +
                 "".join(hcell(cell[(l, n)]["result"], cell[(l, n)]["reason"]) if (l, n) in cell else "<td>—</td>"
                         for l in labels) + "</tr>")
    h.append("</table><h2>Fix catalog</h2><table><tr><th>id</th><th>commit</th><th>subject</th>" +
             "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for fx in mj["fixes"]:
        h.append("<tr><td>%s</td><td>%s</td><td>%s</td>" % (e(fx["id"]), e((fx["commit"] or "")[:12]),
                                                             e(fx["subject"])) +
                 "".join(hcell(fx["verdicts"][l]["verdict"], fx["verdicts"][l]["reason"])
                         if l in fx["verdicts"] else "<td>—</td>" for l in labels) + "</tr>")
    h.append("</table><h2>Features</h2><table><tr><th>feature</th>" +
             "".join("<th>%s</th>" % e(l) for l in labels) + "</tr>")
    for k in feats:
        row = []
        for l in labels:
            v = mj["features"][l].get(k)
            row.append("<td>—</td>" if not isinstance(v, dict) else
                       hcell("yes" if v.get("present") else "no", v.get("detail", "")))
        h.append("<tr><td>%s</td>%s</tr>" % (e(k), "".join(row)))
    h.append("</table>")
    with open(os.path.join(outdir, "matrix.html"), "w") as f:
        f.write("\n".join(h) + "\n")
    print("matrix: %s/matrix.{md,json,html} (%d tests, %d differ, %d fail somewhere, %d kernels)" % (
        outdir, len(names), len(differ), len(bad), len(labels)))
    return 3 if any((r.get("summary") or {}).get("error") for _, r in runs) else \
        1 if any((r.get("summary") or {}).get("failed") for _, r in runs) else 0


