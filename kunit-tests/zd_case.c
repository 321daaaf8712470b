// SPDX-License-Identifier: GPL-2.0
/*
 * Case scaffolding: arming injection points for a case; see zd_case.h.
 */

#include <kunit/test.h>
#include <zdrace/fi.h>

#include "zd_case.h"

/**
 * zd_arm_call() - call @fn(@data) when this case's task passes @point in
 *	a zd_injected scope.
 * @test: the test, aborted if the point cannot be armed; zd_suite_exit()
 *	disarms it.
 * @point: the point.
 * @fn: the call; it runs where the point is, under its locks.
 * @data: its argument.
 * @times: how many passes call it: 1, or ZD_EVERY_PASS.
 */
void zd_arm_call(struct kunit *test, enum zdrace_fi_point point,
		 zdrace_fi_call_t fn, void *data, int times)
{
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = fn,
		.data = data,
		.task_filter = true,
		.probability = 100,
		.interval = 1,
		.times = times,
	};

	KUNIT_ASSERT_EQ_MSG(test, zdrace_fi_arm(point, &arm), 0,
			    "cannot arm %s", zdrace_fi_name(point));
}

/**
 * zd_count_point() - count every pass of @point, by any task, in @counter.
 * @test: the test; zd_suite_exit() disarms the point.
 * @point: the point.
 * @counter: the count.
 */
void zd_count_point(struct kunit *test, enum zdrace_fi_point point,
		    atomic_t *counter)
{
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm_counter(point, counter, false), 0);
}

/**
 * zd_count_injected() - count this task's passes of @point in a
 *	zd_injected scope, in @counter.
 * @test: the test; zd_suite_exit() disarms the point.
 * @point: the point.
 * @counter: the count.
 */
void zd_count_injected(struct kunit *test, enum zdrace_fi_point point,
		       atomic_t *counter)
{
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm_counter(point, counter, true), 0);
}
