/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules' verdicts: a case names the rule it asserts (zd_rule()) and
 * ends as the rule holds, breaks (zd_breaks()) or does not apply
 * (zd_not_applicable()); the suite exit logs the verdict against what
 * zd_rules.h declares for the running line.
 */
#ifndef _ZD_VERDICT_H
#define _ZD_VERDICT_H

#include <kunit/test.h>
#include <linux/memremap.h>

#include "zd_compat.h"

/*
 * The .exit of every suite: nothing stays armed or task-filtered, and the
 * verdict of the rule the case asserted is logged as
 * "rule <id> <holds|breaks|n/a|fails|skipped> expected=<holds|breaks>",
 * then ": <what the line has instead>" for n/a.  A failed case without a
 * harness (which logs its own) logs its replay facts (zdrace_replay_info()).
 * Its .init is zdrace_replay_init(): a replay runs one parameter.
 */
void zd_suite_exit(struct kunit *test);

enum zd_rule {
#define ZD_RULE(id, ...) ZD_RULE_##id,
#define ZD_BREAK(...)
#include "zd_rules.h"
#undef ZD_RULE
#undef ZD_BREAK
	ZD_NR_RULES
};

/* The pgmap type of a case that has none (the page cache). */
#define ZD_NO_TYPE	(-1)

extern bool zd_known_upstream_fail;

void zd_rule(struct kunit *test, enum zd_rule rule, int type);
__printf(2, 3)
void zd_breaks(struct kunit *test, const char *fmt, ...);
__printf(2, 3)
void zd_not_applicable(struct kunit *test, const char *fmt, ...);

/*
 * zd_expect_report() - the case provokes a kernel report on purpose.
 * @test: the case.
 * @title: the report as the tooling titles it, e.g. "WARNING in
 *	memremap_pages" (scripts/zdtool/kernel/reports.py).
 * @once: it comes from a WARN_ONCE()-style site, which an earlier case of
 *	the same boot may have used up: it may not come.
 *
 * A kernel report on the console while a case runs (a WARN, a BUG, "Bad
 * page state", KASAN, lockdep) fails the run's report check unless the
 * case declared exactly that report; a declared report that does not
 * come fails it too, unless @once.
 */
void zd_expect_report(struct kunit *test, const char *title, bool once);

/**
 * ZD_REQUIRE() - end the case as not applicable on a line without @mech.
 * @test: the case, which called zd_rule().
 * @mech: a mechanism predicate of zd_compat.h; @mech##_GONE says what the
 *	line has instead.
 */
#define ZD_REQUIRE(test, mech)						\
	do {								\
		if (!(mech))						\
			zd_not_applicable(test, "%s", mech##_GONE);	\
	} while (0)

/* Not applicable where a freed page of @type never reaches ops->page_free(). */
static inline void zd_require_free_callback(struct kunit *test, int type)
{
	if (type == MEMORY_DEVICE_GENERIC)
		ZD_REQUIRE(test, ZD_GENERIC_FREE_CALLS_DRIVER);
}

#endif /* _ZD_VERDICT_H */
