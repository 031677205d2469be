# SPDX-License-Identifier: GPL-2.0
#
# completions.ko: the crank always turns before the flywheel spins up, and
# rmmod returns promptly because exit waits for each thread's own "done".
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# klog_in_order TEXT...: each TEXT is in the log once, in this order. One
# awk reads the log: the debug kernel makes each process the test starts
# cost some 100 ms, and this runs in every load loop.
klog_in_order() {
	klog >"$tmp/klog"
	# shellcheck disable=SC2016 # awk's fields
	_why=$(awk -v q="'" '
		BEGIN { n = ARGC - 1; for (i = 1; i <= n; i++) text[i] = ARGV[i]; ARGC = 1 }
		{ for (i = 1; i <= n; i++) if (index($0, text[i]) && !count[i]++) line[i] = NR }
		END {
			for (i = 1; i <= n; i++) {
				if (count[i] != 1) {
					print q text[i] q " is logged " count[i] + 0 " times, not once"
					exit
				}
				if (line[i] <= prev) {
					print q text[i] q " is logged too early"
					exit
				}
				prev = line[i]
			}
		}' "$@" <"$tmp/klog")
	[ -z "$_why" ] || fail "$_why"
}

# klog_ms TEXT: when the first line since klog_mark holding TEXT was logged
# (ms since boot, from the kernel's own timestamp).
klog_ms() {
	dmesg | awk -v mark="$(cat "$tmp/mark")" -v text="$1" '
		index($0, mark) { on = 1; next }
		on && index($0, text) { sub(/^\[ */, ""); print int($1 * 1000); exit }'
}

crank='completions: Turn the crank'
flywheel='completions: Flywheel spins up'
bye='completions: completions exit'

# Under TCG an rmmod with nothing to wait for took 30-320 ms on the cloud
# kernels and 240-890 ms on the debug kernel (2060 ms with the VM on one
# host core); a forgotten completion makes it wait for ever, and the crank's
# longest delay is 10 s: 2 s times the pace (lib.sh), at most 8 s.
prompt_ms=$(scaled 2000)

t_crank_turns_before_flywheel_on_ten_loads() {
	claim "on 10 loads in a row the crank turns before the flywheel spins up"
	n=0
	while [ $n -lt 10 ]; do
		n=$((n + 1))
		klog_mark
		load completions
		wait_for 10 "load $n: the flywheel" klog_has "$flywheel"
		unload_within "$prompt_ms" completions
		klog_in_order "$crank" "$flywheel" "$bye"
	done
}

t_crank_delay_holds_the_flywheel_back() {
	claim "with crank_delay_ms=300 the crank turns 300 ms after init, then the flywheel"
	klog_mark
	load completions crank_delay_ms=300
	expect_eq "$(cat /sys/module/completions/parameters/crank_delay_ms)" 300 \
		"crank_delay_ms in sysfs"
	wait_for 10 "the flywheel" klog_has "$flywheel"
	unload_within "$prompt_ms" completions
	klog_in_order 'completions: completions example' "$crank" "$flywheel" "$bye"
	delay=$(($(klog_ms "$crank") - $(klog_ms 'completions: completions example')))
	note "the crank turned $delay ms after init began"
	expect_ge "$delay" 300 "crank delay (ms)"

	claim "rmmod during the 300 ms delay returns promptly, in the same order"
	klog_mark
	load completions crank_delay_ms=300
	unload_within "$prompt_ms" completions
	note "rmmod took $rmmod_ms ms"
	klog_in_order "$crank" "$flywheel" "$bye"
}

t_rmmod_right_after_insmod_is_prompt_twenty_times() {
	claim "20 insmod/rmmod cycles: each rmmod returns within $prompt_ms ms"
	n=0
	worst=0
	while [ $n -lt 20 ]; do
		n=$((n + 1))
		klog_mark
		load completions
		unload_within "$prompt_ms" completions
		[ "$rmmod_ms" -le "$worst" ] || worst=$rmmod_ms
		klog_in_order "$crank" "$flywheel" "$bye"
		wait_for 5 "cycle $n: KThread tasks to end" no_task_named 'KThread*'
	done
	note "slowest rmmod: $worst ms"
}

# load_waiting: load completions with the crank's longest delay and wait
# until both threads wait in module code; their pids in $crk and $fly.
# /proc shows the full name here; kernels that keep only the 15-character
# comm would show "KThread Flywhee".
load_waiting() {
	load completions crank_delay_ms=10000
	wait_for 5 "the crank thread" task_named 'KThread Crank'
	crk=$(comm_pids 'KThread Crank')
	fly=$(comm_pids 'KThread Flywhee*')
	[ -n "$fly" ] || fail "no 'KThread Flywheel' task while the crank waits"
	wait_for 5 "the flywheel to wait (state D)" in_state "$fly" D
}

t_rmmod_cuts_a_long_crank_delay_short() {
	claim "with crank_delay_ms=10000, both threads wait, and rmmod ends the wait at once"
	klog_mark
	load_waiting
	! klog_has "$crank" || fail "the crank turned before its 10 s delay"
	! klog_has "$flywheel" || fail "the flywheel spun up before the crank turned"
	unload_within "$prompt_ms" completions
	note "rmmod took $rmmod_ms ms"
	klog_in_order "$crank" "$flywheel" "$bye"
	wait_for 5 "KThread tasks to end" no_task_named 'KThread*'
}

t_out_of_range_crank_delay_is_refused() {
	for bad in 10001 4294967295 -1 soon; do
		claim "insmod completions crank_delay_ms=$bad fails and starts nothing"
		klog_mark
		! insmod "$root/completions.ko" crank_delay_ms="$bad" 2>/dev/null ||
			fail "insmod accepted crank_delay_ms=$bad"
		! loaded completions || fail "completions loaded with crank_delay_ms=$bad"
		! klog_has 'completions example' || fail "init went on with $bad"
		case $bad in
		[0-9]*) klog_has "crank_delay_ms=$bad is above 10000" ||
			fail "no message naming the limit for $bad" ;;
		esac
	done
	claim "the largest delay, 10000 ms, is accepted"
	load completions crank_delay_ms=10000
	unload_within "$prompt_ms" completions
}


# in_module_code PID: the task exists and has not begun to exit (PF_EXITING,
# 0x4, in the flags of /proc/PID/stat is not set): it may be running module
# code. A thread past kthread_complete_and_exit() is in do_exit().
in_module_code() {
	_flags=$(stat_field "$1" 7)
	[ -n "$_flags" ] && [ $((_flags & 4)) -eq 0 ]
}

t_both_threads_have_left_module_code_when_rmmod_returns() {
	claim "10 times: with both threads waiting in module code, rmmod returns only after both left it"
	n=0
	while [ $n -lt 10 ]; do
		n=$((n + 1))
		klog_mark
		load_waiting
		unload_within "$prompt_ms" completions
		for pid in $crk $fly; do
			! in_module_code "$pid" ||
				fail "cycle $n: thread $pid ($(cat "/proc/$pid/comm")) had not begun to exit when rmmod returned"
		done
		# What a thread logs, it logs before exit says goodbye.
		klog_in_order "$crank" "$flywheel" "$bye"
		wait_for 5 "cycle $n: KThread tasks to end" no_task_named 'KThread*'
	done
}

# rt_throttle VALUE: set /proc/sys/kernel/sched_rt_runtime_us (-1: off).
rt_throttle() { echo "$1" >/proc/sys/kernel/sched_rt_runtime_us; }

t_rmmod_waits_for_a_flywheel_kept_off_its_cpu() {
	claim "with the flywheel woken but kept off its CPU by a real-time task for 2 s, rmmod returns only after the flywheel has left module code"
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	# This shell, rmmod and the crank on CPU 0; the flywheel on CPU 1 alone,
	# where cpu_hog spins with real-time throttling off: once the crank
	# turns, the flywheel can reach neither its done completion nor exit
	# before the hog ends, so exit has to wait for it, or it is still in
	# module code when rmmod returns.
	taskset -p 1 $$ >/dev/null
	load_waiting
	taskset -p 1 "$crk" >/dev/null
	taskset -p 2 "$fly" >/dev/null
	_old=$(cat /proc/sys/kernel/sched_rt_runtime_us)
	trap 'rt_throttle "$_old"' EXIT
	rt_throttle -1
	spawn "$helpers/cpu_hog" 1 2000 >"$tmp/hog"
	_hog=$spawned
	wait_for 5 "cpu_hog to spin on CPU 1" grep -q 'hogging CPU 1' "$tmp/hog"
	unload_within $((2000 + prompt_ms)) completions
	! in_module_code "$fly" ||
		fail "rmmod returned after $rmmod_ms ms with the flywheel ($fly) still in module code"
	note "rmmod took $rmmod_ms ms (the hog spins 2000 ms)"
	wait_status "$_hog"
	expect_eq "$status" 0 "cpu_hog's exit status"
}
