# SPDX-License-Identifier: GPL-2.0
#
# The harness a contributor relies on. guest/run.sh's exit status and
# selection, shown on a scratch tree of made-up groups; its KTAP read by the
# kernel's own parser; and a new example (extra.c, guest/tests/extra.sh and
# its line in Kbuild) picked up by the build, lint, make install, DKMS and
# the runner in the VM with no other edit.
# Its tests boot VMs, beside a leg of make check-all: each may take minutes.
# timeout: 600
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# scratch: a tree with the real runner and lib.sh, no module, and the groups
# written after it, in host/tests: each runs on the host.
scratch() {
	mkdir -p "$tmp/s/guest/helpers" "$tmp/s/guest/tests" "$tmp/s/host/tests"
	cp "$root/guest/run.sh" "$root/guest/lib.sh" "$root/guest/splats.awk" "$tmp/s/guest/"
	cp "$root/guest/helpers/subreaper" "$tmp/s/guest/helpers/"
}
# group NAME: a scratch group with the function definitions on stdin. The
# fixtures here spell t_ as T_ at the start of a line, or the runner would
# take them for tests of this file.
group() {
	sed 's/^T_/t_/' >"$tmp/s/host/tests/$1.sh"
}
# runner ARGS...: the scratch runner, each test limited to $limit seconds
# (default 120) at a pace of 1, whatever the pace of the run this runs in;
# status in $status, stdout in $tmp/out, stderr in $tmp/err.
runner() {
	status=0
	WAITQ_ROOT=$tmp/s WAITQ_SCALE=1 TEST_TIMEOUT=${limit:-120} \
		"$tmp/s/guest/run.sh" "$@" \
		>"$tmp/out" 2>"$tmp/err" || status=$?
}
has() { grep -qx "$1" "$tmp/out" || fail "no line '$1' in: $(cat "$tmp/out")"; }

# A mixed group: one test of each outcome.
mixed() {
	group mixed <<'EOF'
T_passes() {
	true
}
T_fails() {
	echo "# FAIL: on purpose"
	exit 1
}
T_skips() {
	skip "on purpose"
}
T_hangs() {
	sleep 30
}
EOF
}

t_exit_status_is_1_when_a_test_fails_or_times_out() {
	claim "a group of one passing, one failing, one skipped and one hanging test: exit 1, the hang a KTAP TIMEOUT"
	scratch
	mixed
	limit=2 && runner mixed
	expect_eq "$status" 1 "exit status"
	has "ok 1 mixed: passes"
	has "not ok 2 mixed: fails"
	has "ok 3 mixed: skips # SKIP on purpose"
	has "not ok 4 mixed: hangs # TIMEOUT after 2 s"
	claim "the timed-out test's output shows what was running: each process, its state and where it sleeps"
	has "# TIMEOUT after 2 s; what was running:"
	grep -Eq '^#   pid [0-9]+ \(sleep\) parent [0-9]+ state S wchan ' "$tmp/out" ||
		fail "no line for the hung sleep: $(cat "$tmp/out")"
	claim "with -x, the tests after the first failure are skipped, not run: the hanging one costs nothing"
	limit=2 && runner -x mixed
	expect_eq "$status" 1 "exit status"
	has "not ok 2 mixed: fails"
	has "ok 3 mixed: skips # SKIP not run: a test before it failed (-x)"
	has "ok 4 mixed: hangs # SKIP not run: a test before it failed (-x)"
	claim "the same runner exits 0 when every selected test passes or skips"
	runner 'mixed:passes' 'mixed:skips'
	expect_eq "$status" 0 "exit status"
	has "1..2"
}

t_a_group_timeout_line_sets_its_tests_limit() {
	claim "a group with '# timeout: 3': its hanging test times out after 3 s, not TEST_TIMEOUT's 1 s or 120 s"
	scratch
	group slow <<'EOF'
# timeout: 3
T_hangs() {
	sleep 30
}
T_takes_two_seconds() {
	sleep 2
}
EOF
	limit=1 && runner slow
	expect_eq "$status" 1 "exit status"
	has "not ok 1 slow: hangs # TIMEOUT after 3 s"
	has "ok 2 slow: takes_two_seconds"
}

t_a_test_leaves_no_process_behind() {
	claim "processes a test starts and leaves, in a new session or orphaned by a double fork, are all killed when it ends"
	scratch
	group leaver <<'EOF'
T_leaves() {
	setsid sleep 4242.5 &
	(sleep 4243.5 &)
	sleep 4244.5 &
	echo "# started"
}
EOF
	runner leaver
	expect_eq "$status" 0 "exit status"
	has "ok 1 leaver: leaves"
	left=$(pgrep -f 'sleep 424[234]\.5' || true)
	# shellcheck disable=SC2086 # one pid per line
	[ -z "$left" ] || { kill -9 $left; fail "left running: $left"; }
}

t_kunit_parser_reads_the_same_verdicts() {
	claim "the kernel's KTAP parser (kunit.py parse) reads that output without errors: 1 passed, 2 failed, 1 skipped"
	tar=/usr/src/linux-source-6.12.tar.xz
	[ -f "$tar" ] || skip "no $tar (host/deps lint)"
	scratch
	mixed
	limit=2 && runner mixed
	tar -xJf "$tar" -C "$tmp" linux-source-6.12/tools/testing/kunit || fail "unpacking kunit.py"
	rc=0
	python3 "$tmp/linux-source-6.12/tools/testing/kunit/kunit.py" parse "$tmp/out" >"$tmp/parsed" 2>&1 || rc=$?
	note "kunit.py parse: $(sed -n 's/.*Testing complete\. //p' "$tmp/parsed")"
	expect_eq "$rc" 1 "kunit.py parse status"
	grep -q 'Ran 4 tests: passed: 1, failed: 2, skipped: 1$' "$tmp/parsed" ||
		fail "kunit.py parse read: $(tail -n 3 "$tmp/parsed")"
}

t_unknown_group_or_test_is_a_usage_error() {
	claim "a misspelt group, or a test pattern that matches nothing, exits 64 and names the groups; no KTAP plan"
	scratch
	mixed
	for sel in mixd mixed:nope 'mixed:pass' '*:nothing*'; do
		runner "$sel"
		expect_eq "$status" 64 "exit status for '$sel'"
		grep -qF "'$sel' matches no test (groups: mixed" "$tmp/err" ||
			fail "for '$sel' it said: $(head -n 1 "$tmp/err")"
		[ ! -s "$tmp/out" ] || fail "for '$sel' it printed: $(cat "$tmp/out")"
	done
}

t_one_test_or_a_pattern_runs_only_those() {
	claim "GROUP:TEST runs that test alone, numbered 1..1"
	scratch
	mixed
	group other <<'EOF'
T_passes_too() {
	true
}
EOF
	runner mixed:passes
	expect_eq "$status" 0 "exit status"
	expect_eq "$(sed 's/^# time: [0-9]*\.[0-9][0-9] s$/# time: T s/' "$tmp/out")" "KTAP version 1
1..1
# time: T s
ok 1 mixed: passes" "output"
	claim "patterns select across groups, each test once, in file order"
	runner '*:pass*' 'mixed:passes'
	expect_eq "$status" 0 "exit status"
	expect_eq "$(grep -c '^ok' "$tmp/out")" 2 "tests run"
	has "ok 1 mixed: passes"
	has "ok 2 other: passes_too"
	claim "-l lists the selection without running it"
	runner -l 'mixed:*s'
	expect_eq "$(cat "$tmp/out")" "mixed:passes
mixed:fails
mixed:skips
mixed:hangs" "list"
}

t_a_group_on_request_runs_only_when_named() {
	claim "a group with '# on request' is left out of the default run and runs when named"
	scratch
	group always <<'EOF'
T_runs() {
	true
}
EOF
	printf '# on request\nT_long() {\n\ttrue\n}\n' | group slow
	runner -w host
	expect_eq "$status" 0 "exit status of the default run"
	has "ok 1 always: runs"
	! grep -q 'slow' "$tmp/out" || fail "the default run ran the group on request: $(cat "$tmp/out")"
	runner -w host slow
	expect_eq "$status" 0 "exit status when named"
	has "ok 1 slow: long"
}

t_a_test_the_runner_cannot_discover_is_an_error() {
	for form in 't_spaced () {' 't_inline() { true; }' 'function t_bash {' '  t_indented() {'; do
		claim "a group defining a test as '$form' exits 64 naming the line, and runs nothing"
		scratch
		printf 't_fine() {\n\ttrue\n}\n%s\n\ttrue\n}\n' "$form" | group odd
		runner odd
		expect_eq "$status" 64 "exit status"
		grep -qF "host/tests/odd.sh: write each test as 't_name() {'" "$tmp/err" ||
			fail "it said: $(cat "$tmp/err")"
		grep -qF "4:$form" "$tmp/err" || fail "it did not name line 4: $(cat "$tmp/err")"
		[ ! -s "$tmp/out" ] || fail "it printed: $(cat "$tmp/out")"
	done
}

t_a_module_without_tests_is_an_error() {
	claim "a module extra in Kbuild's list without guest/tests/extra.sh: exit 64, 'module extra has no tests'"
	scratch
	mixed
	echo 'obj-m += extra.o' >"$tmp/s/Kbuild"
	runner mixed:passes
	expect_eq "$status" 64 "exit status"
	grep -q 'module extra has no tests: write guest/tests/extra.sh' "$tmp/err" ||
		fail "it said: $(cat "$tmp/err")"
}

# The throwaway example: a module that loads and unloads, one test, and its
# line in Kbuild.
write_extra() {
	grep -qx 'obj-m += extra.o' "$1/Kbuild" || echo 'obj-m += extra.o' >>"$1/Kbuild"
	cat >"$1/extra.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/*
 * A throwaway example that loads and unloads, to show that a new example
 * is picked up everywhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

static int __init extra_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit extra_exit(void)
{
	pr_info("unloaded\n");
}

module_init(extra_init);
module_exit(extra_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("waitq-lab");
MODULE_DESCRIPTION("A throwaway example");
MODULE_VERSION("1.0");
EOF
	sed 's/^T_/t_/' >"$1/guest/tests/extra.sh" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
# extra.ko loads and unloads.
# shellcheck shell=sh disable=SC2154 # root, tmp: lib.sh

T_loads_and_unloads() {
	claim "extra.ko loads, says so, and unloads"
	klog_mark
	load extra
	klog_has "extra: loaded" || fail "no 'extra: loaded' in the log"
	unload extra
}
EOF
}

t_a_new_example_is_picked_up_everywhere() {
	_found=$("$root/vm/kernel" 6.1) || skip "no 6.1 headers (host/deps 6.1)"
	kdir=$(echo "$_found" | sed -n 2p)
	krel=$(echo "$_found" | sed -n 3p)
	copy=$tmp/tree
	mkdir "$copy"
	(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$copy") || fail "copying the tree"
	write_extra "$copy"

	claim "make builds extra.ko beside the others"
	"$copy/vm/make" 6.1 -s modules >"$tmp/log" 2>&1 || fail "build: $(tail -n 5 "$tmp/log")"
	[ -f "$copy/build/$krel/extra.ko" ] || fail "no extra.ko: $(ls "$copy/build/$krel")"

	claim "make lint checks extra.c: a style error there fails checkpatch and clang-format"
	echo 'static int extra_bad( void ){return 0;}' >>"$copy/extra.c"
	rc=0
	"$copy/host/lint" checkpatch clang-format >"$tmp/lint" 2>&1 || rc=$?
	expect_eq "$rc" 1 "lint status with the error"
	grep -q 'FAIL checkpatch' "$tmp/lint" || fail "checkpatch passed: $(cat "$tmp/lint")"
	grep -q 'FAIL clang-format' "$tmp/lint" || fail "clang-format passed: $(cat "$tmp/lint")"
	grep -q 'extra\.c' "$tmp/lint" || fail "lint did not name extra.c: $(cat "$tmp/lint")"
	write_extra "$copy"
	"$copy/host/lint" checkpatch clang-format shellcheck >"$tmp/lint" 2>&1 ||
		fail "lint of the clean example: $(cat "$tmp/lint")"

	claim "make install puts extra.ko in updates/ and modules.dep"
	make -s -C "$copy" install KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" >"$tmp/log" 2>&1 ||
		fail "make install: $(tail -n 5 "$tmp/log")"
	grep -q '^updates/extra.ko' "$tmp/root/lib/modules/$krel/modules.dep" ||
		fail "extra.ko not in modules.dep"

	claim "guest/run.sh lists extra's test among the guest tests"
	WAITQ_ROOT=$copy "$copy/guest/run.sh" -l >"$tmp/list" || fail "run.sh -l failed"
	grep -qx 'extra:loads_and_unloads' "$tmp/list" || fail "not listed: $(cat "$tmp/list")"

	if [ "$(id -u)" -eq 0 ] && command -v dkms >/dev/null &&
		! dkms status | grep -q "^waitq-lab/"; then
		claim "dkms add and build build extra.ko"
		rm -rf "$copy/build"
		rc=0
		{ dkms add "$copy" && dkms build waitq-lab/1.0 -k "$krel"; } >"$tmp/log" 2>&1 || rc=$?
		built=$(ls "/var/lib/dkms/waitq-lab/1.0/$krel/x86_64/module/" 2>/dev/null)
		dkms remove waitq-lab/1.0 --all >/dev/null 2>&1
		rm -rf /usr/src/waitq-lab-1.0
		expect_eq "$rc" 0 "dkms add/build ($(tail -n 3 "$tmp/log"))"
		echo "$built" | grep -q '^extra\.ko' || fail "DKMS built: $built"
	else
		note "DKMS not tried: needs root, the dkms package and no waitq-lab in DKMS already"
	fi

	claim "in the VM, guest/run.sh runs extra's test by default and it passes"
	rc=0
	"$copy/vm/vm" -t 300 -- 'guest/run.sh -l | grep -x extra:loads_and_unloads && guest/run.sh extra' \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	expect_eq "$rc" 0 "vm/vm status ($(tail -n 3 "$tmp/err"))"
	has "ok 1 extra: loads_and_unloads"
}
