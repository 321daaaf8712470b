/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every zdrace race suite shares, so that a suite is only its cases:
 * the suite exit, memunmap_pages()'s gates in the order it reaches them,
 * and (case, schedule) parameters that enumerate every order in which a
 * case's actors can take their steps.
 */
#ifndef _ZD_KUNIT_H
#define _ZD_KUNIT_H

#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/stddef.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

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

/* memunmap_pages()'s gates, in the order it reaches them. */
#define ZD_TEARDOWN_NR_GATES	5
extern const enum zdrace_fi_point zd_teardown_gates[ZD_TEARDOWN_NR_GATES];

int zd_teardown_steps_to(enum memory_type type, enum zdrace_fi_point point);
void zd_gate_teardown(struct kunit *test, struct zdrace_sched *s,
		      unsigned long except);

/* Parameters one (case, order) table may hold, its overflow marker included. */
#define ZD_ORDER_PARAMS_MAX	128

/* One (case, schedule) parameter: the n-th order of the case's steps. */
struct zd_order_param {
	const void *c;
	u64 n;
	u8 steps[ZDRACE_SCHED_MAX_ACTORS];
	int nr_actors;
	bool overflow;		/* the table had more orders than it holds */
};

struct zd_order_table {
	const void *cases;
	size_t case_size;
	size_t nr_cases;
	size_t name_offset;	/* of the case's const char *name */
	void (*steps)(const void *c, u8 *steps);
	int nr_actors;
	struct zd_order_param *params;
};

const void *zd_order_next(const struct zd_order_table *t, const void *prev,
			  char *desc);
int zd_order_get(struct kunit *test, const struct zd_order_param *p,
		 u8 *order);
int zd_order_first(const u8 *order, int len, int actor);

/**
 * ZD_ORDER_PARAMS() - KUnit parameters: every order of every case.
 * @name: prefix of the cases' array, name##_cases[], and of the generated
 *	name##_gen_params().
 * @name_member: the cases' const char * member naming them.
 * @steps_fn: void fn(const typeof(name##_cases[0]) *c, u8 *steps): how
 *	many steps each of the case's actors takes.
 * @actors: how many actors the case has.
 *
 * A case gets its order with zd_order_get(), which fails the case if the
 * table overflowed rather than dropping orders silently.
 */
#define ZD_ORDER_PARAMS(name, name_member, steps_fn, actors)			\
	static void name##_order_steps(const void *c, u8 *steps)		\
	{									\
		steps_fn(c, steps);						\
	}									\
	static struct zd_order_param name##_params[ZD_ORDER_PARAMS_MAX];	\
	static const struct zd_order_table name##_table = {			\
		.cases = name##_cases,						\
		.case_size = sizeof(name##_cases[0]),				\
		.nr_cases = ARRAY_SIZE(name##_cases),				\
		.name_offset = offsetof(typeof(name##_cases[0]), name_member),	\
		.steps = name##_order_steps,					\
		.nr_actors = (actors),						\
		.params = name##_params,					\
	};									\
	static ZD_PARAM_GEN(name##_gen_params)					\
	{									\
		return zd_order_next(&name##_table, prev, desc);		\
	}

/*
 * A kernel thread bound to one CPU that runs one function to its end, for
 * the cases that race two CPUs at once.  KASAN reports from it fail the
 * test; the test ends with it stopped.  The function must bound its own
 * running time: the test waits for it.
 */
struct zd_cpu_thread;

struct zd_cpu_thread *zd_cpu_thread_start(struct kunit *test, unsigned int cpu,
					  int (*fn)(void *data), void *data,
					  const char *name);
bool zd_cpu_thread_wait(struct zd_cpu_thread *t, unsigned int timeout_ms);
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

void zd_count_point(struct kunit *test, enum zdrace_fi_point point,
		    atomic_t *counter);

struct address_space;
struct file;

struct file *zd_shmem_file(struct kunit *test, const char *name,
			   unsigned int nr_pages);
struct file *zd_cache_file(struct kunit *test, const char *name);
int zd_cache_ledger_diffs(struct kunit *test, struct file *file);
struct folio *zd_shmem_file_folio(struct kunit *test, struct file *file,
				  pgoff_t index);
struct folio *zd_shmem_folio(struct kunit *test, const char *name);
ssize_t zd_cache_read(struct file *file, pgoff_t index, void *buf);
struct folio *zd_cache_contig_get(struct address_space *mapping,
				  pgoff_t index, pgoff_t *next);
unsigned long zd_cache_map(struct kunit *test, struct file *file,
			   unsigned int nr_pages);

/*
 * zdrace_sched_seed_params() in KUnit's generator signature of this kernel
 * line, for KUNIT_CASE_PARAM().
 */
static inline ZD_PARAM_GEN(zd_seed_gen_params)
{
	return zdrace_sched_seed_params(prev, desc);
}

#endif /* _ZD_KUNIT_H */
