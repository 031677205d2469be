// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/sleep: a file that one process at a time may hold open. Other
 * openers sleep interruptibly on a wait queue, and each close hands the file
 * straight to the longest sleeper: first come, first served, with no
 * newcomer slipping in between. wake_all=1 wakes every sleeper instead, to
 * show the thundering herd. Reads return "Last input:" and the last message
 * written. rule= names what a close does: fifo (the default), all (as
 * wake_all=1) or handoff, the kernel mutex's compromise between the two.
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
/* The longest line: the prefix, 79 bytes, a newline, and a NUL. */
#define LINE_SIZE (sizeof(SLEEP_PREFIX) + MESSAGE_SIZE)

/*
 * What a close does with sleepers waiting. fifo: hand the file to the
 * longest sleeper. handoff: free it and wake the longest sleeper, unless
 * that sleeper is owed the file (sleep_owed()). all: free it and wake every
 * sleeper.
 */
enum sleep_rule { SLEEP_FIFO, SLEEP_HANDOFF, SLEEP_ALL };

static const char *const sleep_rules[] = {
	[SLEEP_FIFO] = "fifo",
	[SLEEP_HANDOFF] = "handoff",
	[SLEEP_ALL] = "all",
};

static enum sleep_rule rule = SLEEP_FIFO;
static bool rule_given;

static int rule_set(const char *val, const struct kernel_param *kp)
{
	int r = val ? sysfs_match_string(sleep_rules, val) : -EINVAL;

	if (r < 0) {
		pr_err("rule=%s is not a rule: fifo, handoff or all\n",
		       val ?: "");
		return -EINVAL;
	}
	rule = r;
	rule_given = true;
	return 0;
}

static int rule_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n", sleep_rules[rule]);
}

static const struct kernel_param_ops rule_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = rule_set,
	.get = rule_get,
};
module_param_cb(rule, &rule_ops, NULL, 0444);
__MODULE_PARM_TYPE(rule, "string");
MODULE_PARM_DESC(rule,
		 "What a close does: fifo, handoff or all (default: fifo)");

/* Once loaded, whether the rule is all. */
static bool wake_all;
static bool wake_all_given;

static int wake_all_set(const char *val, const struct kernel_param *kp)
{
	wake_all_given = true;
	return param_set_bool(val, kp);
}

static const struct kernel_param_ops wake_all_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = wake_all_set,
	.get = param_get_bool,
};
module_param_cb(wake_all, &wake_all_ops, &wake_all, 0444);
__MODULE_PARM_TYPE(wake_all, "bool");
MODULE_PARM_DESC(wake_all, "Wake all sleepers on close, not one (default: N)");

static char message[MESSAGE_SIZE];
/* Threads sharing the open file may read and write at the same time. */
static DEFINE_MUTEX(message_lock);
static struct proc_dir_entry *sleep_entry;

/*
 * 1 while an open file description holds /proc/sleep. Under fifo it stays
 * 1 while anyone sleeps in open(): a close with sleepers hands the file on
 * and never frees it, under the lock of the queue below. Under handoff a
 * close may free it with sleepers queued, and then wakes the longest one,
 * under that lock too.
 */
static atomic_t held = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(openers);

/*
 * An opener asleep in the queue; granted once a close hands it the file.
 * Under the handoff rule a close may instead free the file and wake the
 * longest sleeper to take it: woken says so until the sleeper has run, and
 * passed counts such closes, each a chance for a newcomer to pass it over.
 */
struct sleep_waiter {
	struct wait_queue_entry wait;
	bool granted;
	bool woken;
	unsigned int passed;
};

/*
 * The handoff rule's flag, under the queue's lock: the longest sleeper was
 * woken to take a free file and found it taken, so the next close hands it
 * the file. kernel/locking/mutex.c's MUTEX_FLAG_HANDOFF.
 */
static bool handoff;

/*
 * The handoff rule's bound, for a longest sleeper that cannot run when it
 * is woken (its CPU busy with others) and so cannot set the flag: once
 * newcomers may have passed it over this many times, the next close hands
 * it the file. kernel/locking/rwsem.c bounds its waiters' wait in time
 * (RWSEM_WAIT_TIMEOUT); a count is the same for every machine.
 */
#define SLEEP_PASSES 4

/*
 * Taking a free file. With wake_all it is the wait condition itself, so a
 * woken sleeper either gets the file or goes back to sleep: two tasks can
 * never both see it free. Acquire pairs with the release in
 * sleep_release(), as in a lock.
 */
static bool sleep_take(void)
{
	return atomic_cmpxchg_acquire(&held, 0, 1) == 0;
}

/*
 * Queue at the tail and sleep until a close hands us the file, the way
 * kernel/locking/semaphore.c's down() waits for up(). The file is never
 * free while we wait, so no newcomer can take it ahead of us. A sleeper
 * that is handed the file and signalled at once keeps it: the open
 * succeeds and the handler runs after it, and if the signal kills the
 * process, exit closes the file, which hands it on. Only a sleeper that
 * was not handed the file leaves the queue with -ERESTARTSYS.
 *
 * Under the handoff rule a close may free the file instead and wake us,
 * the longest sleeper, to take it (woken): a newcomer that runs first
 * takes it ahead of us. Then we set the flag that makes the next close
 * hand us the file, as a mutex waiter that is woken and finds the mutex
 * taken sets MUTEX_FLAG_HANDOFF (kernel/locking/mutex.c, 6.12:
 * __mutex_lock_common(), "first = __mutex_waiter_is_first()" and
 * "__mutex_trylock_or_handoff(lock, first)"; __mutex_trylock_common(),
 * "flags |= MUTEX_FLAG_HANDOFF"). We try the file before we look at
 * signals, as that loop tries the mutex, so a woken sleeper that is
 * signalled takes the free file and keeps it rather than strand it.
 */
static int sleep_wait_in_line(void)
{
	struct sleep_waiter me = { .granted = false };
	int ret = 0;

	spin_lock_irq(&openers.lock);
	/* The holder may have left, with nobody waiting, since we looked. */
	if (sleep_take())
		goto out;
	init_waitqueue_entry(&me.wait, current);
	__add_wait_queue_entry_tail_exclusive(&openers, &me.wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (me.granted)
			break;
		if (signal_pending(current)) {
			__remove_wait_queue(&openers, &me.wait);
			ret = -ERESTARTSYS;
			break;
		}
		spin_unlock_irq(&openers.lock);
		schedule();
		spin_lock_irq(&openers.lock);
		if (me.woken && !me.granted) {
			me.woken = false;
			if (sleep_take()) {
				list_del_init(&me.wait.entry);
				me.granted = true;
			} else {
				handoff = true;
				trace_sleep_lost(me.passed);
			}
		}
	}
	__set_current_state(TASK_RUNNING);
	/* As a mutex's last waiter to leave clears its flags. */
	if (list_empty(&openers.head))
		handoff = false;
out:
	spin_unlock_irq(&openers.lock);
	return ret;
}

/*
 * Is the file owed to the longest sleeper? Under fifo always. Under
 * handoff when it lost a race for the file it was woken to take (the
 * flag), or has been passed over SLEEP_PASSES times.
 */
static bool sleep_owed(const struct sleep_waiter *next)
{
	return rule != SLEEP_HANDOFF || handoff || next->passed >= SLEEP_PASSES;
}

/*
 * The close hands the file to the longest sleeper itself, under the
 * queue's lock: a plain wake_up() only makes the sleeper runnable, and
 * until it ran the file would be free for any newcomer to take. The price
 * is a context switch per acquisition under contention: the file waits
 * for the sleeper to be scheduled even when a newcomer could use it now.
 *
 * The handoff rule pays that price only when it must, as
 * __mutex_unlock_slowpath() does: without MUTEX_FLAG_HANDOFF it frees the
 * mutex and wakes the first waiter ("wake_q_add(&wake_q, next)"), so that
 * whoever runs first, that waiter or a newcomer, takes it; with the flag
 * set it hands the mutex to that waiter ("__mutex_handoff(lock, next)")
 * and clears the flag. Here the sleeper owed the file (sleep_owed()) is
 * handed it the same way as under fifo. One difference remains: a mutex
 * waiter that set the flag spins while the owner runs
 * (mutex_optimistic_spin()), so it is on a CPU when handed the mutex; our
 * sleeper sleeps, and the file waits for it to be scheduled, as under fifo.
 */
static void sleep_hand_on(void)
{
	struct sleep_waiter *next;

	spin_lock_irq(&openers.lock);
	next = list_first_entry_or_null(&openers.head, struct sleep_waiter,
					wait.entry);
	if (next && sleep_owed(next)) {
		trace_sleep_handoff(task_pid_nr(next->wait.private), handoff,
				    next->passed);
		list_del_init(&next->wait.entry);
		next->granted = true;
		handoff = false;
		wake_up_process(next->wait.private);
	} else {
		atomic_set_release(&held, 0);
		if (next) {
			next->passed++;
			next->woken = true;
			wake_up_process(next->wait.private);
		}
	}
	spin_unlock_irq(&openers.lock);
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
	 * Under fifo nobody waits for a free file, so whoever comes takes
	 * it. An O_NONBLOCK opener gets EAGAIN whenever it is held, and so
	 * whenever anyone sleeps for it: taking it from a sleeper's hand-off
	 * would jump the queue, and it cannot queue without sleeping. Under
	 * handoff a close may free the file for whoever runs first: a
	 * newcomer, an O_NONBLOCK opener included, takes a free file ahead of
	 * the sleepers, and gets EAGAIN only while it is held, or handed on.
	 * With wake_all every close frees the file and wakes every sleeper;
	 * the first to run takes it, a newcomer or an O_NONBLOCK opener
	 * included, and the others go back to sleep: the original's rule.
	 */
	if (sleep_take())
		ret = 0;
	else if (file->f_flags & O_NONBLOCK)
		ret = -EAGAIN;
	else if (wake_all)
		ret = wait_event_interruptible(openers, sleep_take());
	else
		ret = sleep_wait_in_line();

	trace_sleep_open(ret, file->f_flags & O_NONBLOCK);
	/* A failed open gets no release: drop the reference now. */
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

static int sleep_release(struct inode *inode, struct file *file)
{
	trace_sleep_release(wake_all);
	if (wake_all) {
		atomic_set_release(&held, 0);
		wake_up_interruptible_all(&openers);
	} else {
		sleep_hand_on();
	}
	/*
	 * procfs keeps remove_proc_entry() waiting until this function has
	 * returned, so dropping the last reference here is safe.
	 */
	module_put(THIS_MODULE);
	return 0;
}

/*
 * The size stat() reports for /proc/sleep is the length of the line a read
 * returns now, so that wc -c, stat and tail -c agree with cat. procfs keeps
 * a size on the entry, which it copies into each inode it makes
 * (proc_set_size()), and each inode keeps its own: the one a holder
 * already has open gets i_size_write(), which asks its caller to serialize
 * the updates. message_lock does; the caller holds it.
 */
static void sleep_set_size(struct inode *inode, size_t message_len)
{
	loff_t size = sizeof(SLEEP_PREFIX) - 1 + message_len + 1;

	proc_set_size(sleep_entry, size);
	if (inode)
		i_size_write(inode, size);
}

/* Each read formats the whole line under the lock, then copies from *ppos. */
static ssize_t sleep_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	char line[LINE_SIZE];
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
	sleep_set_size(file_inode(file), len);
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

static int __init sleep_init(void)
{
	bool all = rule == SLEEP_ALL;

	if (rule_given && wake_all_given && wake_all != all) {
		pr_err("rule=%s and wake_all=%d contradict each other\n",
		       sleep_rules[rule], wake_all);
		return -EINVAL;
	}
	if (wake_all)
		rule = SLEEP_ALL;
	wake_all = rule == SLEEP_ALL;

	/* Everyone may read and hold the file; only root may write. */
	sleep_entry = proc_create(SLEEP_NAME, 0644, NULL, &sleep_proc_ops);
	if (!sleep_entry)
		return -ENOMEM;
	proc_set_user(sleep_entry, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID);
	/*
	 * procfs files report size 0, and tools that follow a file compare
	 * its size with how far they have read: GNU tail -f would print
	 * "file truncated" and the line again. Report the line's length
	 * instead (as kernel/configs.c sizes /proc/config.gz): the empty
	 * message's now, each new message's as it is written. The file is
	 * live already, so this too is under the lock.
	 */
	mutex_lock(&message_lock);
	sleep_set_size(NULL, strlen(message));
	mutex_unlock(&message_lock);

	pr_info("/proc/%s created, rule %s: close %s\n", SLEEP_NAME,
		sleep_rules[rule],
		rule == SLEEP_ALL ?
			"wakes every sleeper" :
		rule == SLEEP_HANDOFF ?
			"frees it, or hands on to a sleeper owed it" :
			"hands on to the longest sleeper");
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
