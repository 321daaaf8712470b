/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Schedules: memunmap_pages()'s gates in the order it reaches them, and
 * (case, schedule) parameters that enumerate every order in which a
 * case's actors can take their steps.
 */
#ifndef _ZD_ORDER_H
#define _ZD_ORDER_H

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/stddef.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_compat.h"

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

/* What zd_order_run() ran. */
struct zd_order_ran {
	int ret;	/* zdrace_sched_run()'s */
	u8 first;	/* the order's first actor */
	int before;	/* the counted actor's steps ordered before the actor */
	int done;	/* the trace index of the actor's end */
};

struct zd_order_ran zd_order_run(struct kunit *test, struct zdrace_sched *s,
				 const struct zd_order_param *p, int actor,
				 int counted);

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
 * zdrace_sched_seed_params() in KUnit's generator signature of this kernel
 * line, for KUNIT_CASE_PARAM().
 */
static inline ZD_PARAM_GEN(zd_seed_gen_params)
{
	return zdrace_sched_seed_params(prev, desc);
}

#endif /* _ZD_ORDER_H */
