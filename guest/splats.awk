# SPDX-License-Identifier: GPL-2.0
#
# Kernel splats in a kernel log (vm/vm's console.log, or dmesg in the
# guest), each blamed on the test that was running: guest/run.sh writes
# "waitq-test: GROUP: TEST" to /dev/kmsg before each test. Prints
# "[GROUP: TEST] LINE" for each line of a splat (with test=, just the LINE).
# POSIX awk: mawk, gawk and busybox's.
#
#   -v test=NAME  only the splats of test NAME, from its last start
#   -v full=1     every line of each splat, up to the end of its stack dump
#                 (default: only the lines that name the splat)
#
# Without test=, the last line is "expected-warn" when an expected WARNING
# was seen (it taints the kernel with W).
#
# Fault-injection tests bracket each injected load with markers. Inside a
# bracket, the kernel's own reports of a failed allocation are expected,
# each up to the end of its stack dump: warn_alloc's, and dynamic debug's
# WARN when it cannot allocate a module's table. Nothing else is.
BEGIN {
	re = "BUG:|WARNING:|Oops|Call Trace|UBSAN|KASAN|blocked for more than|unreferenced object|general protection|Kernel panic|soft lockup|INFO: possible|circular locking"
	ok = "vmalloc error:|page allocation failure:|Failed to allocate memory: dyndbg"
	n = 0
}
{ sub(/\r$/, "") }
/waitq-test:/ {
	t = $0
	sub(/.*waitq-test: /, "", t)
	block = 0
	if (test != "" && t == test)
		n = 0
}
/waitq-fault-injection: on/ { inj = 1 }
/waitq-fault-injection: off/ { inj = 0 }
inj && $0 ~ ok { expected = 1 }
expected {
	if ($0 ~ /WARNING:/)
		warned = 1
	if ($0 ~ /<\/TASK>/)
		expected = 0
	next
}
$0 ~ re && !block { block = full ? 80 : 1 }
block {
	if (test == "")
		print "[" t "] " $0
	else if (t == test)
		lines[++n] = $0
	block--
	if ($0 ~ /<\/TASK>|---\[ end trace/)
		block = 0
}
END {
	for (i = 1; i <= n; i++)
		print lines[i]
	if (test == "" && warned)
		print "expected-warn"
}
