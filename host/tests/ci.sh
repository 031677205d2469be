# SPDX-License-Identifier: GPL-2.0
#
# .ci/run's verdict: its last line and its exit status count every step,
# and a failed step is named under "ci: what failed". .ci/run runs here in
# a scratch tree whose steps are stand-ins (make, host/deps, host/coverage,
# vm/kernels) that pass or fail as each test asks, in a second or two.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh
# shellcheck disable=SC2016 # the stand-ins expand their own $1 and $VARs

# stub PATH BODY: an executable shell script at $tmp/t/PATH.
stub() {
	mkdir -p "$(dirname "$tmp/t/$1")"
	printf '#!/bin/sh\n%s\n' "$2" >"$tmp/t/$1"
	chmod +x "$tmp/t/$1"
}

# ci [VAR=VALUE...]: .ci/run in a scratch tree with one kernel, k1, whose
# leg passes 3 tests; make stress, make mutants and make lint pass, and so
# does host/coverage, unless a VAR says otherwise (COVERAGE=1: coverage
# fails; STRESS=1: the KCSAN stress run fails with no failed test; LINT=1:
# make lint fails its shellcheck). With CPUS=FILE each make adds a line
# "TARGET CPUS-IT-MAY-RUN-ON" to FILE. Its output in $tmp/out, its status
# in $status.
ci() {
	rm -rf "${tmp:?}/t" "${tmp:?}/bin"
	mkdir -p "$tmp/t/.ci" "$tmp/t/host" "$tmp/bin"
	cp "$root/.ci/run" "$tmp/t/.ci/run"
	cp "$root/host/ktap-count" "$tmp/t/host/ktap-count"
	stub host/deps 'exit 0'
	stub vm/kernels '[ "$1" = names ] && echo k1 || echo debian'
	stub vm/build-kernel 'exit 1'
	stub host/coverage \
		'[ "${COVERAGE:-0}" = 0 ] && exit 0; echo "coverage: sleep.c:9 is never run"; exit 1'
	stub ../bin/make '[ -z "${CPUS:-}" ] ||
	echo "$1 $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)" >>"$CPUS"
case $1 in
check-all) printf "1..1\nok 1 k1\nkernel  passed  failed\nk1  3  0\n\n3 passed, 0 failed, 0 skipped\n" ;;
stress) printf "1..1\nok 1 chaos\n"
	[ "${STRESS:-0}" = 0 ] || [ "$2" != KVER=kcsan ] || exit 1 ;;
mutants) printf "1..1\nok 1 a-mutant\n" ;;
lint) [ "${LINT:-0}" = 0 ] || { echo "lint: FAIL shellcheck"; exit 1; } ;;
*) exit 99 ;;
esac'
	status=0
	env PATH="$tmp/bin:$PATH" "$@" bash "$tmp/t/.ci/run" >"$tmp/out" 2>&1 ||
		status=$?
}

# failed_and_named LAST WHAT: the run of ci exited non-zero, its last line
# is LAST and WHAT is a line under "ci: what failed".
failed_and_named() {
	[ "$status" -ne 0 ] || fail "exit status 0 ($(tail -n 3 "$tmp/out"))"
	expect_eq "$(tail -n 1 "$tmp/out")" "$1" "the last line"
	sed -n '/^ci: what failed$/,/^$/p' "$tmp/out" | grep -qF "$2" ||
		fail "not named: $(cat "$tmp/out")"
}

t_a_green_run_counts_every_step_and_exits_0() {
	claim ".ci/run with every step passing: 3 tests, 2 stress runs, mutants, lint and coverage make '8 passed, 0 failed', exit 0, and no 'ci: what failed' heading"
	ci
	expect_eq "$status" 0 "exit status ($(tail -n 3 "$tmp/out"))"
	expect_eq "$(tail -n 1 "$tmp/out")" "8 passed, 0 failed" "the last line"
	! grep -n '^ci: what failed' "$tmp/out" ||
		fail "a green run prints a 'ci: what failed' heading"
}

t_failed_coverage_fails_the_run_and_is_named() {
	claim ".ci/run whose coverage gate fails: '7 passed, 1 failed', a non-zero exit, the uncovered line under 'ci: what failed'"
	ci COVERAGE=1
	failed_and_named "7 passed, 1 failed" \
		'ci-coverage.log: coverage: sleep.c:9 is never run'
}

t_a_stress_run_that_fails_with_no_failed_test_fails_the_run() {
	claim ".ci/run whose KCSAN stress run exits 1 with its one result ok: one more failure counted (as make check counts), a non-zero exit, the run named under 'ci: what failed'"
	ci STRESS=1
	failed_and_named "8 passed, 1 failed" \
		'ci-stress-kcsan.log: # the run failed (exit 1) with no failed test'
}

t_a_failed_lint_fails_the_run_and_is_named() {
	claim ".ci/run whose make lint fails its shellcheck: '7 passed, 1 failed', a non-zero exit, the failed check under 'ci: what failed'"
	ci LINT=1
	failed_and_named "7 passed, 1 failed" 'ci-lint.log: lint: FAIL shellcheck'
}

t_ci_pin_runs_the_test_legs_on_one_core_and_the_rest_as_usual() {
	claim ".ci/run with CI_PIN=0: make check-all and both make stress runs may run on CPU 0 only, make mutants and make lint where .ci/run may"
	all=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	[ "$all" != 0 ] || skip "this host has one CPU: pinned and unpinned look the same"
	ci CI_PIN=0 CPUS="$tmp/cpus"
	expect_eq "$status" 0 "exit status ($(tail -n 3 "$tmp/out"))"
	expect_eq "$(sort "$tmp/cpus" | tr '\n' ' ')" \
		"check-all 0 lint $all mutants $all stress 0 stress 0 " "where each make may run"
}
