# SPDX-License-Identifier: GPL-2.0
#
# host/trace/timeline.py draws host/tests/timeline-sample.txt, a small
# hand-made trace whose rows, state spans, wake-ups and events are known, and
# refuses broken traces with a clear error and no picture.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

sample=$root/host/tests/timeline-sample.txt

# draw TRACE: run the renderer into $tmp/out; status in $status, stdout in
# $tmp/stdout, stderr in $tmp/stderr.
draw() {
	command -v python3 >/dev/null || skip "no python3 (host/deps)"
	status=0
	"$root/host/trace/timeline.py" -o "$tmp/out" "$1" >"$tmp/stdout" 2>"$tmp/stderr" ||
		status=$?
}
# drawn CLASS: how many elements of the picture have class="CLASS".
drawn() { grep -c "class=\"$1\"" "$tmp/out/sample.svg"; }

t_fixed_trace_gives_its_rows_state_spans_and_arrows() {
	claim "the sample trace draws 2 rows (alpha, beta): sh and the idle task are not the scenario's"
	draw "$sample"
	expect_eq "$status" 0 "exit status"
	expect_eq "$(drawn row)" 2 "rows"
	expect_eq "$(sed -n 's/.*class="row"[^>]*>\([^<]*\)<.*/\1/p' "$tmp/out/sample.svg" |
		tr '\n' ,)" "alpha 10,beta 11," "row labels"
	claim "state spans: running 5, runnable 4, asleep in S 3, asleep in D 1"
	expect_eq "$(drawn 'span run')" 5 "running spans"
	expect_eq "$(drawn 'span ready')" 4 "runnable spans"
	expect_eq "$(drawn 'span S')" 3 "S spans"
	expect_eq "$(drawn 'span D')" 1 "D spans"
	claim "arrows: 2 from beta to alpha, 1 from an interrupt to beta (while alpha ran)"
	expect_eq "$(drawn wake)" 2 "waker-to-woken arrows"
	expect_eq "$(drawn 'wake other')" 1 "arrows from an interrupt"
	claim "3 module events marked, and 2 'holds the thing' spans (one open at the end)"
	expect_eq "$(drawn mark)" 3 "event marks"
	expect_eq "$(drawn hold)" 2 "holds"
	claim "the title names the scenario and kernel; the picture is self-contained"
	grep -q '>sample on 6.1.0-test<' "$tmp/out/sample.svg" || fail "no title"
	grep -q '>waiters=1 givers=1<' "$tmp/out/sample.svg" || fail "no parameters"
	! grep -Eq 'href|<script|@import|url\(http' "$tmp/out/sample.svg" ||
		fail "the SVG refers to something outside it"
	claim "summary: alpha woken twice, once spuriously, 3.5 ms asleep; beta woken once, 1.0 ms"
	grep -Eq '^  alpha 10 +2 +1 +3\.5  sample_take x1$' "$tmp/stdout" ||
		fail "alpha's summary line: $(grep alpha "$tmp/stdout")"
	grep -Eq '^  beta 11 +1 +0 +1\.0  ' "$tmp/stdout" ||
		fail "beta's summary line: $(grep beta "$tmp/stdout")"
}

# refused WHAT MESSAGE: the renderer failed on $tmp/bad.txt, said MESSAGE and
# drew nothing.
refused() {
	draw "$tmp/bad.txt"
	expect_eq "$status" 1 "exit status ($1)"
	grep -q "$2" "$tmp/stderr" || fail "$1: no '$2' in: $(cat "$tmp/stderr")"
	[ -z "$(ls "$tmp/out" 2>/dev/null)" ] || fail "$1: a picture was drawn: $(ls "$tmp/out")"
	note "$1: $(cat "$tmp/stderr")"
}

t_broken_traces_get_a_clear_error_and_no_picture() {
	claim "a trace cut before its end marker is refused"
	head -n -3 "$sample" >"$tmp/bad.txt"
	refused "cut short" 'no "waitq-trace: end" marker: the trace is cut short'
	claim "a trace cut inside a line is refused, naming the line"
	n=$(grep -n 'prev_comm=beta' "$sample" | cut -d: -f1)
	{ head -n $((n - 1)) "$sample"; sed -n "${n}p" "$sample" | cut -c1-120; } >"$tmp/bad.txt"
	refused "cut mid-line" "line $n: a sched_switch event without prev_ and next_ fields"
	claim "a line that is not an event is refused"
	sed '20s/.*/this is not ftrace/' "$sample" >"$tmp/bad.txt"
	refused "garbage" "line 20: not an ftrace event line"
	claim "a trace whose ring buffer lost events is refused"
	sed 's|entries-written: \([0-9]*\)/[0-9]*|entries-written: \1/99|' "$sample" >"$tmp/bad.txt"
	refused "lost events" "the ring buffer lost"
	claim "text that is not ftrace at all, and an empty file, are refused"
	echo "hello" >"$tmp/bad.txt"
	refused "not ftrace" "not ftrace text"
	: >"$tmp/bad.txt"
	refused "empty" "not ftrace text"
}
