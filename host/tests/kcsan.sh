# SPDX-License-Identifier: GPL-2.0
#
# The KCSAN kernel (KVER=kcsan) finds data races, and the runner
# fails a run that has one, as it does any splat. host/tests/kcsan/racy.c
# counts on one int from two kthreads: with plain accesses that is a data
# race, with marked=1 (atomic_inc) it is not. Skipped until the KCSAN kernel
# is built (vm/build-kernel kcsan; .ci/run builds it).
# Its tests boot VMs, beside a leg of make check-all: each may take minutes.
# timeout: 600
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# race_run [PARAM]: build racy.ko for the KCSAN kernel, load it with PARAM in
# that kernel until KCSAN reports or for 100 polls of dmesg (10 s or more),
# then unload it. Status in $status, the guest's output in $tmp/out, the
# runner's stderr in $tmp/err.
race_run() {
	kdir=$("$root/vm/build-kernel" -n kcsan) ||
		skip "the KCSAN kernel is not built (vm/build-kernel kcsan)"
	test_module kcsan "$kdir"
	status=0
	VM_FILES="$tmp/kcsan/racy.ko" "$root/vm/vm" -k kcsan -t 300 -- "
		insmod extra/racy.ko $1
		i=0
		while [ \$i -lt 100 ] && ! dmesg | grep -q 'KCSAN: data-race'; do
			sleep 0.1
			i=\$((i + 1))
		done
		rmmod racy
		echo reports: \$(dmesg | grep -c 'KCSAN: data-race')" \
		>"$tmp/out" 2>"$tmp/err" || status=$?
}

t_a_plain_race_is_reported_and_fails_the_run() {
	claim "two kthreads counting with plain ++ are reported by KCSAN, and the run fails"
	race_run
	grep -q '^reports: [1-9]' "$tmp/out" || fail "no KCSAN report: $(cat "$tmp/out")"
	[ "$status" -ne 0 ] || fail "the run passed with a data race"
	grep -q 'kernel splat' "$tmp/err" || fail "vm/vm did not call it a splat: $(tail -n 3 "$tmp/err")"
	grep -q 'data-race in racy_count' "$tmp/err" ||
		fail "the splat does not name racy_count: $(grep during "$tmp/err" | head -n 3)"
}

t_atomic_counting_is_not_reported() {
	claim "the same two kthreads counting with atomic_inc() for 100 polls: no report, the run passes"
	race_run marked=1
	expect_eq "$(cat "$tmp/out")" "reports: 0" "KCSAN reports"
	expect_eq "$status" 0 "exit status"
}
