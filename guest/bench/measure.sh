#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the guest side: /dev/sleepy against eventfd, a pipe and a POSIX
# semaphore as a token, /proc/sleep under each of its three rules (fifo,
# handoff, wake_all=1) against flock, an OFD lock, a pthread mutex and a
# plain open+close as a lock, all in one boot. Each repetition
# runs every primitive of a configuration back to back, in an order rotated
# from one repetition to the next, so that they are compared under the same
# conditions. Prints CSV on stdout: "meta,KEY,VALUE" lines, then
# "REP,GROUP,PRIM,TEST,N,HOLD_MS,METRIC,VALUE" (guest/bench/bench.c says
# what each metric is). host/bench/report turns it into tables and plots.
#
#   guest/bench/measure.sh [REPS]   (as root in the VM; default 5 repetitions)
set -eu

WAITQ_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WAITQ_TMP=$(mktemp -d)
export WAITQ_ROOT WAITQ_TMP
# shellcheck source=guest/lib.sh
. "$WAITQ_ROOT/guest/lib.sh"
# shellcheck disable=SC2154 # root and tmp come from lib.sh
trap 'rm -rf "$tmp"' EXIT
cd "$root"
reps=${1:-5}
bench=guest/bench/bench

# run REP ARGS...: one run of the harness, its lines prefixed with REP. A
# run that fails (lost or doubled tokens, two holders) is reported, and the
# benchmark goes on.
run() {
	_rep=$1
	shift
	if ! _out=$("$bench" "$@"); then
		echo "bench: run failed: $*" >&2
	fi
	[ -z "$_out" ] || printf '%s\n' "$_out" | sed "s/^/$_rep,/"
}

# rotate K WORD...: the words, starting from the K-th (0-based, wrapping).
rotate() {
	_k=$(($1 % ($# - 1)))
	shift
	while [ "$_k" -gt 0 ]; do
		_w=$1
		shift
		set -- "$@" "$_w"
		_k=$((_k - 1))
	done
	echo "$@"
}

load_sleep() {
	rmmod sleep 2>/dev/null || true
	insmod sleep.ko "$@"
}

# run_lock REP PRIM ARGS...: run for a lock; /proc/sleep's other rules are
# loaded for their run, and the default put back after it.
run_lock() {
	_r=$1 _p=$2
	shift 2
	case $_p in
	sleep-handoff) load_sleep rule=handoff ;;
	sleep-wake_all) load_sleep wake_all=1 ;;
	esac
	run "$_r" lock "$_p" "$@"
	case $_p in
	sleep-*) load_sleep ;;
	esac
}

# With tsc=reliable the kernel moves from tsc-early to tsc a second or so
# after boot: start once it has (both are read in the vDSO).
clock=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat "$clock")" = tsc-early ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

start=$(cut -d' ' -f1 /proc/uptime)
echo "meta,kernel,$(uname -r)"
echo "meta,vcpus,$(grep -c '^processor' /proc/cpuinfo)"
echo "meta,clocksource,$(cat "$clock")"
# vm/vm says on the kernel command line whether KVM or TCG runs the guest.
echo "meta,accel,$(tr ' ' '\n' </proc/cmdline | sed -n 's/^waitq\.accel=//p')"
echo "meta,cmdline,$(cat /proc/cmdline)"
echo "meta,reps,$reps"
echo "rep,group,prim,test,n,hold_ms,metric,value"

insmod sleepy.ko
load_sleep
rep=1
while [ "$rep" -le "$reps" ]; do
	tokens=$(rotate "$rep" sleepy eventfd pipe sem)
	locks=$(rotate "$rep" sleep sleep-handoff flock ofd mutex)
	for t in wake-same wake-cross; do
		for p in $tokens; do
			run "$rep" token "$p" "$t" 200
		done
	done
	for n in 1 8 64; do
		for p in $tokens; do
			run "$rep" token "$p" burst "$n" 2000
		done
	done
	for t in handoff-same handoff-cross; do
		for p in $locks; do
			run_lock "$rep" "$p" "$t" 200
		done
	done
	# No hold: the cost of the lock itself; open+close is the floor.
	for n in 1 8 64; do
		for p in $locks sleep-wake_all open; do
			run_lock "$rep" "$p" "$n" 0 1024
		done
	done
	# 1 ms holds: every waiter sleeps; wake_all=1 shows the herd.
	for n in 1 8 64; do
		for p in $locks sleep-wake_all; do
			run_lock "$rep" "$p" "$n" 1 256
		done
	done
	echo "bench: repetition $rep of $reps done" >&2
	rep=$((rep + 1))
done
rmmod sleep
rmmod sleepy
echo "meta,clocksource_end,$(cat "$clock")"
echo "meta,seconds,$(awk -v s="$start" '{ printf "%.0f", $1 - s }' /proc/uptime)"
