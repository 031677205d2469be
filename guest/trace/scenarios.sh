#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run short scenarios of the examples with tracefs recording, as root in the
# VM (make trace) or on a machine with the modules built. Each scenario's
# trace, the kernel's ftrace text, goes to DIR/NAME.txt (default $WAITQ_OUT,
# or the current folder); host/trace/timeline.py draws it.
#
#   guest/trace/scenarios.sh [-d DIR] [SCENARIO...]
#
# Scenarios (default: all but the sleep-contend ones): sleep-one sleep-herd
# sleep-handoff sleep-contend-fifo sleep-contend-handoff sleepy completions
# io_wait_event. Recorded: sched_switch, sched_waking, sched_wakeup,
# sched_process_fork, sched_process_exit and the module's own events (for
# completions and io_wait_event, enabled as soon as they appear, while the
# module's init runs). Marker lines (tracing_mark_write: waitq-trace: ...)
# name the scenario, the kernel, the parameters and the tasks to draw (a
# regular expression for their names), and bracket what the timeline shows
# (begin, end); "span FIRST LAST WHAT" draws WHAT from a task's event FIRST
# to its next LAST, "width N" the picture's width.
# Exits 4 when the kernel has no tracefs (CONFIG_TRACING off).
set -eu

WAITQ_ROOT=${WAITQ_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
own_tmp=
if [ -z "${WAITQ_TMP:-}" ]; then
	WAITQ_TMP=$(mktemp -d)
	own_tmp=$WAITQ_TMP
fi
export WAITQ_ROOT WAITQ_TMP
# shellcheck source=guest/lib.sh
. "$WAITQ_ROOT/guest/lib.sh"
# shellcheck disable=SC2154 # helpers, root and tmp come from lib.sh

dir=${WAITQ_OUT:-.}
while getopts d: opt; do
	case $opt in
	d) dir=$OPTARG ;;
	*)
		echo "usage: guest/trace/scenarios.sh [-d DIR] [SCENARIO...]" >&2
		exit 64
		;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- sleep-one sleep-herd sleep-handoff sleepy completions \
	io_wait_event
mkdir -p "$dir"

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || true
if [ ! -d $T/events/sched ]; then
	echo "trace: no tracefs with sched events here (CONFIG_TRACING off?)" >&2
	exit 4
fi

# The scheduler's events stay enabled once enabled (tracing_on starts and
# stops the recording): turning a tracepoint on or off patches the kernel's
# code while other CPUs run it, and under QEMU's multi-threaded TCG a 6.12
# guest once died of it ("Oops: int3" in try_to_wake_up()).
finish() {
	echo 0 >$T/tracing_on
	if [ -f "$tmp/pids" ]; then
		# shellcheck disable=SC2046 # one pid per line
		kill -9 $(cat "$tmp/pids") 2>/dev/null || true
	fi
	[ -z "$own_tmp" ] || rm -rf "$own_tmp"
}
trap finish EXIT

mark() { echo "waitq-trace: $*" >$T/trace_marker; }

# start NAME PARAMS TASKS: start a fresh trace of the scheduler's events.
start() {
	name=$1
	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo 8192 >$T/buffer_size_kb
	: >$T/trace
	for e in sched_switch sched_waking sched_wakeup sched_process_fork \
		sched_process_exit; do
		grep -q 1 "$T/events/sched/$e/enable" ||
			echo 1 >"$T/events/sched/$e/enable"
	done
	echo 1 >$T/tracing_on
	mark "scenario $1"
	mark "kernel $(uname -r)"
	mark "params $2"
	mark "tasks $3"
}

# events MODULE: record the module's own events (they exist once it is loaded).
events() { echo 1 >"$T/events/$1/enable"; }

# load_traced MODULE [PARAM=VALUE...]: insmod, turning the module's events on
# while its init runs: they appear just before init, and a loop that never
# sleeps sees them at once. (No kernel here can enable them before the load.)
load_traced() {
	_mod=$1
	shift
	insmod "$root/$_mod.ko" "$@" &
	_insmod=$!
	until [ -d "$T/events/$_mod" ]; do
		kill -0 "$_insmod" 2>/dev/null || [ -d "$T/events/$_mod" ] ||
			fail "insmod $_mod $* ended with no events/$_mod"
	done
	events "$_mod"
	wait "$_insmod" || fail "insmod $_mod $*"
}

# end: stop, save the trace as DIR/NAME.txt.
end() {
	mark end
	echo 0 >$T/tracing_on
	cat $T/trace >"$dir/$name.txt"
	echo "trace: $name: $(grep -vc '^#' "$dir/$name.txt") events in $dir/$name.txt"
}

asleep_in() {
	in_state "$1" S && read -r _nr _ <"/proc/$1/syscall" && [ "$_nr" = "$2" ]
}
SYS_READ=0
SYS_OPENAT=257

# queue_behind_holder: a holder ($tmp/holder, sleep_opener under another
# name, so ps and the timeline tell it apart) opens /proc/sleep and keeps
# it; then $openers openers, each to hold it $hold_ms ms, sleep in open().
# The holder's pid is in $holder, the openers' in $pids.
queue_behind_holder() {
	ln -sf "$helpers/sleep_opener" "$tmp/holder"
	spawn "$tmp/holder" -H -1 /proc/sleep >"$tmp/holder.out"
	holder=$spawned
	wait_for 10 "the holder to open /proc/sleep" grep -q 'open: ok' "$tmp/holder.out"
	pids=
	for i in $(seq "$openers"); do
		spawn "$helpers/sleep_opener" -H "$hold_ms" /proc/sleep >/dev/null
		wait_for 10 "opener $i to sleep in open()" asleep_in "$spawned" $SYS_OPENAT
		pids="$pids $spawned"
	done
}

# sleep-one / sleep-herd: a holder keeps /proc/sleep while 8 openers queue,
# one after another; then it leaves and each opener holds the file 20 ms.
sleep_scenario() {
	openers=8 hold_ms=20
	load sleep wake_all="$2"
	start "$1" "openers=$openers hold_ms=$hold_ms wake_all=$2" '^(holder|sleep_opener)$'
	mark "span sleep_open sleep_release holds /proc/sleep"
	# Drawn side by side in docs/sleep.md.
	mark "width 450"
	events sleep
	queue_behind_holder
	mark begin
	kill -TERM "$holder"
	for pid in $pids; do
		wait_status "$pid"
		expect_eq "$status" 0 "opener $pid's status"
	done
	end
	unload sleep
}

# sleep-handoff: rule=handoff. A holder keeps /proc/sleep while 3 openers
# queue, then a newcomer spins on O_NONBLOCK opens; the holder leaves. The
# close frees the file and wakes the first opener, but the running newcomer
# takes it first; the opener finds it taken (sleep_lost) and the
# newcomer's close hands it the file (sleep_handoff). Each holds 20 ms.
# The race is set up so that the newcomer wins however the host runs the
# two vCPUs (at once, or one after the other on one host core): the holder
# is on CPU 0, the first opener is woken on CPU 1, where the newcomer spins
# as SCHED_FIFO, so the opener runs only once the newcomer sleeps holding
# the file. Real-time throttling may still let the opener run first for a
# moment: then it is tried again, up to 5 times.
sleep_handoff_scenario() {
	openers=3 hold_ms=20
	load sleep rule=handoff
	ln -sf "$helpers/sleep_opener" "$tmp/newcomer"
	for try in 1 2 3 4 5; do
		start sleep-handoff "openers=$openers hold_ms=$hold_ms rule=handoff" \
			'^(holder|sleep_opener|newcomer)$'
		mark "span sleep_open sleep_release holds /proc/sleep"
		mark "width 450"
		events sleep
		queue_behind_holder
		taskset -p 1 "$holder" >/dev/null
		first=${pids# } first=${first%% *}
		taskset -p 2 "$first" >/dev/null
		spawn "$tmp/newcomer" -P 1 -n -s -H "$hold_ms" /proc/sleep >/dev/null
		pids="$pids $spawned"
		wait_for 10 "the newcomer to spin" spinning "$spawned"
		mark begin
		kill -TERM "$holder"
		for pid in $pids; do
			wait_status "$pid"
			expect_eq "$status" 0 "opener $pid's status"
		done
		end
		newcomer_won "$dir/$name.txt" && break
		echo "trace: sleep-handoff, try $try: the woken opener won the race" >&2
	done
	newcomer_won "$dir/$name.txt" ||
		fail "sleep-handoff: the newcomer never won the race in 5 tries"
	unload sleep
}

# spinning PID: the newcomer runs its own code (exec done: its name is
# newcomer), is on a CPU or ready for one, and has used CPU time (utime):
# a task just forked is in R too, long before it tries the file.
spinning() {
	in_state "$1" R && read -r _comm <"/proc/$1/comm" &&
		[ "$_comm" = newcomer ] && [ "$(stat_field "$1" 12)" -gt 0 ]
}

# newcomer_won TRACE: from begin, the first to get the file is the
# newcomer, and the next event of the module's is the woken opener's
# sleep_lost.
newcomer_won() {
	sed -n '/waitq-trace: begin/,$p' "$1" |
		grep -E ': sleep_(open: ret=0 |lost: |handoff: )' | head -n 2 >"$tmp/first"
	grep -q '^ *newcomer-[0-9]* .*: sleep_open: ret=0 ' "$tmp/first" &&
		sed -n 2p "$tmp/first" | grep -q ': sleep_lost: '
}

# sleep-contend-fifo / sleep-contend-handoff: make bench's contention
# test, traced: 8 processes take /proc/sleep 64 times in all with no hold,
# under one rule. host/trace/gaps.py counts where each acquisition's time
# goes: the file held, or passing from one holder to the next (handed to a
# sleeper that has yet to run, or free).
sleep_contend_scenario() {
	load sleep rule="$1"
	prim="sleep"
	[ "$1" = fifo ] || prim=sleep-$1
	start "sleep-contend-$1" "contenders=8 acquisitions=64 hold_ms=0 rule=$1" '^bench$'
	mark "span sleep_open sleep_release holds /proc/sleep"
	mark "width 900"
	events sleep
	mark begin
	"$root/guest/bench/bench" lock "$prim" 8 0 64 >"$tmp/bench.out" ||
		fail "bench lock $prim 8 0 64: $(cat "$tmp/bench.out")"
	end
	sed 's/^/trace: /' "$tmp/bench.out"
	unload sleep
}

# sleepy: 3 readers asleep on /dev/sleepy, then 3 writes one at a time, each
# once the previous one's reader has returned.
sleepy_scenario() {
	load sleepy
	start sleepy "readers=3 writes=3" '^(sleepy_read|sleepy_write)$'
	events sleepy
	readers=
	for i in 1 2 3; do
		spawn "$helpers/sleepy_read" /dev/sleepy >/dev/null
		wait_for 10 "reader $i to sleep in read()" asleep_in "$spawned" $SYS_READ
		readers="$readers $spawned"
	done
	mark begin
	for i in 1 2 3; do
		"$helpers/sleepy_write" /dev/sleepy 1 >/dev/null
		wait_for 10 "write $i's reader to return" readers_left $((3 - i))
	done
	for pid in $readers; do
		wait_status "$pid"
	done
	end
	unload sleepy
}
readers_left() {
	_n=0
	for _p in $readers; do
		gone "$_p" || _n=$((_n + 1))
	done
	[ "$_n" -eq "$1" ]
}

# completions: the flywheel waits while the crank waits crank_delay_ms.
completions_scenario() {
	start completions "crank_delay_ms=100" '^KThread (Crank|Flywhee)'
	mark begin
	load_traced completions crank_delay_ms=100
	wait_for 10 "both kthreads to end" no_task_named 'KThread*'
	end
	unload completions
}

# io_wait_event: the waiter sleeps in D until the counter passes 3, then
# reports twice.
io_wait_event_scenario() {
	klog_mark
	start io_wait_event "interval_ms=100 threshold=3" '^io_wait_wa(ker|iter)$'
	mark begin
	load_traced io_wait_event interval_ms=100 threshold=3
	wait_for 10 "the waiter's second report" reported_twice
	end
	unload io_wait_event
}
reported_twice() { [ "$(klog | grep -c 'wait thread execution')" -ge 2 ]; }

for scenario; do
	case $scenario in
	sleep-one) sleep_scenario sleep-one N ;;
	sleep-herd) sleep_scenario sleep-herd Y ;;
	sleep-handoff) sleep_handoff_scenario ;;
	sleep-contend-fifo) sleep_contend_scenario fifo ;;
	sleep-contend-handoff) sleep_contend_scenario handoff ;;
	sleepy) sleepy_scenario ;;
	completions) completions_scenario ;;
	io_wait_event) io_wait_event_scenario ;;
	*) echo "trace: no scenario '$scenario'" >&2; exit 64 ;;
	esac
done
