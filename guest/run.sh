#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the waitq-lab tests as root and print KTAP. A group is a file
# guest/tests/<group>.sh (run in the guest: the VM, or a machine you test
# on) or host/tests/<group>.sh (run on the build host; it loads no module).
# Each function t_<name> in it, written `t_<name>() {` at the start of a
# line, is one test, run in its own shell with a timeout under
# guest/helpers/subreaper; then every process it started, at any depth, is
# killed, the modules must unload (or the processes holding them are
# shown), and a kernel splat logged while it ran fails it. Each result comes
# after a "# time:" line. Each module of Kbuild's list has its group,
# guest/tests/<name>.sh, skipped when <name>.ko is not built.
#
# A guest group with a line `# runs-on: host guest` runs on the host too
# (cat_nonblock). A group with a line `# on request` (stress: minutes
# long) runs only when a selector names it. A line `# timeout: SECONDS` in
# a group's opening comment gives each of its tests that limit instead of
# TEST_TIMEOUT's, as kselftest's settings file does: the host groups that
# boot VMs have it, since the pace measured on the host cannot tell how
# slow their guests are.
#
# WAITQ_ROOT is the project folder, with Kbuild and the built .ko files
# (default: the parent of guest/; /waitq in the VM). Exit status: 0 every
# test passed or was skipped, 1 a test failed or timed out, 64 bad usage: a
# selector that matches no test, a test file the runner cannot read (a t_
# function it would not discover), a module without tests.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
WAITQ_ROOT=${WAITQ_ROOT:-$(dirname "$here")}
export WAITQ_ROOT
timeout_s=${TEST_TIMEOUT:-120}

usage() {
	[ $# -eq 0 ] || echo "run.sh: $*" >&2
	cat >&2 <<'EOF'
usage: guest/run.sh [-l] [-x] [-w host|guest] [SELECTOR...]
  SELECTOR  GROUP or GROUP:TEST, either part a shell pattern
            ('sleep:rmmod_while_held_*', '*:*signal*'); default: every
            guest group but those run on request
  -l        list the selected tests (GROUP:TEST) and exit
  -x        after the first test that fails, skip the rest (make mutants)
  -w WHERE  keep the groups that run there; -w host alone: every host group
  TEST_TIMEOUT=SECONDS  the limit of each test (default 120, times the pace)
EOF
	exit 64
}

listing='' where='' first_failure=''
while getopts lw:x opt; do
	case $opt in
	l) listing=1 ;;
	x) first_failure=1 ;;
	w) where=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $where in
'' | host | guest) ;;
*) usage "-w takes host or guest, not '$where'" ;;
esac

# lib.sh's helpers (modules, rmmod, now_ms, task_state...) serve the runner
# too; each test sources it again in its own shell.
# shellcheck source=guest/lib.sh
WAITQ_TMP=${TMPDIR:-/tmp} . "$here/lib.sh"
mods=$(modules 2>/dev/null || true)
is_module() { echo "$mods" | grep -qx "$1"; }

# The groups: guest/tests/*.sh, and on the build host host/tests/*.sh.
# group_file GROUP: its file.
group_dirs="$here/tests $WAITQ_ROOT/host/tests"
groups=$(for d in $group_dirs; do
	for f in "$d"/*.sh; do [ ! -f "$f" ] || basename "$f" .sh; done
done)
group_file() {
	for _d in $group_dirs; do
		[ ! -f "$_d/$1.sh" ] || { echo "$_d/$1.sh" && return; }
	done
}
dup=$(echo "$groups" | sort | uniq -d)
[ -z "$dup" ] || usage "groups in both guest/tests and host/tests: $dup"
for m in $mods; do
	echo "$groups" | grep -qx "$m" || usage "module $m has no tests: write guest/tests/$m.sh"
done

# runs_on GROUP: where it runs: host for host/tests, else its `# runs-on:`
# line, or guest.
runs_on() {
	case $(group_file "$1") in
	"$WAITQ_ROOT/host/tests/"*) echo host ;;
	*) sed -n 's/^# runs-on: \(.*\)$/\1/p' "$(group_file "$1")" | grep . || echo guest ;;
	esac
}
runs_here() { [ -z "$where" ] || runs_on "$1" | grep -qw "$where"; }

# Every t_ function must be one the runner discovers, `t_name() {` at the
# start of a line: any other form (`t_x () {`, a one-liner, `function t_x`)
# would be skipped silently.
for group in $groups; do
	file=$(group_file "$group")
	bad=$(grep -nE '^[[:space:]]*(function[[:space:]]+)?t_[A-Za-z0-9_]*[[:space:]]*(\(|\{|$)' \
		"$file" | grep -vE '^[0-9]+:t_[a-z0-9_]+\(\) \{$' || true)
	[ -z "$bad" ] || usage "$file: write each test as 't_name() {' on a line of its own, not:
$bad"
	dup=$(sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' "$file" | sort | uniq -d)
	[ -z "$dup" ] || usage "$file defines $dup more than once"
done
list() { sed -n 's/^t_\([a-z0-9_]*\)() {$/\1/p' "$(group_file "$1")"; }

# select SELECTOR: "GROUP TEST" for each test it matches, in file order.
select_tests() {
	_g=${1%%:*} _t='*'
	case $1 in *:*) _t=${1#*:} ;; esac
	_hit=''
	# shellcheck disable=SC2254 # patterns on purpose
	for _group in $groups; do
		case $_group in $_g) ;; *) continue ;; esac
		for _test in $(list "$_group"); do
			case $_test in $_t) _hit=1 && echo "$_group $_test" ;; esac
		done
	done
	[ -n "$_hit" ] || usage "'$1' matches no test (groups: $(echo "$groups" | tr '\n' ' '))"
}

if [ $# -eq 0 ]; then
	default=guest
	[ "$where" != host ] || default=host
	for group in $groups; do
		! grep -qx '# on request' "$(group_file "$group")" || continue
		! runs_on "$group" | grep -qw "$default" || set -- "$@" "$group"
	done
fi
selected=$(for sel; do select_tests "$sel" || exit 64; done) || exit 64
selected=$(echo "$selected" | awk 'NF && !seen[$0]++' | while read -r group test; do
	! runs_here "$group" || echo "$group $test"
done)
if [ -n "$listing" ]; then
	[ -z "$selected" ] || echo "$selected" | tr ' ' :
	exit 0
fi

# Each test runs under subreaper, which kills everything it started when it
# ends.
subreaper=$here/helpers/subreaper
[ -x "$subreaper" ] || usage "no $subreaper: build the programs first (make programs)"

# show_task PID: one process as the runner reports it: pid, name, state,
# wait channel and kernel stack.
show_task() {
	echo "#   pid $1 ($(cat "/proc/$1/comm" 2>/dev/null)) state $(task_state "$1") wchan $(cat "/proc/$1/wchan" 2>/dev/null)"
	sed 's/^/#     /' "/proc/$1/stack" 2>/dev/null || true
}

# holders MODULE: every process with a file of MODULE open (the examples'
# files are /proc/NAME and /dev/NAME), and every process asleep in D.
holders() {
	for _fd in /proc/[0-9]*/fd/*; do
		case $(readlink "$_fd" 2>/dev/null) in
		"/proc/$1" | "/dev/$1") ;;
		*) continue ;;
		esac
		_pid=${_fd#/proc/} _pid=${_pid%%/*}
		echo "# holds $(readlink "$_fd") as fd ${_fd##*/}:"
		show_task "$_pid"
	done
	for _pid in /proc/[0-9]*; do
		_pid=${_pid#/proc/}
		[ "$(task_state "$_pid")" = D ] || continue
		echo "# asleep in D:"
		show_task "$_pid"
	done
}

# Every module must go away once the test's processes are gone (subreaper
# killed what was left); one that stays held for 10 s says who holds it.
cleanup() {
	for m in $mods; do
		loaded "$m" || continue
		_until=$(($(now_ms) + 10000))
		while ! rmmod "$m" 2>/dev/null; do
			if [ "$(now_ms)" -ge "$_until" ]; then
				echo "# FAIL: cleanup: $m will not unload (refcnt $(refcnt "$m"))"
				holders "$m"
				return 1
			fi
			sleep 0.02
		done
	done
}

# slow_waits FILE: the waits of a test (wait_for in lib.sh writes "MS
# BOUND_S WHAT" lines to FILE) that took a quarter of their bound or more:
# a bound is there to catch a hang, several times the slowest healthy wait.
slow_waits() {
	[ -s "$1" ] || return 0
	while read -r _ms _bound _what; do
		[ $((_ms * 4)) -ge $((_bound * 1000)) ] || continue
		echo "# slow wait: $_what took $((_ms / 1000)).$((_ms / 100 % 10)) s of its ${_bound} s bound"
	done <"$1"
}

# A group that may run on the host loads no module: its tests are not
# blamed for the kernel's splats, nor checked for leaks.
guest_only() { ! runs_on "$1" | grep -qw host; }

# splats NAME: the kernel's splats (guest/splats.awk) logged since the
# test NAME started, each with its stack. The log is read and cleared in one
# call (dmesg -c), so each test's scan reads only what came after the last:
# a scan of the whole log costs most of a second per test under TCG. The
# console (vm/vm) still has every line.
splats() {
	dmesg -c 2>/dev/null | awk -v test="$1" -v full=1 -f "$here/splats.awk"
}
# Where a kernel log is readable (root), the tests are told apart in it.
marks=
[ ! -w /dev/kmsg ] || ! dmesg >/dev/null 2>&1 || marks=1

# On a kernel with kmemleak, each group that loads modules ends with one more
# test: after its tests, two scans find nothing.
kmemleak=/sys/kernel/debug/kmemleak
leak_checked() {
	[ -w "$kmemleak" ] && guest_only "$1" &&
		{ ! is_module "$1" || [ -f "$WAITQ_ROOT/$1.ko" ]; }
}

groups_run=$(echo "$selected" | awk 'NF && !seen[$1]++ { print $1 }')
total=$(echo "$selected" | grep -c . || true)
for group in $groups_run; do
	! leak_checked "$group" || total=$((total + 1))
done
echo "KTAP version 1"
echo "1..$total"
# The pace (lib.sh) scales every bound that catches a hang, each test's
# limit included; WAITQ_SCALE set by the caller is taken as it is.
if [ -z "${WAITQ_SCALE:-}" ]; then
	read -r WAITQ_SCALE pace_ms pace_us <<EOF
$(pace)
EOF
	echo "# pace: kmod starts and fails in $pace_ms ms (150 on the reference), a wake-up on the other CPU and back takes $pace_us us (180): time bounds x $WAITQ_SCALE"
fi
export WAITQ_SCALE
scale=$WAITQ_SCALE
timeout_s=$((timeout_s * scale))
# What the kernel leaked before the tests is not theirs.
if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

n=0 failed=0
# result ok|not_ok NAME [DIRECTIVE]: one KTAP result line.
result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2${3:+ # $3}"
	else
		failed=$((failed + 1))
		echo "not ok $n $2${3:+ # $3}"
	fi
}

for group in $groups_run; do
	for fn in $(echo "$selected" | awk -v g="$group" '$1 == g { print "t_" $2 }'); do
		name="$group: ${fn#t_}"
		if [ -n "$first_failure" ] && [ "$failed" -gt 0 ]; then
			result ok "$name" "SKIP not run: a test before it failed (-x)"
			continue
		fi
		if is_module "$group" && [ ! -f "$WAITQ_ROOT/$group.ko" ]; then
			result ok "$name" "SKIP $group.ko is not built"
			continue
		fi
		WAITQ_TMP=$(mktemp -d)
		export WAITQ_TMP
		# The test's output, outside the folder the test owns.
		log=$(mktemp)
		[ -z "$marks" ] || echo "waitq-test: $name" >/dev/kmsg
		start=$(now_ms)
		rc=0
		limit=$(awk '!/^#/ { exit } /^# timeout: [0-9]+$/ { print $3; exit }' \
			"$(group_file "$group")")
		limit=$((${limit:-$((timeout_s / scale))} * scale))
		# shellcheck disable=SC2016 # expanded by the inner shell
		"$subreaper" -t "$limit" sh -c '. "$1/lib.sh"; . "$2"; "$3"' \
			sh "$here" "$(group_file "$group")" "$fn" >"$log" 2>&1 || rc=$?
		cleanup >>"$log" 2>&1 || [ $rc -ne 0 ] || rc=1
		slow_waits "$WAITQ_TMP/waits" >>"$log"
		took=$(($(now_ms) - start))
		echo "# time: $((took / 1000)).$((took / 100 % 10))$((took / 10 % 10)) s" >>"$log"
		splat=
		if [ -n "$marks" ] && guest_only "$group"; then
			splat=$(splats "$name")
		fi
		# A passing test shows its claims and notes; a failing one, everything.
		if [ -z "$splat" ] && { [ $rc -eq 0 ] || [ $rc -eq 4 ]; }; then
			grep '^# ' "$log" | grep -v '^# SKIP: ' || true
		else
			sed 's/^#* \{0,1\}/# /' "$log"
		fi
		if [ -n "$splat" ]; then
			echo "# FAIL: the kernel logged a splat during this test:"
			echo "$splat" | sed 's/^/# splat: /'
			result not_ok "$name"
			rm -rf "$WAITQ_TMP" "$log"
			continue
		fi
		case $rc in
		0) result ok "$name" ;;
		4) result ok "$name" "SKIP $(sed -n 's/^# SKIP: //p' "$log")" ;;
		124) result not_ok "$name" "TIMEOUT after ${limit} s" ;;
		*) result not_ok "$name" ;;
		esac
		rm -rf "$WAITQ_TMP" "$log"
	done
	if [ -n "$first_failure" ] && [ "$failed" -gt 0 ] && leak_checked "$group"; then
		result ok "$group: kmemleak reports nothing" "SKIP not run: a test before it failed (-x)"
	elif leak_checked "$group"; then
		# kmemleak reports only objects older than 5 s (MSECS_MIN_AGE).
		sleep 5
		echo scan >"$kmemleak"
		echo scan >"$kmemleak"
		if [ -s "$kmemleak" ]; then
			sed 's/^/# /' "$kmemleak" | head -n 60
			result not_ok "$group: kmemleak reports nothing"
		else
			result ok "$group: kmemleak reports nothing"
		fi
		# Blame the next group only for its own leaks.
		echo clear >"$kmemleak"
	fi
done
[ "$failed" -eq 0 ] || exit 1
