# SPDX-License-Identifier: GPL-2.0
#
# make stress: a bounded hostile run. For DURATION seconds (default 120: three
# fifths chaos, two fifths accounting) and a SEED printed first, hostile
# processes (guest/helpers/stress_hostile), stress-ng's stressors aimed at our
# files and insmod/rmmod loops of every module; then each file must work as
# before. guest/run.sh checks after each test that every module unloads, and
# on a kernel with kmemleak that nothing leaked; vm/vm fails the run on a
# splat or a taint. Not in the default groups: `make stress` runs it.
# on request
# shellcheck shell=sh disable=SC2154 # root, helpers, tmp: lib.sh

stress_ng=/usr/bin/stress-ng
duration=${DURATION:-120}
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
note "seed $seed, $duration s (repeat: make stress SEED=$seed DURATION=$duration)"

stress_fail() {
	fail "$* (repeat: make stress SEED=$seed DURATION=$duration)"
}

# Seeded choices, the same for the same seed: rand_next sets $rand.
rand=$seed
rand_next() {
	rand=$(((rand * 1103515245 + 12345) % 2147483648))
}

# reload_loop MODULE CHOICE...: until $tmp/stop exists, insmod MODULE with
# one CHOICE of parameters ("-" for none; some are invalid on purpose), wait
# a moment, rmmod it (refused while in use: fine). Counts loads, unloads and
# refusals into $tmp/reload.MODULE, then the loads and unloads made before
# the stop. Above the hostile processes in priority, as kmod under TCG
# beside them would hardly run. A loop that has not yet both loaded and
# unloaded its module goes on after the stop until it has: on a slow
# machine the hostile processes may have held it for the whole run.
reload_loop() {
	_m=$1 _loads=0 _unloads=0 _refused=0 _before_stop=
	shift
	# This subshell's own pid ($$ is the test shell's).
	read -r _self _ </proc/self/stat
	renice -n -5 -p "$_self" >/dev/null
	while :; do
		if [ -e "$tmp/stop" ]; then
			_before_stop=${_before_stop:-$_loads $_unloads}
			[ "$_loads" -eq 0 ] || [ "$_unloads" -eq 0 ] || break
		fi
		rand_next
		eval "_p=\${$((rand / 65536 % $# + 1))}"
		[ "$_p" != - ] || _p=
		# shellcheck disable=SC2086 # parameters, one word each
		! insmod "$root/$_m.ko" $_p 2>/dev/null || _loads=$((_loads + 1))
		sleep "0.$((rand / 4096 % 10))"
		if rmmod "$_m" 2>/dev/null; then
			_unloads=$((_unloads + 1))
		else
			_refused=$((_refused + 1))
		fi
		sleep "0.0$((rand / 256 % 10))"
	done
	echo "$_loads $_unloads $_refused $_before_stop" >"$tmp/reload.$_m"
}

# start_reloads MODULE...: a reload_loop for each, with its own seed.
start_reloads() {
	rm -f "$tmp/stop"
	for _m; do
		rand_next
		case $_m in
		sleep) set -- - wake_all=1 wake_all=0 rule=handoff rule=handoff rule=all rule=bogus "rule=fifo wake_all=1" ;;
		completions) set -- - crank_delay_ms=20 crank_delay_ms=300 crank_delay_ms=99999 ;;
		sleepy) set -- - max_pending=1 max_pending=3 max_pending=0 ;;
		io_wait_event) set -- interval_ms=10 "interval_ms=30 threshold=1" interval_ms=5 - ;;
		esac
		spawn reload_loop "$_m" "$@"
	done
}

# stop_reloads MODULE...: stop the loops and wait for them (a failing test
# must not leave an insmod running into the next one).
stop_reloads() {
	touch "$tmp/stop"
	for _m; do
		wait_for 30 "the $_m reload loop to stop" test -s "$tmp/reload.$_m"
	done
}

# reloads_happened MODULE...: each loop loaded and unloaded its module at
# least once, while the hostile run went on or, on a slow machine, after.
reloads_happened() {
	for _m; do
		read -r _loads _unloads _refused _early_loads _early_unloads <"$tmp/reload.$_m"
		note "$_m: $_loads loads, $_unloads unloads, $_refused rmmods refused" \
			"($_early_loads loads and $_early_unloads unloads during the hostile run)"
		expect_ge "$_loads" 1 "$_m loads"
		expect_ge "$_unloads" 1 "$_m unloads"
	done
}

# hostile ARGS...: stress_hostile with the seed; its exit status is left in
# $hostile_status.
hostile() {
	spawn "$helpers/stress_hostile" -s "$seed" "$@"
	wait_status "$spawned"
	hostile_status=$status
}

t_hostile_processes_stress_ng_and_reloads_of_every_module_break_nothing() {
	_s=$((duration * 3 / 5))
	claim "for $_s s, 8 root and 4 nobody hostile processes, stress-ng's dev, procfs and fstat stressors (the first half) and insmod/rmmod loops of every module: every process stops when asked, every module unloads after"
	[ -x "$stress_ng" ] || fail "no $stress_ng in this system (vm/vm copies it)"
	# stress-ng's dev stressor needs the device at its start.
	load sleepy
	mkdir "$tmp/ours"
	ln -s /proc/sleep "$tmp/ours/sleep"
	ln -s /dev/sleepy "$tmp/ours/sleepy"
	# For the first half: its dev stressor opens /dev/sleepy again and again
	# (rmmod is refused while it does), and the second half is for sleepy's
	# reloads. Its start fails if /dev/sleepy is gone when it stats it, so the
	# reloads wait for its first open (nothing else opens sleepy yet).
	spawn "$stress_ng" --seed "$seed" --timeout "$((_s / 2))s" --temp-path "$tmp" \
		--dev 1 --dev-file /dev/sleepy --procfs 1 --fstat 1 \
		--fstat-dir "$tmp/ours" --metrics-brief
	_ng=$spawned
	wait_for 60 "stress-ng's dev stressor to open /dev/sleepy" held sleepy
	start_reloads sleep completions sleepy io_wait_event
	hostile -t "$_s"
	stop_reloads sleep completions sleepy io_wait_event
	wait_status "$_ng"
	[ "$hostile_status" -eq 0 ] || stress_fail "stress_hostile exited with $hostile_status"
	[ "$status" -eq 0 ] || stress_fail "stress-ng exited with $status"
	reloads_happened sleep completions sleepy io_wait_event
}

t_sleepy_loses_no_write_under_signals_stops_forks_and_reloads_of_the_others() {
	_s=$((duration * 2 / 5))
	rand_next
	_max=$((1 + rand / 65536 % 8))
	claim "for $_s s with sleepy loaded once (max_pending=$_max), 6 root and 2 nobody hostile processes and reloads of the other modules: writes accepted = reads released + writes pending"
	load sleepy "max_pending=$_max"
	start_reloads sleep completions io_wait_event
	hostile -t "$_s" -w 6 -n 2 -a "$_max"
	stop_reloads sleep completions io_wait_event
	[ "$hostile_status" -eq 0 ] || stress_fail "stress_hostile exited with $hostile_status"
	reloads_happened sleep completions io_wait_event
}

t_every_file_behaves_as_before_after_the_hostile_runs() {
	claim "/proc/sleep keeps a message, one holder at a time"
	load sleep
	echo "after the storm" >/proc/sleep
	expect_eq "$(cat /proc/sleep)" "Last input:after the storm" "/proc/sleep"
	exec 3</proc/sleep
	_rc=0
	"$root/cat_nonblock" /proc/sleep >/dev/null || _rc=$?
	expect_eq "$_rc" 1 "cat_nonblock while /proc/sleep is held"
	exec 3<&-
	"$root/cat_nonblock" /proc/sleep >/dev/null ||
		fail "cat_nonblock once /proc/sleep is closed"
	unload sleep

	claim "/dev/sleepy releases one read per write"
	load sleepy
	_rc=0
	"$root/cat_nonblock" /dev/sleepy || _rc=$?
	expect_eq "$_rc" 1 "O_NONBLOCK read with no write pending"
	echo wake >/dev/sleepy
	"$root/cat_nonblock" /dev/sleepy || fail "O_NONBLOCK read after a write"
	_rc=0
	"$root/cat_nonblock" /dev/sleepy || _rc=$?
	expect_eq "$_rc" 1 "a second O_NONBLOCK read after one write"
	unload sleepy

	claim "the crank turns before the flywheel, and the waiter passes its threshold"
	klog_mark
	load completions
	unload completions
	klog | grep -E 'Turn the crank|Flywheel spins up' >"$tmp/order"
	expect_eq "$(head -n 1 "$tmp/order")" "completions: Turn the crank" "first completions line"
	expect_eq "$(sed -n 2p "$tmp/order")" "completions: Flywheel spins up" "second completions line"
	load io_wait_event interval_ms=10 threshold=1
	wait_for 20 "the waiter to pass its threshold" klog_has "wait thread execution"
	unload_within "$(scaled 2000)" io_wait_event
}
