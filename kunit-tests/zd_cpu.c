// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel threads bound to CPUs, for the cases that race two CPUs at
 * once; see zd_cpu.h.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <zdrace/sched.h>

#include "zd_cpu.h"

struct zd_cpu_thread {
	struct kunit *test;
	int (*fn)(void *data);
	void *data;
	struct task_struct *task;
	struct completion done;
};

static int zd_cpu_thread_main(void *arg)
{
	struct zd_cpu_thread *t = arg;

	current->kunit_test = t->test;
	t->fn(t->data);
	current->kunit_test = NULL;
	complete(&t->done);

	/* Exit only through kthread_stop(), so @t outlives every access. */
	zdrace_wait_for_stop();
	return 0;
}

static void zd_cpu_thread_stop(void *arg)
{
	struct zd_cpu_thread *t = arg;

	kthread_stop(t->task);
	put_task_struct(t->task);
}

/**
 * zd_cpu_thread_create() - a kernel thread bound to @cpu that will run
 * @fn(@data) once zd_cpu_thread_wake() wakes it.
 * @test: the test; the thread is stopped when it ends, woken or not.
 * @cpu: an online CPU.
 * @fn: what the thread runs, once.
 * @data: its argument.
 * @name: the thread's name, after "zd_".
 *
 * Return: the thread; the test is aborted if it cannot be created.
 */
struct zd_cpu_thread *zd_cpu_thread_create(struct kunit *test, unsigned int cpu,
					   int (*fn)(void *data), void *data,
					   const char *name)
{
	struct zd_cpu_thread *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_TRUE_MSG(test, cpu_online(cpu), "CPU%u is offline", cpu);
	t->test = test;
	t->fn = fn;
	t->data = data;
	init_completion(&t->done);
	task = kthread_create(zd_cpu_thread_main, t, "zd_%s/%u", name, cpu);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "cannot start %s: %pe", name,
			       task);
	kthread_bind(task, cpu);
	t->task = get_task_struct(task);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_cpu_thread_stop, t));
	return t;
}

/* Let a thread of zd_cpu_thread_create() run its function. */
void zd_cpu_thread_wake(struct zd_cpu_thread *t)
{
	wake_up_process(t->task);
}

/**
 * zd_cpu_thread_start() - run @fn(@data) in a kernel thread bound to @cpu:
 * zd_cpu_thread_create(), woken at once.
 * @test: the test; the thread is stopped when it ends.
 * @cpu: an online CPU.
 * @fn: what the thread runs, once.
 * @data: its argument.
 * @name: the thread's name, after "zd_".
 *
 * Return: the thread, for zd_cpu_thread_wait(); the test is aborted if it
 * cannot be started.
 */
struct zd_cpu_thread *zd_cpu_thread_start(struct kunit *test, unsigned int cpu,
					  int (*fn)(void *data), void *data,
					  const char *name)
{
	struct zd_cpu_thread *t = zd_cpu_thread_create(test, cpu, fn, data, name);

	zd_cpu_thread_wake(t);
	return t;
}

/* Return: true if @t's function returned within @timeout_ms. */
bool zd_cpu_thread_wait(struct zd_cpu_thread *t, unsigned int timeout_ms)
{
	return wait_for_completion_timeout(&t->done,
					   msecs_to_jiffies(timeout_ms)) > 0;
}

/**
 * zd_cpu_thread_blocked() - wait until @t sleeps in its function and
 * stays asleep, without running, for @settle_ms: it waits for something.
 * @t: the thread.
 * @settle_ms: how long it must sleep on.
 * @timeout_ms: how long to wait at most.
 *
 * Return: true if @t blocked; false if its function returned, or it kept
 * running, for @timeout_ms.
 */
bool zd_cpu_thread_blocked(struct zd_cpu_thread *t, unsigned int settle_ms,
			   unsigned int timeout_ms)
{
	u64 end = ktime_get_ns() + (u64)timeout_ms * NSEC_PER_MSEC, since = 0;
	struct task_struct *task = t->task;
	unsigned long switches = 0;

	while (!completion_done(&t->done) && ktime_get_ns() < end) {
		unsigned long now = zdrace_task_switches(task);

		if (!zdrace_task_sleeps(task) || now != switches) {
			since = 0;
			switches = now;
		} else if (!since) {
			since = ktime_get_ns();
		} else if (ktime_get_ns() - since >=
			   (u64)settle_ms * NSEC_PER_MSEC) {
			return true;
		}
		usleep_range(100, 200);
	}
	return false;
}

/*
 * Return: an online CPU other than @cpu; the case is skipped on a kernel
 * with one CPU online.
 */
unsigned int zd_other_cpu(struct kunit *test, unsigned int cpu)
{
	unsigned int other = cpumask_any_but(cpu_online_mask, cpu);

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU online: nothing to race on");
	return other;
}
