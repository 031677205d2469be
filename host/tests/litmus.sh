# SPDX-License-Identifier: GPL-2.0
#
# make litmus (host/litmus/run): the ordering claims of the modules'
# comments, each a litmus test that herd7 answers Never with the kernel's
# memory model, each with a broken twin it answers Sometimes; every comment
# that claims a pairing is quoted by a test, every quote is still in the
# code, and the statements each test models are still there in that order.
# A test file herd7 cannot judge fails with its message, never passes.
# The tests that run herd7 need it in the Debian unstable root
# (host/deps litmus), and root for chroot.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

litmus=$root/host/litmus/run

# run ARGS...: host/litmus/run; status in $status, output in $tmp/out.
run() {
	status=0
	"$litmus" "$@" >"$tmp/out" 2>&1 || status=$?
}

# modules_copy: Kbuild and the modules' sources in $tmp/src, to plant
# comments in.
modules_copy() {
	mkdir -p "$tmp/src"
	cp "$root/Kbuild" "$tmp/src/"
	for m in $(modules); do
		cp "$root/$m.c" "$tmp/src/"
	done
}

# said WHAT PATTERN: the output has a line matching PATTERN (grep -E).
said() {
	grep -Eq "$2" "$tmp/out" ||
		fail "$1: no line matching '$2' in: $(tr '\n' '|' <"$tmp/out")"
}

t_every_litmus_test_gets_the_verdict_it_expects() {
	n=$(find "$root/host/litmus" -name '*.litmus' | wc -l)
	claim "host/litmus/run: each of the $n tests gets its Result from herd7" \
		"(Never, Sometimes for a broken twin), and the ties to the code hold"
	start=$(now_ms)
	run
	note "$(sed -n 's/^litmus: //p' "$tmp/out")"
	note "$(tail -n 1 "$tmp/out") in $(($(now_ms) - start)) ms"
	expect_eq "$status" 0 "exit status ($(grep '^FAIL' "$tmp/out" | tr '\n' ' '))"
	expect_eq "$(tail -n 1 "$tmp/out")" "$((n + 1)) passed, 0 failed" "summary"
	for f in "$root"/host/litmus/*.litmus; do
		name=$(basename "$f" .litmus)
		case $name in
		*+broken*) want=Sometimes ;;
		*) want=Never ;;
		esac
		grep -Eq "^ok +$(echo "$name" | sed 's/+/[+]/g') +$want +$want +[0-9]+$" "$tmp/out" ||
			fail "no 'ok $name $want $want' line"
	done
}

t_every_pairing_a_module_comment_claims_is_proven() {
	claim "each 'pairs with' / 'paired with' of the modules' comments is quoted by a litmus test"
	run --claims
	expect_eq "$status" 0 "exit status ($(grep '^FAIL' "$tmp/out" | tr '\n' ' '))"
	said "the ties line" '^ok +ties: .* [1-9][0-9]* pairings claimed there, each proven$'
	note "$(sed -n 's/^ok *//p' "$tmp/out")"
}

t_a_new_pairing_comment_without_a_litmus_test_fails() {
	claim "a comment added to sleep.c that claims a pairing no test quotes fails the ties"
	modules_copy
	awk '/^static void sleep_hand_on\(void\)$/ {
		print "/* The smp_wmb() here pairs with the smp_rmb() in sleep_open(). */" }
		{ print }' "$root/sleep.c" >"$tmp/src/sleep.c"
	run --claims -s "$tmp/src"
	expect_eq "$status" 1 "exit status"
	said "the unproven pairing" \
		'^FAIL +ties: sleep\.c, about sleep_hand_on: .*pairs with the smp_rmb\(\) in sleep_open\(\).* no litmus test proves'
	said "the summary" '^0 passed, 1 failed$'
}

t_a_proven_comment_that_changes_fails() {
	claim "a comment a test quotes, reworded in sleepy.c, fails the ties and names the test"
	modules_copy
	sed 's/either the waiter sees the new count, or/the waiter sees the new count or/' \
		"$root/sleepy.c" >"$tmp/src/sleepy.c"
	! cmp -s "$root/sleepy.c" "$tmp/src/sleepy.c" || fail "the rewording changed nothing"
	run --claims -s "$tmp/src"
	expect_eq "$status" 1 "exit status"
	said "the test whose quote is gone" \
		'^FAIL +ties: host/litmus/sleepy-wake-reader\.litmus: no comment of sleepy\.c about sleepy_wake_one says'
}

t_the_hand_off_freeing_the_file_after_the_unlock_in_sleep_c_fails() {
	claim "sleep.c's sleep_hand_on() freeing the file after spin_unlock_irq():" \
		"the ties fail, naming the test that models the hand-off under the lock"
	modules_copy
	awk '/^static void sleep_hand_on\(void\)$/ { on = 1 }
		on && /^\t} else {$/ { print "\t}"; skip = 2; next }
		skip && skip-- { next }
		on && /^\tspin_unlock_irq\(&openers.lock\);$/ {
			print; print "\tif (!next)"; print "\t\tatomic_set_release(&held, 0);"
			on = 0; next }
		{ print }' "$root/sleep.c" >"$tmp/src/sleep.c"
	[ "$(sed -n '/^static void sleep_hand_on(void)$/,/^}$/p' "$tmp/src/sleep.c" |
		grep -A 2 'spin_unlock_irq' | grep -c 'atomic_set_release(&held, 0);')" = 1 ] ||
		fail "the planted sleep_hand_on() is not what was meant"
	run --claims -s "$tmp/src"
	expect_eq "$status" 1 "exit status"
	said "the hand-off's test" \
		'^FAIL +ties: host/litmus/sleep-hand-on\.litmus: sleep\.c sleep_hand_on\(\) no longer does, in this order: '
}

t_a_wake_up_before_the_increment_in_io_wait_event_c_fails() {
	claim "host/mutants/io_wait_event-wake-before-the-count.patch applied:" \
		"the ties fail, naming the test that models wake_up() after the increment"
	modules_copy
	sed '1,/^---$/d' "$root/host/mutants/io_wait_event-wake-before-the-count.patch" |
		(cd "$tmp/src" && patch -s -p1) || fail "the mutant does not apply"
	run --claims -s "$tmp/src"
	expect_eq "$status" 1 "exit status"
	said "the wake-up's test" \
		'^FAIL +ties: host/litmus/io_wait_event-wake\.litmus: io_wait_event\.c waker_fn\(\) no longer does, in this order: atomic_inc'
}

t_a_test_without_its_broken_twin_fails() {
	claim "the ties fail for a test whose broken twins are gone"
	mkdir "$tmp/suite"
	cp "$root"/host/litmus/*.litmus "$tmp/suite/"
	rm "$tmp/suite"/sleep-take+broken*.litmus
	run --claims -t "$tmp/suite"
	expect_eq "$status" 1 "exit status"
	said "the lonely test" '^FAIL +ties: .*/sleep-take\.litmus: no broken twin sleep-take\+broken\*\.litmus$'
}

# bad NAME SED: a copy of sleep-take.litmus named NAME, edited by SED.
bad() {
	sed -e "1s/.*/C $1/" -e "$2" "$root/host/litmus/sleep-take.litmus" >"$tmp/$1.litmus"
	! cmp -s "$root/host/litmus/sleep-take.litmus" "$tmp/$1.litmus" ||
		fail "$1: the edit changed nothing"
}

t_a_test_herd7_cannot_judge_fails_with_its_message() {
	claim "a syntax error, an unknown macro, no exists clause, a misspelt register:" \
		"each fails with herd7's message (or the runner's) and the file's name"
	bad syntax 's/^\tWRITE_ONCE(\*message, 1);$/\tWRITE_ONCE(*message, 1)/'
	bad macro 's/atomic_set_release(held, 0)/atomic_fetch_add_unless(held, 1, 0)/'
	bad no-exists '/^exists/d'
	bad register 's/^exists (1:r0=0 \/\\ 1:r1=0)$/exists (1:r0=0 \/\\ 1:r7=0)/'
	run "$tmp"/syntax.litmus "$tmp"/macro.litmus "$tmp"/no-exists.litmus "$tmp"/register.litmus
	expect_eq "$status" 1 "exit status"
	said "the syntax error" "^FAIL +syntax +$tmp/syntax\.litmus: herd7: .*File \"$tmp/syntax\.litmus\", line [0-9]+.*unexpected"
	said "the unknown macro" "^FAIL +macro +$tmp/macro\.litmus: herd7: .*Unknown macro atomic_fetch_add_unless"
	said "no exists" "^FAIL +no-exists +$tmp/no-exists\.litmus: no exists clause, herd7 says: Condition forall \(true\)"
	said "the misspelt register" "^FAIL +register +$tmp/register\.litmus: exists names 1:r7, which P1 does not declare"
	said "the summary" '^0 passed, 4 failed$'
}

t_the_hand_off_freeing_the_file_after_the_unlock_fails() {
	claim "sleep_hand_on() freeing the file just after dropping the queue's lock:" \
		"herd7 finds the sleeper beside a free file, and the test fails"
	f=$tmp/sleep-hand-on.litmus
	awk '/^\t\tatomic_set_release\(held, 0\);$/ { next }
		/^\telse$/ { next }
		{ print }
		/^\tspin_unlock\(openers_lock\);$/ && !done {
			print "\tif (r0 == 0)"; print "\t\tatomic_set_release(held, 0);"; done = 1 }' \
		"$root/host/litmus/sleep-hand-on.litmus" >"$f"
	[ "$(sed -n '/^P0/,/^}/p' "$f" | grep -c 'spin_unlock\|if (r0 == 0)\|else')" = 2 ] ||
		fail "the planted hand-off is not what was meant"
	run "$f"
	expect_eq "$status" 1 "exit status"
	said "the verdict" '^FAIL +sleep-hand-on +Never +Sometimes +[0-9]+$'
}
