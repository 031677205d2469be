# SPDX-License-Identifier: GPL-2.0
#
# cat_nonblock without any module: runs on the host and in the guest.
# runs-on: host guest
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

cat_nonblock=$root/cat_nonblock

# run_cat ARGS...: output in $tmp/out, status in $rc.
run_cat() {
	rc=0
	"$cat_nonblock" "$@" >"$tmp/out" 2>&1 || rc=$?
}

t_prints_a_whole_file() {
	claim "a file larger than one read is printed byte for byte, exit 0"
	i=0
	while [ $i -lt 400 ]; do
		echo "line $i of a file that takes more than one 4096-byte read"
		i=$((i + 1))
	done >"$tmp/in"
	run_cat "$tmp/in"
	expect_eq "$rc" 0 "exit status"
	cmp "$tmp/in" "$tmp/out" || fail "output differs from the file"
}

t_fifo_without_data_would_block() {
	claim "a FIFO with a writer and no data: 'Normally I'd block', exit 1"
	mkfifo "$tmp/fifo"
	# Read-write keeps a writer without blocking on the open.
	exec 3<>"$tmp/fifo"
	run_cat "$tmp/fifo"
	expect_eq "$rc" 1 "exit status"
	expect_eq "$(cat "$tmp/out")" "Normally I'd block, but you told me not to" "output"
}

t_fifo_prints_data_then_would_block() {
	claim "what the FIFO holds is printed before 'Normally I'd block'"
	mkfifo "$tmp/fifo"
	exec 3<>"$tmp/fifo"
	echo "queued" >&3
	run_cat "$tmp/fifo"
	expect_eq "$rc" 1 "exit status"
	expect_eq "$(cat "$tmp/out")" "queued
Normally I'd block, but you told me not to" "output"
}

t_missing_file_is_an_error() {
	claim "a missing file: 'Open failed' with the reason, exit 2"
	run_cat "$tmp/missing"
	expect_eq "$rc" 2 "exit status"
	grep -q "^Open failed: $tmp/missing: No such file or directory$" "$tmp/out" ||
		fail "message: $(cat "$tmp/out")"
}

t_an_open_that_would_block_says_so() {
	claim "a file another process holds a write lease on: open() would block, 'Open would block', exit 1"
	echo data >"$tmp/leased"
	spawn "$root/guest/helpers/lease" "$tmp/leased" >"$tmp/lease.out" 2>&1
	wait_for 10 "the lease to be taken" grep -qx held "$tmp/lease.out"
	run_cat "$tmp/leased"
	expect_eq "$rc" 1 "exit status"
	grep -qx "Open would block" "$tmp/out" || fail "message: $(cat "$tmp/out")"
}

t_a_failed_read_is_an_error() {
	claim "a read that fails (a directory: EISDIR): 'Read failed' with the reason, exit 2"
	mkdir "$tmp/dir"
	run_cat "$tmp/dir"
	expect_eq "$rc" 2 "exit status"
	grep -q "^Read failed: $tmp/dir: Is a directory$" "$tmp/out" ||
		fail "message: $(cat "$tmp/out")"
}

t_usage() {
	claim "no argument or two: the usage line, exit 64"
	run_cat
	expect_eq "$rc" 64 "exit status without arguments"
	grep -q "^Usage: .*cat_nonblock <filename>$" "$tmp/out" || fail "usage: $(cat "$tmp/out")"
	run_cat a b
	expect_eq "$rc" 64 "exit status with two arguments"
}

t_write_error_is_reported() {
	claim "a failed write of the output is an error, exit 2"
	echo data >"$tmp/in"
	rc=0
	"$cat_nonblock" "$tmp/in" >/dev/full 2>"$tmp/err" || rc=$?
	expect_eq "$rc" 2 "exit status"
	grep -q "^Write failed: " "$tmp/err" || fail "message: $(cat "$tmp/err")"
}

# The original's own behaviour, where the original can be built: on the host,
# from LKMPG's text in ../shared/seeds (beside the project). Each test shows
# the original failing a claim that a test above proves for ours.
original_seed() {
	grep -l 'cat_nonblock.c - open a file' "$root"/../shared/seeds/*.txt 2>/dev/null |
		head -n 1
}

# build_original: the seed's cat_nonblock, built unchanged, in $tmp/original.
build_original() {
	command -v cc >/dev/null || skip "no C compiler here (the host runs this)"
	seed=$(original_seed)
	[ -n "$seed" ] || skip "LKMPG's text is not in ../shared/seeds"
	# The program is the indented block that opens with its name.
	awk '/^    \/\*$/ { buf = $0 "\n"; inblk = 1; next }
		inblk && /cat_nonblock.c - open a file/ { keep = 1 }
		inblk { buf = buf $0 "\n" }
		keep && /^    }$/ { printf "%s", buf; exit }
		inblk && !keep && !/^    / { inblk = 0 }' "$seed" |
		sed 's/^    //' >"$tmp/original.c"
	cc -w -o "$tmp/original" "$tmp/original.c" ||
		fail "the original did not build from $seed"
}

t_original_exits_0_when_its_output_is_lost() {
	claim "the original ignores write errors: its output to a full disk is lost, exit 0"
	build_original
	echo data >"$tmp/in"
	rc=0
	"$tmp/original" "$tmp/in" >/dev/full 2>"$tmp/err" || rc=$?
	expect_eq "$rc" 0 "the original's exit status"
	expect_eq "$(cat "$tmp/err")" "" "the original's error output"
	note "ours exits 2 with 'Write failed' (write_error_is_reported)"
}

t_original_cannot_tell_would_block_from_a_missing_file() {
	claim "the original exits 255 both when a read would block and when the file is missing"
	build_original
	mkfifo "$tmp/fifo"
	exec 3<>"$tmp/fifo"
	rc=0
	"$tmp/original" "$tmp/fifo" >"$tmp/out" 2>&1 || rc=$?
	expect_eq "$rc" 255 "the original's status when a read would block"
	rc=0
	"$tmp/original" "$tmp/missing" >"$tmp/out" 2>&1 || rc=$?
	expect_eq "$rc" 255 "the original's status for a missing file"
	expect_eq "$(cat "$tmp/out")" "Open failed" "the original's message (no file, no reason)"
	note "ours: 1 would block, 2 missing, with the file and the reason (fifo_without_data_would_block, missing_file_is_an_error)"
}

t_original_size_t_still_sees_minus_one() {
	claim "size_t is no bug in the original: (size_t)-1 == -1, and it reports EAGAIN as ours does"
	build_original
	mkfifo "$tmp/fifo"
	exec 3<>"$tmp/fifo"
	"$tmp/original" "$tmp/fifo" >"$tmp/out" 2>&1 || true
	expect_eq "$(cat "$tmp/out")" "Normally I'd block, but you told me not to" "the original's output"
}
