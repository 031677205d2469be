#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make mutants, in the guest: run each mutant's tests in one boot.
# host/mutants/run sends, in /waitq/extra: "list", a line "NAME TEST..." per
# mutant, in order, and "overlays/NAME/", the files of the /waitq tree that
# NAME's patch changed (its .ko, a program, a test). Each mutant runs in a
# fresh copy of /waitq with its overlay on top, between the lines
#   waitq-mutant: start NAME
#   waitq-mutant: end NAME rc=STATUS s=SECONDS
# (STATUS is guest/run.sh's; SECONDS its time in the guest). A kernel that
# is no longer clean after a mutant (a splat, a new taint, one of our
# modules left loaded) is not fit for the next: the script stops with
# "waitq-mutant: reboot" and exit 3, and host/mutants/run boots again for
# the mutants that are left.
set -u

WAITQ_ROOT=/waitq
WAITQ_TMP=$(mktemp -d)
export WAITQ_ROOT WAITQ_TMP
# shellcheck source=guest/lib.sh
. "$WAITQ_ROOT/guest/lib.sh"
cd /waitq || exit 1
# One pace for every mutant's run, measured before any of them.
read -r WAITQ_SCALE _ <<EOF
$(pace)
EOF
export WAITQ_SCALE
# Taints other than W (a WARNING, which guest/run.sh blames on its test;
# the fault-injection tests expect some), O and E (our modules).
taints() { echo $(($(cat /proc/sys/kernel/tainted) & ~(512 | 4096 | 8192))); }
tainted=$(taints)
tree=/tmp/mutant

while read -r name tests; do
	rm -rf "$tree"
	mkdir "$tree"
	for f in /waitq/* /waitq/.[!.]*; do
		[ ! -e "$f" ] || [ "$f" = /waitq/extra ] || cp -a "$f" "$tree/"
	done
	[ ! -d "extra/overlays/$name" ] || cp -a "extra/overlays/$name/." "$tree/"
	echo "waitq-mutant: start $name"
	echo "waitq-mutant: start $name" >/dev/kmsg
	rc=0
	start=$(cut -d' ' -f1 /proc/uptime)
	out=$(mktemp)
	# shellcheck disable=SC2086 # a list of selectors
	(cd "$tree" && WAITQ_ROOT=$tree sh guest/run.sh -x $tests) >"$out" 2>&1 || rc=$?
	cat "$out"
	echo "waitq-mutant: end $name rc=$rc s=$(awk -v s="$start" '{ printf "%.1f", $1 - s }' /proc/uptime)"
	why=
	if grep -q '^# FAIL: the kernel logged a splat' "$out"; then
		why="a splat"
	elif [ "$(taints)" != "$tainted" ]; then
		why="taint $(cat /proc/sys/kernel/tainted)"
	else
		for m in $(modules); do
			[ ! -d "/sys/module/$m" ] || why="$m still loaded"
		done
	fi
	rm -f "$out"
	if [ -n "$why" ]; then
		echo "waitq-mutant: reboot after $name: $why"
		exit 3
	fi
done <extra/list
rm -rf "$tree"
