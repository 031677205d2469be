#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the thundering herd of /proc/sleep, measured in one run.
# For 8, 32 and 64 openers queued behind a holder, each holding the file
# 2 ms, count the voluntary context switches each spends in open(): with an
# exclusive wait (default) and with wake_all=1. Runs as root in the VM.
set -eu

cd "$(dirname "$0")/.."
crowd=tests/helpers/sleep_crowd
hold_ms=2

# switches WAKE_ALL N: total voluntary context switches of N openers.
switches() {
	insmod sleep.ko wake_all="$1"
	out=$("$crowd" fifo "$2" "$hold_ms")
	rmmod sleep
	echo "$out" | sed -n 's/^ctxsw: \([0-9]*\) .*/\1/p'
}

echo "voluntary context switches per opener in open(), ${hold_ms} ms holds"
printf '%8s %10s %10s %8s\n' openers exclusive wake_all ratio
for n in 8 32 64; do
	one=$(switches 0 "$n")
	all=$(switches 1 "$n")
	awk -v n="$n" -v one="$one" -v all="$all" 'BEGIN {
		printf "%8d %10.1f %10.1f %7.1fx\n", n, one / n, all / n, all / one }'
done
