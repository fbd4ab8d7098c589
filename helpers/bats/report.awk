# SPDX-License-Identifier: GPL-2.0
#
# The runner's reports, from per-case records (see tap2cases.awk):
#   name \t area/prog \t RESULT \t reason(lines joined by \037)
# mawk-compatible (Debian's default awk). Modes (-v mode=...):
#
#   meta   -v prog=A/P  PROG --meta JSON lines  -> meta TSV:
#          prog test kind id commit subject release state
#   apply  -v release=R -v kfile=KNOWN-ISSUES -v ffile=FEATURES
#          KNOWN-ISSUES FEATURES RECORDS -> RECORDS with
#          FAIL/ERROR -> XFAIL and PASS -> XPASS for matching entries.
#          FEATURES: "name yes|no" lines (pmc-probe).
#   (META files are named with -v mfile=META)
#   human  META RECORDS   per-program lines, failures, known issues, fixes,
#                         totals; the last line "N passed, N failed, N skipped"
#   fixes  META RECORDS   the fixes section and a count line
#   tap    RECORDS        TAP 13, one line per case
#   junit  RECORDS        JUnit XML, one testcase per case
#   json   META RECORDS   -v kernel=... -v features=<json object>
#
# Counting (documented in README): passed = PASS + XPASS,
# failed = FAIL + ERROR, skipped = SKIP + XFAIL.

BEGIN { FS = "\t"; US = "\037" }

# ---------------------------------------------------------------- helpers
function glob2re(g,   i, n, c, j, cls, out) {
	out = "^"
	n = length(g)
	for (i = 1; i <= n; i++) {
		c = substr(g, i, 1)
		if (c == "*")
			out = out ".*"
		else if (c == "?")
			out = out "."
		else if (c == "[" && (j = index(substr(g, i + 1), "]")) > 0) {
			cls = substr(g, i, j + 1)
			sub(/^\[!/, "[^", cls)
			out = out cls
			i += j
		} else if (index("\\^$.|+(){}[]", c))
			out = out "\\" c
		else
			out = out c
	}
	return out "$"
}

function jesc(s,   out, i, n, c) {
	if (s !~ /[\\"\001-\037]/)
		return "\"" s "\""
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			out = out "\\\\"
		else if (c == "\"")
			out = out "\\\""
		else if (c == US || c == "\n")
			out = out "\\n"
		else if (c == "\t")
			out = out "\\t"
		else if (c ~ /[\001-\036]/)
			out = out " "
		else
			out = out c
	}
	return "\"" out "\""
}

function xesc(s,   out, i, n, c) {
	if (s !~ /[&<>"'\001-\037]/)
		return s
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "&")
			out = out "&amp;"
		else if (c == "<")
			out = out "&lt;"
		else if (c == ">")
			out = out "&gt;"
		else if (c == "\"")
			out = out "&quot;"
		else if (c == "'")
			out = out "&apos;"
		else if (c == US)
			out = out "\n"
		else if (c == "\t" || c == "\n")
			out = out c
		else if (c ~ /[\001-\037]/)
			out = out " "
		else
			out = out c
	}
	return out
}

# Parse one flat JSON object of string values into J[key].
function jparse(line,   pos, n, c, s, key, want) {
	split("", J)
	n = length(line)
	key = ""
	want = "key"
	for (pos = 1; pos <= n; pos++) {
		c = substr(line, pos, 1)
		if (c != "\"")
			continue
		s = ""
		for (pos++; pos <= n; pos++) {
			c = substr(line, pos, 1)
			if (c == "\\") {
				pos++
				c = substr(line, pos, 1)
				if (c == "n")
					c = " "
				else if (c == "t")
					c = " "
				else if (c == "u") {
					c = " "
					pos += 4
				}
				s = s c
			} else if (c == "\"")
				break
			else
				s = s c
		}
		if (want == "key") {
			key = s
			want = "val"
		} else {
			J[key] = s
			want = "key"
		}
	}
}

function firstline(r,   l) {
	split(r, l, US)
	return l[1]
}

# The observed-vs-expected line of a failure: the first line that says
# "expected", else the first line.
function evidence(r,   l, n, i) {
	n = split(r, l, US)
	for (i = 1; i <= n; i++)
		if (l[i] ~ /[Ee]xpect/)
			return l[i]
	return l[1]
}

function load_record(   i) {
	nrec++
	rname[nrec] = $1
	rprog[nrec] = $2
	rres[nrec] = $3
	rwhy[nrec] = $4
	cnt[$3]++
}

function load_meta() {
	nmeta++
	mprog[nmeta] = $1
	mtest[nmeta] = $2
	mkind[nmeta] = $3
	mid[nmeta] = $4
	mcommit[nmeta] = $5
	msubject[nmeta] = $6
	mrelease[nmeta] = $7
	mstate[nmeta] = $8
}

# Verdict per fix id: fid[1..nfix], fverdict[], fdetail[], ftests[] (\037-joined)
function compute_fixes(   i, k, id, area, short, re, r, seen) {
	nfix = 0
	for (i = 1; i <= nmeta; i++) {
		id = mid[i]
		if (!(id in fidx)) {
			fidx[id] = ++nfix
			fid[nfix] = id
			fkind[nfix] = mkind[i]
			fcommit[nfix] = mcommit[i]
			fsubject[nfix] = msubject[i]
			frelease[nfix] = mrelease[i]
			fpass[nfix] = fskip[nfix] = ffail[nfix] = 0
			ftests[nfix] = ""
			fdetail[nfix] = ""
			fskipwhy[nfix] = ""
		}
		k = fidx[id]
		area = mprog[i]
		sub(/\/.*/, "", area)
		re = glob2re(mtest[i])
		for (r = 1; r <= nrec; r++) {
			if (rprog[r] != mprog[i])
				continue
			short = substr(rname[r], length(area) + 2)
			if (short !~ re)
				continue
			seen = k SUBSEP rname[r]
			if (seen in fseen)
				continue
			fseen[seen] = 1
			ftests[k] = ftests[k] == "" ? rname[r] : ftests[k] US rname[r]
			if (rres[r] == "PASS" || rres[r] == "XPASS")
				fpass[k]++
			else if (rres[r] == "SKIP") {
				fskip[k]++
				if (index(US fskipwhy[k] US, US rwhy[r] US) == 0)
					fskipwhy[k] = fskipwhy[k] == "" ? rwhy[r] : fskipwhy[k] US rwhy[r]
			} else {
				if (ffail[k] == 0)
					fdetail[k] = (rres[r] == "XFAIL" ? "(known issue) " : "") \
						rname[r] ": " evidence(rwhy[r])
				ffail[k]++
			}
		}
	}
	for (k = 1; k <= nfix; k++) {
		if (ffail[k] > 0)
			fverdict[k] = "MISSING"
		else if (fpass[k] > 0) {
			fverdict[k] = "present"
			fdetail[k] = fpass[k] " case(s) passed"
		} else {
			fverdict[k] = "n/a"
			if (fskip[k] > 0) {
				fdetail[k] = fskipwhy[k]
				gsub(US, "; ", fdetail[k])
			} else
				fdetail[k] = "no case of this fix was run"
		}
	}
}

function print_fixes(   k, c) {
	if (nfix == 0)
		return
	print ""
	print "Fixes and features (" nfix "):"
	for (k = 1; k <= nfix; k++) {
		if (filtered && ftests[k] == "")
			continue
		c = fcommit[k] == "" ? "(no hash)" : substr(fcommit[k], 1, 12)
		printf "  %-8s %-22s %-12s %s (%s)\n", fverdict[k], fid[k], c, fsubject[k], frelease[k]
		if (fverdict[k] != "present")
			printf "           %s\n", fdetail[k]
	}
}

# ---------------------------------------------------------------- input
# Tags carry only {test, id}: the rest comes from the catalogue (fixes.tsv,
# -v catalogue=FILE): id kind commit release relation symptom subject.
function load_catalogue(   line, c) {
	catalogue_loaded = 1
	if (catalogue == "")
		return
	while ((getline line < catalogue) > 0) {
		if (line ~ /^#/ || line == "")
			continue
		split(line, c, "\t")
		ckind[c[1]] = c[2]
		ccommit[c[1]] = c[3]
		crelease[c[1]] = c[4]
		csubject[c[1]] = c[7]
	}
	close(catalogue)
}
mode == "meta" {
	if (!catalogue_loaded)
		load_catalogue()
	if ($0 !~ /^[ \t]*\{/)
		next
	jparse($0)
	id = J["id"]
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", prog, J["test"], \
		J["kind"] != "" ? J["kind"] : (id in ckind ? ckind[id] : "fix"), id, \
		J["commit"] != "" ? J["commit"] : ccommit[id], \
		J["subject"] != "" ? J["subject"] : csubject[id], \
		J["release"] != "" ? J["release"] : crelease[id], J["state"]
	next
}

mode == "apply" && FILENAME == kfile {
	line = $0
	sub(/^[ \t]+/, "", line)
	if (line == "" || line ~ /^#/)
		next
	n = split(line, f, /[ \t]+/)
	if (n < 2) {
		print "known-issues: line " FNR ": needs '<test-glob> <condition> <reason>'" > "/dev/stderr"
		next
	}
	# Conditions: comma list, all must hold. missing=/regressed= name a
	# catalogue verdict of this run, which this engine does not compute: they
	# are taken as holding (name-based matching, as before). The third field,
	# the symptom, is not checked here either.
	ok = 1
	nc = split(f[2], conds, ",")
	for (ci = 1; ci <= nc; ci++) {
		cond = conds[ci]
		if (cond == "*" || cond ~ /^(missing|regressed)=/)
			continue
		else if (cond ~ /^release=/)
			ok = ok && release ~ glob2re(substr(cond, 9))
		else if (cond ~ /^feature=/)
			ok = ok && feat[substr(cond, 9)] == "yes"
		else if (cond ~ /^nofeature=/)
			ok = ok && feat[substr(cond, 11)] != "yes"
		else {
			print "known-issues: line " FNR ": unknown condition '" cond "'" > "/dev/stderr"
			ok = 0
		}
	}
	if (!ok)
		next
	reason = line
	sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", reason)
	nki++
	kre[nki] = glob2re(f[1])
	kwhy[nki] = reason == "" ? "(no reason given)" : reason
	next
}
mode == "apply" && FILENAME == ffile { feat[$1] = $2; next }
mode == "apply" {
	split($0, rf, "\t")
	res = rf[3]
	why = rf[4]
	for (i = 1; i <= nki; i++) {
		if (rf[1] !~ kre[i])
			continue
		if (res == "FAIL" || res == "ERROR") {
			res = "XFAIL"
			why = "known issue: " kwhy[i] US why
		} else if (res == "PASS" && kwhy[i] !~ /^\[intermittent\]/) {
			# An intermittent deviation passes some runs: not stale.
			res = "XPASS"
			why = "known-issues entry no longer needed (the test passes): " kwhy[i]
		}
		break
	}
	printf "%s\t%s\t%s\t%s\n", rf[1], rf[2], res, why
	next
}

FILENAME == mfile { load_meta(); next }
{ load_record() }

# ---------------------------------------------------------------- output
END {
	if (mode == "meta" || mode == "apply")
		exit 0
	passed = cnt["PASS"] + cnt["XPASS"]
	failed = cnt["FAIL"] + cnt["ERROR"]
	skipped = cnt["SKIP"] + cnt["XFAIL"]

	if (mode == "tap") {
		print "TAP version 13"
		print "1.." nrec
		for (r = 1; r <= nrec; r++) {
			res = rres[r]
			if (res == "PASS")
				print "ok " r " " rname[r]
			else if (res == "SKIP")
				print "ok " r " " rname[r] " # SKIP" (rwhy[r] == "" ? "" : " " rwhy[r])
			else if (res == "XPASS")
				print "ok " r " " rname[r] " # TODO XPASS " firstline(rwhy[r])
			else if (res == "XFAIL")
				print "not ok " r " " rname[r] " # TODO XFAIL " firstline(rwhy[r])
			else
				print "not ok " r " " rname[r] (res == "ERROR" ? " # ERROR" : "")
			if (res == "FAIL" || res == "ERROR" || res == "XFAIL") {
				n = split(rwhy[r], l, US)
				for (i = (res == "XFAIL" ? 2 : 1); i <= n; i++)
					print (l[i] ~ /^#/ ? l[i] : "# " l[i])
			}
		}
		exit 0
	}

	if (mode == "junit") {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		printf "<testsuites name=\"pagemap-conformance\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n", \
			nrec, cnt["FAIL"] + cnt["XPASS"] * 0, cnt["ERROR"], skipped
		for (r = 1; r <= nrec; r++) {
			if (r == 1 || rprog[r] != rprog[r - 1]) {
				suite = rprog[r]
				gsub(/\//, ".", suite)
				st = sf = se = ss = 0
				for (q = r; q <= nrec && rprog[q] == rprog[r]; q++) {
					st++
					sf += rres[q] == "FAIL"
					se += rres[q] == "ERROR"
					ss += rres[q] == "SKIP" || rres[q] == "XFAIL"
				}
				printf "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n", \
					xesc(suite), st, sf, se, ss
			}
			printf "    <testcase classname=\"%s\" name=\"%s\"", xesc(suite), xesc(rname[r])
			res = rres[r]
			if (res == "PASS")
				print "/>"
			else if (res == "XPASS")
				printf ">\n      <system-out>XPASS: %s</system-out>\n    </testcase>\n", xesc(rwhy[r])
			else if (res == "SKIP" || res == "XFAIL")
				printf ">\n      <skipped message=\"%s\"/>\n    </testcase>\n", \
					xesc((res == "XFAIL" ? "XFAIL: " : "") firstline(rwhy[r]))
			else
				printf ">\n      <%s message=\"%s\" type=\"%s\">%s</%s>\n    </testcase>\n", \
					res == "ERROR" ? "error" : "failure", xesc(firstline(rwhy[r])), res, \
					xesc(rwhy[r]), res == "ERROR" ? "error" : "failure"
			if (r == nrec || rprog[r + 1] != rprog[r])
				print "  </testsuite>"
		}
		print "</testsuites>"
		exit 0
	}

	compute_fixes()

	if (mode == "json") {
		printf "{\"kernel\": %s,\n \"features\": %s,\n", jesc(kernel), features == "" ? "{}" : features
		printf " \"summary\": {\"passed\": %d, \"failed\": %d, \"skipped\": %d, \"xfail\": %d, \"xpass\": %d, \"error\": %d},\n", \
			passed, failed, skipped, cnt["XFAIL"], cnt["XPASS"], cnt["ERROR"]
		printf " \"tests\": ["
		for (r = 1; r <= nrec; r++)
			printf "%s\n  {\"name\": %s, \"program\": %s, \"result\": %s, \"reason\": %s}", \
				(r > 1 ? "," : ""), jesc(rname[r]), jesc(rprog[r]), jesc(rres[r]), jesc(rwhy[r])
		printf "\n ],\n \"fixes\": ["
		for (k = 1; k <= nfix; k++) {
			n = split(ftests[k], l, US)
			t = ""
			for (i = 1; i <= n; i++)
				t = t (i > 1 ? ", " : "") jesc(l[i])
			printf "%s\n  {\"id\": %s, \"kind\": %s, \"commit\": %s, \"subject\": %s, \"release\": %s, \"verdict\": %s, \"tests\": [%s], \"detail\": %s}", \
				(k > 1 ? "," : ""), jesc(fid[k]), jesc(fkind[k]), jesc(fcommit[k]), \
				jesc(fsubject[k]), jesc(frelease[k]), jesc(fverdict[k]), t, jesc(fdetail[k])
		}
		printf "\n ]\n}\n"
		exit 0
	}

	if (mode == "fixes") {
		print_fixes()
		missing = 0
		for (k = 1; k <= nfix; k++)
			missing += fverdict[k] == "MISSING"
		printf "\n%d fixes/features: %d present, %d MISSING, %d n/a\n", nfix, \
			nfix - missing - na_count(), missing, na_count()
		exit 0
	}

	# human
	for (r = 1; r <= nrec; r++) {
		p = rprog[r]
		if (!(p in pidx)) {
			pidx[p] = ++nprog
			pname[nprog] = p
		}
		k = pidx[p]
		if (rres[r] == "PASS" || rres[r] == "XPASS")
			pp[k]++
		else if (rres[r] == "FAIL" || rres[r] == "ERROR")
			pf[k]++
		else
			ps[k]++
	}
	for (k = 1; k <= nprog; k++) {
		st = pf[k] > 0 ? "FAIL" : (pp[k] == 0 ? "SKIP" : "PASS")
		printf "%-4s %-40s %d passed, %d failed, %d skipped\n", st, pname[k], pp[k], pf[k], ps[k]
	}
	if (failed > 0) {
		print ""
		print "Failures:"
		for (r = 1; r <= nrec; r++) {
			if (rres[r] != "FAIL" && rres[r] != "ERROR")
				continue
			print rres[r] " " rname[r]
			n = split(rwhy[r], l, US)
			for (i = 1; i <= n; i++)
				print "    " l[i]
		}
	}
	if (cnt["XFAIL"] + cnt["XPASS"] > 0) {
		print ""
		print "Known issues:"
		for (r = 1; r <= nrec; r++) {
			if (rres[r] == "XFAIL")
				print "XFAIL " rname[r] ": " firstline(rwhy[r])
			else if (rres[r] == "XPASS")
				print "XPASS " rname[r] ": " rwhy[r] " <<< remove or narrow this known-issues entry"
		}
	}
	print_fixes()
	print ""
	printf "%d PASS, %d FAIL, %d SKIP, %d XFAIL, %d XPASS, %d ERROR\n", cnt["PASS"], cnt["FAIL"], \
		cnt["SKIP"], cnt["XFAIL"], cnt["XPASS"], cnt["ERROR"]
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
}

function na_count(   k, n) {
	n = 0
	for (k = 1; k <= nfix; k++)
		n += fverdict[k] == "n/a"
	return n
}
