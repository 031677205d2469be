# SPDX-License-Identifier: GPL-2.0
#
# Loading under fault injection (the debug kernel): each allocation that a
# module's init makes, its kthread_create()s included, fails once in turn.
# Every such load fails with an error and leaves nothing behind, or succeeds
# and unloads; then a plain load works. FAULT_SWEEP=full also fails each
# allocation of load_module() itself (about 330 more points a module, 5
# minutes more under TCG). Skipped on kernels without fault injection.
# shellcheck shell=sh disable=SC2154 # root, helpers, tmp: lib.sh

require_fault_injection() {
	if [ ! -w /proc/thread-self/fail-nth ] || [ ! -d /sys/kernel/debug/failslab ]; then
		skip "this kernel has no fault injection (try KVER=debug)"
	fi
	# Module code lies above the kernel image: an allocation with a frame
	# there on its stack is made by the module being loaded, that is, by
	# its init. fail-nth counts only allocations that pass this filter.
	_end=$(sed -n 's/^\([0-9a-f]*\) . _end$/\1/p' /proc/kallsyms)
	case ${_end:-0} in
	*[1-9a-f]*) ;;
	*) fail "cannot read the kernel's _end in /proc/kallsyms" ;;
	esac
	for _attr in /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc; do
		# By default both spare GFP_KERNEL allocations: include them.
		echo N >"$_attr/ignore-gfp-wait"
		# Their report of each injected failure, with a stack, would
		# drown the console: keep it quiet.
		echo 0 >"$_attr/verbose"
		_start=0x$_end
		[ "${FAULT_SWEEP:-init}" != full ] || _start=0
		echo "$_start" >"$_attr/require-start"
		echo 0xffffffffffffffff >"$_attr/require-end"
		echo 64 >"$_attr/stacktrace-depth"
	done
}

# sweep MODULE CHECK...: fail allocation 1, 2, ... of its load, in
# guest/helpers/fail_nth_sweep (CHECKs are its -a/-t options: what a failed
# load must not leave behind), then a plain load must work.
sweep() {
	require_fault_injection
	_out=$("$helpers/fail_nth_sweep" "$root/$1.ko" "$@") || fail "$_out"
	note "$1: $_out"
	_failed=$(echo "$_out" | sed -n 's/.* failed=\([0-9]*\) .*/\1/p')
	expect_ge "${_failed:-0}" 1 "loads failed by an injected fault"
	claim "after the sweep, a plain load works and unloads"
	loaded "$1" || fail "the last, fault-free load did not leave $1 loaded"
	unload "$1"
	load "$1"
	unload "$1"
}

t_sleep_load_fails_cleanly_at_every_allocation() {
	claim "failing each allocation of sleep.ko's init in turn, every load fails cleanly: no /proc/sleep is left"
	sweep sleep -a /proc/sleep
}

t_sleepy_load_fails_cleanly_at_every_allocation() {
	claim "failing each allocation of sleepy.ko's init in turn, every load fails cleanly: no /dev/sleepy is left"
	sweep sleepy -a /dev/sleepy
}

t_completions_load_fails_cleanly_at_every_allocation() {
	claim "failing each allocation of completions.ko's init (kthread_create's too), every load fails cleanly: no thread is left"
	sweep completions -t 'KThread '
}

t_io_wait_event_load_fails_cleanly_at_every_allocation() {
	claim "failing each allocation of io_wait_event.ko's init (kthread_run's too), every load fails cleanly: no thread is left"
	sweep io_wait_event -t io_wait_
}
