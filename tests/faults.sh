# SPDX-License-Identifier: GPL-2.0
#
# Loading under fault injection (the debug kernel): each allocation of each
# module's load, in load_module() and in the module's init, fails once in
# turn. Every such load either fails with an error and leaves nothing
# behind, or succeeds and unloads; then a plain load works. Skipped on
# kernels without fault injection.
# shellcheck shell=sh disable=SC2154 # root, helpers, tmp: lib.sh

require_fault_injection() {
	if [ ! -w /proc/thread-self/fail-nth ] || [ ! -d /sys/kernel/debug/failslab ]; then
		skip "this kernel has no fault injection (try KVER=debug)"
	fi
	# By default failslab spares GFP_KERNEL allocations: include them.
	echo N >/sys/kernel/debug/failslab/ignore-gfp-wait
	# failslab's own report of each injected failure, with a stack, would
	# drown the console: keep it quiet.
	echo 0 >/sys/kernel/debug/failslab/verbose
}

# sweep MODULE CHECK...: fail allocation 1, 2, ... of its load, in
# tests/helpers/fail_nth_sweep (CHECKs are its -a/-t options: what a failed
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
	claim "each failed allocation while loading sleep.ko fails the load cleanly: no /proc/sleep"
	sweep sleep -a /proc/sleep
}

t_sleepy_load_fails_cleanly_at_every_allocation() {
	claim "each failed allocation while loading sleepy.ko fails the load cleanly: no /dev/sleepy"
	sweep sleepy -a /dev/sleepy
}

t_completions_load_fails_cleanly_at_every_allocation() {
	claim "each failed allocation while loading completions.ko, kthread_create's included, leaves no thread"
	sweep completions -t 'KThread '
}

t_io_wait_event_load_fails_cleanly_at_every_allocation() {
	claim "each failed allocation while loading io_wait_event.ko, kthread_run's included, leaves no thread"
	sweep io_wait_event -t io_wait_
}
