# SPDX-License-Identifier: GPL-2.0
#
# tools/cat_nonblock without any module: runs on the host and in the guest.
# runs-on: host guest
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

cat_nonblock=$root/tools/cat_nonblock

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
