# SPDX-License-Identifier: GPL-2.0
#
# Turn one test program's output into per-case results.
#
#   awk -v area=pagemap -v prog=pagemap_anon -v rc=0 \
#       -f tap2cases.awk PROG.cases PROG.log
#
# PROG.cases: the case names the program was asked to run (fixture.variant.test),
#             one a line, in --list order.
# PROG.log:   stdout and stderr of the program, interleaved (the harness flushes
#             both before each fork, so the order is the real one).
# rc:         the program's exit status as the shell saw it (124/137: timeout).
#
# Output, one line per asked case, tab-separated:
#   full-name  area/prog  RESULT  reason
# RESULT is PASS FAIL SKIP XFAIL XPASS or ERROR (the program ended before it
# reported the case: crash, timeout). 'reason' holds the skip reason or the
# diagnostic lines of the case; lines are joined with \037 (unit separator).
# Tabs in reasons become spaces. mawk-compatible (Debian's default awk).

function clean(s) {
	gsub(/\t/, " ", s)
	gsub(/\037/, " ", s)
	sub(/\r$/, "", s)
	return s
}

function addline(name, line) {
	if (name == "")
		return
	diag[name] = (name in diag && diag[name] != "") ? diag[name] "\037" line : line
}

FNR == NR {
	if ($0 != "") {
		ncase++
		order[ncase] = $0
		asked[$0] = 1
	}
	next
}

# "#  RUN           fixture.variant.test ..."
/^#  RUN  / {
	cur = $3
	next
}
# "#            OK  name" / "#          FAIL  name" / "#      SKIP      reason"
/^# +(OK|FAIL) +[^ ]+$/ { next }
/^#      SKIP      / { next }
/^# Totals: / { next }

/^(not )?ok [0-9]+ / {
	notok = ($1 == "not")
	name = notok ? $4 : $3
	line = $0
	directive = ""
	reason = ""
	i = index(line, " # ")
	if (i > 0) {
		rest = substr(line, i + 3)
		sub(/^ +/, "", rest)
		if (match(rest, /^(SKIP|XFAIL|XPASS|TODO)/)) {
			directive = substr(rest, 1, RLENGTH)
			reason = substr(rest, RLENGTH + 1)
			sub(/^ +/, "", reason)
		} else {
			reason = rest
		}
	}
	if (notok)
		res = "FAIL"
	else if (directive == "SKIP")
		res = "SKIP"
	else if (directive == "XFAIL")
		res = "XFAIL"
	else if (directive == "XPASS")
		res = "XPASS"
	else
		res = "PASS"
	result[name] = res
	if (res == "SKIP" || res == "XFAIL" || res == "XPASS")
		why[name] = clean(reason)
	else if (res == "FAIL" && reason != "")
		addline(name, "# " clean(reason))
	cur = ""
	next
}

/^#/ {
	# Diagnostic of the running case (TH_LOG lines, journal messages, ...).
	if (cur != "")
		addline(cur, clean($0))
	else
		pre = (pre == "") ? clean($0) : pre "\037" clean($0)
	next
}

{
	# Free text on stderr: keep it with the running case.
	if (cur != "" && $0 != "")
		addline(cur, "# " clean($0))
}

END {
	if (rc == 124 || rc == 137)
		ended = "program timed out before reporting this case"
	else if (rc > 128)
		ended = "program killed by signal " (rc - 128) " before reporting this case"
	else
		ended = "program exited (status " rc ") before reporting this case"
	for (k = 1; k <= ncase; k++) {
		n = order[k]
		full = area "." n
		if (n in result) {
			r = result[n]
			if (r == "SKIP" || r == "XFAIL" || r == "XPASS")
				reason = why[n]
			else if (r == "FAIL")
				reason = (n in diag) ? diag[n] : ""
			else
				reason = ""
		} else {
			r = "ERROR"
			reason = "# " ended
			if (n in diag)
				reason = reason "\037" diag[n]
		}
		printf "%s\t%s/%s\t%s\t%s\n", full, area, prog, r, reason
	}
}
