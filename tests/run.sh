#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the waitq-lab tests as root and print KTAP. A group is a file
# tests/<group>.sh; each function t_<name> in it is one test, run in its own
# shell with a timeout, then its leftover processes are killed and the
# modules must unload. A module's group is skipped when its .ko is not
# built; cat_nonblock, packaging and vm need no module (the last two run on the
# build host only); faults needs a kernel with fault injection.
#
#   tests/run.sh [GROUP...]   default: every group; TEST_TIMEOUT (s, 120)
#
# WAITQ_ROOT is the project folder holding the .ko files, tools/ and tests/
# (default: the parent of this script).
set -eu

tests=$(cd "$(dirname "$0")" && pwd)
WAITQ_ROOT=${WAITQ_ROOT:-$(dirname "$tests")}
export WAITQ_ROOT
timeout_s=${TEST_TIMEOUT:-120}
modules="sleep completions sleepy io_wait_event"
# shellcheck disable=SC2086 # a list
[ $# -gt 0 ] || set -- cat_nonblock $modules trace faults

list() {
	[ ! -f "$tests/$1.sh" ] || sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' "$tests/$1.sh"
}

# Kill what the test left running, then every module must go away.
cleanup() {
	if [ -f "$WAITQ_TMP/pids" ]; then
		# shellcheck disable=SC2046 # one pid per line
		kill -9 $(cat "$WAITQ_TMP/pids") 2>/dev/null || true
	fi
	for m in $modules; do
		grep -qs "^$m " /proc/modules || continue
		i=0
		while ! rmmod "$m" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -ge 500 ]; then
				echo "# FAIL: cleanup: $m will not unload (refcnt $(cat "/sys/module/$m/refcnt"))"
				return 1
			fi
			sleep 0.02
		done
	done
}

# On a kernel with kmemleak, each group that loads modules ends with one more
# test: after its tests, two scans find nothing.
kmemleak=/sys/kernel/debug/kmemleak
is_module() { echo " $modules " | grep -q " $1 "; }
leak_checked() {
	[ -w "$kmemleak" ] && [ "$1" != cat_nonblock ] &&
		{ ! is_module "$1" || [ -f "$WAITQ_ROOT/$1.ko" ]; }
}

total=0
for group; do
	total=$((total + $(list "$group" | wc -l)))
	! leak_checked "$group" || total=$((total + 1))
done
echo "KTAP version 1"
echo "1..$total"
# What the kernel leaked before the tests is not theirs.
if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

n=0
for group; do
	for fn in $(list "$group"); do
		n=$((n + 1))
		name="$group: ${fn#t_}"
		if is_module "$group" && [ ! -f "$WAITQ_ROOT/$group.ko" ]; then
			echo "ok $n $name # SKIP $group.ko is not built"
			continue
		fi
		WAITQ_TMP=$(mktemp -d)
		export WAITQ_TMP
		[ ! -w /dev/kmsg ] || echo "waitq-test: $name" >/dev/kmsg
		rc=0
		# shellcheck disable=SC2016 # expanded by the inner shell
		timeout "$timeout_s" sh -c '. "$1/lib.sh"; . "$1/$2.sh"; "$3"' \
			sh "$tests" "$group" "$fn" >"$WAITQ_TMP/log" 2>&1 || rc=$?
		cleanup >>"$WAITQ_TMP/log" 2>&1 || [ $rc -ne 0 ] || rc=1
		# A passing test shows its claims and notes; a failing one, everything.
		if [ $rc -eq 0 ] || [ $rc -eq 4 ]; then
			grep '^# ' "$WAITQ_TMP/log" | grep -v '^# SKIP: ' || true
		else
			sed 's/^#* \{0,1\}/# /' "$WAITQ_TMP/log"
		fi
		case $rc in
		0) echo "ok $n $name" ;;
		4) echo "ok $n $name # SKIP $(sed -n 's/^# SKIP: //p' "$WAITQ_TMP/log")" ;;
		124 | 143) echo "not ok $n $name # timed out after ${timeout_s}s" ;;
		*) echo "not ok $n $name" ;;
		esac
		rm -rf "$WAITQ_TMP"
	done
	if leak_checked "$group"; then
		n=$((n + 1))
		# kmemleak reports only objects older than 5 s (MSECS_MIN_AGE).
		sleep 5
		echo scan >"$kmemleak"
		echo scan >"$kmemleak"
		if [ -s "$kmemleak" ]; then
			sed 's/^/# /' "$kmemleak" | head -n 60
			echo "not ok $n $group: kmemleak reports nothing"
		else
			echo "ok $n $group: kmemleak reports nothing"
		fi
		# Blame the next group only for its own leaks.
		echo clear >"$kmemleak"
	fi
done
