# SPDX-License-Identifier: GPL-2.0
#
# make trace's scenarios (guest/trace/scenarios.sh), judged on the ftrace
# text they record: the scheduler's wake-ups and sleeps, and the modules' own
# events.
# Skipped on a kernel without tracefs (CONFIG_TRACING off).
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# trace SCENARIO: record it into $tmp/SCENARIO.txt.
trace() {
	grep -qw tracefs /proc/filesystems ||
		skip "no tracefs in this kernel (CONFIG_TRACING is off)"
	"$root/guest/trace/scenarios.sh" -d "$tmp" "$1" >/dev/null ||
		fail "guest/trace/scenarios.sh $1"
	txt=$tmp/$1.txt
}

# task_pid: the pid in an event line's TASK-PID column (names without spaces).
# wakeups_before_open: "PID N" for each sleep_opener that got /proc/sleep: N
# is how often the scheduler woke it (sched_waking) from a sleep in S before
# its open returned. (PREEMPT_RT's spinlocks sleep too, shown as D: a wake-up
# from one of those is the lock's, not the wait queue's.)
wakeups_before_open() {
	awk '
	function task_pid() { p = $1; sub(/.*-/, "", p); return p }
	/: sched_switch: / && match($0, / prev_pid=[0-9]+ /) {
		p = substr($0, RSTART + 10, RLENGTH - 11)
		match($0, / prev_state=[^ ]+ /)
		state[p] = substr($0, RSTART + 12, RLENGTH - 13)
	}
	/: sched_waking: / && match($0, / pid=[0-9]+ /) {
		p = substr($0, RSTART + 5, RLENGTH - 6)
		if (!(p in opened) && state[p] == "S") woken[p]++
	}
	$1 ~ /^sleep_opener-/ && /: sleep_open: ret=0 / {
		p = task_pid(); opened[p] = 1; print p, woken[p] + 0
	}' "$txt"
}

# events NAME: how many NAME events the trace holds.
events() { grep -c ": $1: " "$txt"; }

t_sleep_one_wakes_each_of_eight_openers_exactly_once() {
	claim "sleep-one: each of the 8 openers queued on /proc/sleep is woken exactly once"
	trace sleep-one
	wakeups_before_open >"$tmp/woken"
	note "opener pid, wake-ups before its open returned: $(tr '\n' ' ' <"$tmp/woken")"
	expect_eq "$(wc -l <"$tmp/woken")" 8 "openers that got the file"
	expect_eq "$(awk '$2 != 1' "$tmp/woken")" "" "openers not woken exactly once"
	claim "the holder and each opener release the file once: 9 sleep_release events"
	expect_eq "$(events sleep_release)" 9 "sleep_release events"
}

t_sleep_herd_wakes_eight_openers_more_than_once_each_on_average() {
	claim "sleep-herd (wake_all=1): 8 openers are woken more than once each on average"
	trace sleep-herd
	wakeups_before_open >"$tmp/woken"
	note "opener pid, wake-ups before its open returned: $(tr '\n' ' ' <"$tmp/woken")"
	expect_eq "$(wc -l <"$tmp/woken")" 8 "openers that got the file"
	total=$(awk '{ n += $2 } END { print n + 0 }' "$tmp/woken")
	note "$total wake-ups for 8 openers"
	expect_ge "$total" 9 "wake-ups of 8 openers"
}

t_sleep_handoff_newcomer_takes_the_file_then_the_sleeper_that_lost_is_handed_it() {
	claim "sleep-handoff (rule=handoff): the holder's close frees the file, the spinning newcomer takes it, the woken first opener finds it taken"
	trace sleep-handoff
	# From begin: who got the file (ret=0), who lost, whom a close handed it.
	sed -n '/waitq-trace: begin/,$p' "$txt" | awk '
	function task_pid() { p = $1; sub(/.*-/, "", p); return p }
	/: sleep_open: ret=0 / { print "open", $1 ~ /^newcomer-/ ? "newcomer" : task_pid() }
	/: sleep_lost: / { print "lost", task_pid() }
	/: sleep_handoff: / && match($0, / pid=[0-9]+ /) {
		print "handoff", substr($0, RSTART + 5, RLENGTH - 6)
	}' >"$tmp/order"
	note "from begin: $(tr '\n' ' ' <"$tmp/order")"
	first=$(sed -n 's/^lost //p' "$tmp/order" | head -n 1)
	[ -n "$first" ] || fail "no sleep_lost event: the woken opener never found the file taken"
	expect_eq "$(head -n 2 "$tmp/order" | tr '\n' ' ')" "open newcomer lost $first " "first two events"
	claim "then the newcomer's close hands the file to that opener, which gets it next; the other two follow"
	expect_eq "$(sed -n '3,4p' "$tmp/order" | tr '\n' ' ')" "handoff $first open $first " "next two events"
	expect_eq "$(grep -c '^open ' "$tmp/order")" 4 "openers that got the file"
	expect_eq "$(events sleep_lost)" 1 "sleep_lost events"
}

t_io_wait_event_waiter_is_seen_in_d() {
	claim "io_wait_event: the waiter leaves the CPU in state D, and passes only above the threshold"
	trace io_wait_event
	d=$(grep -c ': sched_switch: prev_comm=io_wait_waiter prev_pid=[0-9]* prev_prio=[0-9]* prev_state=D ' "$txt")
	note "the waiter went to sleep in D $d times"
	expect_ge "$d" 1 "switches out of io_wait_waiter in D"
	expect_ge "$(events io_wait_event_passed)" 1 "io_wait_event_passed events"
	low=$(sed -n 's/.*: io_wait_event_passed: count=\([0-9]*\) threshold=3$/\1/p' "$txt" |
		awk '$1 <= 3')
	expect_eq "$low" "" "counts the waiter passed at"
}

t_sleepy_three_writes_are_taken_by_three_readers() {
	claim "sleepy: 3 writes, each taken by a different one of the 3 sleeping readers"
	trace sleepy
	expect_eq "$(events sleepy_write)" 3 "sleepy_write events"
	expect_eq "$(grep ': sleepy_take: ' "$txt" | awk '{ print $1 }' | sort -u |
		grep -c '^sleepy_read-')" 3 "readers that took a write"
}

t_completions_crank_turns_before_the_flywheel_is_released() {
	claim "completions: the crank's completions_crank_turned comes before the flywheel's release"
	trace completions
	order=$(sed -n 's/.*: \(completions_[a-z_]*\): .*/\1/p' "$txt" | tr '\n' ' ')
	expect_eq "$order" "completions_crank_turned completions_flywheel_released " "event order"
}
