# SPDX-License-Identifier: GPL-2.0
#
# host/trace/timeline.py draws host/tests/timeline-sample.txt, a small
# hand-made trace whose rows, state spans, wake-ups and events are known, and
# refuses broken traces with a clear error and no picture. Its units are
# checked on the sample too: ftrace.py's events, tasks.py's model.
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
	grep -q 'asleep, idle (I)' "$tmp/out/sample.svg" &&
		fail "the legend names the idle state, which no task was in"
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

t_an_idle_sleep_is_drawn_as_i_and_named_in_the_legend() {
	claim "alpha's last sleep in I (TASK_IDLE: a kthread's pause) is an I span, not S, and the legend names it"
	sed 's/1\.009000: sched_switch: prev_comm=alpha prev_pid=10 prev_prio=120 prev_state=S /1.009000: sched_switch: prev_comm=alpha prev_pid=10 prev_prio=120 prev_state=I /' \
		"$sample" >"$tmp/sample.txt"
	grep -q 'prev_state=I ' "$tmp/sample.txt" || fail "the sample has no switch to change"
	draw "$tmp/sample.txt"
	expect_eq "$status" 0 "exit status"
	expect_eq "$(drawn 'span I')" 1 "I spans"
	expect_eq "$(drawn 'span S')" 2 "S spans"
	grep -q '>asleep, idle (I)<' "$tmp/out/sample.svg" ||
		fail "the legend does not name the idle state"
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

# units CODE: run Python CODE with host/trace's modules importable; its
# output in $tmp/units.
units() {
	command -v python3 >/dev/null || skip "no python3 (host/deps)"
	PYTHONPATH=$root/host/trace python3 -c "$1" >"$tmp/units" 2>&1 ||
		fail "python3 failed: $(cat "$tmp/units")"
}

t_ftrace_takes_each_event_line_apart() {
	claim "the sample has 22 events: 7 markers, 7 switches, 3 wakings, 2 wake-ups, 3 of the module"
	units "import collections, ftrace
names = collections.Counter(e.name for e in ftrace.events('$sample'))
print(' '.join(f'{n}={c}' for n, c in sorted(names.items())))"
	expect_eq "$(cat "$tmp/units")" "sample_give=1 sample_take=2 sched_switch=7 sched_wakeup=2 sched_waking=3 tracing_mark_write=7" "events by name"
	claim "a switch gives both tasks and the state the first left in; a waking its task; a marker its key and value"
	units "import ftrace
for e in ftrace.events('$sample'):
    if e.number in (17, 21, 25, 33):
        print(e.number, e.t, e.pid, e.flags, e.name, tuple(e.args))"
	expect_eq "$(tr '\n' '|' <"$tmp/units")" "17 1.000004 5 ..... tracing_mark_write ('span', 'sample_take sample_give holds the thing')|21 1.003 11 d..3. sched_waking (10, 'alpha')|25 1.006 11 d..2. sched_switch (11, 'beta', 'D', 5, 'sh')|33 1.009 10 d..2. sched_switch (10, 'alpha', 'S', 0, 'swapper/1')|" "events on lines 17, 21, 25, 33"
}

t_task_model_gives_states_wakeups_and_holds_in_time() {
	claim "alpha: runs, sleeps in S until beta wakes it, runs, sleeps, is woken, runs, sleeps (ms from begin)"
	units "import tasks
trace = tasks.Trace('$sample')
for task in trace.rows:
    print(task.label + ':', ' '.join(f'{state}:{trace.ms(start):.2f}-{trace.ms(end):.2f}'
                                    for start, end, state in trace.clipped(task)))
print('wakes:', ' '.join(f'{trace.ms(t):.2f}:{waker}>{woken}' for t, waker, woken in trace.wakes))
print('holds:', ' '.join(f'{trace.ms(s):.2f}-{trace.ms(e):.2f}:{pid}' for s, e, pid in trace.holds))
print('window:', trace.begin, trace.end)"
	expect_eq "$(sed -n 1p "$tmp/units")" "alpha 10: run:0.00-0.99 S:0.99-2.99 ready:2.99-3.09 run:3.09-7.49 S:7.49-7.99 ready:7.99-8.09 run:8.09-8.99 S:8.99-9.99" "alpha's spans"
	claim "beta: runnable until alpha yields, runs, sleeps in D until an interrupt wakes it, runs"
	expect_eq "$(sed -n 2p "$tmp/units")" "beta 11: ready:0.00-0.99 run:0.99-5.99 D:5.99-6.99 ready:6.99-7.09 run:7.09-9.99" "beta's spans"
	claim "wake-ups: beta wakes alpha twice, an interrupt (no waker) wakes beta"
	expect_eq "$(sed -n 3p "$tmp/units")" "wakes: 2.99:11>10 6.99:None>11 7.99:11>10" "wake-ups"
	claim "holds: beta from its take to its give, alpha from its take to the end"
	expect_eq "$(sed -n 4p "$tmp/units")" "holds: 1.99-4.99:11 8.49-9.99:10" "holds"
	claim "the window: the begin and end markers (alpha and beta exist before begin and never exit)"
	expect_eq "$(sed -n 5p "$tmp/units")" "window: 1.00001 1.01" "window"
}

# gaps TRACE: host/trace/gaps.py on TRACE: status in $status, its table in
# $tmp/gaps, its errors in $tmp/stderr.
gaps() {
	command -v python3 >/dev/null || skip "no python3 (host/deps)"
	status=0
	"$root/host/trace/gaps.py" "$1" >"$tmp/gaps" 2>"$tmp/stderr" || status=$?
}
# gap KIND: "COUNT TOTAL_MS MEAN_US" of the row of KIND in $tmp/gaps.
gap() {
	awk -v k="$1" 'index($0, "  " k " ") == 1 { print $(NF - 3), $(NF - 2), $(NF - 1) }' "$tmp/gaps"
}

t_gaps_says_where_each_acquisitions_time_goes() {
	claim "host/tests/gaps-sample.txt: 4 acquisitions of /proc/sleep in 2 ms, 500 us each"
	gaps "$root/host/tests/gaps-sample.txt"
	expect_eq "$status" 0 "exit status"
	expect_eq "$(sed -n 1p "$tmp/gaps")" "gaps-sample.txt: 4 acquisitions, 500 us each" "first line"
	claim "held 4 times, 900 us in all; handed to a sleeper once: 400 us before it ran, 100 us to leave open()"
	expect_eq "$(gap held)" "4 0.90 225" "held"
	expect_eq "$(gap 'handed on: waiting for a CPU')" "1 0.40 400" "handed on, waiting"
	expect_eq "$(gap 'handed on: leaving open()')" "1 0.10 100" "handed on, leaving"
	claim "freed twice: taken 100 us later by a running task, 500 us later by the sleeper the close woke"
	expect_eq "$(gap 'free: taken by a running task')" "1 0.10 100" "free, a running task"
	expect_eq "$(gap 'free: taken by the woken sleeper')" "1 0.50 500" "free, the woken sleeper"
}

t_gaps_refuses_a_trace_that_is_not_a_contention_run() {
	claim "a close by a task that does not hold the file: exit 1, naming the pid"
	sed '/bench-10 .*sleep_release/s/bench-10/bench-13/' "$root/host/tests/gaps-sample.txt" >"$tmp/bad.txt"
	gaps "$tmp/bad.txt"
	expect_eq "$status" 1 "exit status"
	grep -q 'pid 13 released a file it does not hold' "$tmp/stderr" ||
		fail "no clear error: $(cat "$tmp/stderr")"
	claim "a trace with no acquisition: exit 1, saying so"
	grep -v 'sleep_' "$root/host/tests/gaps-sample.txt" >"$tmp/none.txt"
	gaps "$tmp/none.txt"
	expect_eq "$status" 1 "exit status"
	grep -q 'no acquisition of /proc/sleep' "$tmp/stderr" || fail "no clear error: $(cat "$tmp/stderr")"
}
