// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy: a misc device, /dev/sleepy, whose reads sleep until a write comes
 * and return 0 (end of file); every write releases exactly one read, now or
 * later. It teaches exclusive waits, a wake-up condition that consumes what it
 * waits for in one atomic step, the pipe's rule of waking only on empty to
 * non-empty, and how signals, O_NONBLOCK, poll() and SIGIO fit around a
 * sleeping read and a sleeping write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/version.h>
#include <linux/wait.h>

#define CREATE_TRACE_POINTS
#include "sleepy_trace.h"

/*
 * Writes are counted, not flagged, so a write that finds no reader is kept
 * for the next one. The bound stops a writer that nobody reads from growing
 * the count until it wraps: there a write sleeps until a read makes room.
 */
static int max_pending = 1000000;
module_param(max_pending, int, 0444);
MODULE_PARM_DESC(max_pending,
		 "Unread writes kept; past it, writes sleep (default 1000000)");

/* Writes not yet taken by a read: 0 <= sleepy_pending <= max_pending. */
static atomic_t sleepy_pending = ATOMIC_INIT(0);

/*
 * Sleeping readers, sleeping writers and pollers wait on queues of their own.
 * An epoll user with EPOLLEXCLUSIVE is an exclusive waiter too: on a shared
 * queue it could take the one wake-up a write gives and leave a reader asleep
 * beside a pending write.
 */
static DECLARE_WAIT_QUEUE_HEAD(sleepy_readers);
static DECLARE_WAIT_QUEUE_HEAD(sleepy_writers);
static DECLARE_WAIT_QUEUE_HEAD(sleepy_pollers);

/* Files opened with O_ASYNC: each write sends their owner SIGIO. */
static struct fasync_struct *sleepy_async;

/*
 * Take one pending write, if any: the count before, so 0 when there was none.
 * Testing and decrementing in one atomic step is what keeps two readers that
 * run at once from both taking the same write.
 */
static int sleepy_take(void)
{
	int old = atomic_fetch_add_unless(&sleepy_pending, -1, 0);

	trace_sleepy_take(old > 0, old ? old - 1 : 0);
	return old;
}

/* Add one write unless max_pending are kept: the count before, or -1 if full. */
static int sleepy_give(void)
{
	int old = atomic_fetch_add_unless(&sleepy_pending, 1, max_pending);

	return old == max_pending ? -1 : old;
}

/*
 * Wake the first exclusive waiter of @wq, if anyone sleeps there: a write
 * with nobody asleep costs no lock. The count was changed by a fully ordered
 * atomic, and wq_has_sleeper()'s smp_mb() (either alone would do) pairs with
 * the one in set_current_state() inside the waiter's prepare_to_wait_event():
 * either the waiter sees the new count, or this sees it on the queue.
 */
static void sleepy_wake_one(struct wait_queue_head *wq)
{
	if (wq_has_sleeper(wq))
		wake_up(wq);
}

/* Pollers (poll_wait() pairs with the smp_mb() in sleepy_poll()). */
static void sleepy_wake_pollers(__poll_t events)
{
	if (wq_has_sleeper(&sleepy_pollers))
		wake_up_poll(&sleepy_pollers, events);
}

/*
 * A read took a write; the count was @old before. A write wakes a reader only
 * when the count leaves 0, so writes that come while the woken reader has not
 * run yet wake nobody: a reader that slept and leaves writes behind wakes the
 * next sleeper itself, and that one the next (a chain, as a pipe's readers
 * do). A reader that never slept has no such duty: the reader woken for the
 * count's first write is still on its way and will chain.
 *
 * So no write is stranded while readers sleep: while the count is above 0
 * and readers sleep, a reader woken for it has yet to run. When it runs, it
 * takes a write and wakes the next if any are left; or finds none, as a
 * reader that never slept took it, and sleeps again with nothing owed; or
 * has been killed, and wakes the next in its place.
 */
static void sleepy_taken(int old, bool slept)
{
	if (slept && old > 1) {
		pr_debug("%d (%s) waking the next reader\n",
			 task_pid_nr(current), current->comm);
		sleepy_wake_one(&sleepy_readers);
	}
	/* Room again: the same rule for writers, and pollers waiting for it. */
	if (old == max_pending) {
		sleepy_wake_one(&sleepy_writers);
		sleepy_wake_pollers(EPOLLOUT | EPOLLWRNORM);
	}
}

/* A write was added to a count of @old: the mirror of sleepy_taken(). */
static void sleepy_given(int old, bool slept)
{
	trace_sleepy_write(old + 1);
	if (!old && wq_has_sleeper(&sleepy_readers)) {
		pr_debug("%d (%s) waking a reader\n", task_pid_nr(current),
			 current->comm);
		wake_up(&sleepy_readers);
	}
	if (slept && old + 1 < max_pending)
		sleepy_wake_one(&sleepy_writers);
	/*
	 * Pollers on every write: an epoll entry stays on the queue, so an
	 * edge-triggered epoll user sees each write, not only the first.
	 */
	sleepy_wake_pollers(EPOLLIN | EPOLLRDNORM);
	kill_fasync(&sleepy_async, SIGIO, POLL_IN);
}

/*
 * What a sleeping reader waits for: a write to take, or its own death. A
 * reader being killed takes nothing, as nobody would see its read return.
 */
static bool sleepy_ready(int *old)
{
	if (fatal_signal_pending(current))
		return true;
	*old = sleepy_take();
	return *old;
}

/* What a sleeping writer waits for: room for its write, or its death. */
static bool sleepy_room(int *old)
{
	if (fatal_signal_pending(current))
		return true;
	*old = sleepy_give();
	return *old >= 0;
}

static ssize_t sleepy_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	int old, ret;

	/* As with a pipe, asking for nothing neither waits nor takes a write. */
	if (!count)
		return 0;
	old = sleepy_take();
	if (old) {
		sleepy_taken(old, false);
		return 0;
	}
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
						 sleepy_ready(&old));
	if (ret) {
		pr_debug("%d (%s) interrupted by a signal\n",
			 task_pid_nr(current), current->comm);
		return ret;
	}
	if (!old) {
		/*
		 * Killed. The wake-up that picked this reader, if any, goes to
		 * the next one with the write it was for.
		 */
		pr_debug("%d (%s) killed\n", task_pid_nr(current),
			 current->comm);
		if (atomic_read(&sleepy_pending))
			sleepy_wake_one(&sleepy_readers);
		return -EINTR;
	}
	pr_debug("%d (%s) woken up\n", task_pid_nr(current), current->comm);
	sleepy_taken(old, true);
	return 0;
}

static ssize_t sleepy_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	int old, ret;

	/* Only a write that carries something releases a reader. */
	if (!count)
		return 0;
	old = sleepy_give();
	if (old >= 0) {
		sleepy_given(old, false);
		return count;
	}
	/* Full: as with a pipe, wait for room unless told not to. */
	if (file->f_flags & O_NONBLOCK)
		return -EAGAIN;

	pr_debug("%d (%s) waiting for room\n", task_pid_nr(current),
		 current->comm);
	/* Exclusive, and the room taken in the condition, as for readers. */
	ret = wait_event_interruptible_exclusive(sleepy_writers,
						 sleepy_room(&old));
	if (ret) {
		pr_debug("%d (%s) interrupted by a signal\n",
			 task_pid_nr(current), current->comm);
		return ret;
	}
	if (old < 0) {
		/* Killed: the room this writer was woken for goes to the next. */
		pr_debug("%d (%s) killed\n", task_pid_nr(current),
			 current->comm);
		if (atomic_read(&sleepy_pending) < max_pending)
			sleepy_wake_one(&sleepy_writers);
		return -EINTR;
	}
	sleepy_given(old, true);
	return count;
}

static __poll_t sleepy_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = 0;
	int pending;

	/*
	 * Queued before the count is read, paired with the barrier in
	 * wq_has_sleeper() after a write or read changed it: either this sees
	 * the new count or that sees this poller. The barrier between queueing
	 * and reading is poll_wait()'s own since Linux 6.13 (it ends with
	 * smp_mb() once it has queued the caller); before, the ->poll() adds
	 * it, as sock_poll_wait() did.
	 */
	poll_wait(file, &sleepy_pollers, wait);
#if KERNEL_VERSION(6, 13, 0) > LINUX_VERSION_CODE
	/*
	 * 6.13 also removed poll_does_not_wait(), which such a ->poll() used
	 * to skip its barrier when nothing was queued. Stable kernels got
	 * poll_wait()'s barrier too (5.10.234, 6.1.127, 6.12.11) and kept
	 * poll_does_not_wait(): there this second one is redundant, not wrong;
	 * a version cannot see a backport.
	 */
	if (!poll_does_not_wait(wait))
		smp_mb(); /* the one poll_wait() lacks before 6.13 */
#endif
	pending = atomic_read(&sleepy_pending);
	if (pending)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (pending < max_pending)
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/*
 * fcntl(F_SETFL, O_ASYNC) adds the file to sleepy_async, clearing O_ASYNC
 * removes it. A file closed with O_ASYNC set is removed by the VFS, which
 * calls this with on = 0 before release, so no entry outlives its file.
 */
static int sleepy_fasync(int fd, struct file *file, int on)
{
	return fasync_helper(fd, file, on, &sleepy_async);
}

/*
 * .owner makes every open file hold a reference on the module, so rmmod
 * fails at once while a reader or writer sleeps instead of pulling the code
 * from under it. The device has no file position: stream_open() makes lseek
 * fail.
 */
static const struct file_operations sleepy_fops = {
	.owner = THIS_MODULE,
	.open = stream_open,
	.read = sleepy_read,
	.write = sleepy_write,
	.poll = sleepy_poll,
	.fasync = sleepy_fasync,
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
