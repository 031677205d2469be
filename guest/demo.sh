#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Replay each example the way a reader would type it, with its output:
# `make demo` runs this as root in the VM, from the project folder.
set -eu

cd "$(dirname "$0")/.."
PATH=$PWD/tools:$PATH

# show 'CMD': print the command like a shell prompt would, then run it.
show() {
	echo "\$ $1"
	eval "$1"
}

# until_ok SECONDS CMD...: poll CMD, give up after SECONDS.
until_ok() {
	n=$(($1 * 50))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || { echo "demo: gave up waiting for: $*"; exit 1; }
		sleep 0.02
	done
}

# Kernel messages since a mark, without timestamps.
mark() { echo "demo-mark-$1" >/dev/kmsg; }
since() { dmesg | sed -n "/demo-mark-$1/,\$p" | sed '1d; s/^\[[^]]*\] //'; }

waiter_reported_twice() { [ "$(dmesg | grep -c 'wait thread execution')" -ge 2 ]; }
would_block() { [ "$(cat_nonblock /proc/sleep)" = "Open would block" ]; }

if [ -f sleep.ko ]; then
	echo "== sleep.ko: /proc/sleep, one opener at a time =="
	show 'insmod sleep.ko'
	show 'cat_nonblock /proc/sleep'
	echo "\$ tail -f /proc/sleep &"
	tail -f /proc/sleep &
	tail_pid=$!
	until_ok 10 would_block
	show 'cat_nonblock /proc/sleep' || true
	echo "\$ kill %1"
	kill "$tail_pid"
	wait "$tail_pid" || true
	until_ok 10 cat_nonblock /proc/sleep
	show 'cat_nonblock /proc/sleep'
	show 'echo "hello, sleeper" > /proc/sleep'
	show 'cat /proc/sleep'
	show 'rmmod sleep'
	echo
fi

if [ -f completions.ko ]; then
	echo "== completions.ko: the flywheel waits for the crank =="
	mark completions
	show 'insmod completions.ko crank_delay_ms=100'
	until_ok 10 sh -c 'dmesg | grep -q "Flywheel spins up"'
	show 'rmmod completions'
	echo "\$ dmesg"
	since completions
	echo
fi

if [ -f io_wait_event.ko ]; then
	echo "== io_wait_event.ko: a wait thread sleeps until the count passes 3 =="
	mark io_wait_event
	show 'insmod io_wait_event.ko interval_ms=200'
	# The waiter reports only once the count has passed 3: let it do so twice.
	until_ok 20 waiter_reported_twice
	show 'rmmod io_wait_event'
	echo "\$ dmesg"
	since io_wait_event
	echo
fi

if [ -f sleepy.ko ]; then
	echo "== sleepy.ko: each write wakes one sleeping reader =="
	mark sleepy
	show 'insmod sleepy.ko dyndbg=+p'
	echo "\$ cat /dev/sleepy &"
	cat /dev/sleepy &
	reader=$!
	until_ok 10 sh -c "grep -q '^State:.*S' /proc/$reader/status"
	show 'echo wake > /dev/sleepy'
	echo "\$ wait"
	wait "$reader"
	show 'rmmod sleepy'
	echo "\$ dmesg"
	since sleepy
fi
