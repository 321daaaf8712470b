/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Case scaffolding: arming injection points for a case, and the stretch
 * of a case whose passes through them count.
 *
 * A case arms a point with a call action filtered by task
 * (zd_arm_call()), then does in a zd_injected scope what should pass it:
 *
 *	zd_arm_call(test, ZDRACE_FI_free_after_page_free, cb, ctx, 1);
 *	scoped_guard(zd_injected)
 *		put_page(page);
 *
 * Passes by other tasks, and by this one outside the scope, do not call.
 * zd_suite_exit() disarms every point and ends a scope a case aborted in.
 */
#ifndef _ZD_CASE_H
#define _ZD_CASE_H

#include <kunit/test.h>
#include <linux/cleanup.h>
#include <linux/sched.h>
#include <zdrace/fi.h>

/* The task-filtered points (zd_arm_call()) fire for this task in scope. */
DEFINE_LOCK_GUARD_0(zd_injected, current->make_it_fail = 1,
		    current->make_it_fail = 0)

/* zd_arm_call()'s @times for a call on every pass. */
#define ZD_EVERY_PASS	(-1)

void zd_arm_call(struct kunit *test, enum zdrace_fi_point point,
		 zdrace_fi_call_t fn, void *data, int times);
void zd_count_point(struct kunit *test, enum zdrace_fi_point point,
		    atomic_t *counter);
void zd_count_injected(struct kunit *test, enum zdrace_fi_point point,
		       atomic_t *counter);

#endif /* _ZD_CASE_H */
