# SPDX-License-Identifier: GPL-2.0
#
# The VM runner judges a run by more than the command's status.
# Each test boots the default kernel (6.1) with a command that misbehaves in
# one way and checks that vm/vm fails the run and says why: exit 1 when
# the kernel complains (a splat, a taint), 125 when the runner itself could
# not get an answer (`git bisect run` skips those).
# Its tests boot VMs, beside a leg of make check-all: each may take minutes.
# timeout: 600
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# runner [ENV=VALUE...] TOOLS_VM ARGS...: run vm/vm (on 6.1, its default);
# exit status in $status, its stdout in $tmp/out, its stderr in $tmp/err,
# seconds taken in $took.
runner() {
	"$root/vm/kernel" 6.1 >/dev/null 2>&1 || skip "no 6.1 kernel (host/deps 6.1)"
	_start=$(now_ms)
	status=0
	env "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	took=$((($(now_ms) - _start) / 1000))
}
said() { grep -q "$1" "$tmp/err" || fail "vm/vm did not say '$1': $(tail -n 3 "$tmp/err")"; }

t_returns_the_guest_command_status() {
	claim "the guest command's output reaches stdout and its exit status is the runner's"
	runner "$root/vm/vm" -t 120 -- 'echo from-the-guest; exit 3'
	expect_eq "$status" 3 "exit status"
	expect_eq "$(cat "$tmp/out")" from-the-guest "stdout"
}

t_kernel_splat_fails_the_run() {
	claim "a WARNING: in the guest's console fails a run whose command succeeded, with exit 1 (not bisect's 'skip')"
	runner "$root/vm/vm" -t 120 -- 'echo "WARNING: CPU: 0 PID: 1 at fake" >/dev/kmsg'
	expect_eq "$status" 1 "exit status"
	said "kernel splat"
}

# A group written into the guest's /waitq/tests by the command itself; its
# middle test makes the kernel log a splat. (T_ stands for t_ here, or the
# runner would take these for tests of this file.)
blame_group='sed "s/^T_/t_/" >guest/tests/blame.sh <<"EOF"
T_quiet() {
	true
}
T_warns() {
	echo "WARNING: CPU: 0 PID: 1 at blame_me+0x0/0x10" >/dev/kmsg
	echo "Call Trace:" >/dev/kmsg
}
T_after() {
	true
}
EOF
guest/run.sh blame'

t_splat_fails_the_test_that_caused_it() {
	claim "a splat fails the test that was running, with the splat in its output; the tests before and after pass"
	runner "$root/vm/vm" -t 120 -- "$blame_group"
	grep -q '^ok 1 blame: quiet$' "$tmp/out" || fail "blame: quiet did not pass: $(cat "$tmp/out")"
	grep -q '^not ok 2 blame: warns$' "$tmp/out" || fail "blame: warns did not fail: $(cat "$tmp/out")"
	grep -q '^# splat: .*WARNING: CPU: 0 PID: 1 at blame_me' "$tmp/out" ||
		fail "the splat is not in the test's output: $(cat "$tmp/out")"
	grep -q '^ok 3 blame: after$' "$tmp/out" || fail "blame: after did not pass: $(cat "$tmp/out")"
	claim "the run fails with exit 1 and names the test"
	expect_eq "$status" 1 "exit status"
	said 'during \[blame: warns\] .*WARNING: CPU: 0 PID: 1 at blame_me'
}

# The guest's group for the decoded stack: its one test loads extra/warn.ko,
# whose init logs a WARNING from warn_here() (host/tests/splat/warn.c).
warn_group='sed "s/^T_/t_/" >guest/tests/warn.sh <<"EOF"
T_warns() {
	insmod extra/warn.ko
	rmmod warn
}
EOF
guest/run.sh warn'

t_splat_stack_is_decoded_to_file_and_line_on_the_debug_kernel() {
	kdir=$("$root/vm/build-kernel" -n debug) ||
		skip "the debug kernel is not built (vm/build-kernel debug)"
	claim "on the debug kernel, the failing test's splat names each frame's file and line: the module's and the kernel's"
	test_module splat "$kdir"
	runner VM_FILES="$tmp/splat/warn.ko" "$root/vm/vm" -k debug -t 300 -- "$warn_group"
	expect_eq "$status" 1 "exit status"
	grep -q '^not ok 1 warn: warns$' "$tmp/out" || fail "warn: warns did not fail: $(cat "$tmp/out")"
	line=$(grep -n 'WARN_ON(1);' "$root/host/tests/splat/warn.c" | cut -d: -f1)
	grep -q "^# splat: .*RIP: .*warn_here (.*warn\.c:$line) warn" "$tmp/out" ||
		fail "the RIP is not warn.c:$line: $(grep RIP "$tmp/out")"
	grep -q '^# splat: .* warn_init (.*warn\.c:[0-9]*) warn' "$tmp/out" ||
		fail "the caller's frame is not decoded: $(grep warn_init "$tmp/out")"
	grep -q '^# splat: .* do_one_initcall (init/main\.c:[0-9]*)' "$tmp/out" ||
		fail "the kernel's frame is not decoded: $(grep do_one_initcall "$tmp/out")"
}

t_guest_cpu_has_no_5_level_paging() {
	claim "the TCG guest's CPU has no LA57, so its kernels page with 4 levels"
	# With 5-level paging, 6.12's KASAN takes a lock in an interrupt that
	# comes while identify_cpu() has cleared the boot CPU's flags for a
	# wild-memory-access: LA57 reads as off, the direct map's address
	# (0xff11...) as below the shadow (a false splat that failed a CI run).
	# A kernel that pages with 4 levels clears la57 from /proc/cpuinfo.
	runner ACCEL=tcg "$root/vm/vm" -t 120 -- 'grep -c -w la57 /proc/cpuinfo || true'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(cat "$tmp/out")" 0 "CPUs with la57 in /proc/cpuinfo"
}

t_unexpected_taint_fails_the_run() {
	claim "a taint other than O and E (here P) fails a run whose command succeeded, with exit 1"
	runner "$root/vm/vm" -t 120 -- 'echo 1 >/proc/sys/kernel/tainted'
	expect_eq "$status" 1 "exit status"
	said "unexpected kernel taint"
}

# A group of tests that hang, written into the guest as blame_group is: one
# keeps the console busy, one is silent. Each is allowed 1000 s.
hang_group='sed "s/^T_/t_/" >guest/tests/hang.sh <<"EOF"
T_ticks() {
	while :; do echo tick >/dev/kmsg; sleep 1; done
}
T_silent() {
	sleep 1000
}
EOF
TEST_TIMEOUT=1000 guest/run.sh'

t_timeout_fails_the_run() {
	claim "a guest that keeps printing past the timeout (-t) is ended and the run fails, naming the test that was running"
	runner "$root/vm/vm" -t 20 -- "$hang_group hang:ticks"
	expect_eq "$status" 125 "exit status"
	said "timed out after 20s while running \[hang: ticks\]"
	expect_le "$took" 60 "seconds to end it"
}

t_silent_guest_is_ended() {
	claim "a guest that prints nothing for QUIET seconds is ended long before the timeout, naming the test that was running"
	runner QUIET=5 "$root/vm/vm" -t 110 -- "$hang_group hang:silent"
	expect_eq "$status" 125 "exit status"
	said "printed nothing for 5s while running \[hang: silent\]"
	expect_le "$took" 60 "seconds to end it"
}

t_a_console_that_alone_keeps_printing_is_silence() {
	claim "a guest whose kernel keeps printing on the console while no test ends (a stall report every minute) is ended after QUIET seconds, naming the test that was running"
	runner QUIET=5 "$root/vm/vm" -t 110 -- "$hang_group hang:ticks"
	expect_eq "$status" 125 "exit status"
	said "printed nothing for 5s while running \[hang: ticks\]"
	expect_le "$took" 60 "seconds to end it"
}

t_limits_come_from_the_tests_planned() {
	claim "with no -t, a guest/run.sh run may last as long as its tests' limits added up: 3 boots of 120 s, then for each test planned and one more 120 s times the greatest pace (4) and a minute"
	runner T='cat_nonblock:prints_a_whole_file sleep:79_*' "$root/vm/vm" -s "$tmp/stage"
	expect_eq "$status" 0 "exit status"
	said "limits: whole run 1980 s (2 tests planned), silence 660 s"
	claim "TEST_TIMEOUT before guest/run.sh raises each test's share and the silence allowed"
	runner "$root/vm/vm" -s "$tmp/stage" -- 'SEED=1 TEST_TIMEOUT=420 guest/run.sh stress'
	said "limits: whole run 7320 s (3 tests planned), silence 1860 s"
	claim "any other command has no whole-run limit unless -t gives one"
	runner "$root/vm/vm" -s "$tmp/stage" -- 'echo hi'
	said "limits: whole run none, silence 300 s"
}

t_a_module_a_test_leaves_held_is_shown_with_its_holder() {
	claim "a process outside the test that holds /dev/sleepy keeps sleepy loaded: the test fails, and the cleanup names the module's count and the holder (pid, name, state, wait channel, stack, fd)"
	runner "$root/vm/vm" -t 300 -- 'insmod sleepy.ko && { sleep 1000 </dev/sleepy & } &&
		guest/run.sh cat_nonblock:prints_a_whole_file'
	expect_eq "$status" 1 "exit status"
	grep -q '^not ok 1 cat_nonblock: prints_a_whole_file$' "$tmp/out" || fail "the test passed: $(cat "$tmp/out")"
	grep -qx '# FAIL: cleanup: sleepy will not unload (refcnt 1)' "$tmp/out" ||
		fail "no refcnt line: $(cat "$tmp/out")"
	grep -qx '# holds /dev/sleepy as fd 0:' "$tmp/out" || fail "no holder line: $(cat "$tmp/out")"
	grep -Eq '^#   pid [0-9]+ \(sleep\) state S wchan ' "$tmp/out" || fail "the holder is not shown: $(cat "$tmp/out")"
}

t_boot_hang_is_booted_again() {
	claim "a boot that does not reach /init in BOOT_TIMEOUT is reported and booted again; the run goes on"
	runner BOOT_TIMEOUT=15 HANG_BOOTS=1 "$root/vm/vm" -t 120 -- 'echo ran; exit 0'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(grep -c 'hung before /init' "$tmp/err")" 1 "boot hangs reported"
	expect_eq "$(cat "$tmp/out")" ran "stdout"
}

t_three_boot_hangs_fail_the_run() {
	claim "after three boots that hang before /init the run fails and the command never ran"
	runner BOOT_TIMEOUT=5 HANG_BOOTS=3 "$root/vm/vm" -t 120 -- 'echo should-not-run'
	expect_eq "$status" 125 "exit status"
	expect_eq "$(grep -c 'hung before /init' "$tmp/err")" 3 "boot hangs reported"
	said "did not reach /init in 3 boots"
	! grep -q should-not-run "$tmp/out" || fail "the command ran"
}

# kvm_verdict: vm/vm's kept verdict in the scratch cache.
kvm_verdict() { head -n 1 "$tmp/cache/waitq-lab/accel"; }

t_kvm_probe_falls_back_to_tcg_and_remembers() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		skip "no usable /dev/kvm: TCG without a probe"
	fi
	claim "a probe guest that hangs (HANG_PROBE) is ended after PROBE_TIMEOUT; TCG is used, said in one line, and the run goes on"
	runner XDG_CACHE_HOME="$tmp/cache" HANG_PROBE=1 PROBE_TIMEOUT=5 "$root/vm/vm" -t 120 -- 'echo ran'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(cat "$tmp/out")" ran "stdout"
	expect_eq "$(grep -c 'using TCG' "$tmp/err")" 1 "lines saying so"
	expect_eq "$(kvm_verdict)" tcg "verdict kept"
	expect_le "$took" 60 "seconds, probe included"
	claim "the next run uses the kept verdict without a probe"
	rm -f "$root/build/"*/kvm-probe.log
	runner XDG_CACHE_HOME="$tmp/cache" "$root/vm/vm" -t 120 -- 'echo again'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(cat "$tmp/out")" again "stdout"
	! grep -q 'using TCG' "$tmp/err" || fail "it probed again: $(cat "$tmp/err")"
	! ls "$root/build/"*/kvm-probe.log >/dev/null 2>&1 || fail "a probe boot ran"
	claim "the real probe on this machine decides, and the run passes either way"
	rm -rf "$tmp/cache"
	runner XDG_CACHE_HOME="$tmp/cache" "$root/vm/vm" -t 120 -- 'echo real'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(cat "$tmp/out")" real "stdout"
	note "KVM here: $(kvm_verdict), $(grep -c 'using TCG' "$tmp/err") line(s) saying TCG, ${took}s"
	case $(kvm_verdict) in
	tcg) expect_eq "$(grep -c 'using TCG' "$tmp/err")" 1 "lines saying so" ;;
	kvm) expect_eq "$(grep -c 'using TCG' "$tmp/err")" 0 "lines saying TCG" ;;
	*) fail "verdict '$(kvm_verdict)'" ;;
	esac
	claim "ACCEL other than kvm or tcg is the runner's error (125)"
	runner ACCEL=xen "$root/vm/vm" -t 120 -- 'echo no'
	expect_eq "$status" 125 "exit status"
	said "ACCEL is kvm or tcg"
}

t_files_left_in_waitq_out_come_back_with_o() {
	claim "-o DIR: binary, CR/LF and nested files the command leaves in \$WAITQ_OUT come back byte for byte"
	# shellcheck disable=SC2016 # expanded in the guest
	runner "$root/vm/vm" -t 200 -o "$tmp/back" -- 'cd "$WAITQ_OUT" && mkdir -p a/b &&
		head -c 300000 /dev/urandom >a/b/random.bin && printf "x\r\ny\n\0\n" >crlf &&
		md5sum a/b/random.bin crlf'
	expect_eq "$status" 0 "exit status"
	[ -s "$tmp/back/a/b/random.bin" ] || fail "a/b/random.bin did not come back"
	(cd "$tmp/back" && md5sum a/b/random.bin crlf) >"$tmp/host.md5"
	expect_eq "$(cat "$tmp/host.md5")" "$(cat "$tmp/out")" "checksums on the host"
}
