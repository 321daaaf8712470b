// SPDX-License-Identifier: GPL-2.0
/*
 * Schedules: memunmap_pages()'s gates and every order of a case's
 * actors; see zd_order.h.
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/string.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_order.h"

const enum zdrace_fi_point zd_teardown_gates[ZD_TEARDOWN_NR_GATES] = {
	ZDRACE_FI_memunmap_after_kill,
	ZDRACE_FI_memunmap_after_put_initial,
	ZDRACE_FI_memunmap_before_wait,
	ZDRACE_FI_memunmap_after_wait,
	ZDRACE_FI_memunmap_before_unmap,
};

/* PRIVATE and COHERENT pages hold their own pgmap reference: no puts. */
static bool zd_teardown_reaches(enum memory_type type,
				enum zdrace_fi_point point)
{
	return point != ZDRACE_FI_memunmap_after_put_initial ||
	       (type != MEMORY_DEVICE_PRIVATE && type != MEMORY_DEVICE_COHERENT);
}

/**
 * zd_teardown_steps_to() - gates memunmap_pages() passes to reach @point.
 * @type: the pgmap's type.
 * @point: one of zd_teardown_gates.
 *
 * Return: how many gates a teardown of @type parks at, @point included,
 * or -EINVAL if @point is not a teardown gate.
 */
int zd_teardown_steps_to(enum memory_type type, enum zdrace_fi_point point)
{
	int i, n = 0;

	for (i = 0; i < ZD_TEARDOWN_NR_GATES; i++) {
		n += zd_teardown_reaches(type, zd_teardown_gates[i]);
		if (zd_teardown_gates[i] == point)
			return n;
	}
	return -EINVAL;
}

/**
 * zd_gate_teardown() - park @s's actors at memunmap_pages()'s gates.
 * @test: the test, failed if a gate cannot be armed.
 * @s: the harness.
 * @except: a mask of BIT(point)s left ungated (armed otherwise).
 */
void zd_gate_teardown(struct kunit *test, struct zdrace_sched *s,
		      unsigned long except)
{
	int i;

	for (i = 0; i < ZD_TEARDOWN_NR_GATES; i++) {
		if (except & BIT(zd_teardown_gates[i]))
			continue;
		KUNIT_ASSERT_EQ_MSG(test, zdrace_sched_gate(s, zd_teardown_gates[i]),
				    0, "cannot gate %s",
				    zdrace_fi_name(zd_teardown_gates[i]));
	}
}

static const char *zd_order_case_name(const struct zd_order_table *t,
				      const void *c)
{
	return *(const char * const *)((const char *)c + t->name_offset);
}

/* Fill @t's parameters; the last slot marks an overflow, never a drop. */
static int zd_order_fill(const struct zd_order_table *t)
{
	int nr = 0;
	size_t i;
	u64 n;

	for (i = 0; i < t->nr_cases; i++) {
		const void *c = (const char *)t->cases + i * t->case_size;
		u8 steps[ZDRACE_SCHED_MAX_ACTORS] = { 0 };

		t->steps(c, steps);
		for (n = 0; n < zdrace_sched_nr_orders(steps, t->nr_actors); n++) {
			struct zd_order_param *p = &t->params[nr++];

			if (nr == ZD_ORDER_PARAMS_MAX) {
				*p = (struct zd_order_param){ .overflow = true };
				return nr;
			}
			*p = (struct zd_order_param){
				.c = c, .n = n, .nr_actors = t->nr_actors,
			};
			memcpy(p->steps, steps, sizeof(steps));
		}
	}
	return nr;
}

/**
 * zd_order_next() - the KUnit generator behind ZD_ORDER_PARAMS().
 * @t: the table.
 * @prev: the previous parameter, or NULL for the first.
 * @desc: "<case name>, order <n>".
 *
 * Return: the next parameter, or NULL after the last.
 */
const void *zd_order_next(const struct zd_order_table *t, const void *prev,
			  char *desc)
{
	static int nr;	/* KUnit runs one case's parameters at a time */
	const struct zd_order_param *p;

	if (!prev)
		nr = zd_order_fill(t);
	p = prev ? (const struct zd_order_param *)prev + 1 : t->params;
	if (p - t->params >= nr)
		return NULL;
	if (p->overflow)
		strscpy(desc, "orders past ZD_ORDER_PARAMS_MAX",
			KUNIT_PARAM_DESC_SIZE);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, order %llu",
			 zd_order_case_name(t, p->c), p->n);
	return p;
}

/**
 * zd_order_get() - the schedule parameter @p stands for.
 * @test: the test, failed if the table overflowed.
 * @p: the parameter.
 * @order: at least ZDRACE_SCHED_MAX_STEPS entries.
 *
 * Return: the order's length.
 */
int zd_order_get(struct kunit *test, const struct zd_order_param *p,
		 u8 *order)
{
	int len;

	KUNIT_ASSERT_FALSE_MSG(test, p->overflow,
			       "more than %d (case, order) parameters: raise ZD_ORDER_PARAMS_MAX",
			       ZD_ORDER_PARAMS_MAX - 1);
	len = zdrace_sched_nth_order(p->steps, p->nr_actors, p->n, order);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "no order %llu of these steps",
			    p->n);
	return len;
}

/* Return: the index of @actor's first step in @order, or @len. */
int zd_order_first(const u8 *order, int len, int actor)
{
	int k;

	for (k = 0; k < len && order[k] != actor; k++)
		;
	return k;
}

/**
 * zd_order_run() - run @s in the order @p stands for, and check that
 *	@actor ended where the order put it.
 * @test: the case.
 * @s: the harness, its actors added and its gates armed.
 * @p: the case's (case, order) parameter (ZD_ORDER_PARAMS()).
 * @actor: the actor whose place the order sets, in one step.
 * @counted: the actor whose steps the order runs before @actor's.
 *
 * The claimed interleaving is checked, not assumed: @actor ended after
 * exactly the steps of @counted that the order put before it.
 *
 * Return: what ran; its @ret is zdrace_sched_run()'s, for the case to
 * judge.
 */
struct zd_order_ran zd_order_run(struct kunit *test, struct zdrace_sched *s,
				 const struct zd_order_param *p, int actor,
				 int counted)
{
	u8 order[ZDRACE_SCHED_MAX_STEPS];
	struct zd_order_ran ran;
	int len;

	len = zd_order_get(test, p, order);
	zdrace_sched_set_order(s, order, len);
	ran.first = order[0];
	ran.before = zd_order_first(order, len, actor);
	ran.ret = zdrace_sched_run(s);
	ran.done = zdrace_sched_done(s, actor);
	KUNIT_ASSERT_GE_MSG(test, ran.done, 0, "actor %d never ended", actor);
	KUNIT_EXPECT_EQ_MSG(test, zdrace_sched_count_before(s, counted, ran.done),
			    ran.before,
			    "actor %d did not end where the order put it",
			    actor);
	return ran;
}
