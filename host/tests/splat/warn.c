// SPDX-License-Identifier: GPL-2.0
/*
 * warn: a test-only module whose load logs a WARNING on purpose, to prove
 * that tools/vm decodes a splat's stack to file and line on a kernel with
 * debug info (tests/vm.sh). The WARN_ON() is in warn_here(), called from
 * the module's init; neither is inlined, so both are frames of the stack.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>

/* The frame the stack must name: its WARN_ON() line. */
static noinline void warn_here(void)
{
	WARN_ON(1);
}

static int __init warn_init(void)
{
	warn_here(); /* the call the caller's frame must name */
	return 0;
}

static void __exit warn_exit(void)
{
}

module_init(warn_init);
module_exit(warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test only: a WARNING at load, for decoded stacks");
