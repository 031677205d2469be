# SPDX-License-Identifier: GPL-2.0
#
# What every guest script shares: sourced by guest/run.sh (and into each
# test's own shell), guest/demo.sh, guest/trace/scenarios.sh,
# guest/bench/measure.sh and guest/mutants.sh. A test is a function
# t_<name> in guest/tests/<group>.sh; it reads as claims: `claim` names a
# behaviour, the lines after it prove it and `fail` when they do not.
# POSIX sh: it runs under busybox in the guest.
#
# WAITQ_ROOT is the project folder: the one with Kbuild, the built .ko files
# and cat_nonblock (the repository on a machine, /waitq in the VM); WAITQ_TMP
# a folder the caller owns.

# shellcheck shell=sh disable=SC2034 # the scripts that source this use these
root=${WAITQ_ROOT:?set WAITQ_ROOT to the project folder (guest/run.sh does)}
helpers=$root/guest/helpers
tmp=${WAITQ_TMP:?set WAITQ_TMP to a folder of the caller (guest/run.sh does)}

# modules: the examples' modules, one per line: Kbuild's list.
modules() { sed -n 's/^obj-m += \(.*\)\.o$/\1/p' "$root/Kbuild"; }

claim() { echo "# claim: $*"; }
note() { echo "# $*"; }
fail() { echo "# FAIL: $*"; exit 1; }
skip() { echo "# SKIP: $*"; exit 4; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# expect_le ACTUAL BOUND WHAT, expect_ge ACTUAL BOUND WHAT (integers)
expect_le() {
	[ "$1" -le "$2" ] || fail "$3: $1 is above $2"
}
expect_ge() {
	[ "$1" -ge "$2" ] || fail "$3: $1 is below $2"
}

# Milliseconds since boot (10 ms resolution; busybox date has no %N).
now_ms() {
	clock
	echo "$_now"
}
# clock: the same into $_now, with no subshell. On the debug kernel every
# process the shell starts costs some 100 ms, so the helpers that run most
# often (wait_for's loop, the module and task checks) start none.
clock() {
	read -r _up _ </proc/uptime
	_frac=${_up#*.}
	_now=$((${_up%.*} * 1000 + ${_frac#0} * 10))
}

# The pace of this machine and kernel: how many times slower than the
# reference (Debian's 6.1 kernel in a 2-vCPU TCG guest on a 2-core host)
# guest/run.sh measured them to be, 1 to 4 (pace in lib.sh). Every bound
# that only catches a hang or says "promptly" is multiplied by it; what a
# test proves by counting is not.
scale=${WAITQ_SCALE:-1}
# scaled N: N times the pace.
scaled() { echo $(($1 * scale)); }

# pace: the scale for this machine and kernel, the larger of two ratios,
# each rounded, against Debian's 6.1 in a 2-vCPU TCG guest on a 2-core host:
# - the time kmod takes to start and fail (rmmod of a module that does not
#   exist), the fixed cost of every insmod and rmmod the tests make: after
#   one to warm up, the mean of 5, against 150 ms. Measured: 6.1 60-160 ms,
#   rt 55, KCSAN 100-130, debug 200-420;
# - a wake-up on the other CPU and back (guest/helpers/pingpong, 100 round
#   trips), what kthread_stop(), an RCU grace period or a sleeper woken on
#   another CPU waits for, against 180 us. Measured: 6.1 170-185 us, debug
#   290-380; with the VM on one host core, where the two vCPUs take turns,
#   6500-7700 on both. The kmod time hardly changes there (debug 82 ms).
# Prints "SCALE KMOD_MS PINGPONG_US", the scale 1 to 4.
pace() {
	rmmod waitq_no_such_module 2>/dev/null || true
	_pace_start=$(now_ms)
	for _pace in 1 2 3 4 5; do
		rmmod waitq_no_such_module 2>/dev/null || true
	done
	_pace_ms=$((($(now_ms) - _pace_start) / 5))
	_pace=$(((_pace_ms + 75) / 150))
	_pace_us=$("$helpers/pingpong" 100 2>/dev/null) || _pace_us=0
	_pace_cpus=$(((_pace_us + 90) / 180))
	[ "$_pace_cpus" -le "$_pace" ] || _pace=$_pace_cpus
	[ "$_pace" -ge 1 ] || _pace=1
	[ "$_pace" -le 4 ] || _pace=4
	echo "$_pace $_pace_ms $_pace_us"
}

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds, fail after
# SECONDS (times the pace). Each wait's time goes to $tmp/waits, where
# guest/run.sh finds the waits that came near their bound.
# Between polls it waits 10 ms in the shell's own read (-t) on a FIFO that
# nobody writes, instead of starting sleep.
wait_for() {
	clock
	_wait_start=$_now
	_wait_bound=$(($1 * scale)) _wait_what=$2
	_wait_limit=$((_wait_start + _wait_bound * 1000))
	shift 2
	[ -p "$tmp/.tick" ] || mkfifo "$tmp/.tick"
	until "$@"; do
		clock
		[ "$_now" -lt "$_wait_limit" ] ||
			fail "timed out waiting for $_wait_what ($_wait_bound s)"
		# shellcheck disable=SC3045 # busybox ash and bash have read -t
		read -r -t 0.01 _ <>"$tmp/.tick" || true
	done
	clock
	echo "$((_now - _wait_start)) $_wait_bound $_wait_what" >>"$tmp/waits"
}

# has_line FILE TEXT: FILE has a whole line TEXT (grep -qx, read in the
# shell: wait_for polls it).
has_line() {
	{
		while IFS= read -r _line; do
			[ "$_line" != "$2" ] || return 0
		done <"$1"
	} 2>/dev/null
	return 1
}

# spawn CMD...: start CMD in the background; its pid is in $spawned (and in
# $tmp/pids). guest/run.sh kills whatever a test leaves running.
spawn() {
	"$@" &
	spawned=$!
	echo "$spawned" >>"$tmp/pids"
}

# stat_field PID N: field N (or N,M...) of /proc/PID/stat, counted from the
# state (1) after the ")" that ends the task's name, which may hold spaces
# and parentheses; nothing if the task is gone. guest/helpers/helpers.h
# reads it the same way.
stat_field() {
	{ read -r _stat <"/proc/$1/stat"; } 2>/dev/null || return 0
	_sf_list=$2 _sf_out=
	set -f
	# shellcheck disable=SC2086 # the fields, split on spaces
	set -- ${_stat##*) }
	_sf_ifs=$IFS
	IFS=,
	for _sf_n in $_sf_list; do
		eval "_sf_out=\"\${_sf_out:+\$_sf_out }\${$_sf_n}\""
	done
	IFS=$_sf_ifs
	set +f
	echo "$_sf_out"
}

# task_state PID: the one-letter scheduler state (R, S, D, Z...), or nothing.
# state_of PID: the same into $_state, read in the shell (the first field
# after the last ") "); fails when the task is gone.
state_of() {
	_state=
	{ read -r _stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	case $_stat in
	*") "*) _stat=${_stat##*) } _state=${_stat%% *} ;;
	esac
}
task_state() {
	state_of "$1" || true
	echo "$_state"
}
in_state() { state_of "$1" && [ "$_state" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_status PID: wait for a spawned child; its exit status is in $status.
# (Not in $(...): a subshell cannot wait for its parent's children.)
wait_status() {
	status=0
	wait "$1" || status=$?
}

# insmod and rmmod are the system's, kmod on Debian and in the VM (its rmmod
# is the one that says "Module sleep is in use"), called by path: busybox's
# shell would run its own applets instead.
for _d in /usr/sbin /sbin /usr/bin /bin; do
	[ -n "${kmod_dir:-}" ] || [ ! -x "$_d/rmmod" ] || kmod_dir=$_d
done
insmod() { "${kmod_dir:?no rmmod found}/insmod" "$@"; }
rmmod() { "${kmod_dir:?no rmmod found}/rmmod" "$@"; }

# rmmod_refused MODULE: rmmod fails at once, says the module is in use, and the
# kernel itself refuses (delete_module() fails with EAGAIN, tried with
# busybox's rmmod, which skips kmod's check of the reference count). The
# module stays loaded. rmmod runs in the background: one that the kernel
# keeps waiting (a module whose files hold no reference) fails the test
# instead of hanging it.
rmmod_refused() {
	rm -f "$tmp/refused"
	spawn timed_rmmod "$1" "$tmp/refused" 2>"$tmp/rmmod"
	wait_for 10 "rmmod $1 to return (it must fail at once)" test -s "$tmp/refused"
	read -r _rc _ms <"$tmp/refused"
	[ "$_rc" -ne 0 ] || fail "rmmod $1 succeeded"
	note "rmmod refused in ${_ms} ms: $(cat "$tmp/rmmod")"
	expect_le "$_ms" "$(scaled 2000)" "rmmod time (ms)"
	case $(readlink "$kmod_dir/rmmod") in
	*kmod) grep -q "is in use" "$tmp/rmmod" || fail "rmmod did not say 'is in use'" ;;
	esac
	if command -v busybox >/dev/null; then
		busybox rmmod "$1" 2>"$tmp/rmmod" && fail "delete_module($1) succeeded"
		grep -q "Resource temporarily unavailable" "$tmp/rmmod" ||
			fail "delete_module($1) did not fail with EAGAIN: $(cat "$tmp/rmmod")"
	fi
	loaded "$1" || fail "$1 was unloaded"
}

# test_module DIR KDIR: build the test-only module of host/tests/DIR (its .c and
# Kbuild) against the kernel tree KDIR, with W=1 -Werror, in $tmp/DIR.
# For host groups that boot a kernel with it (VM_FILES).
test_module() {
	mkdir -p "$tmp/$1"
	cp "$root/host/tests/$1"/*.c "$root/host/tests/$1/Kbuild" "$tmp/$1/"
	make -s -C "$2" M="$tmp/$1" W=1 KCFLAGS=-Werror modules >&2 ||
		fail "the module of host/tests/$1 did not build"
}

loaded() {
	{
		while read -r _loaded_name _; do
			[ "$_loaded_name" != "$1" ] || return 0
		done </proc/modules
	} 2>/dev/null
	return 1
}
refcnt() {
	read -r _refcnt <"/sys/module/$1/refcnt"
	echo "$_refcnt"
}
held() {
	{ read -r _refcnt <"/sys/module/$1/refcnt"; } 2>/dev/null || return 1
	[ "$_refcnt" -gt 0 ]
}

# load MODULE [PARAM=VALUE...]
load() {
	_mod=$1
	shift
	insmod "$root/$_mod.ko" "$@" || fail "insmod $_mod $*"
	loaded "$_mod" || fail "$_mod is not in /proc/modules after insmod"
}

# unload MODULE: rmmod must succeed and leave no trace.
unload() {
	rmmod "$1" || fail "rmmod $1"
	! loaded "$1" || fail "$1 still loaded after rmmod"
}

# unload_within MS MODULE: rmmod must succeed within MS; the time it took is
# left in $rmmod_ms. rmmod runs in the background so that one stuck in the
# kernel fails the test instead of hanging it.
unload_within() {
	rm -f "$tmp/rmmod"
	spawn timed_rmmod "$2" "$tmp/rmmod"
	wait_for $(($1 / 1000 + 2)) "rmmod $2 to return" test -s "$tmp/rmmod"
	read -r _rc rmmod_ms <"$tmp/rmmod"
	expect_eq "$_rc" 0 "rmmod $2 status"
	! loaded "$2" || fail "$2 still loaded after rmmod"
	expect_le "$rmmod_ms" "$1" "rmmod $2 time (ms)"
}
timed_rmmod() {
	_start=$(now_ms)
	rmmod "$1"
	echo "$? $(($(now_ms) - _start))" >"$2.part" && mv "$2.part" "$2"
}

# comm_pids GLOB: the pids of the tasks whose name matches GLOB.
comm_pids() {
	for _comm in /proc/[0-9]*/comm; do
		{ read -r _name <"$_comm"; } 2>/dev/null || continue
		# shellcheck disable=SC2254 # GLOB is a pattern on purpose
		case $_name in
		$1) _pid=${_comm#/proc/} && echo "${_pid%/comm}" ;;
		esac
	done
}
no_task_named() { [ -z "$(comm_pids "$1")" ]; }
task_named() { [ -n "$(comm_pids "$1")" ]; }

# Kernel log since the last klog_mark, without timestamps.
klog_mark() {
	clock
	_mark="waitq-mark-$$-$_now"
	echo "$_mark" >/dev/kmsg
	echo "$_mark" >"$tmp/mark"
}
klog() {
	read -r _mark <"$tmp/mark"
	# shellcheck disable=SC2016 # awk's fields
	dmesg | awk -v m="$_mark" 'on { sub(/^\[[^]]*\] /, ""); print } index($0, m) { on = 1 }'
}
klog_has() {
	read -r _mark <"$tmp/mark"
	# shellcheck disable=SC2016 # awk's fields
	dmesg | awk -v m="$_mark" -v t="$1" 'on && index($0, t) { found = 1; exit }
		index($0, m) { on = 1 } END { exit !found }'
}
