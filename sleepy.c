// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy: a misc device, /dev/sleepy, whose reads sleep until a write comes
 * and return 0 (end of file); every write releases exactly one read, now or
 * later. It teaches exclusive waits, a wake-up condition that consumes what it
 * waits for in one atomic step, and how signals, O_NONBLOCK and poll() fit
 * around a sleeping read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/wait.h>

#define CREATE_TRACE_POINTS
#include "sleepy_trace.h"

/*
 * Writes are counted, not flagged, so a write that finds no reader is kept
 * for the next one. The bound stops a writer that nobody reads from growing
 * the count until it wraps.
 */
static int max_pending = 1000000;
module_param(max_pending, int, 0444);
MODULE_PARM_DESC(max_pending,
		 "Unread writes kept; past it, EAGAIN (default 1000000)");

/* Writes not yet taken by a read: 0 <= sleepy_pending <= max_pending. */
static atomic_t sleepy_pending = ATOMIC_INIT(0);

/*
 * Sleeping readers and pollers wait on queues of their own. An epoll user
 * with EPOLLEXCLUSIVE is an exclusive waiter too: on a shared queue it could
 * take the one wake-up a write gives and leave a reader asleep beside a
 * pending write.
 */
static DECLARE_WAIT_QUEUE_HEAD(sleepy_readers);
static DECLARE_WAIT_QUEUE_HEAD(sleepy_pollers);

/*
 * Take one pending write, if any. Testing and decrementing in one atomic step
 * is what keeps two readers that run at once from both taking the same write.
 */
static bool sleepy_take(void)
{
	bool took = atomic_add_unless(&sleepy_pending, -1, 0);

	trace_sleepy_take(took, atomic_read(&sleepy_pending));
	return took;
}

/*
 * What a sleeping reader waits for: a write to take, or its own death. A
 * reader being killed takes nothing, as nobody would see its read return.
 */
static bool sleepy_ready(bool *took)
{
	if (fatal_signal_pending(current))
		return true;
	*took = sleepy_take();
	return *took;
}

static ssize_t sleepy_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	bool took = false;
	int ret;

	/* As with a pipe, asking for nothing neither waits nor takes a write. */
	if (!count)
		return 0;
	if (sleepy_take())
		return 0;
	if (file->f_flags & O_NONBLOCK)
		return -EAGAIN;

	pr_debug("%d (%s) going to sleep\n", task_pid_nr(current),
		 current->comm);
	/*
	 * Exclusive: a write wakes one sleeping reader, not all of them. If the
	 * reader a write picked gets a signal before it runs, the wait still
	 * rechecks the condition and takes that write, so it is not stranded
	 * while other readers sleep.
	 */
	ret = wait_event_interruptible_exclusive(sleepy_readers,
						 sleepy_ready(&took));
	if (ret) {
		pr_debug("%d (%s) interrupted by a signal\n",
			 task_pid_nr(current), current->comm);
		return ret;
	}
	if (!took) {
		/*
		 * Killed. The wake-up that picked this reader, if any, goes to
		 * the next one with the write it was for.
		 */
		pr_debug("%d (%s) killed\n", task_pid_nr(current),
			 current->comm);
		if (atomic_read(&sleepy_pending))
			wake_up(&sleepy_readers);
		return -EINTR;
	}
	pr_debug("%d (%s) woken up\n", task_pid_nr(current), current->comm);
	return 0;
}

static ssize_t sleepy_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	/* Only a write that carries something releases a reader. */
	if (!count)
		return 0;
	/* Writes never sleep: past the bound, fail rather than wrap. */
	if (!atomic_add_unless(&sleepy_pending, 1, max_pending))
		return -EAGAIN;
	trace_sleepy_write(atomic_read(&sleepy_pending));

	pr_debug("%d (%s) waking a reader\n", task_pid_nr(current),
		 current->comm);
	/* The first sleeping reader, and every poller. */
	wake_up(&sleepy_readers);
	wake_up_poll(&sleepy_pollers, EPOLLIN | EPOLLRDNORM);
	return count;
}

static __poll_t sleepy_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &sleepy_pollers, wait);
	if (atomic_read(&sleepy_pending))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/*
 * .owner makes every open file hold a reference on the module, so rmmod
 * fails at once while a reader sleeps instead of pulling the code from under
 * it. The device has no file position: stream_open() makes lseek fail.
 */
static const struct file_operations sleepy_fops = {
	.owner = THIS_MODULE,
	.open = stream_open,
	.read = sleepy_read,
	.write = sleepy_write,
	.poll = sleepy_poll,
};

static struct miscdevice sleepy_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sleepy",
	.fops = &sleepy_fops,
	.mode = 0600,
};

static int __init sleepy_init(void)
{
	int ret;

	if (max_pending < 1) {
		pr_err("max_pending must be at least 1, not %d\n", max_pending);
		return -EINVAL;
	}

	ret = misc_register(&sleepy_dev);
	if (ret) {
		pr_err("cannot register /dev/sleepy: %d\n", ret);
		return ret;
	}

	pr_info("/dev/sleepy ready: reads sleep until a write, up to %d writes kept\n",
		max_pending);
	return 0;
}

static void __exit sleepy_exit(void)
{
	misc_deregister(&sleepy_dev);
}

module_init(sleepy_init);
module_exit(sleepy_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("waitq-lab developers");
MODULE_DESCRIPTION("Reads sleep until a write; each write releases one read");
MODULE_VERSION("1.0");
