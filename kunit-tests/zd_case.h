/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Case scaffolding: arming injection points for a case.
 */
#ifndef _ZD_CASE_H
#define _ZD_CASE_H

#include <kunit/test.h>
#include <zdrace/fi.h>

void zd_count_point(struct kunit *test, enum zdrace_fi_point point,
		    atomic_t *counter);

#endif /* _ZD_CASE_H */
