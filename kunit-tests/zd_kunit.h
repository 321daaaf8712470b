/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every zdrace race suite shares, so that a suite is only its cases:
 * the rules' verdicts (zd_verdict.h), schedules (zd_order.h), other CPUs
 * (zd_cpu.h), case scaffolding (zd_case.h), the page-cache fixture
 * (zd_cache.h) and the DAX filesystem's (zd_dax.h).  The device fixture
 * is zd_fixture.h.
 */
#ifndef _ZD_KUNIT_H
#define _ZD_KUNIT_H

#include "zd_cache.h"
#include "zd_case.h"
#include "zd_cpu.h"
#include "zd_dax.h"
#include "zd_order.h"
#include "zd_verdict.h"

#endif /* _ZD_KUNIT_H */
