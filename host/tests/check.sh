# SPDX-License-Identifier: GPL-2.0
#
# make check with a selector (host/check with T=...), the way the docs
# rerun a failing test and bisect: it runs only the runs that have a
# matching test, and its exit status is what `git bisect run` reads: 0
# good, 1 bad, 125 skip (the runner could not test), 64 no such test.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# check [ENV=VALUE...] [KERNEL...]: host/check of the tree in $tree (the
# project itself unless set); status in $status, output in $tmp/out.
check() {
	status=0
	env WAITQ_ROOT="${tree:-$root}" CHECK_LOGS="$tmp/logs" "$@" >"$tmp/out" 2>"$tmp/err" ||
		status=$?
}
run_check() {
	_t=$1
	shift
	check T="$_t" "${tree:-$root}/host/check" "$@"
}

# copy_tree DIR: the project as git knows it, in DIR, a repository of its
# own with one commit.
copy_tree() {
	mkdir -p "$1"
	(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$1") ||
		fail "copying the tree"
	{ git -C "$1" init -q && git -C "$1" add -A &&
		git -C "$1" -c user.name=t -c user.email=t@t commit -qm good; } ||
		fail "committing the copy"
}
commit() { git -C "$1" -c user.name=t -c user.email=t@t commit -qam "$2"; }

t_a_host_test_selector_boots_no_vm() {
	claim "T=<a host test> runs that test on the host only: one run, no kernel booted, exit 0"
	run_check timeline:fixed_trace_gives_its_rows_state_spans_and_arrows
	expect_eq "$status" 0 "exit status ($(tail -n 3 "$tmp/out"))"
	grep -qx '1\.\.1' "$tmp/out" || fail "not one run: $(head -n 3 "$tmp/out")"
	grep -qx 'ok 1 host' "$tmp/out" || fail "the host run did not pass: $(tail -n 5 "$tmp/out")"
	! grep -q '^vm: \|^    # vm:' "$tmp/out" || fail "a VM was booted: $(cat "$tmp/out")"
	grep -qx '1 passed, 0 failed, 0 skipped' "$tmp/out" || fail "counts: $(tail -n 1 "$tmp/out")"
}

t_a_selector_that_matches_nothing_is_a_usage_error() {
	claim "T=nothing_matches exits 64 and names the command that lists the tests"
	run_check nothing_matches
	expect_eq "$status" 64 "exit status"
	grep -q "guest/run.sh -l" "$tmp/err" || fail "it said: $(cat "$tmp/err")"
}

t_a_guest_test_selector_runs_that_test_and_says_pass_or_fail() {
	"$root/vm/kernel" 6.1 >/dev/null 2>&1 || skip "no 6.1 kernel (host/deps 6.1)"
	claim "T=<a guest test> runs only that test, in the 6.1 VM: no host run, exit 0 when it passes"
	run_check sleep:79_byte_message_round_trips_and_80_is_einval 6.1
	expect_eq "$status" 0 "exit status ($(tail -n 3 "$tmp/out"))"
	grep -qx '1\.\.1' "$tmp/out" || fail "not one run: $(head -n 3 "$tmp/out")"
	grep -qx 'ok 1 6.1' "$tmp/out" || fail "the 6.1 run did not pass: $(tail -n 5 "$tmp/out")"
	grep -qx '1 passed, 0 failed, 0 skipped' "$tmp/out" || fail "counts: $(tail -n 1 "$tmp/out")"
	claim "the same test made to fail: exit 1"
	tree=$tmp/tree
	copy_tree "$tree"
	sed -i 's/^t_79_byte_message_round_trips_and_80_is_einval() {$/&\n\tfail planted/' \
		"$tree/guest/tests/sleep.sh"
	run_check sleep:79_byte_message_round_trips_and_80_is_einval 6.1
	expect_eq "$status" 1 "exit status"
	grep -qx 'not ok 1 6.1' "$tmp/out" || fail "the failure is not reported: $(tail -n 5 "$tmp/out")"
}

t_lanes_keep_the_host_groups_apart_from_the_legs_of_the_kernels_they_boot() {
	for _k in 6.1 6.12; do
		"$root/vm/kernel" $_k >/dev/null 2>&1 || skip "no $_k kernel (host/deps $_k)"
	done
	claim "JOBS=3 (a lane free for each run), a host test that boots 6.1 and a guest test on 6.1 and 6.12: the 6.12 leg runs beside the host run, the 6.1 leg only after it, and all pass"
	check T='cat_nonblock:prints_a_whole_file vm:returns_the_guest_command_status' JOBS=3 \
		"$root/host/check" 6.1 6.12
	expect_eq "$status" 0 "exit status ($(tail -n 3 "$tmp/out"))"
	grep -qx '4 passed, 0 failed, 0 skipped' "$tmp/out" || fail "counts: $(tail -n 1 "$tmp/out")"
	at() { stat -c %.9Y "$tmp/logs/$1"; }
	awk -v a="$(at 6.12.started)" -v b="$(at host.done)" 'BEGIN { exit !(a < b) }' ||
		fail "the 6.12 leg started after the host run ended: not beside it"
	awk -v a="$(at 6.1.started)" -v b="$(at host.done)" 'BEGIN { exit !(a >= b) }' ||
		fail "the 6.1 leg started while the host run, which boots 6.1, was running"
}

t_git_bisect_run_finds_the_bad_commit_and_skips_the_untestable_one() {
	claim "git bisect run env T=<test> host/check over good, good, untestable (125), good, bad commits: the bad one is found, the untestable one skipped"
	tree=$tmp/repo
	copy_tree "$tree"
	test=timeline:fixed_trace_gives_its_rows_state_spans_and_arrows
	good=$(git -C "$tree" rev-parse HEAD)
	echo "<!-- good too -->" >>"$tree/README.md"
	commit "$tree" "good too"
	# Untestable: the programs do not build, so the runner cannot test.
	echo 'int main(void) { return undeclared; }' >>"$tree/cat_nonblock.c"
	commit "$tree" untestable
	untestable=$(git -C "$tree" rev-parse HEAD)
	git -C "$tree" checkout -q "$good" -- cat_nonblock.c
	commit "$tree" "good again"
	sed -i 's/^t_fixed_trace_gives_its_rows_state_spans_and_arrows() {$/&\n\tfail planted/' \
		"$tree/host/tests/timeline.sh"
	commit "$tree" bad
	bad=$(git -C "$tree" rev-parse HEAD)
	(cd "$tree" && git bisect start "$bad" "$good" >/dev/null &&
		git bisect run env T="$test" host/check) >"$tmp/bisect" 2>&1 ||
		fail "git bisect run failed: $(tail -n 5 "$tmp/bisect")"
	grep -q "^$bad is the first bad commit" "$tmp/bisect" ||
		fail "bisect did not name the bad commit: $(tail -n 5 "$tmp/bisect")"
	git -C "$tree" bisect log >"$tmp/log"
	grep -q "^git bisect skip $untestable" "$tmp/log" ||
		fail "the untestable commit was not skipped: $(cat "$tmp/log")"
}
