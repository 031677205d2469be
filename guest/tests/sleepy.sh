# SPDX-License-Identifier: GPL-2.0
#
# sleepy.ko, /dev/sleepy: a read sleeps until a write comes; each write
# releases exactly one read, at once or later, and none is lost or doubled.
# Past max_pending a write sleeps until a read makes room. The helpers are
# guest/helpers/sleepy_*.c.

# shellcheck shell=sh disable=SC2154 # root, helpers, tmp, spawned: lib.sh
dev=/dev/sleepy

# sleepy_up [PARAM=VALUE...]: load the module; its device node must be there.
sleepy_up() {
	load sleepy "$@"
	[ -c "$dev" ] || fail "$dev is not a character device after insmod"
}

# reader NAME [OPTION...]: start a sleepy_read of $dev in the background; its
# pid is in $spawned and in $tmp/NAME.pid, its report in $tmp/NAME.
reader() {
	_name=$1
	shift
	spawn "$helpers/sleepy_read" "$@" "$dev" >"$tmp/$_name"
	echo "$spawned" >"$tmp/$_name.pid"
}
pid_of() { cat "$tmp/$1.pid"; }

# writer NAME [OPTION...]: start a one-byte sleepy_write to $dev in the
# background, like reader.
writer() {
	_name=$1
	shift
	spawn "$helpers/sleepy_write" "$@" "$dev" 1 >"$tmp/$_name"
	echo "$spawned" >"$tmp/$_name.pid"
}

# pids NAME...: their pids, on one line.
pids() {
	for _r; do
		printf '%s ' "$(pid_of "$_r")"
	done
}

# ended_with NAME: how reader (or writer) NAME's call ended (its last line).
ended_with() { tail -n 1 "$tmp/$1"; }

# sleeps_in PID: the kernel function PID sleeps in, past the scheduler's:
# /proc/PID/wchan, or where that reads 0 (x86 before 5.16, whose wchan
# follows frame pointers that the ORC unwinder's kernels do not keep), the
# first frame of /proc/PID/stack, which skips the scheduler's frames too.
sleeps_in() {
	_w=$(cat "/proc/$1/wchan" 2>/dev/null)
	[ "${_w:-0}" != 0 ] ||
		_w=$(sed -n '1s/^\[<[0-9a-f]*>\] \([^+]*\)+.*/\1/p' "/proc/$1/stack" 2>/dev/null)
	echo "$_w"
}

# asleep NAME...: each reader sleeps in sleepy_read (not just anywhere).
asleep() {
	for _r; do
		_p=$(pid_of "$_r")
		in_state "$_p" S || return 1
		[ "$(sleeps_in "$_p")" = sleepy_read ] || return 1
	done
}

# writing NAME...: each writer sleeps in sleepy_write.
writing() {
	for _r; do
		_p=$(pid_of "$_r")
		in_state "$_p" S || return 1
		[ "$(sleeps_in "$_p")" = sleepy_write ] || return 1
	done
}

# polling PID: PID sleeps in poll, select or epoll_wait.
polling() {
	in_state "$1" S || return 1
	case $(sleeps_in "$1") in
	*poll* | *select*) ;;
	*) return 1 ;;
	esac
}

# returned NAME...: each reader has ended.
returned() {
	for _r; do
		gone "$(pid_of "$_r")" || return 1
	done
}

# n_returned NAME...: how many of them have ended.
n_returned() {
	_n=0
	for _r; do
		! gone "$(pid_of "$_r")" || _n=$((_n + 1))
	done
	echo "$_n"
}
returned_at_least() {
	_want=$1
	shift
	[ "$(n_returned "$@")" -ge "$_want" ]
}

# any_returned NAME...: at least one of the readers has ended.
any_returned() {
	for _r; do
		! gone "$(pid_of "$_r")" || return 0
	done
	return 1
}

# slept NAME N: reader NAME (started with -v) has gone to sleep exactly N
# times since its read began; a reader woken for nothing sleeps once more.
slept() { [ "$(switches "$1")" = "$2" ]; }
slept_at_least() { _n=$(switches "$1") && [ "$_n" -ge "$2" ]; }

# switches NAME: voluntary context switches of reader NAME (started with -v)
# since its read began.
switches() {
	_before=$(sed -n 's/^nvcsw //p' "$tmp/$1")
	_now=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$(pid_of "$1")/status")
	[ -n "$_before" ] && [ -n "$_now" ] && echo $((_now - _before))
}

# poke [COUNT]: COUNT one-byte writes (default 1), each of which must succeed.
poke() {
	_out=$("$helpers/sleepy_write" "$dev" "${1:-1}") || fail "write: $_out"
}

# try_read: an O_NONBLOCK read: EOF took a pending write, EAGAIN found none;
# "slept" if it has not returned in 10 s (it must never sleep).
try_read() { timeout 10 "$helpers/sleepy_read" -n "$dev" || say_slept $?; }

# try_write: an O_NONBLOCK one-byte write: "wrote 1 of 1", or EAGAIN when
# full; "slept" as for try_read.
try_write() { timeout 10 "$helpers/sleepy_write" -n "$dev" 1 || say_slept $?; }

# say_slept STATUS: print "slept" if STATUS is timeout's (GNU: 124;
# busybox: the command killed by SIGTERM, 143).
say_slept() { [ "$1" -ne 124 ] && [ "$1" -ne 143 ] || echo slept; }

# burst [-r READS] WRITES NAME...: sleepy_burst on the sleepers NAME...
burst() {
	_opt=
	[ "$1" != -r ] || { _opt="-r $2" && shift 2; }
	_w=$1
	shift
	# shellcheck disable=SC2046,SC2086 # an option, then one pid per word
	"$helpers/sleepy_burst" $_opt "$dev" "$_w" $(pids "$@")
}

# drain N: N O_NONBLOCK reads each take a write, and then none is left.
drain() {
	expect_eq "$("$helpers/sleepy_read" -n -c "$1" "$dev")" EOF "$1 O_NONBLOCK reads"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after $1"
}

# probe OPTION... MS: what sleepy_poll reports for $dev.
probe() { "$helpers/sleepy_poll" "$@"; }

t_one_write_releases_exactly_one_of_three_sleeping_readers() {
	sleepy_up
	claim "three readers sleep in read() while nothing is pending"
	reader r1 -v
	reader r2 -v
	reader r3 -v
	wait_for 10 "three readers asleep" asleep r1 r2 r3

	claim "one write: one reader returns, with EOF"
	poke
	wait_for 10 "a reader to return" any_returned r1 r2 r3
	n=0
	left=""
	for r in r1 r2 r3; do
		if returned "$r"; then
			n=$((n + 1))
			expect_eq "$(ended_with "$r")" EOF "what $r's read returned"
		else
			left="$left $r"
		fi
	done
	expect_eq "$n" 1 "readers returned after one write"

	claim "the other two are still asleep, were not even woken, and nothing is pending"
	for r in $left; do
		asleep "$r" || fail "$r is not asleep in sleepy_read"
		slept "$r" 1 || fail "$r was woken by a write meant for one reader"
	done
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after the one write was taken"

	claim "two more writes: the other two return, with EOF"
	poke 2
	# shellcheck disable=SC2086 # two reader names
	wait_for 10 "the other two readers to return" returned $left
	for r in $left; do
		expect_eq "$(ended_with "$r")" EOF "what $r's read returned"
	done
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after three writes, three reads"
}

t_a_write_before_any_reader_is_kept_for_the_next_read() {
	sleepy_up
	claim "a write with no reader waiting succeeds"
	poke
	claim "the next read returns at once, with EOF"
	reader first
	wait_for 10 "the first read to return" returned first
	expect_eq "$(ended_with first)" EOF "what the first read returned"
	claim "the read after it sleeps until the next write"
	reader second
	wait_for 10 "the second reader asleep" asleep second
	poke
	wait_for 10 "the second read to return" returned second
	expect_eq "$(ended_with second)" EOF "what the second read returned"
}

t_sixteen_readers_and_sixteen_writers_started_together_balance_ten_times() {
	sleepy_up
	claim "16 readers and 16 writers released together: all 16 reads return, none pending after, 10 rounds"
	"$helpers/sleepy_herd" "$dev" 16 10 || fail "a round did not balance"
}

t_nonblocking_and_zero_length_reads_never_sleep() {
	sleepy_up
	claim "O_NONBLOCK read with nothing pending fails with EAGAIN"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read, nothing pending"
	claim "O_NONBLOCK read with a write pending returns EOF and takes it"
	poke
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, one write pending"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after it"

	claim "a zero-length read returns 0 at once, without sleeping"
	expect_eq "$(timeout 10 "$helpers/sleepy_read" -z "$dev")" EOF "zero-length read, nothing pending"
	claim "a zero-length read takes no pending write"
	poke
	expect_eq "$(timeout 10 "$helpers/sleepy_read" -z "$dev")" EOF "zero-length read, one write pending"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read after the zero-length read"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after that"
}

t_poll_and_select_report_readable_only_while_a_write_is_pending() {
	sleepy_up
	claim "nothing pending: poll and select report writable only"
	expect_eq "$(probe "$dev" 0)" "OUT WRNORM" "poll, nothing pending"
	expect_eq "$(probe -s "$dev" 0)" write "select, nothing pending"

	claim "nothing pending: poll and select for input wait out their 300 ms timeout"
	for how in "" -s; do
		start=$(now_ms)
		# shellcheck disable=SC2086 # $how is empty or one option
		expect_eq "$(probe $how -i "$dev" 300)" timeout "poll $how -i, nothing pending"
		expect_ge $(($(now_ms) - start)) 290 "ms poll $how -i waited"
	done

	claim "a write pending: both report readable at once, though given 60 s"
	poke
	for how in "" -s; do
		start=$(now_ms)
		# shellcheck disable=SC2086 # $how is empty or one option
		out=$(probe $how -i "$dev" 60000)
		expect_le $(($(now_ms) - start)) 30000 "ms poll $how -i waited"
		case $how in
		-s) expect_eq "$out" read "select -i, one write pending" ;;
		*) expect_eq "$out" "IN RDNORM" "poll -i, one write pending" ;;
		esac
	done
	expect_eq "$(probe "$dev" 0)" "IN RDNORM OUT WRNORM" "poll, one write pending"
	expect_eq "$(probe -s "$dev" 0)" "read write" "select, one write pending"

	claim "poll and select take no write: it is still there for a read"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read after polling"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after that"
}

t_a_write_wakes_a_sleeping_poll_and_select() {
	sleepy_up
	for how in "" -s -e; do
		claim "a poll${how:+ $how} for input sleeps while nothing is pending"
		# shellcheck disable=SC2086 # $how is empty or one option
		spawn "$helpers/sleepy_poll" $how -i "$dev" 60000 >"$tmp/poller"
		wait_for 10 "the poller asleep in poll, select or epoll_wait" polling "$spawned"
		claim "a write wakes it, readable"
		poke
		wait_for 10 "the poller to return" gone "$spawned"
		case $how in
		-s) expect_eq "$(cat "$tmp/poller")" read "what select reported" ;;
		-e) expect_eq "$(cat "$tmp/poller")" IN "what epoll reported" ;;
		*) expect_eq "$(cat "$tmp/poller")" "IN RDNORM" "what poll reported" ;;
		esac
		claim "and the write is still there for a read"
		expect_eq "$(try_read)" EOF "O_NONBLOCK read after the poller woke"
	done
}

t_edge_triggered_epoll_sees_every_write() {
	sleepy_up
	poke
	claim "edge-triggered epoll reports a pending write, then sleeps though it is still pending"
	spawn "$helpers/sleepy_poll" -E -i "$dev" 60000 >"$tmp/poller"
	wait_for 10 "the first report" grep -q IN "$tmp/poller"
	wait_for 10 "the poller asleep in epoll_wait again" polling "$spawned"
	claim "a second write, which finds the count above 0 and wakes no reader, still wakes it"
	poke
	wait_for 10 "the poller to return" gone "$spawned"
	expect_eq "$(tr '\n' ' ' <"$tmp/poller")" "IN IN " "what epoll reported, twice"
	drain 2
}

t_exclusive_epoll_waiter_does_not_take_a_sleeping_readers_wakeup() {
	sleepy_up
	claim "an epoll_wait() with EPOLLEXCLUSIVE sleeps first, then a reader sleeps in read()"
	spawn "$helpers/sleepy_poll" -x -i "$dev" 60000 >"$tmp/poller"
	poller=$spawned
	wait_for 10 "the poller asleep in epoll_wait" polling "$poller"
	reader a -v
	wait_for 10 "reader a asleep" asleep a
	claim "one write wakes the reader behind the exclusive epoll waiter; it is taken once"
	poke
	wait_for 10 "reader a to return" returned a
	expect_eq "$(ended_with a)" EOF "what a's read returned"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after"
	# The poller was woken too, but if it polled again after a's read it
	# found nothing to report and sleeps on: level-triggered, as it should.
	claim "epoll reports readable once a write is left pending, and takes nothing"
	poke
	wait_for 10 "the poller to return" gone "$poller"
	expect_eq "$(cat "$tmp/poller")" IN "what epoll reported"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read after the poller returned"
}

t_zero_length_write_releases_nobody() {
	sleepy_up
	reader r -v
	wait_for 10 "a reader asleep" asleep r
	claim "a zero-length write returns 0 and does not even wake the sleeping reader"
	out=$("$helpers/sleepy_write" -z "$dev" 1)
	expect_eq "$out" "wrote 1 of 1" "zero-length write"
	asleep r || fail "the reader is not asleep after a zero-length write"
	slept r 1 || fail "the reader was woken by a zero-length write"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after a zero-length write"
	claim "a one-byte write releases it"
	poke
	wait_for 10 "the reader to return" returned r
	expect_eq "$(ended_with r)" EOF "what the read returned"
}

t_pending_writes_are_bounded_and_fail_with_eagain_past_the_bound() {
	claim "max_pending=0 is refused at load"
	klog_mark
	if insmod "$root/sleepy.ko" max_pending=0 2>/dev/null; then
		fail "insmod sleepy max_pending=0 succeeded"
	fi
	! loaded sleepy || fail "sleepy is loaded after a refused insmod"
	klog_has "max_pending must be at least 1" || fail "no reason in the kernel log"

	sleepy_up max_pending=3
	claim "with max_pending=3, three writes are kept and a fourth with O_NONBLOCK fails with EAGAIN"
	expect_eq "$("$helpers/sleepy_write" -n "$dev" 4)" "wrote 3 of 4: EAGAIN" "four writes"
	claim "the count did not wrap: exactly three reads are released"
	for i in 1 2 3; do
		expect_eq "$(try_read)" EOF "O_NONBLOCK read $i"
	done
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read 4"
	claim "after a read, a write is accepted again"
	poke
	expect_eq "$(try_read)" EOF "O_NONBLOCK read of the new write"
}

t_default_bound_is_one_million_writes() {
	sleepy_up
	claim "by default 1000000 writes are kept and the next, with O_NONBLOCK, fails with EAGAIN"
	start=$(now_ms)
	expect_eq "$("$helpers/sleepy_write" -n "$dev" 1000001)" "wrote 1000000 of 1000001: EAGAIN" \
		"1000001 writes"
	note "1000001 writes took $(($(now_ms) - start)) ms"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read with the bound reached"
}

t_handled_signal_ends_a_sleeping_read_with_eintr_and_takes_nothing() {
	sleepy_up
	reader a -i
	wait_for 10 "reader a asleep" asleep a
	reader b
	wait_for 10 "reader b asleep" asleep b
	claim "SIGUSR1, handled without SA_RESTART, ends a's read with EINTR"
	kill -USR1 "$(pid_of a)"
	wait_for 10 "reader a to return" returned a
	expect_eq "$(ended_with a)" "EINTR signals=1" "what a's read returned"
	claim "a took nothing: the next write goes to b, the reader still waiting"
	asleep b || fail "reader b is not asleep"
	poke
	wait_for 10 "reader b to return" returned b
	expect_eq "$(ended_with b)" EOF "what b's read returned"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after one write, one read"
}

t_sa_restart_handler_resumes_the_sleeping_read() {
	sleepy_up
	reader r -r -v
	wait_for 10 "the reader asleep" asleep r
	claim "SIGUSR1, handled with SA_RESTART: the handler runs and the read sleeps again"
	kill -USR1 "$(pid_of r)"
	wait_for 10 "the reader asleep a second time" slept_at_least r 2
	asleep r || fail "the reader is not asleep in sleepy_read"
	# Woken once by the signal, asleep again: 2 switches. PREEMPT_RT may
	# add one: there the signal lock is a sleeping lock, and a wait for
	# it counts as a voluntary switch. More would be a wake-sleep loop.
	expect_le "$(switches r)" 3 "voluntary switches since the read began"
	claim "the restarted read still returns EOF on a write"
	poke
	wait_for 10 "the reader to return" returned r
	expect_eq "$(ended_with r)" "EOF signals=1" "what the restarted read returned"
}

t_stopped_reader_leaves_the_queue_and_resumes_its_read() {
	sleepy_up
	reader a
	wait_for 10 "reader a asleep" asleep a
	reader b
	wait_for 10 "reader b asleep" asleep b
	claim "a stopped reader does not take the write from a reader still waiting"
	kill -STOP "$(pid_of a)"
	wait_for 10 "reader a stopped" in_state "$(pid_of a)" T
	poke
	wait_for 10 "reader b to return" returned b
	expect_eq "$(ended_with b)" EOF "what b's read returned"
	in_state "$(pid_of a)" T || fail "reader a is no longer stopped"
	claim "continued, the stopped reader sleeps in its read again, and returns on a write"
	kill -CONT "$(pid_of a)"
	wait_for 10 "reader a asleep again" asleep a
	poke
	wait_for 10 "reader a to return" returned a
	expect_eq "$(ended_with a)" EOF "what a's read returned"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after two writes, two reads"
}

t_fatal_signal_kills_a_sleeping_reader_and_takes_nothing() {
	sleepy_up
	for sig in TERM KILL; do
		reader a
		wait_for 10 "reader a asleep" asleep a
		reader b
		wait_for 10 "reader b asleep" asleep b
		claim "SIG$sig kills sleeping reader a"
		a=$(pid_of a)
		kill -"$sig" "$a"
		wait_for 10 "reader a to die" gone "$a"
		wait_status "$a"
		expect_eq "$status" $((128 + $(kill -l "$sig"))) "a's exit status"
		claim "the next write goes to b, the reader still waiting"
		poke
		wait_for 10 "reader b to return" returned b
		expect_eq "$(ended_with b)" EOF "what b's read returned"
		expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after one write, one read"
	done
}

t_reader_picked_by_a_write_then_signalled_still_takes_that_write() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up
	reader a -i
	wait_for 10 "reader a asleep" asleep a
	reader b -v
	wait_for 10 "reader b asleep" asleep b
	claim "a write wakes a; SIGUSR1 reaches a before it runs; a's read still takes the write"
	"$helpers/sleepy_picked" "$dev" "$(pid_of a)" "$(pid_of b)" || fail "the race was not staged"
	wait_for 10 "reader a to return" returned a
	expect_eq "$(ended_with a)" "EOF signals=1" "what a's read returned"
	claim "so no write is stranded: b sleeps on, untouched, and nothing is pending"
	asleep b || fail "reader b is not asleep"
	slept b 1 || fail "reader b was woken"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after one write, one read"
	poke
	wait_for 10 "reader b to return" returned b
	expect_eq "$(ended_with b)" EOF "what b's read returned"
}

t_reader_picked_by_a_write_then_killed_leaves_that_write_to_the_next() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up
	reader a
	wait_for 10 "reader a asleep" asleep a
	reader b -v
	wait_for 10 "reader b asleep" asleep b
	claim "a write wakes a; SIGKILL reaches a before it runs; a dies without taking the write"
	"$helpers/sleepy_picked" -k "$dev" "$(pid_of a)" "$(pid_of b)" || fail "the race was not staged"
	wait_for 10 "reader a to die" returned a
	wait_status "$(pid_of a)"
	expect_eq "$status" 137 "reader a's exit status (SIGKILL)"
	claim "so the write goes to b, once"
	wait_for 10 "reader b to return" returned b
	expect_eq "$(ended_with b)" EOF "what b's read returned"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after one write, one read"
}

t_rmmod_is_refused_while_a_reader_sleeps_and_succeeds_after() {
	sleepy_up
	reader a
	reader b
	wait_for 10 "two readers asleep" asleep a b
	claim "each open file holds a reference on the module"
	expect_eq "$(refcnt sleepy)" 2 "refcnt with two sleeping readers"
	claim "rmmod fails at once, the module stays, the readers sleep on"
	rmmod_refused sleepy
	asleep a b || fail "the readers are not asleep after the refused rmmod"
	claim "once the readers have returned, rmmod succeeds"
	poke 2
	wait_for 10 "the readers to return" returned a b
	expect_eq "$(refcnt sleepy)" 0 "refcnt with no file open"
	unload sleepy
	[ ! -e "$dev" ] || fail "$dev is still there after rmmod"
}

t_device_is_root_only_until_a_group_is_granted_access() {
	sleepy_up
	claim "$dev is a character device, mode 0600, owned by root:root"
	expect_eq "$(stat -c '%A %u:%g' "$dev")" "crw------- 0:0" "mode and owner"
	claim "another user cannot open it"
	expect_eq "$("$helpers/sleepy_read" -a 1000:1000 -n "$dev")" "open EACCES" "read as 1000:1000"
	expect_eq "$("$helpers/sleepy_write" -a 1000:1000 "$dev" 1)" "open EACCES" "write as 1000:1000"
	claim "after chgrp 65534 and chmod 0660, that group can write and read; others still cannot"
	chgrp 65534 "$dev" || fail "chgrp 65534 $dev"
	chmod 0660 "$dev" || fail "chmod 0660 $dev"
	expect_eq "$("$helpers/sleepy_write" -a 1000:65534 "$dev" 1)" "wrote 1 of 1" "write as 1000:65534"
	expect_eq "$("$helpers/sleepy_read" -a 1000:65534 -n "$dev")" EOF "read as 1000:65534"
	expect_eq "$("$helpers/sleepy_read" -a 1000:1000 -n "$dev")" "open EACCES" "read as 1000:1000"
}

t_dyndbg_logs_who_goes_to_sleep_and_who_wakes() {
	claim "by default nothing is logged for a read and a write"
	sleepy_up
	klog_mark
	poke
	try_read >/dev/null
	if klog | grep -q "sleepy: .*(sleepy_"; then
		fail "logged without dyndbg: $(klog | grep "sleepy: ")"
	fi
	unload sleepy

	sleepy_up dyndbg=+p
	klog_mark
	reader a
	wait_for 10 "reader a asleep" asleep a
	reader b -i
	wait_for 10 "reader b asleep" asleep b
	poke
	wait_for 10 "reader a to return" returned a
	kill -USR1 "$(pid_of b)"
	wait_for 10 "reader b to return" returned b
	claim "with dyndbg=+p the log names each sleeper, the waker and how each sleep ended"
	klog | grep "sleepy: " | sed 's/^/    /'
	for line in "$(pid_of a) (sleepy_read) going to sleep" \
		"$(pid_of b) (sleepy_read) going to sleep" \
		"(sleepy_write) waking a reader" \
		"$(pid_of a) (sleepy_read) woken up" \
		"$(pid_of b) (sleepy_read) interrupted by a signal"; do
		klog_has "$line" || fail "no \"$line\" in the kernel log"
	done
}

t_dyndbg_logs_the_chain_the_wait_for_room_and_each_way_a_sleep_is_cut_short() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up dyndbg=+p max_pending=2
	klog_mark
	reader a -v
	reader b -v
	wait_for 10 "readers a and b asleep" asleep a b
	claim "two writes before either reader runs: the reader woken takes one and wakes the next"
	expect_eq "$(burst 2 a b)" "woken 1 of 2" "readers the burst woke"
	wait_for 10 "readers a and b to return" returned a b
	reader c
	wait_for 10 "reader c asleep" asleep c
	reader d -v
	wait_for 10 "reader d asleep" asleep d
	claim "a reader picked by a write and killed before it runs"
	"$helpers/sleepy_picked" -k "$dev" "$(pid_of c)" "$(pid_of d)" || fail "the race was not staged"
	wait_for 10 "readers c and d to return" returned c d
	claim "a write at the bound waits for room, and a handled signal ends the wait"
	poke 2
	writer w -i
	wait_for 10 "writer w asleep" writing w
	kill -USR1 "$(pid_of w)"
	wait_for 10 "writer w to return" returned w
	claim "a writer picked by a read and killed before it runs"
	writer x
	wait_for 10 "writer x asleep" writing x
	writer y
	wait_for 10 "writer y asleep" writing y
	"$helpers/sleepy_picked" -r -k "$dev" "$(pid_of x)" "$(pid_of y)" || fail "the race was not staged"
	wait_for 10 "writers x and y to return" returned x y
	drain 2
	claim "the log says each of these, with the pid and name of who did it"
	klog | grep "sleepy: " | sed 's/^/    /'
	for line in "(sleepy_read) waking the next reader" \
		"$(pid_of c) (sleepy_read) killed" \
		"$(pid_of w) (sleepy_write) waiting for room" \
		"$(pid_of w) (sleepy_write) interrupted by a signal" \
		"$(pid_of x) (sleepy_write) killed"; do
		klog_has "$line" || fail "no \"$line\" in the kernel log"
	done
}

t_a_burst_of_writes_before_any_reader_runs_wakes_one_and_each_wakes_the_next() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up
	claim "eight readers sleep in read()"
	names="r1 r2 r3 r4 r5 r6 r7 r8"
	for r in $names; do
		reader "$r" -v
	done
	# shellcheck disable=SC2086 # eight names
	wait_for 20 "eight readers asleep" asleep $names
	claim "six writes back to back, before any reader can run, wake one reader, not six"
	# shellcheck disable=SC2086 # eight names
	expect_eq "$(burst 6 $names)" "woken 1 of 8" "readers the burst woke"
	claim "each reader takes one write and wakes the next: six return, with EOF"
	# shellcheck disable=SC2086 # eight names
	wait_for 20 "six readers to return" returned_at_least 6 $names
	left=""
	for r in $names; do
		if returned "$r"; then
			expect_eq "$(ended_with "$r")" EOF "what $r's read returned"
		else
			left="$left $r"
		fi
	done
	# shellcheck disable=SC2086 # names
	expect_eq "$(n_returned $names)" 6 "readers returned after six writes"
	claim "the last write woke nobody else: the other two sleep on, never woken, and nothing is pending"
	for r in $left; do
		asleep "$r" || fail "$r is not asleep in sleepy_read"
		slept "$r" 1 || fail "$r was woken with nothing left for it"
	done
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after six writes, six reads"
}

t_a_write_taken_by_a_running_reader_wakes_no_second_sleeper() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up
	reader a -v
	wait_for 10 "reader a asleep" asleep a
	reader b -v
	wait_for 10 "reader b asleep" asleep b
	claim "a write wakes a; a reader that never sleeps takes it before a runs"
	expect_eq "$(burst -r 1 1 a b)" "woken 1 of 2" "sleepers the write woke"
	claim "a finds nothing and sleeps again; b was not woken; nothing is pending"
	wait_for 10 "reader a asleep a second time" slept_at_least a 2
	asleep a b || fail "the readers are not asleep in sleepy_read"
	slept a 2 || fail "reader a slept $(switches a) times, not 2"
	slept b 1 || fail "reader b was woken"
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after one write, one read"

	claim "two writes, one of them taken by a running reader, wake one sleeper, not two"
	expect_eq "$(burst -r 1 2 a b)" "woken 1 of 2" "sleepers the writes woke"
	wait_for 10 "a reader to return" any_returned a b
	for r in a b; do
		if returned "$r"; then
			expect_eq "$(ended_with "$r")" EOF "what $r's read returned"
		else
			other=$r
		fi
	done
	claim "the woken one took the write left; the other, $other, sleeps on untouched"
	asleep "$other" || fail "$other is not asleep"
	case $other in
	a) slept a 2 || fail "reader a was woken again" ;;
	b) slept b 1 || fail "reader b was woken" ;;
	esac
	expect_eq "$(try_read)" EAGAIN "O_NONBLOCK read after two writes, two reads"
}

# Tracing: each call of __wake_up() made from sleepy's code is one line.
tracefs=/sys/kernel/tracing
trace_wake_ups() {
	[ -e "$tracefs/trace" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null || return 1
	grep -qw function "$tracefs/available_tracers" 2>/dev/null || return 1
	echo __wake_up >"$tracefs/set_ftrace_filter" 2>/dev/null || return 1
	trap untrace EXIT
	# A trace scenario run before (io_wait_event's test) leaves tracing off.
	echo function >"$tracefs/current_tracer" && echo >"$tracefs/trace" &&
		echo 1 >"$tracefs/tracing_on"
}
untrace() {
	echo nop >"$tracefs/current_tracer"
	echo >"$tracefs/set_ftrace_filter"
}
# wake_ups: the calls since the last one, which empties the trace.
wake_ups() {
	grep -c '__wake_up <-sleepy' "$tracefs/trace"
	echo >"$tracefs/trace"
}

t_writes_and_reads_with_nobody_asleep_call_no_wake_up() {
	sleepy_up
	trace_wake_ups || skip "no function tracer"
	claim "100 writes with no reader asleep and no poller make no __wake_up() call"
	poke 100
	expect_eq "$(wake_ups)" 0 "__wake_up() calls"
	claim "100 reads that find a write pending, and so never sleep, make none either"
	expect_eq "$("$helpers/sleepy_read" -c 100 "$dev")" EOF "100 reads"
	expect_eq "$(wake_ups)" 0 "__wake_up() calls"
	claim "but a write to a sleeping reader makes one, and releases it"
	reader a
	wait_for 10 "reader a asleep" asleep a
	poke
	wait_for 10 "reader a to return" returned a
	expect_eq "$(ended_with a)" EOF "what a's read returned"
	expect_eq "$(wake_ups)" 1 "__wake_up() calls"
}

t_a_write_at_the_bound_sleeps_until_a_read_makes_room() {
	sleepy_up max_pending=3
	poke 3
	claim "with max_pending=3 and three writes pending, a fourth on a blocking descriptor sleeps in write()"
	writer w
	wait_for 10 "the writer asleep" writing w
	claim "meanwhile poll and select report readable, not writable, and an O_NONBLOCK write fails with EAGAIN"
	expect_eq "$(probe "$dev" 0)" "IN RDNORM" "poll, full"
	expect_eq "$(probe -s "$dev" 0)" read "select, full"
	expect_eq "$(try_write)" "wrote 0 of 1: EAGAIN" "O_NONBLOCK write, full"
	claim "one read makes room: the sleeping write completes, so three writes are pending again"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "the writer to return" returned w
	expect_eq "$(ended_with w)" "wrote 1 of 1" "what the write returned"
	expect_eq "$(probe "$dev" 0)" "IN RDNORM" "poll after the write"
	drain 3
	claim "with room, poll reports writable again"
	expect_eq "$(probe "$dev" 0)" "OUT WRNORM" "poll, nothing pending"
}

t_sleeping_writers_wait_exclusively_and_each_read_releases_one() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up max_pending=3
	poke 3
	writer w1 -v
	writer w2 -v
	wait_for 10 "two writers asleep" writing w1 w2
	claim "one read wakes one writer; the other is not even woken"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "a writer to return" any_returned w1 w2
	for w in w1 w2; do
		if returned "$w"; then
			expect_eq "$(ended_with "$w")" "wrote 1 of 1" "what $w's write returned"
		else
			other=$w
		fi
	done
	writing "$other" || fail "$other is not asleep in sleepy_write"
	slept "$other" 1 || fail "$other was woken by a read that made room for one"
	claim "two reads back to back, before the writer runs, wake it once; each write then finds room"
	writer w3 -v
	wait_for 10 "a second writer asleep" writing w3
	expect_eq "$(burst -r 2 0 "$other" w3)" "woken 1 of 2" "writers the reads woke"
	wait_for 10 "both writers to return" returned "$other" w3
	expect_eq "$(ended_with "$other")" "wrote 1 of 1" "what $other's write returned"
	expect_eq "$(ended_with w3)" "wrote 1 of 1" "what w3's write returned"
	drain 3
}

t_a_read_wakes_a_poll_select_and_epoll_waiting_to_write() {
	sleepy_up max_pending=3
	poke 3
	for how in "" -s -e; do
		claim "full: a poll${how:+ $how} for output waits out its 300 ms timeout"
		start=$(now_ms)
		# shellcheck disable=SC2086 # $how is empty or one option
		expect_eq "$(probe $how -o "$dev" 300)" timeout "poll $how -o, full"
		expect_ge $(($(now_ms) - start)) 290 "ms poll $how -o waited"
		claim "a poll${how:+ $how} for output sleeps; a read wakes it, writable"
		# shellcheck disable=SC2086 # $how is empty or one option
		spawn "$helpers/sleepy_poll" $how -o "$dev" 60000 >"$tmp/poller"
		wait_for 10 "the poller asleep in poll, select or epoll_wait" polling "$spawned"
		expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
		wait_for 10 "the poller to return" gone "$spawned"
		case $how in
		-s) expect_eq "$(cat "$tmp/poller")" write "what select reported" ;;
		-e) expect_eq "$(cat "$tmp/poller")" OUT "what epoll reported" ;;
		*) expect_eq "$(cat "$tmp/poller")" "OUT WRNORM" "what poll reported" ;;
		esac
		poke
	done
}

t_handled_signal_ends_a_sleeping_write_with_eintr_and_writes_nothing() {
	sleepy_up max_pending=3
	poke 3
	writer a -i
	wait_for 10 "writer a asleep" writing a
	writer b
	wait_for 10 "writer b asleep" writing b
	claim "SIGUSR1, handled without SA_RESTART, ends a's write with EINTR"
	kill -USR1 "$(pid_of a)"
	wait_for 10 "writer a to return" returned a
	expect_eq "$(ended_with a)" "wrote 0 of 1: EINTR signals=1" "what a's write returned"
	claim "a wrote nothing: the next read's room goes to b, the writer still waiting"
	writing b || fail "writer b is not asleep"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "writer b to return" returned b
	expect_eq "$(ended_with b)" "wrote 1 of 1" "what b's write returned"
	drain 3
}

t_sa_restart_handler_resumes_the_sleeping_write() {
	sleepy_up max_pending=3
	poke 3
	writer w -r -v
	wait_for 10 "the writer asleep" writing w
	claim "SIGUSR1, handled with SA_RESTART: the handler runs and the write sleeps again"
	kill -USR1 "$(pid_of w)"
	wait_for 10 "the writer asleep a second time" slept_at_least w 2
	writing w || fail "the writer is not asleep in sleepy_write"
	# As for a reader: 2 switches, and PREEMPT_RT may add one.
	expect_le "$(switches w)" 3 "voluntary switches since the write began"
	claim "the restarted write completes when a read makes room"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "the writer to return" returned w
	expect_eq "$(ended_with w)" "wrote 1 of 1 signals=1" "what the restarted write returned"
	drain 3
}

t_fatal_signal_kills_a_sleeping_writer_and_writes_nothing() {
	sleepy_up max_pending=3
	poke 3
	for sig in TERM KILL; do
		writer a
		wait_for 10 "writer a asleep" writing a
		writer b
		wait_for 10 "writer b asleep" writing b
		claim "SIG$sig kills sleeping writer a"
		a=$(pid_of a)
		kill -"$sig" "$a"
		wait_for 10 "writer a to die" gone "$a"
		wait_status "$a"
		expect_eq "$status" $((128 + $(kill -l "$sig"))) "a's exit status"
		claim "the next read's room goes to b, the writer still waiting; still three pending"
		expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
		wait_for 10 "writer b to return" returned b
		expect_eq "$(ended_with b)" "wrote 1 of 1" "what b's write returned"
		expect_eq "$(try_write)" "wrote 0 of 1: EAGAIN" "O_NONBLOCK write, full"
	done
	drain 3
}

t_writer_picked_by_a_read_then_signalled_still_writes() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up max_pending=3
	poke 3
	writer a -i
	wait_for 10 "writer a asleep" writing a
	writer b -v
	wait_for 10 "writer b asleep" writing b
	claim "a read wakes a; SIGUSR1 reaches a before it runs; a's write still takes the room"
	"$helpers/sleepy_picked" -r "$dev" "$(pid_of a)" "$(pid_of b)" || fail "the race was not staged"
	wait_for 10 "writer a to return" returned a
	expect_eq "$(ended_with a)" "wrote 1 of 1 signals=1" "what a's write returned"
	claim "so no room is stranded: b sleeps on, untouched, and three writes are pending"
	writing b || fail "writer b is not asleep"
	slept b 1 || fail "writer b was woken"
	expect_eq "$(try_write)" "wrote 0 of 1: EAGAIN" "O_NONBLOCK write, full"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "writer b to return" returned b
	drain 3
}

t_writer_picked_by_a_read_then_killed_leaves_the_room_to_the_next() {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	sleepy_up max_pending=3
	poke 3
	writer a
	wait_for 10 "writer a asleep" writing a
	writer b
	wait_for 10 "writer b asleep" writing b
	claim "a read wakes a; SIGKILL reaches a before it runs; a dies without writing"
	"$helpers/sleepy_picked" -r -k "$dev" "$(pid_of a)" "$(pid_of b)" || fail "the race was not staged"
	wait_for 10 "writer a to die" returned a
	wait_status "$(pid_of a)"
	expect_eq "$status" 137 "writer a's exit status (SIGKILL)"
	claim "so the room goes to b, and three writes are pending"
	wait_for 10 "writer b to return" returned b
	expect_eq "$(ended_with b)" "wrote 1 of 1" "what b's write returned"
	drain 3
}

t_rmmod_is_refused_while_a_writer_sleeps_and_succeeds_after() {
	sleepy_up max_pending=3
	poke 3
	writer w
	wait_for 10 "the writer asleep" writing w
	claim "rmmod fails at once while a writer sleeps; the writer sleeps on"
	rmmod_refused sleepy
	writing w || fail "the writer is not asleep after the refused rmmod"
	claim "once a read has let it write, rmmod succeeds"
	expect_eq "$(try_read)" EOF "O_NONBLOCK read, full"
	wait_for 10 "the writer to return" returned w
	expect_eq "$(ended_with w)" "wrote 1 of 1" "what the write returned"
	expect_eq "$(refcnt sleepy)" 0 "refcnt with no file open"
	unload sleepy
}

# async [-n] OP...: sleepy_async's counts, on one line.
async() {
	"$helpers/sleepy_async" "$@" | tr '\n' ' '
}

t_o_async_owner_gets_sigio_for_each_write_and_none_without() {
	sleepy_up
	claim "with O_ASYNC and F_SETOWN: no SIGIO for a zero-length write, a read or a poll"
	expect_eq "$(async "$dev" z r p)" "z 0 r 0 p 0 " "signals per call"
	claim "one SIGIO (POLL_IN, for that file) for each write"
	expect_eq "$(async "$dev" w w w)" "w 1 w 1 w 1 " "signals per write"
	claim "none without O_ASYNC, none once it is cleared, and again when it is set"
	expect_eq "$(async -n "$dev" w)" "w 0 " "signals per write, no O_ASYNC"
	expect_eq "$(async "$dev" c w s w)" "c 0 w 0 s 0 w 1 " "signals per call"
	claim "none after the O_ASYNC file is closed"
	expect_eq "$(async "$dev" x w)" "x 0 w 0 " "signals per call"
	drain 7

	claim "a process that waits for SIGIO gets it when another process writes"
	spawn "$helpers/sleepy_async" "$dev" W >"$tmp/async"
	wait_for 10 "the process to arm O_ASYNC and wait" grep -q waiting "$tmp/async"
	poke
	wait_for 10 "the process to return" gone "$spawned"
	expect_eq "$(tail -n 1 "$tmp/async")" "W 1" "signals it got"
}

t_two_readers_racing_for_the_last_write_never_both_take_it() {
	sleepy_up
	claim "two CPUs, 50000 rounds each of write, read, read: every write is taken exactly once"
	out=$("$helpers/sleepy_race" /dev/sleepy 50000) || fail "$out"
	note "$out"
}
