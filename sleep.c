// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sleep: a file that one process at a time may hold open. Other
 * openers sleep interruptibly on a wait queue and each close hands the file
 * to the longest sleeper (an exclusive wait); wake_all=1 wakes every sleeper
 * instead, to show the thundering herd. Reads return "Last input:" and the
 * last message written.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#define CREATE_TRACE_POINTS
#include "sleep_trace.h"

#define SLEEP_NAME "sleep"
#define SLEEP_PREFIX "Last input:"
#define MESSAGE_SIZE 80 /* 79 bytes and the terminating NUL */

static bool wake_all;
module_param(wake_all, bool, 0444);
MODULE_PARM_DESC(wake_all, "Wake all sleepers on close, not one (default: N)");

static char message[MESSAGE_SIZE];
/* Threads sharing the open file may read and write at the same time. */
static DEFINE_MUTEX(message_lock);

/* 1 while an open file description holds /proc/sleep. */
static atomic_t held = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(openers);

/*
 * Taking the file is the wait condition itself, so a woken sleeper either
 * gets the file or goes back to sleep: two tasks can never both see it free.
 * Acquire pairs with the release in sleep_release(), as in a lock.
 */
static bool sleep_take(void)
{
	return atomic_cmpxchg_acquire(&held, 0, 1) == 0;
}

static int sleep_open(struct inode *inode, struct file *file)
{
	int ret;

	/*
	 * procfs pins no module for us. Without this reference rmmod would
	 * succeed while the file is held, and would block in
	 * remove_proc_entry() until every sleeper here gave up. Failing it
	 * means rmmod has already begun.
	 */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;

	/*
	 * Exclusive sleepers queue at the tail and each close wakes the head
	 * only, so the file goes in arrival order. A sleeper that is picked
	 * and signalled at once rechecks the condition before giving up, so
	 * the wake-up is never lost. A newcomer can still take the file
	 * between a close and the picked sleeper running; that sleeper then
	 * queues again at the tail. With wake_all every close wakes every
	 * sleeper, and all but one of them go back to sleep.
	 */
	if (file->f_flags & O_NONBLOCK)
		ret = sleep_take() ? 0 : -EAGAIN;
	else if (wake_all)
		ret = wait_event_interruptible(openers, sleep_take());
	else
		ret = wait_event_interruptible_exclusive(openers, sleep_take());

	trace_sleep_open(ret, file->f_flags & O_NONBLOCK);
	/* A failed open gets no release: drop the reference now. */
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

static int sleep_release(struct inode *inode, struct file *file)
{
	trace_sleep_release(wake_all);
	atomic_set_release(&held, 0);
	if (wake_all)
		wake_up_interruptible_all(&openers);
	else
		wake_up_interruptible(&openers);
	/*
	 * procfs keeps remove_proc_entry() waiting until this function has
	 * returned, so dropping the last reference here is safe.
	 */
	module_put(THIS_MODULE);
	return 0;
}

/* Each read formats the whole line under the lock, then copies from *ppos. */
static ssize_t sleep_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	char line[sizeof(SLEEP_PREFIX) + MESSAGE_SIZE];
	int len;

	if (mutex_lock_interruptible(&message_lock))
		return -ERESTARTSYS;
	len = scnprintf(line, sizeof(line), SLEEP_PREFIX "%s\n", message);
	mutex_unlock(&message_lock);

	return simple_read_from_buffer(buf, count, ppos, line, len);
}

/*
 * Each write replaces the message. One trailing newline is dropped, so
 * "echo" of up to 79 bytes fits. A longer write fails whole and keeps the
 * old message; a zero-length write changes nothing.
 */
static ssize_t sleep_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	char in[MESSAGE_SIZE];
	size_t len = count;

	if (!count)
		return 0;
	if (count > sizeof(in))
		return -EINVAL;
	if (copy_from_user(in, buf, count))
		return -EFAULT;
	if (in[len - 1] == '\n')
		len--;
	if (len > MESSAGE_SIZE - 1)
		return -EINVAL;

	if (mutex_lock_interruptible(&message_lock))
		return -ERESTARTSYS;
	memcpy(message, in, len);
	message[len] = '\0';
	mutex_unlock(&message_lock);

	return count;
}

static const struct proc_ops sleep_proc_ops = {
	.proc_open = sleep_open,
	.proc_release = sleep_release,
	.proc_read = sleep_read,
	.proc_write = sleep_write,
	.proc_lseek = generic_file_llseek,
};

static struct proc_dir_entry *sleep_entry;

static int __init sleep_init(void)
{
	/* Everyone may read and hold the file; only root may write. */
	sleep_entry = proc_create(SLEEP_NAME, 0644, NULL, &sleep_proc_ops);
	if (!sleep_entry)
		return -ENOMEM;
	proc_set_user(sleep_entry, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID);

	pr_info("/proc/%s created, close wakes %s\n", SLEEP_NAME,
		wake_all ? "every sleeper" : "one sleeper");
	return 0;
}

static void __exit sleep_exit(void)
{
	remove_proc_entry(SLEEP_NAME, NULL);
	pr_info("/proc/%s removed\n", SLEEP_NAME);
}

module_init(sleep_init);
module_exit(sleep_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("waitq-lab developers");
MODULE_DESCRIPTION("/proc/sleep: one holder, the other openers wait in line");
MODULE_VERSION("1.0");
