# SPDX-License-Identifier: GPL-2.0
#
# sleep.ko: /proc/sleep has one holder at a time; other openers sleep
# interruptibly and each close hands the file to the longest sleeper, so
# openers get it in arrival order and no newcomer overtakes; reads show
# "Last input:<message>", root's writes replace the message.
# shellcheck shell=sh disable=SC2154 # root, helpers, tmp, spawned: lib.sh

proc=/proc/sleep
sleep_opener=$helpers/sleep_opener
# GNU coreutils', which the VM carries; busybox's are "tail", "wc"...
gnu_tail=/usr/bin/tail
gnu_wc=/usr/bin/wc
gnu_stat=/usr/bin/stat
gnu_head=/usr/bin/head

# opener NAME OPTION...: sleep_opener on /proc/sleep in the background,
# its report in $tmp/NAME, its pid in $spawned.
opener() {
	_out=$tmp/$1
	shift
	spawn "$sleep_opener" "$@" "$proc" >"$_out"
}

# hold NAME: an opener that has the file and keeps it until killed.
hold() {
	opener "$1" -H -1
	wait_for 10 "$1 to hold $proc" has_line "$tmp/$1" 'open: ok'
}

# sleeper NAME [OPTION...]: an opener that is asleep in open(), waiting.
sleeper() {
	_name=$1
	shift
	opener "$_name" -H -1 "$@"
	wait_for 10 "$_name to sleep in open()" asleep_in_open "$spawned"
}

# State S inside open() (openat is 257 on x86-64, open 2).
asleep_in_open() {
	in_state "$1" S || return 1
	read -r _nr _ 2>/dev/null <"/proc/$1/syscall" || return 1
	[ "$_nr" = 257 ] || [ "$_nr" = 2 ]
}

# The process has exited: gone, or a zombie whose files are closed.
ended() { [ ! -e "/proc/$1" ] || in_state "$1" Z; }

# reported NAME: the opener's open() has returned (its last report line).
reported() { grep -q '^signals: ' "$tmp/$1"; }
# opener_said NAME KEY: the value of the line "KEY: value" in opener NAME's report.
opener_said() { sed -n "s/^$2: //p" "$tmp/$1"; }

# CPU time (utime + stime, in ticks) a process has used.
cpu_ticks() {
	stat_field "$1" 12,13 | {
		read -r _utime _stime
		echo $((_utime + _stime))
	}
}

# expect_line FILE LINE WHAT: FILE holds exactly LINE and a newline.
expect_line() {
	printf '%s\n' "$2" >"$tmp/expected"
	cmp -s "$1" "$tmp/expected" ||
		fail "$3: got '$(od -An -c "$1" | tr -s ' \n' ' ')', expected '$2\\n'"
}

# nonblocking_open_would_block: the file is held right now.
nonblocking_open_would_block() {
	_rc=0
	"$root/cat_nonblock" "$proc" >"$tmp/cat" || _rc=$?
	expect_eq "$_rc" 1 "cat_nonblock exit status while held"
	expect_line "$tmp/cat" "Open would block" "cat_nonblock while held"
}

# repeat CHAR N: a string of N copies of one character.
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }

t_cat_prints_last_input_and_the_message() {
	load sleep
	claim "/proc/sleep is 0644 and owned by root"
	expect_eq "$(stat -c '%a %u %g' $proc)" "644 0 0" "mode and owner"
	claim "before any write, cat prints 'Last input:' and a newline"
	cat $proc >"$tmp/out" || fail "cat $proc"
	expect_line "$tmp/out" "Last input:" "first read"
	claim "after a write, cat prints exactly 'Last input:<message>\\n'"
	echo hello >$proc || fail "write hello"
	cat $proc >"$tmp/out" || fail "cat $proc"
	expect_line "$tmp/out" "Last input:hello" "read after write"
}

t_one_byte_reads_two_readers_and_lseek_see_the_same_line() {
	load sleep
	echo "bytes one by one" >$proc || fail "write"
	claim "1-byte reads reassemble the whole line"
	dd if=$proc bs=1 of="$tmp/out" 2>"$tmp/dd" || fail "dd: $(cat "$tmp/dd")"
	expect_line "$tmp/out" "Last input:bytes one by one" "dd bs=1"
	grep -q '^28+0 records in' "$tmp/dd" || fail "dd did not read 28 single bytes: $(cat "$tmp/dd")"
	claim "two readers in a row each see the line"
	cat $proc >"$tmp/out1" || fail "first cat"
	cat $proc >"$tmp/out2" || fail "second cat"
	expect_line "$tmp/out1" "Last input:bytes one by one" "first reader"
	expect_line "$tmp/out2" "Last input:bytes one by one" "second reader"
	claim "reading to the end, lseek to 0 and reading again gives the line twice"
	"$sleep_opener" -r $proc >"$tmp/out" || fail "sleep_opener -r: $(cat "$tmp/out")"
	expect_eq "$(grep -c '^read: Last input:bytes one by one$' "$tmp/out")" 2 \
		"reads before and after lseek"
}

t_tail_f_holds_the_file_and_the_next_reader_still_reads() {
	load sleep
	echo tailed >$proc || fail "write"
	claim "cat_nonblock reads the line while nobody holds the file"
	"$root/cat_nonblock" $proc >"$tmp/out" || fail "cat_nonblock exited $?"
	expect_line "$tmp/out" "Last input:tailed" "cat_nonblock"
	claim "tail -f holds the file and prints the line"
	spawn tail -f $proc >"$tmp/tail"
	tail_pid=$spawned
	wait_for 10 "tail -f to print the line" grep -qx 'Last input:tailed' "$tmp/tail"
	claim "cat_nonblock prints 'Open would block' and exits 1 meanwhile"
	nonblocking_open_would_block
	claim "once tail -f is killed, cat_nonblock reads the line again"
	kill "$tail_pid"
	wait_for 10 "tail -f to exit" ended "$tail_pid"
	"$root/cat_nonblock" $proc >"$tmp/out" || fail "cat_nonblock exited $?"
	expect_line "$tmp/out" "Last input:tailed" "cat_nonblock after tail -f"
}

# GNU tail has printed the line and sleeps waiting for inotify events
# (read, poll or ppoll: 0, 7, 271), or has warned.
gnu_tail_settled() {
	[ -s "$tmp/tail.err" ] && return
	[ -s "$tmp/tail" ] && in_state "$1" S || return 1
	read -r _nr _ 2>/dev/null <"/proc/$1/syscall" || return 1
	[ "$_nr" = 0 ] || [ "$_nr" = 7 ] || [ "$_nr" = 271 ]
}

# GNU tail, polling, has slept N times (once a poll), or has warned.
gnu_tail_polled() {
	[ -s "$tmp/tail.err" ] && return
	[ "$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' \
		"/proc/$1/status" 2>/dev/null)" -ge "$2" ] 2>/dev/null
}

t_gnu_tail_f_holds_the_file_and_prints_the_line_once() {
	[ -x $gnu_tail ] || skip "no GNU tail at $gnu_tail"
	"$gnu_tail" --version | grep -q 'GNU coreutils' || skip "$gnu_tail is not GNU's"
	load sleep
	echo tailed >$proc || fail "write"
	for mode in inotify polling; do
		claim "GNU tail -f ($mode) prints the line once, warns of nothing, holds the file"
		if [ $mode = inotify ]; then
			spawn "$gnu_tail" -f $proc >"$tmp/tail" 2>"$tmp/tail.err"
			wait_for 10 "GNU tail to print and sleep" gnu_tail_settled "$spawned"
		else
			# What tail falls back to without inotify: a stat every 0.05 s.
			spawn "$gnu_tail" ---disable-inotify -s 0.05 -f $proc \
				>"$tmp/tail" 2>"$tmp/tail.err"
			wait_for 10 "GNU tail to poll 10 times" gnu_tail_polled "$spawned" 10
		fi
		[ ! -s "$tmp/tail.err" ] || fail "GNU tail warned: $(head -n 3 "$tmp/tail.err")"
		expect_line "$tmp/tail" "Last input:tailed" "GNU tail's output"
		nonblocking_open_would_block
		kill "$spawned"
		wait_for 10 "GNU tail to exit" ended "$spawned"
	done
}

# gnu_coreutils: skip unless the GNU tools the size tests use are here.
gnu_coreutils() {
	for _tool in $gnu_tail $gnu_wc $gnu_stat $gnu_head; do
		"$_tool" --version 2>/dev/null | grep -q 'GNU coreutils' ||
			skip "no GNU coreutils at $_tool"
	done
}

# sizes_agree LINE: what cat, GNU wc -c, stat, tail -c 5, tail -n 1 and
# head -c read from /proc/sleep, and busybox's, is LINE and its newline.
sizes_agree() {
	_len=$((${#1} + 1))
	cat $proc >"$tmp/cat" || fail "cat $proc"
	expect_line "$tmp/cat" "$1" "cat"
	expect_eq "$($gnu_wc -c <$proc)" "$_len" "GNU wc -c"
	expect_eq "$($gnu_stat -c %s $proc)" "$_len" "GNU stat -c %s"
	expect_eq "$($gnu_tail -c 5 $proc)" "$(printf '%s\n' "$1" | tail -c 5)" "GNU tail -c 5"
	expect_eq "$($gnu_tail -n 1 $proc)" "$1" "GNU tail -n 1"
	expect_eq "$($gnu_head -c 11 $proc)" "Last input:" "GNU head -c 11"
	expect_eq "$(wc -c <$proc)" "$_len" "busybox wc -c"
	expect_eq "$(stat -c %s $proc)" "$_len" "busybox stat -c %s"
	expect_eq "$(tail -n 1 $proc)" "$1" "busybox tail -n 1"
	expect_eq "$(head -c 11 $proc)" "Last input:" "busybox head -c 11"
}

t_size_is_the_length_of_the_line_a_read_returns() {
	gnu_coreutils
	load sleep
	claim "before any write the size is the empty message's line, 'Last input:' and a newline: 12 bytes"
	sizes_agree "Last input:"
	claim "after a write, cat, GNU wc -c, stat, tail -c 5, tail -n 1, head -c and busybox's agree on its 26-byte line"
	echo "hello, sleeper" >$proc || fail "write"
	sizes_agree "Last input:hello, sleeper"
	claim "a shorter message shrinks the size, a longer one grows it"
	echo hi >$proc || fail "write"
	sizes_agree "Last input:hi"
	echo "a longer message than either before it" >$proc || fail "write"
	sizes_agree "Last input:a longer message than either before it"
	claim "a holder writing through its open file sees the new size on that file's inode (fstat)"
	exec 3<>$proc
	echo "through the holder" >&3 || fail "write through the holder"
	expect_eq "$($gnu_stat -L -c %s /proc/self/fd/3)" 30 "fstat size of the holder's file"
	exec 3>&-
	claim "an inode made after the write has the size too: another mount of procfs (a superblock of its own) makes a new one"
	mkdir "$tmp/proc"
	mount -t proc proc "$tmp/proc" || fail "mounting procfs"
	_size=$($gnu_stat -c %s "$tmp/proc/sleep")
	umount "$tmp/proc"
	expect_eq "$_size" 30 "size of sleep in a procfs mounted after the write"
	sizes_agree "Last input:through the holder"
}

t_gnu_tail_f_of_a_file_written_under_it_truncates_on_shrink() {
	gnu_coreutils
	load sleep
	claim "nobody can write while tail -f holds the file, but the holder can, through the open file it shares with tail: GNU tail -f then reads /proc/sleep as a growing log, which it is not"
	exec 3<>$proc
	echo "the first message is long" >&3 || fail "write"
	# tail follows its stdin, the holder's open file, polling every 0.05 s
	# (a command put in the background gets /dev/null as its stdin unless
	# it redirects its own).
	spawn sh -c 'exec "$@" <&3' sh "$gnu_tail" ---disable-inotify -s 0.05 -f \
		>"$tmp/tail" 2>"$tmp/tail.err"
	wait_for 10 "GNU tail to print the line" grep -qx 'Last input:the first message is long' "$tmp/tail"
	claim "a shorter line: tail says 'file truncated' and prints it whole, from the start"
	echo short >&3 || fail "write"
	wait_for 10 "GNU tail to print the shorter line" grep -qx 'Last input:short' "$tmp/tail"
	grep -qx "$gnu_tail: 'standard input': file truncated" "$tmp/tail.err" ||
		fail "GNU tail said: $(cat "$tmp/tail.err")"
	claim "a longer line: tail prints only its bytes past where it had read (17), not the line"
	echo "a much longer message than before" >&3 || fail "write"
	_rest=$(echo "Last input:a much longer message than before" | cut -c 18-)
	wait_for 10 "GNU tail to print the rest" grep -qx "$_rest" "$tmp/tail"
	expect_eq "$(grep -c . "$tmp/tail.err")" 1 "lines GNU tail warned"
	exec 3>&-
}

t_nonblocking_open_while_held_fails_with_eagain_at_once() {
	load sleep
	hold holder
	claim "an O_NONBLOCK open of the held file fails with EAGAIN"
	"$sleep_opener" -n $proc >"$tmp/out" && fail "O_NONBLOCK open succeeded while held"
	expect_eq "$(opener_said out open)" EAGAIN "O_NONBLOCK open"
	claim "without sleeping: no voluntary context switch in open()"
	expect_eq "$(opener_said out ctxsw)" 0 "context switches in open()"
	claim "the failed open leaves only the holder's module reference"
	expect_eq "$(refcnt sleep)" 1 "refcnt"
}

# on_cpu1_asleep PID: PID is sleep (its exec done), asleep on CPU 1.
on_cpu1_asleep() {
	in_state "$1" S && read -r _comm <"/proc/$1/comm" &&
		[ "$_comm" = sleep ] && [ "$(stat_field "$1" 37)" = 1 ]
}

# fifo_running PID: PID runs as SCHED_FIFO (set by the helper itself, after
# its exec) and is on a CPU or ready for one.
fifo_running() { in_state "$1" R && [ "$(stat_field "$1" 39)" = 1 ]; }

# On PREEMPT_RT the timer of a normal task's sleep expires in a kernel
# thread of its CPU (ktimers/N) that is SCHED_FIFO priority 1, as the spinning
# newcomer is: a newcomer that never yields would keep such a timer from
# firing until it got the file, and the one that should free the file may be
# waiting for that timer (the test's own shell, polling).
t_spinning_newcomer_lets_a_timer_on_its_cpu_fire() {
	load sleep
	taskset -p 1 $$ >/dev/null
	hold holder
	holder=$spawned
	spawn taskset 2 sleep $((2 * scale))
	timed=$spawned
	wait_for 10 "the sleep to start on CPU 1" on_cpu1_asleep "$timed"
	# Its timer stays on CPU 1; woken, it may run on CPU 0.
	taskset -p 3 "$timed" >/dev/null
	claim "a newcomer spinning on O_NONBLOCK opens of the held file, SCHED_FIFO on CPU 1, lets a sleep timed on CPU 1 end"
	opener newcomer -P 1 -n -s -H 0
	newcomer=$spawned
	wait_for 10 "the newcomer to spin on CPU 1" fifo_running "$newcomer"
	in_state "$timed" S ||
		fail "the sleep ended before the newcomer spun: this proves nothing"
	wait_for 10 "the sleep to end while the newcomer spins" ended "$timed"
	wait_status "$timed"
	expect_eq "$status" 0 "sleep's exit status"
	fifo_running "$newcomer" || fail "the newcomer stopped spinning before the holder left"
	claim "and takes the file once the holder leaves"
	kill "$holder"
	wait_status "$newcomer"
	expect_eq "$status" 0 "the newcomer's exit status"
	expect_eq "$(opener_said newcomer open)" ok "the newcomer's open"
}

t_sleeping_opener_is_in_state_s_and_restarts_without_spinning() {
	load sleep
	hold holder
	holder=$spawned
	sleeper A -R
	pid=$spawned
	claim "a handled signal with SA_RESTART is delivered and open() sleeps again"
	kill -USR1 "$pid"
	wait_for 10 "SIGUSR1 to be delivered" \
		grep -q '^ShdPnd:[[:space:]]*0*$' "/proc/$pid/status"
	wait_for 10 "A to sleep in open() again" asleep_in_open "$pid"
	claim "it stays in state S and uses no CPU while the file is held (1 s)"
	ticks=$(cpu_ticks "$pid")
	i=0
	while [ $i -lt 20 ]; do
		asleep_in_open "$pid" || fail "A left its sleep: state $(task_state "$pid")"
		sleep 0.05
		i=$((i + 1))
	done
	expect_eq "$(cpu_ticks "$pid")" "$ticks" "CPU ticks used by the sleeping opener"
	claim "when the holder leaves, A gets the file, its handler having run once"
	kill "$holder"
	wait_for 10 "A to get the file" reported A
	expect_eq "$(opener_said A open)" ok "A's restarted open"
	expect_eq "$(opener_said A signals)" 1 "SIGUSR1 handled by A"
}

# signal_interrupts_open HOW [PARAM...]: SIGUSR1 sent by HOW (kill or
# tgkill) to a sleeping opener with a handler makes its open() fail with
# EINTR; sleep is loaded with PARAM....
signal_interrupts_open() {
	_how=$1
	shift
	load sleep "$@"
	hold holder
	holder=$spawned
	sleeper A
	pid=$spawned
	claim "SIGUSR1 by $_how makes the sleeping open() fail with EINTR"
	if [ "$_how" = kill ]; then
		kill -USR1 "$pid"
	else
		"$helpers/tgkill" "$pid" "$pid" "$(kill -l USR1)" || fail "tgkill"
	fi
	wait_for 5 "open() to return" reported A
	expect_eq "$(opener_said A open)" EINTR "A's open"
	expect_eq "$(opener_said A signals)" 1 "SIGUSR1 handled by A"
	claim "without spinning: a handful of voluntary context switches in open()"
	note "voluntary context switches in the interrupted open(): $(opener_said A ctxsw)"
	expect_le "$(opener_said A ctxsw)" 3 "context switches in A's open()"
	claim "the holder keeps the file and the interrupted open left no module reference"
	nonblocking_open_would_block
	expect_eq "$(refcnt sleep)" 1 "refcnt"
	claim "the next sleeper still gets the file when the holder leaves"
	sleeper B
	kill "$holder"
	wait_for 10 "B to get the file" reported B
	expect_eq "$(opener_said B open)" ok "B's open"
}

t_handled_signal_by_kill_fails_a_sleeping_open_with_eintr() {
	signal_interrupts_open kill
}

t_handled_signal_by_tgkill_fails_a_sleeping_open_with_eintr() {
	signal_interrupts_open tgkill
}

t_wake_all_handled_signal_fails_a_sleeping_open_with_eintr() {
	signal_interrupts_open kill rule=all
}

t_fatal_signals_by_kill_and_tgkill_end_a_sleeping_opener() {
	load sleep
	hold holder
	for sig in TERM KILL; do
		for how in kill tgkill; do
			sleeper "$how-$sig"
			pid=$spawned
			claim "SIG$sig by $how ends an opener asleep in open()"
			if [ "$how" = kill ]; then
				kill -"$sig" "$pid"
			else
				"$helpers/tgkill" "$pid" "$pid" "$(kill -l "$sig")" ||
					fail "tgkill"
			fi
			wait_for 5 "the opener to die" ended "$pid"
			wait_status "$pid"
			expect_eq "$status" $((128 + $(kill -l "$sig"))) "exit status"
			expect_eq "$(refcnt sleep)" 1 "refcnt with only the holder left"
		done
	done
}

t_woken_sleeper_hit_by_a_signal_loses_no_wakeup() {
	load sleep
	"$helpers/sleep_crowd" race 20 >"$tmp/out" || fail "sleep_crowd race failed"
	sed 's/^/# /' "$tmp/out"
	claim "a sleeper picked by a wake-up and signalled at once keeps the file"
	expect_eq "$(opener_said out picked_and_signalled_kept_file)" 10/10 "kept"
	claim "a sleeper signalled while the file is held gets EINTR"
	expect_eq "$(opener_said out signalled_first_got_eintr)" 10/10 "EINTR"
	claim "in every round the next sleeper gets the file"
	expect_eq "$(opener_said out next_sleeper_served)" 20/20 "served"
}

t_sleeper_handed_the_file_and_killed_at_once_passes_it_on() {
	load sleep
	"$helpers/sleep_crowd" race 20 kill >"$tmp/out" || fail "sleep_crowd race kill failed"
	sed 's/^/# /' "$tmp/out"
	claim "a sleeper killed as the file is handed to it, or before, dies"
	expect_eq "$(opener_said out killed)" 20/20 "killed"
	claim "in every round the next sleeper gets the file: no hand-off is lost"
	expect_eq "$(opener_said out next_sleeper_served)" 20/20 "served"
	claim "the module is left with no reference"
	expect_eq "$(refcnt sleep)" 0 "refcnt"
}

t_newcomers_never_overtake_sleepers_while_the_file_is_handed_on() {
	load sleep
	"$helpers/sleep_crowd" stream 8 24 >"$tmp/out" || fail "sleep_crowd stream failed"
	claim "8 sleepers, then a newcomer right after each of 24 closes: the file goes in arrival order"
	expect_eq "$(opener_said out order)" "$(seq -s ' ' 0 31)" "order served"
	expect_eq "$(opener_said out overtakes)" 0 "acquisitions while an earlier opener waited"
	claim "an O_NONBLOCK open right after a close with sleepers gets EAGAIN each time"
	expect_eq "$(opener_said out nonblocking_took_file)" 0 "O_NONBLOCK opens that took the file"
	claim "each opener sleeps once: at most 2 voluntary switches in open()"
	ctxsw=$(opener_said out ctxsw)
	total=${ctxsw% *} most=${ctxsw#* }
	note "voluntary context switches in open(): $total in all, $most at most"
	expect_le "$most" 2 "context switches of the worst opener"
}

t_wake_all_keeps_the_old_rule_newcomers_overtake() {
	load sleep wake_all=1
	"$helpers/sleep_crowd" stream 8 24 >"$tmp/out" || fail "sleep_crowd stream failed"
	note "order: $(opener_said out order)"
	claim "every close frees the file: newcomers and O_NONBLOCK opens take it first"
	note "overtakes: $(opener_said out overtakes), O_NONBLOCK: $(opener_said out nonblocking_took_file)"
	expect_ge "$(opener_said out overtakes)" 1 "overtakes"
	expect_ge "$(opener_said out nonblocking_took_file)" 1 "O_NONBLOCK opens that took the file"
	claim "each of the 32 still gets the file once"
	expect_eq "$(opener_said out order | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
		"$(seq -s ' ' 0 31) " "openers served"
}

t_cat_into_its_own_file_waits_for_itself_until_killed() {
	load sleep
	claim "cat $proc > $proc: the shell's redirection holds the file, cat's open sleeps"
	# shellcheck disable=SC2094 # reading and writing it is the point
	spawn cat $proc >$proc
	pid=$spawned
	wait_for 10 "cat to sleep in open()" asleep_in_open "$pid"
	nonblocking_open_would_block
	claim "killing it frees the file"
	kill "$pid"
	wait_for 10 "cat to exit" ended "$pid"
	cat $proc >"$tmp/out" || fail "cat"
	expect_line "$tmp/out" "Last input:" "read after the self-deadlock"
	claim "cat_nonblock $proc > $proc exits 1 at once, its 'Open would block' the message"
	rc=0
	# shellcheck disable=SC2094 # as above
	"$root/cat_nonblock" $proc >$proc || rc=$?
	expect_eq "$rc" 1 "cat_nonblock exit status"
	cat $proc >"$tmp/out" || fail "cat"
	expect_line "$tmp/out" "Last input:Open would block" "message"
}

t_thirty_two_openers_get_the_file_once_each_in_order_without_a_herd() {
	load sleep
	"$helpers/sleep_crowd" fifo 32 3 >"$tmp/out" || fail "sleep_crowd fifo failed"
	claim "32 openers that fell asleep one by one get the file in that order"
	expect_eq "$(opener_said out order)" "$(seq -s ' ' 0 31)" "order served"
	claim "one holder at a time"
	expect_eq "$(opener_said out max_holders)" 1 "most holders at once"
	claim "no herd: at most 5 voluntary context switches in any opener's open()"
	ctxsw=$(opener_said out ctxsw)
	total=${ctxsw% *} most=${ctxsw#* }
	note "voluntary context switches in open(): $total in all, $most at most"
	expect_le "$most" 5 "context switches of the worst opener"
}

t_wake_all_shows_the_thundering_herd() {
	load sleep wake_all=1
	claim "wake_all is a read-only parameter, set to Y"
	expect_eq "$(cat /sys/module/sleep/parameters/wake_all)" Y "wake_all"
	expect_eq "$(stat -c %a /sys/module/sleep/parameters/wake_all)" 444 "mode"
	"$helpers/sleep_crowd" fifo 32 3 >"$tmp/out" || fail "sleep_crowd fifo failed"
	claim "each of 32 openers still gets the file once, one holder at a time"
	expect_eq "$(opener_said out order | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
		"$(seq -s ' ' 0 31) " "openers served"
	expect_eq "$(opener_said out max_holders)" 1 "most holders at once"
	claim "the herd: every close wakes every sleeper, 8+ switches per opener"
	ctxsw=$(opener_said out ctxsw)
	total=${ctxsw% *} most=${ctxsw#* }
	note "voluntary context switches in open(): $total in all, $most at most"
	expect_ge "$total" $((32 * 8)) "context switches of all openers"
}

t_readers_never_see_a_half_written_message() {
	load sleep
	claim "threads sharing the file: 20000 reads during writes are all whole"
	"$helpers/sleep_torn" 20000 >"$tmp/out" || fail "sleep_torn failed"
	sed 's/^/# /' "$tmp/out"
	expect_eq "$(opener_said out reads)" "20000 torn: 0" "torn reads"
}

t_rmmod_while_held_fails_at_once_and_the_file_keeps_working() {
	load sleep
	hold holder
	holder=$spawned
	claim "rmmod fails at once while the file is held"
	rmmod_refused sleep
	expect_eq "$(refcnt sleep)" 1 "refcnt"
	claim "the file still works: held, then readable once the holder leaves"
	nonblocking_open_would_block
	kill "$holder"
	wait_for 10 "the holder to exit" ended "$holder"
	cat $proc >"$tmp/out" || fail "cat"
	expect_line "$tmp/out" "Last input:" "read after the refused rmmod"
	claim "with nobody left, rmmod succeeds and /proc/sleep is gone"
	unload sleep
	[ ! -e $proc ] || fail "$proc still exists"
}

t_rmmod_while_waited_on_fails_at_once_then_succeeds() {
	load sleep
	hold holder
	holder=$spawned
	sleeper A
	sleeper_pid=$spawned
	claim "rmmod fails at once while an opener sleeps"
	rmmod_refused sleep
	expect_eq "$(refcnt sleep)" 2 "refcnt"
	claim "the sleeper gets the file when the holder leaves"
	kill "$holder"
	wait_for 10 "A to get the file" reported A
	expect_eq "$(opener_said A open)" ok "A's open"
	claim "rmmod still fails while the woken sleeper holds the file"
	rmmod_refused sleep
	claim "once it leaves, rmmod succeeds and /proc/sleep is gone"
	kill "$sleeper_pid"
	wait_for 10 "A to exit" ended "$sleeper_pid"
	unload sleep
	[ ! -e $proc ] || fail "$proc still exists"
	claim "loading again brings /proc/sleep back"
	load sleep
	cat $proc >"$tmp/out" || fail "cat"
	expect_line "$tmp/out" "Last input:" "read after reloading"
}

t_write_replaces_the_message_and_strips_one_newline() {
	load sleep
	claim "each write replaces the message"
	echo first >$proc || fail "write first"
	echo second >$proc || fail "write second"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:second" "after two writes"
	claim "only one trailing newline is stripped"
	printf 'two\n\n' >$proc || fail "write"
	cat $proc >"$tmp/out"
	printf 'Last input:two\n\n' | cmp -s - "$tmp/out" ||
		fail "got '$(od -An -c "$tmp/out")'"
	claim "a write without a newline is kept whole"
	printf 'bare' >$proc || fail "write"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:bare" "write without a newline"
}

t_79_byte_message_round_trips_and_80_is_einval() {
	load sleep
	msg79=$(repeat x 79)
	claim "79 bytes, with or without a trailing newline, round-trip"
	"$sleep_opener" -w "$msg79" $proc >"$tmp/out" || fail "write 79: $(cat "$tmp/out")"
	expect_eq "$(opener_said out write)" 79 "bytes written"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:$msg79" "79-byte message"
	echo "$msg79" >$proc || fail "echo of 79 bytes"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:$msg79" "79 bytes and a newline"
	echo kept >$proc
	claim "80 and 81 bytes (even with a newline) and 4 KiB fail with EINVAL"
	for msg in "$(repeat y 80)" "$(repeat y 80)
" "$(repeat y 4096)"; do
		"$sleep_opener" -w "$msg" $proc >"$tmp/out" && fail "an oversize write succeeded"
		expect_eq "$(opener_said out write)" EINVAL "oversize write of ${#msg} bytes"
	done
	claim "the previous message is intact"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:kept" "message after oversize writes"
}

t_empty_write_keeps_the_message_and_a_lone_newline_clears_it() {
	load sleep
	echo kept >$proc
	claim "a zero-length write() returns 0 and keeps the message"
	"$sleep_opener" -w "" $proc >"$tmp/out" || fail "empty write: $(cat "$tmp/out")"
	expect_eq "$(opener_said out write)" 0 "bytes written"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:kept" "after an empty write"
	claim "writing just a newline empties the message"
	echo >$proc || fail "echo"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:" "after writing a newline"
}

t_write_from_an_address_with_no_page_fails_with_efault_and_keeps_the_message() {
	load sleep
	echo kept >$proc
	claim "a write() of 5 bytes from an address with no page behind it fails with EFAULT"
	"$sleep_opener" -F 5 $proc >"$tmp/out" && fail "the write succeeded: $(cat "$tmp/out")"
	expect_eq "$(opener_said out write)" EFAULT "write from a bad address"
	claim "the message and the size are the old ones"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:kept" "after the failed write"
	expect_eq "$(stat -c %s $proc)" 16 "size of 'Last input:kept' and its newline"
}

t_non_root_reads_and_holds_but_cannot_write() {
	load sleep
	echo "root wrote this" >$proc
	claim "nobody (uid 65534) gets EACCES on write"
	"$sleep_opener" -u 65534 -w intruder $proc >"$tmp/out" && fail "nobody could write"
	expect_eq "$(opener_said out open)" EACCES "nobody's open for writing"
	claim "nobody can read the message"
	"$sleep_opener" -u 65534 -r $proc >"$tmp/out" || fail "nobody cannot read: $(cat "$tmp/out")"
	expect_eq "$(grep -c '^read: Last input:root wrote this$' "$tmp/out")" 2 \
		"nobody's reads"
	claim "nobody can hold the file"
	opener holder -u 65534 -H -1
	wait_for 10 "nobody to hold the file" grep -qx 'open: ok' "$tmp/holder"
	expect_eq "$(stat -c %u "/proc/$spawned")" 65534 "holder's uid"
	nonblocking_open_would_block
	claim "and the message is still root's"
	kill "$spawned"
	wait_for 10 "the holder to exit" ended "$spawned"
	cat $proc >"$tmp/out"
	expect_line "$tmp/out" "Last input:root wrote this" "message"
}

# ---- rule=: what a close does; handoff, the kernel mutex's rule ----

# rule_is RULE WAKE_ALL: what /sys/module/sleep/parameters says.
rule_is() {
	expect_eq "$(cat /sys/module/sleep/parameters/rule)" "$1" "rule"
	expect_eq "$(cat /sys/module/sleep/parameters/wake_all)" "$2" "wake_all"
}

# refused PARAM... MESSAGE: insmod sleep PARAM... fails with EINVAL and
# the kernel's log has MESSAGE.
refused() {
	_msg=$(eval "echo \"\${$#}\"")
	_n=$(($# - 1))
	_params=
	while [ "$_n" -gt 0 ]; do
		_params="$_params $1"
		shift
		_n=$((_n - 1))
	done
	claim "insmod sleep$_params fails with EINVAL, saying why"
	klog_mark
	# shellcheck disable=SC2086 # parameters, one word each
	! insmod "$root/sleep.ko" $_params 2>"$tmp/insmod" ||
		fail "insmod sleep$_params succeeded"
	! loaded sleep || fail "sleep loaded with$_params"
	grep -q "Invalid param\|Invalid argument" "$tmp/insmod" ||
		fail "insmod did not fail with EINVAL: $(cat "$tmp/insmod")"
	klog_has "$_msg" ||
		fail "no '$_msg' in the kernel's log: $(klog | tail -n 3)"
}

t_rule_names_what_a_close_does_and_bad_or_contradicting_rules_are_refused() {
	claim "by default the rule is fifo, wake_all N; rule is read-only"
	load sleep
	rule_is fifo N
	expect_eq "$(stat -c %a /sys/module/sleep/parameters/rule)" 444 "mode"
	unload sleep
	for params in "rule=fifo:fifo N" "rule=handoff:handoff N" \
		"rule=all:all Y" "wake_all=1:all Y" "wake_all=0:fifo N" \
		"rule=all wake_all=1:all Y" "rule=fifo wake_all=0:fifo N" \
		"rule=handoff wake_all=0:handoff N"; do
		claim "${params%%:*} loads as rule and wake_all ${params#*:}"
		# shellcheck disable=SC2086 # parameters, one word each
		load sleep ${params%%:*}
		# shellcheck disable=SC2086 # two words
		rule_is ${params#*:}
		unload sleep
	done
	for bad in bogus FIFO hand-off ""; do
		refused "rule=$bad" "rule=$bad is not a rule: fifo, handoff or all"
	done
	refused rule "rule= is not a rule: fifo, handoff or all"
	refused rule=fifo wake_all=1 "rule=fifo and wake_all=1 contradict each other"
	refused rule=handoff wake_all=1 "rule=handoff and wake_all=1 contradict each other"
	refused rule=all wake_all=0 "rule=all and wake_all=0 contradict each other"
}

# handoff_crowd ARGS...: sleep_crowd handoff ARGS with rule=handoff, its
# report in $tmp/out.
handoff_crowd() {
	load sleep rule=handoff
	"$helpers/sleep_crowd" handoff "$@" >"$tmp/out" ||
		fail "sleep_crowd handoff $* failed: $(tail -n 3 "$tmp/out")"
	note "order: $(opener_said out order)"
	note "passed over while first: $(opener_said out passed_over_first)"
	note "rounds in which sleep_crowd slept between a close and its newcomer's open, when the woken sleeper could run first: $(opener_said out crowd_slept)"
}

t_handoff_newcomer_takes_a_free_file_and_the_sleeper_that_lost_gets_the_next_close() {
	handoff_crowd 8 16 run
	claim "rule=handoff, 8 sleepers: each close frees the file and a newcomer running on the other CPU takes it before the woken sleeper runs"
	expect_eq "$(opener_said out steals)" 8 "acquisitions that passed a sleeper over"
	claim "the woken sleeper that lost the race is handed the next close: each is passed over exactly once while first in line"
	expect_eq "$(opener_said out sleepers_passed_over_first)" "1 1 1 1 1 1 1 1" \
		"times each sleeper was passed over while first"
	expect_eq "$(opener_said out order)" \
		"8 0 10 1 12 2 14 3 16 4 18 5 20 6 22 7 9 11 13 15 17 19 21 23" "order served"
	claim "once the newcomers stop, the rest are served in arrival order"
	expect_eq "$(opener_said out passed_over_first | cut -d' ' -f9-)" \
		"$(printf '0 %.0s' $(seq 16) | sed 's/ $//')" "newcomers passed over"
	expect_eq "$(refcnt sleep)" 0 "refcnt"
}

t_handoff_sleeper_that_cannot_run_is_passed_over_at_most_four_times() {
	handoff_crowd 8 40 starve
	claim "rule=handoff, 8 sleepers kept from running when woken, 40 newcomers: a sleeper that cannot run is passed over 4 times while first in line, then handed the file"
	# One that gets a CPU all the same (a busy host) sets the flag at its
	# first loss and is passed over once: the bound is at most 4, and some
	# sleeper must have reached it.
	passes=$(opener_said out sleepers_passed_over_first)
	note "times each sleeper was passed over while first: $passes"
	expect_le "$(echo "$passes" | tr ' ' '\n' | sort -n | tail -n 1)" 4 \
		"most times a sleeper was passed over while first"
	echo " $passes " | grep -q ' 4 ' ||
		fail "no sleeper was passed over 4 times while first: $passes (the bound never handed one the file)"
	claim "no child is passed over more than 4 times while first"
	expect_le "$(opener_said out passed_over_first | tr ' ' '\n' | sort -n | tail -n 1)" 4 \
		"most times one child was passed over while first"
	note "most acquisitions by later arrivals while one child waited: $(opener_said out most_passed_over)"
}

t_handoff_nonblocking_newcomers_take_a_free_file_and_get_eagain_while_it_is_handed_on() {
	handoff_crowd 8 16 nonblock
	claim "rule=handoff: an O_NONBLOCK newcomer takes the file a close freed, ahead of the woken sleeper"
	expect_eq "$(opener_said out nonblocking_took_file)" 8 "O_NONBLOCK opens that took the file"
	claim "and gets EAGAIN, without sleeping, while the file is handed to the sleeper that lost"
	expect_eq "$(opener_said out nonblocking_eagain)" 8 "O_NONBLOCK opens refused"
	expect_eq "$(opener_said out nonblocking_eagain_ctxsw)" 0 \
		"voluntary switches in a refused O_NONBLOCK open"
	expect_eq "$(opener_said out sleepers_passed_over_first)" "1 1 1 1 1 1 1 1" \
		"times each sleeper was passed over while first"
	expect_eq "$(refcnt sleep)" 0 "refcnt"
}

t_handoff_nonblocking_open_while_held_fails_with_eagain_at_once() {
	load sleep rule=handoff
	hold holder
	sleeper A
	claim "rule=handoff: an O_NONBLOCK open of the held file, with a sleeper, fails with EAGAIN without sleeping"
	"$sleep_opener" -n $proc >"$tmp/out" && fail "O_NONBLOCK open succeeded while held"
	expect_eq "$(opener_said out open)" EAGAIN "O_NONBLOCK open"
	expect_eq "$(opener_said out ctxsw)" 0 "context switches in open()"
	claim "the failed open leaves only the holder's and the sleeper's module references"
	expect_eq "$(refcnt sleep)" 2 "refcnt"
}

t_handoff_woken_sleeper_hit_by_a_signal_loses_no_hand_off() {
	load sleep rule=handoff
	"$helpers/sleep_crowd" race 20 >"$tmp/out" || fail "sleep_crowd race failed"
	claim "rule=handoff: a sleeper woken for the free file and signalled at once takes it and keeps it"
	expect_eq "$(opener_said out picked_and_signalled_kept_file)" 10/10 "kept"
	expect_eq "$(opener_said out signalled_first_got_eintr)" 10/10 "EINTR"
	expect_eq "$(opener_said out next_sleeper_served)" 20/20 "served"
	"$helpers/sleep_crowd" lost 10 >"$tmp/out" || fail "sleep_crowd lost failed"
	sed 's/^/# /' "$tmp/out"
	claim "a sleeper that lost the race, then is handed the file and signalled at once, keeps it"
	expect_eq "$(opener_said out handed_and_signalled_kept_file)" 5/5 "kept"
	claim "a sleeper that lost the race and is signalled leaves with EINTR, and the next close goes to the next sleeper: the newcomer after it sleeps"
	expect_eq "$(opener_said out lost_and_signalled_got_eintr)" 5/5 "EINTR"
	expect_eq "$(opener_said out hand_off_passed_to_next)" 5/5 "hand-offs passed on"
	expect_eq "$(opener_said out next_sleeper_served)" 10/10 "served"
}

t_handoff_woken_sleeper_killed_loses_no_hand_off() {
	load sleep rule=handoff
	"$helpers/sleep_crowd" race 20 kill >"$tmp/out" || fail "sleep_crowd race kill failed"
	claim "rule=handoff: a sleeper killed as the file is freed for it, or before, dies, and the next sleeper gets the file"
	expect_eq "$(opener_said out killed)" 20/20 "killed"
	expect_eq "$(opener_said out next_sleeper_served)" 20/20 "served"
	"$helpers/sleep_crowd" lost 10 kill >"$tmp/out" || fail "sleep_crowd lost kill failed"
	sed 's/^/# /' "$tmp/out"
	claim "a sleeper that lost the race and is killed, before or after it is handed the file, dies; the next sleeper gets the file before the newcomer that followed"
	expect_eq "$(opener_said out killed)" 10/10 "killed"
	expect_eq "$(opener_said out hand_off_passed_to_next)" 5/5 "hand-offs passed on"
	expect_eq "$(opener_said out next_sleeper_served)" 10/10 "served"
	expect_eq "$(refcnt sleep)" 0 "refcnt"
}

t_handoff_thirty_two_openers_without_newcomers_get_the_file_in_order() {
	load sleep rule=handoff
	"$helpers/sleep_crowd" fifo 32 3 >"$tmp/out" || fail "sleep_crowd fifo failed"
	claim "rule=handoff, 32 openers asleep one by one and no newcomer: each close wakes the longest sleeper, which takes the file: arrival order"
	expect_eq "$(opener_said out order)" "$(seq -s ' ' 0 31)" "order served"
	expect_eq "$(opener_said out max_holders)" 1 "most holders at once"
	claim "no herd: at most 5 voluntary context switches in any opener's open()"
	ctxsw=$(opener_said out ctxsw)
	note "voluntary context switches in open(): ${ctxsw% *} in all, ${ctxsw#* } at most"
	expect_le "${ctxsw#* }" 5 "context switches of the worst opener"
}

t_handoff_rmmod_while_held_or_waited_on_fails_at_once_then_succeeds() {
	load sleep rule=handoff
	hold holder
	holder=$spawned
	sleeper A
	sleeper_pid=$spawned
	claim "rule=handoff: rmmod fails at once while the file is held and an opener sleeps"
	rmmod_refused sleep
	expect_eq "$(refcnt sleep)" 2 "refcnt"
	claim "the sleeper gets the file when the holder leaves; rmmod still fails"
	kill "$holder"
	wait_for 10 "A to get the file" reported A
	expect_eq "$(opener_said A open)" ok "A's open"
	rmmod_refused sleep
	claim "once it leaves, rmmod succeeds and /proc/sleep is gone"
	kill "$sleeper_pid"
	wait_for 10 "A to exit" ended "$sleeper_pid"
	unload sleep
	[ ! -e $proc ] || fail "$proc still exists"
}
