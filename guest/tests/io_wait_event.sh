# SPDX-License-Identifier: GPL-2.0
#
# io_wait_event.ko: the waiter reports only once the counter has passed the
# threshold, in the round it passes (the waker wakes it after each
# increment, never before), and rmmod stops both threads promptly whenever
# it comes.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# Under TCG rmmod took 30-150 ms on the cloud kernels and 200-760 ms on the
# debug kernel (1460 ms with the VM on one host core): "a little" is a
# second times the pace (lib.sh).
slack_ms=$(scaled 1000)

# values WHO: the counter values the wake or wait thread logged, in order.
values() {
	klog | sed -n "s/^io_wait_event: $1 thread execution i value = \([0-9]*\)$/\1/p"
}
logged_value() { values "$1" | grep -qx "$2"; }
reports_at_least() { [ "$(values wait | wc -l)" -ge "$1" ]; }
threads_gone() { no_task_named 'io_wait_wa*'; }

# until_ms T: return once now_ms reaches T (the moment a scenario needs).
until_ms() {
	while [ "$(now_ms)" -lt "$1" ]; do
		sleep 0.01
	done
}

t_waiter_reports_only_above_the_threshold() {
	claim "interval_ms=50 threshold=3: the waiter logs values above 3, never 3 or less"
	klog_mark
	load io_wait_event interval_ms=50 threshold=3
	wait_for 20 "the waiter's third report" reports_at_least 3
	unload_within $((2 * 50 + slack_ms)) io_wait_event
	values wait >"$tmp/wait"
	note "waiter logged: $(tr '\n' ' ' <"$tmp/wait")"
	while read -r v; do
		expect_ge "$v" 4 "a value the waiter logged"
	done <"$tmp/wait"

	claim "the waker counts 0, 1, 2... and the waiter's first report follows 'value = 3'"
	values wake >"$tmp/wake"
	seq 0 $(($(wc -l <"$tmp/wake") - 1)) | cmp -s - "$tmp/wake" ||
		fail "the waker's values are not 0, 1, 2...: $(tr '\n' ' ' <"$tmp/wake")"
	klog | grep -n 'thread execution i value' >"$tmp/both"
	three=$(grep -m 1 'wake thread execution i value = 3$' "$tmp/both" | cut -d: -f1)
	first=$(grep -m 1 'wait thread' "$tmp/both" | cut -d: -f1)
	[ "$first" -gt "$three" ] || fail "the waiter reported before the waker's 'value = 3'"
}

t_threads_run_and_the_waiter_sleeps_in_d() {
	claim "threshold=1000: both threads run, the waiter waits in state D and reports nothing"
	klog_mark
	load io_wait_event threshold=1000
	expect_eq "$(cat /sys/module/io_wait_event/parameters/interval_ms)" 1000 "interval_ms"
	expect_eq "$(cat /sys/module/io_wait_event/parameters/threshold)" 1000 "threshold"
	expect_eq "$(stat -c %a /sys/module/io_wait_event/parameters/threshold)" 444 \
		"threshold's mode"
	wait_for 5 "the waker" task_named io_wait_waker
	waiter=$(comm_pids io_wait_waiter)
	[ -n "$waiter" ] || fail "no io_wait_waiter task"
	wait_for 5 "the waiter to sleep in D" in_state "$waiter" D
	wait_for 5 "the waker's second round" logged_value wake 1
	expect_eq "$(values wait)" "" "the waiter's reports"
	unload_within $((2 * 1000 + slack_ms)) io_wait_event
	wait_for 5 "the threads to end" threads_gone
}

# rmmod_at INTERVAL DELAY: load, rmmod DELAY ms later; rmmod must return
# within two intervals plus the slack and leave no thread.
rmmod_at() {
	load io_wait_event interval_ms="$1"
	until_ms $(($(now_ms) + $2))
	unload_within $((2 * $1 + slack_ms)) io_wait_event
	wait_for 5 "the threads to end" threads_gone
	measured="$measured ${2}ms:$rmmod_ms"
}

t_rmmod_is_prompt_at_any_moment_at_1000ms() {
	claim "interval_ms=1000: rmmod 0, 50, 200, 1000 ms after insmod takes" \
		"at most $((2 * 1000 + slack_ms)) ms"
	measured=
	for delay in 0 50 200 1000; do
		rmmod_at 1000 $delay
	done
	note "rmmod took (delay:ms):$measured"
}

t_rmmod_is_prompt_at_any_moment_at_50ms() {
	claim "interval_ms=50: rmmod 0, 50, 200, 1000 ms after insmod takes" \
		"at most $((2 * 50 + slack_ms)) ms"
	measured=
	for delay in 0 50 200 1000; do
		rmmod_at 50 $delay
	done
	note "rmmod took (delay:ms):$measured"
}

t_stop_cuts_both_pauses_short() {
	claim "interval_ms=10000 threshold=0: rmmod while both threads pause" \
		"takes at most $((2 * slack_ms)) ms, not the 10 s pause"
	klog_mark
	load io_wait_event interval_ms=10000 threshold=0
	wait_for 5 "the waiter's first report" logged_value wait 1
	unload_within $((2 * slack_ms)) io_wait_event
	note "rmmod took $rmmod_ms ms"
	expect_eq "$(values wake | tr '\n' ' ')" "0 " "the waker's values"
	wait_for 5 "the threads to end" threads_gone
}

t_invalid_parameters_are_refused() {
	for bad in interval_ms=0 interval_ms=9 interval_ms=10001 \
		interval_ms=4294967295 threshold=2147483647 threshold=4294967295 \
		threshold=-1 interval_ms=fast; do
		claim "insmod io_wait_event $bad fails and starts no thread"
		klog_mark
		! insmod "$root/io_wait_event.ko" "$bad" 2>/dev/null ||
			fail "insmod accepted $bad"
		! loaded io_wait_event || fail "io_wait_event loaded with $bad"
		! klog_has 'thread execution' || fail "a thread ran with $bad"
		case $bad in
		*=[0-9]*) klog_has "$bad is" ||
			fail "no message naming the rejected $bad" ;;
		esac
	done
	for good in "interval_ms=10 threshold=2147483646" "interval_ms=10000 threshold=0"; do
		claim "the extremes $good are accepted"
		# shellcheck disable=SC2086 # two parameters
		load io_wait_event $good
		unload_within $((2 * slack_ms)) io_wait_event
	done
}

t_threads_live_until_kthread_stop() {
	claim "after the threshold both threads still run: they return only when kthread_stop() asks"
	klog_mark
	load io_wait_event interval_ms=50 threshold=3
	wait_for 5 "the waker" task_named io_wait_waker
	wait_for 5 "the waiter" task_named io_wait_waiter
	waker=$(comm_pids io_wait_waker)
	waiter=$(comm_pids io_wait_waiter)
	wait_for 20 "the waiter's third report" reports_at_least 3
	# A thread function that returned is a task kthread_stop() may find freed.
	for pid in "$waker" "$waiter"; do
		case $(task_state "$pid") in
		R | S | D | I) ;;
		*) fail "thread $pid has ended (state '$(task_state "$pid")') before rmmod" ;;
		esac
	done
	unload_within $((2 * 50 + slack_ms)) io_wait_event
	wait_for 5 "the threads to end" threads_gone
}

# waker_rounds TRACE: "WOKEN EARLY UNSEEN" over the waker's rounds (from one
# pause, idle: I, to the next, in process context: an interrupt's wake-up on
# its CPU is not the waker's): WOKEN wake-ups of the waiter that came after
# the round's io_wait_event_wake (the increment), EARLY those that came
# before. The module's events are turned on while its init runs, after the
# scheduler's: UNSEEN wake-ups came before the first increment recorded,
# in rounds whose increment the trace may have missed.
waker_rounds() {
	awk '
	BEGIN { counted = -1 }
	/^ *#/ || $1 !~ /^io_wait_waker-[0-9]+$/ || substr($3, 3, 1) != "." { next }
	/: sched_switch: / && / prev_state=I / && counted >= 0 { counted = 0 }
	/: io_wait_event_wake: count=/ { counted = 1 }
	/: sched_waking: comm=io_wait_waiter / {
		if (counted < 0) unseen++; else if (counted) woken++; else early++
	}
	END { print woken + 0, early + 0, unseen + 0 }' "$1"
}

# first_line TRACE PATTERN: the line number of PATTERN's first match, or 0.
first_line() { awk -v re="$2" '$0 ~ re { print NR; found = 1; exit } END { if (!found) print 0 }' "$1"; }

t_the_waiter_is_woken_after_the_increment_and_passes_in_that_round() {
	claim "interval_ms=100 threshold=3: in each round the waker wakes the waiter" \
		"after its increment (io_wait_event_wake, then sched_waking), never before"
	grep -qw tracefs /proc/filesystems ||
		skip "no tracefs in this kernel (CONFIG_TRACING is off)"
	"$root/guest/trace/scenarios.sh" -d "$tmp" io_wait_event >/dev/null ||
		fail "guest/trace/scenarios.sh io_wait_event"
	txt=$tmp/io_wait_event.txt
	# shellcheck disable=SC2046 # three numbers
	set -- $(waker_rounds "$txt")
	woken=$1 early=$2 unseen=$3
	note "wake-ups of the waiter after the round's increment: $woken, before it: $early," \
		"before the module's events were on: $unseen"
	expect_eq "$early" 0 "wake-ups before the increment"
	expect_ge "$((woken + unseen))" 3 "wake-ups of the waiter by the waker (rounds 2 to 4 at least)"
	expect_ge "$woken" 1 "wake-ups whose round's increment the trace has"

	claim "the waiter passes in the round in which the counter first exceeds 3:" \
		"io_wait_event_passed count=4 comes after io_wait_event_wake count=4 and before count=5"
	passed=$(first_line "$txt" ': io_wait_event_passed: ')
	[ "$passed" -gt 0 ] || fail "no io_wait_event_passed event"
	expect_eq "$(sed -n "${passed}s/.*: io_wait_event_passed: //p" "$txt")" \
		"count=4 threshold=3" "the first pass"
	four=$(first_line "$txt" ': io_wait_event_wake: count=4$')
	five=$(first_line "$txt" ': io_wait_event_wake: count=5$')
	note "trace lines: wake count=4 at $four, passed at $passed, wake count=5 at $five"
	[ "$four" -gt 0 ] || fail "no io_wait_event_wake count=4"
	[ "$five" -gt 0 ] || fail "no io_wait_event_wake count=5"
	[ "$passed" -gt "$four" ] || fail "the waiter passed before the waker's count=4"
	[ "$passed" -lt "$five" ] ||
		fail "the waiter passed one round late: after the waker's count=5"
}
