/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Other CPUs: kernel threads bound to one, and waiting for what they do.
 */
#ifndef _ZD_CPU_H
#define _ZD_CPU_H

#include <kunit/test.h>
#include <linux/ktime.h>

/*
 * A kernel thread bound to one CPU that runs one function to its end, for
 * the cases that race two CPUs at once.  KASAN reports from it fail the
 * test; the test ends with it stopped.  The function must bound its own
 * running time: the test waits for it.
 */
struct zd_cpu_thread;

struct zd_cpu_thread *zd_cpu_thread_create(struct kunit *test, unsigned int cpu,
					   int (*fn)(void *data), void *data,
					   const char *name);
void zd_cpu_thread_wake(struct zd_cpu_thread *t);
struct zd_cpu_thread *zd_cpu_thread_start(struct kunit *test, unsigned int cpu,
					  int (*fn)(void *data), void *data,
					  const char *name);
bool zd_cpu_thread_wait(struct zd_cpu_thread *t, unsigned int timeout_ms);
bool zd_cpu_thread_blocked(struct zd_cpu_thread *t, unsigned int settle_ms,
			   unsigned int timeout_ms);
unsigned int zd_other_cpu(struct kunit *test, unsigned int cpu);

/*
 * How long an end-of-case ledger waits for differences to settle: the
 * test's mm goes when its thread exits, which may still be unmapping on
 * another CPU when the cleanups start.  A leak outlasts it.
 */
#define ZD_LEDGER_SETTLE_NS	NSEC_PER_SEC

/*
 * Wait up to @timeout_ns for @cond, with @relax between looks, for a side
 * that waits for another CPU.  Return: whether @cond held.
 */
#define zd_wait_until(cond, timeout_ns, relax)				\
({									\
	u64 __end = ktime_get_ns() + (timeout_ns);			\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && ktime_get_ns() < __end)		\
		relax;							\
	__ok;								\
})

#endif /* _ZD_CPU_H */
