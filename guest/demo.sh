#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Replay each example the way a reader would type it, with its output:
# `make demo` runs this as root in the VM, from the project folder.
set -eu

WAITQ_ROOT=$(cd "$(dirname "$0")/.." && pwd)
WAITQ_TMP=$(mktemp -d)
export WAITQ_ROOT WAITQ_TMP
# shellcheck source=guest/lib.sh
. "$WAITQ_ROOT/guest/lib.sh"
# shellcheck disable=SC2154 # root and tmp come from lib.sh
trap 'rm -rf "$tmp"' EXIT
cd "$root"

# show 'CMD': print the command like a shell prompt would, then run it.
show() {
	echo "\$ $1"
	eval "$1"
}

waiter_reported_twice() { [ "$(klog | grep -c 'wait thread execution')" -ge 2 ]; }
would_block() { [ "$(./cat_nonblock /proc/sleep)" = "Open would block" ]; }
flywheel_spun() { klog_has "Flywheel spins up"; }
sleep_is_free() { ./cat_nonblock /proc/sleep >/dev/null 2>&1; }

if [ -f sleep.ko ]; then
	echo "== sleep.ko: /proc/sleep, one opener at a time =="
	show 'insmod sleep.ko'
	show './cat_nonblock /proc/sleep'
	echo "\$ tail -f /proc/sleep &"
	tail -f /proc/sleep &
	tail_pid=$!
	wait_for 10 "tail -f to hold /proc/sleep" would_block
	show './cat_nonblock /proc/sleep' || true
	echo "\$ kill %1"
	kill "$tail_pid"
	wait "$tail_pid" || true
	wait_for 10 "/proc/sleep to be free" sleep_is_free
	show './cat_nonblock /proc/sleep'
	show 'echo "hello, sleeper" > /proc/sleep'
	show 'cat /proc/sleep'
	show 'rmmod sleep'
	echo
fi

if [ -f completions.ko ]; then
	echo "== completions.ko: the flywheel waits for the crank =="
	klog_mark
	show 'insmod completions.ko crank_delay_ms=100'
	wait_for 10 "the flywheel" flywheel_spun
	show 'rmmod completions'
	echo "\$ dmesg"
	klog
	echo
fi

if [ -f io_wait_event.ko ]; then
	echo "== io_wait_event.ko: a wait thread sleeps until the count passes 3 =="
	klog_mark
	show 'insmod io_wait_event.ko interval_ms=200'
	# The waiter reports only once the count has passed 3: let it do so twice.
	wait_for 20 "the waiter's second report" waiter_reported_twice
	show 'rmmod io_wait_event'
	echo "\$ dmesg"
	klog
	echo
fi

if [ -f sleepy.ko ]; then
	echo "== sleepy.ko: each write wakes one sleeping reader =="
	klog_mark
	show 'insmod sleepy.ko dyndbg=+p'
	echo "\$ cat /dev/sleepy &"
	cat /dev/sleepy &
	reader=$!
	wait_for 10 "cat to sleep in read()" in_state "$reader" S
	show 'echo wake > /dev/sleepy'
	echo "\$ wait"
	wait "$reader"
	show 'rmmod sleepy'
	echo "\$ dmesg"
	klog
fi
