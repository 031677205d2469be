# SPDX-License-Identifier: GPL-2.0
#
# make coverage's gate (host/coverage -i): a hand-made lcov tracefile in
# which every line and branch of the suite's files ran, but for the records
# a test adds to sleep.c, checked against a list of exceptions the test
# writes. A line or branch never run and not listed fails, naming the file
# and line; so does a listed one that runs, a file with no counts, and a
# module under 90% of its branches taken.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# tracefile RECORD...: $tmp/t.info, each file of the suite (but $without)
# with one line and 40 branches, all run; the RECORDs ("DA:LINE,COUNT",
# "BRDA:LINE,0,N,COUNT" with COUNT - for a line never run) go to sleep.c.
tracefile() {
	for _f in $(make -s -C "$root" list-modules | sed 's/$/.c/') cat_nonblock.c; do
		[ "$_f" != "${without:-}" ] || continue
		echo "SF:/src/$_f"
		echo "DA:1,1"
		_i=0
		while [ "$_i" -lt 40 ]; do
			echo "BRDA:1,0,$_i,1"
			_i=$((_i + 1))
		done
		[ "$_f" != sleep.c ] || printf '%s\n' "$@"
		echo "end_of_record"
	done >"$tmp/t.info"
}

# gate [LIST LINE...]: host/coverage -i on $tmp/t.info with a list of
# those lines; its output in $tmp/out, its status in $status.
gate() {
	printf '%s\n' "# the list" "$@" >"$tmp/list"
	status=0
	"$root/host/coverage" -i "$tmp/t.info" -x "$tmp/list" >"$tmp/out" 2>&1 || status=$?
}

# said TEXT: the gate's output has a line TEXT, whole.
said() {
	grep -Fqx -- "$1" "$tmp/out" || fail "no line '$1' in: $(cat "$tmp/out")"
}

t_lines_and_branches_run_or_listed_pass_with_a_table() {
	tracefile DA:20,0 DA:30,4 BRDA:30,0,0,4 BRDA:30,0,1,0
	claim "a line never run and a branch never taken, each listed: exit 0"
	gate "sleep.c:20: never reached" "sleep.c:30 branch 2: never taken"
	expect_eq "$status" 0 "exit status ($(cat "$tmp/out"))"
	claim "the table counts them: 2 of 3 lines, 41 of 42 branches, 2 listed"
	grep -q '^sleep\.c  *2/3  *66%  *0/0  *100%  *41/42  *97%  *2$' "$tmp/out" ||
		fail "no such row for sleep.c in: $(cat "$tmp/out")"
}

t_a_line_never_run_and_not_listed_fails_naming_its_file_and_line() {
	tracefile DA:20,0
	gate
	expect_eq "$status" 1 "exit status"
	said "coverage: sleep.c:20 is never run, and not in $tmp/list"
}

t_a_branch_never_taken_and_not_listed_fails_naming_its_number() {
	tracefile DA:30,4 BRDA:30,0,0,4 BRDA:30,0,1,0
	gate
	expect_eq "$status" 1 "exit status"
	said "coverage: sleep.c:30 branch 2 is never run, and not in $tmp/list"
}

t_a_line_listed_and_never_run_explains_its_branches() {
	tracefile DA:20,0 BRDA:20,0,0,- BRDA:20,0,1,-
	gate "sleep.c:20: never reached"
	expect_eq "$status" 0 "exit status ($(cat "$tmp/out"))"
}

t_a_listed_line_or_branch_that_runs_fails() {
	tracefile DA:20,3 BRDA:20,0,0,3 BRDA:20,0,1,1
	gate "sleep.c:20: never reached" "sleep.c:20 branch 2: never taken"
	expect_eq "$status" 1 "exit status"
	said "coverage: sleep.c:20 is run now: take it out of $tmp/list"
	said "coverage: sleep.c:20 branch 2 is run now: take it out of $tmp/list"
}

t_a_module_under_90_percent_of_branches_fails_even_when_they_are_listed() {
	tracefile DA:30,1 BRDA:30,0,0,0 BRDA:30,0,1,0 BRDA:30,0,2,0 BRDA:30,0,3,0 BRDA:30,0,4,0
	gate "sleep.c:30 branch 1: a" "sleep.c:30 branch 2: b" "sleep.c:30 branch 3: c" \
		"sleep.c:30 branch 4: d" "sleep.c:30 branch 5: e"
	expect_eq "$status" 1 "exit status"
	said "coverage: sleep.c: 40 of 45 branches taken, under 90%"
}

t_a_file_with_no_counts_fails() {
	without=cat_nonblock.c tracefile
	gate
	expect_eq "$status" 1 "exit status"
	said "coverage: no counts for cat_nonblock.c"
}

t_a_race_entry_may_run_or_not() {
	claim "a branch listed as a race passes whether this run took it or not"
	for count in 0 2; do
		tracefile DA:30,4 BRDA:30,0,0,4 BRDA:30,0,1,$count
		gate "sleep.c:30 branch 2: race: a write between the look and the wait"
		expect_eq "$status" 0 "exit status with the branch taken $count times ($(cat "$tmp/out"))"
	done
	claim "a race only in the reason's words, not at its start, is stale as any other"
	gate "sleep.c:30 branch 2: no race: never taken"
	expect_eq "$status" 1 "exit status"
}

t_an_uncounted_line_is_in_no_total() {
	tracefile DA:20,0 BRDA:20,0,0,- BRDA:20,0,1,- DA:30,1 BRDA:30,0,0,1 BRDA:30,0,1,0
	gate "sleep.c:20: uncounted: the refused load's message, which sleep:refused reads" \
		"sleep.c:30 branch 2: uncounted: the same"
	expect_eq "$status" 0 "exit status ($(cat "$tmp/out"))"
	claim "sleep.c: 2 of 2 lines and 41 of 41 branches counted, 2 listed"
	grep -q '^sleep\.c  *2/2  *100%  *0/0  *100%  *41/41  *100%  *2$' "$tmp/out" ||
		fail "no such row for sleep.c in: $(cat "$tmp/out")"
}
