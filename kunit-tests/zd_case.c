// SPDX-License-Identifier: GPL-2.0
/*
 * Case scaffolding: arming injection points for a case; see zd_case.h.
 */

#include <kunit/test.h>
#include <zdrace/fi.h>

#include "zd_case.h"

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
