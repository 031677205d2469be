# SPDX-License-Identifier: GPL-2.0
#
# host/bench/report turns host/tests/report-sample.csv, a small hand-made
# output of guest/bench/measure.sh (3 repetitions of a few primitives, under
# KVM), into tables whose medians, best kernel primitives and ratios are
# known; names the run's kernel, machine, accelerator, clock and date; and
# refuses output that lacks a column or in which a run failed.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

sample=$root/host/tests/report-sample.csv

# report RAW: run the report into $tmp/out; status in $status, stdout in
# $tmp/stdout, stderr in $tmp/stderr.
report() {
	command -v python3 >/dev/null || skip "no python3 (host/deps)"
	status=0
	BENCH_CODE=sample "$root/host/bench/report" "$1" "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr" ||
		status=$?
}
# has FILE LINE: FILE has LINE, whole.
has() {
	grep -Fqx -- "$2" "$tmp/out/$1" ||
		fail "$1 has no line '$2'; lines that start alike: $(grep -F -- "$(echo "$2" | cut -d'|' -f1-3)" "$tmp/out/$1")"
}

t_tables_give_medians_the_best_kernel_primitive_and_per_repetition_ratios() {
	report "$sample"
	expect_eq "$status" 0 "exit status"
	claim "wake-up: eventfd is the best (lowest median, 50), not pipe (lowest value, 40)"
	claim "the ratio is taken in each repetition (60/52, 77/50, 40/45): 1.15 [0.89-1.54], not 60/50"
	has bench.md "| wake, same CPU | 1 | wake-up, µs | **60.0** | eventfd 50.0 | 1.15x [0.89–1.54] | 50.0 | 90.0 | 75.0 |"
	claim "one writer, 8 readers: pipe is the best; 2.0/2.5, 2.4/3.0, 1.8/2.8: 0.80 [0.64-0.80]"
	has bench.md "| one writer | 8 | µs per write | **2.00** | pipe 2.80 | 0.80x [0.64–0.80] | 3.00 | 2.80 | 4.00 |"
	claim "contention: the open+close floor (11) is never the best; the mutex (24) is, not flock (19 once)"
	claim "nor is /proc/sleep's rule=handoff (40)"
	has bench.md "| contention | 8 | 0 | µs per acquisition | **220** | pthread mutex 24.0 | 8.57x [8.33–11.0] | 40.0 | 30.0 | 33.0 | 24.0 | 11.0 | — |"
	claim "a ratio of 0 (no overtakes) stays 0; wake_all is never the best either"
	has bench.md "| contention | 8 | 1 | overtakes per acquisition | **0** | OFD lock 2.10 | 0x [0–0.002] | 0.90 | 2.50 | 2.10 | 5.00 | — | — |"
	has bench.md "| contention | 8 | 1 | switches per acquisition | **1.01** | pthread mutex 0.98 | 1.03x [1.03–1.03] | — | 1.50 | 1.20 | 0.98 | — | 6.20 |"
	claim "the herd: wake_all over exclusive in each repetition: 6.20 [5.88-6.44]"
	has bench.md "| 8 | 1.01 | 6.20 | 6.20x [5.88–6.44] |"
	claim "the goals: against the primitive each names (flock), judged on the median"
	has bench.md "| /proc/sleep, 8 contenders, hold 1 ms: longest wait ≤ 1.2x flock's | 0.80x [0.60–0.80] | yes |"
	has bench.md "| /proc/sleep, 8 contenders, hold 1 ms: 0 overtakes | 0 [0–0.004] | at the floor¹ |"
	claim "the headline has the 7 rows measured; stdout is bench.md"
	expect_eq "$(sed -n '/^## Headline/,/^## Goals/p' "$tmp/out/bench.md" | grep -c '^| /')" 7 "headline rows"
	cmp -s "$tmp/stdout" "$tmp/out/bench.md" || fail "stdout is not bench.md"
	claim "bench.csv: every measurement, with the run's kernel, vCPUs, accelerator and clock"
	expect_eq "$(head -n 1 "$tmp/out/bench.csv" | tr -d '\r')" \
		"kernel,vcpus,accel,clocksource,rep,group,prim,test,n,hold_ms,metric,value" "bench.csv's header"
	expect_eq "$(grep -c '^6.1.0-test,2,kvm,tsc,[0-9]' "$tmp/out/bench.csv")" \
		"$(grep -c '^[0-9]' "$sample")" "bench.csv's rows"
}

t_handoff_rule_is_judged_against_flock_within_each_repetition() {
	report "$sample"
	expect_eq "$status" 0 "exit status"
	claim "rule=handoff's time over flock's in each repetition (45/30, 38/19, 40/40): 1.50 [1.00-2.00], not the medians' 40/30"
	has bench.md "| rule=handoff, 8 contenders, hold 0 ms: time per acquisition ≤ 1.5x flock's | 1.50x [1.00–2.00] | yes |"
	has results.md "| rule=handoff, 8 contenders, hold 0 ms: time per acquisition ≤ 1.5x flock's | 1.50x [1.00–2.00] | yes |"
	claim "its longest wait over flock's (24/30, 30/25, 15/20) and its overtakes, judged on the median"
	has bench.md "| rule=handoff, 8 contenders, hold 1 ms: longest wait ≤ flock's | 0.80x [0.75–1.20] | yes |"
	has bench.md "| rule=handoff, 8 contenders, hold 1 ms: overtakes per acquisition ≤ 1 | 0.90 [0.80–1.20] | yes |"
	claim "the three rules' table: each rule's medians and its ratio to flock's"
	has bench.md "| 8 | 0 | fifo (default) | 220 | 6.67x [5.50–12.6] | — | — | — |"
	has bench.md "| 8 | 0 | handoff | 40.0 | 1.50x [1.00–2.00] | — | — | — |"
	has results.md "| 8 | 0 | flock | 30.0 | — | — | — | — |"
}

t_results_name_the_kernel_machine_accelerator_clock_and_date() {
	claim "results.md: the kernel, the host's CPU, vCPUs, KVM, the clock source, RAW's date"
	cp "$sample" "$tmp/raw.txt"
	touch -d '2026-01-02 12:00' "$tmp/raw.txt"
	report "$tmp/raw.txt"
	expect_eq "$status" 0 "exit status"
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	has results.md "| kernel | 6.1.0-test |"
	has results.md "| machine | $cpu (host), 2 vCPUs, KVM |"
	has results.md "| clock source | tsc |"
	has results.md "| date | 2026-01-02 |"
	has results.md "| repetitions | 3, in one boot, 95 s |"
	claim "and the headline, with the same numbers as bench.md"
	has results.md "| /dev/sleepy | wake, same CPU | 1 | 0 | wake-up, µs | 60.0 | eventfd 50.0 | 1.15x [0.89–1.54] |"
	! grep -q 'TCG' "$tmp/out/results.md" || fail "results.md speaks of TCG under KVM"
	claim "under TCG it says TCG, and that absolute times are inflated"
	sed 's/^meta,accel,kvm$/meta,accel,tcg/' "$sample" >"$tmp/raw.txt"
	report "$tmp/raw.txt"
	has results.md "| machine | $cpu (host), 2 vCPUs, TCG |"
	grep -q 'Under TCG absolute times are 10-20x' "$tmp/out/results.md" || fail "no word on TCG's times"
	claim "output from before the accelerator was recorded says it is unknown"
	grep -v '^meta,accel,' "$sample" >"$tmp/raw.txt"
	report "$tmp/raw.txt"
	has results.md "| machine | $cpu (host), 2 vCPUs, accelerator unknown |"
}

t_plots_are_labelled_with_the_accelerator_the_run_used() {
	command -v gnuplot >/dev/null || skip "no gnuplot (host/deps bench)"
	for accel in kvm tcg; do
		claim "under $accel, every plot's header says $accel and not the other"
		sed "s/^meta,accel,kvm\$/meta,accel,$accel/" "$sample" >"$tmp/raw.txt"
		rm -rf "$tmp/out"
		report "$tmp/raw.txt"
		expect_eq "$status" 0 "exit status"
		upper=$(echo "$accel" | tr '[:lower:]' '[:upper:]')
		other=$([ "$accel" = kvm ] && echo TCG || echo KVM)
		for plot in token lock latency; do
			grep -q "6.1.0-test, 2 vCPUs, $upper, clock tsc, 3 reps" "$tmp/out/$plot.svg" ||
				fail "$plot.svg: no '$upper' header"
			! grep -q "$other" "$tmp/out/$plot.svg" || fail "$plot.svg says $other"
		done
	done
	claim "nothing but the tables and plots is left in the output folder"
	expect_eq "$(cd "$tmp/out" && echo *)" "bench.csv bench.md latency.svg lock.svg results.md token.svg" "files"
}

# refused WHAT MESSAGE: the report failed on $tmp/bad.txt, said MESSAGE and
# wrote nothing.
refused() {
	rm -rf "$tmp/out"
	report "$tmp/bad.txt"
	expect_eq "$status" 1 "exit status ($1)"
	grep -qF -- "$2" "$tmp/stderr" || fail "$1: no '$2' in: $(cat "$tmp/stderr")"
	[ ! -e "$tmp/out" ] || fail "$1: something was written: $(ls "$tmp/out")"
	note "$1: $(head -n 3 "$tmp/stderr" | tr '\n' ' ')"
}

t_output_lacking_a_column_or_with_a_failed_run_is_refused() {
	n=$(grep -n '^2,lock,flock,contend,8,0,us_per_acq,' "$sample" | cut -d: -f1)
	claim "a data line without its value is refused, naming the line"
	sed "${n}s/,[^,]*\$//" "$sample" >"$tmp/bad.txt"
	refused "missing column" "line $n: 7 fields, not the 8 of rep,group,prim,test,n,hold_ms,metric,value"
	claim "a header without hold_ms is refused"
	sed 's/^rep,group,prim,test,n,hold_ms,/rep,group,prim,test,n,/' "$sample" >"$tmp/bad.txt"
	refused "header" "the header is 'rep,group,prim,test,n,metric,value'"
	claim "a value that is no number is refused"
	sed "${n}s/,[^,]*\$/,fast/" "$sample" >"$tmp/bad.txt"
	refused "not a number" "line $n: rep, n and hold_ms are whole numbers, value a number"
	claim "a failed run (measure.sh's message) is refused, and named"
	{ cat "$sample"; echo "bench: run failed: lock mutex 8 1 256"; } >"$tmp/bad.txt"
	refused "run failed" "a run failed (lost or doubled tokens, two holders, a timeout):"
	grep -qF "bench: run failed: lock mutex 8 1 256" "$tmp/stderr" || fail "the failed run is not named"
	claim "a run whose exact check is not 1 (a lost token) is refused, naming its line"
	e=$(grep -n '^3,token,sleepy,burst,8,0,exact,1$' "$sample" | cut -d: -f1)
	sed "${e}s/,1\$/,0/" "$sample" >"$tmp/bad.txt"
	refused "not exact" "line $e: 3,token,sleepy,burst,8,0,exact,0"
	claim "output with no measurements, or none at all, is refused"
	grep -v '^[0-9]' "$sample" >"$tmp/bad.txt"
	refused "no measurements" "no measurements"
	: >"$tmp/bad.txt"
	refused "empty" 'no "rep,group,prim,test,n,hold_ms,metric,value" header'
	claim "bad usage exits 64"
	status=0
	"$root/host/bench/report" "$sample" >/dev/null 2>&1 || status=$?
	expect_eq "$status" 64 "exit status with one argument"
}
