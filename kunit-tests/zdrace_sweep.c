// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded workloads for scripts/sweep, with points armed from the boot line
 * (zdrace_sweep.arm=<point>:<action>[,...], zdrace_fi_parse()'s format)
 * for the sweep's tasks only, interval and times drawn from the seed.  A
 * seed also picks the actors' schedule.  Each case asserts what must hold
 * whatever the injection does: gup-fast returns a referenced page with a
 * live pgmap or nothing; teardown completes after the references that hold
 * it; free-list pages carry no reference; the page cache hands out only
 * referenced folios.  The suite's exit prints "zdrace_sweep: armed <point>
 * <action> hits=<n> fired=<n>" and "zdrace_sweep: interleavings=<n>".
 */

#define pr_fmt(fmt) "zdrace_sweep: " fmt

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

#define ZD_SWEEP_MAX_ARMED	4

struct zd_sweep_point {
	int point;
	enum zdrace_fi_action action;
	unsigned long arg;
	char text[32];
	unsigned long hits;
	unsigned long fired;
};

static char zd_sweep_arm_list[128];
module_param_string(arm, zd_sweep_arm_list, sizeof(zd_sweep_arm_list), 0444);
MODULE_PARM_DESC(arm, "points to arm: <point>:<action>[,<point>:<action>...]");

static struct zd_sweep_point zd_sweep_armed[ZD_SWEEP_MAX_ARMED];
static int zd_sweep_nr_armed;
static unsigned long zd_sweep_runs;

/* Parse zdrace_sweep.arm=; refuse the whole suite on a bad entry. */
static int zd_sweep_suite_init(struct kunit_suite *suite)
{
	char buf[sizeof(zd_sweep_arm_list)], *cur = buf, *tok;

	zd_sweep_nr_armed = 0;
	zd_sweep_runs = 0;
	strscpy(buf, zd_sweep_arm_list, sizeof(buf));
	while (*buf && (tok = strsep(&cur, ","))) {
		struct zd_sweep_point *p = &zd_sweep_armed[zd_sweep_nr_armed];
		struct zdrace_fi_arm arm;
		enum zdrace_fi_point point;
		char *colon;
		int ret;

		if (!*tok) {
			pr_err("zdrace_sweep.arm=%s: empty entry\n",
			       zd_sweep_arm_list);
			return -EINVAL;
		}
		if (zd_sweep_nr_armed == ZD_SWEEP_MAX_ARMED) {
			pr_err("zdrace_sweep.arm=: more than %d points\n",
			       ZD_SWEEP_MAX_ARMED);
			return -E2BIG;
		}
		colon = strchr(tok, ':');
		strscpy(p->text, colon ? colon + 1 : "", sizeof(p->text));
		ret = zdrace_fi_parse("zdrace_sweep.arm", tok, &point, &arm);
		if (ret)
			return ret;
		p->point = point;
		p->action = arm.action;
		p->arg = arm.delay_us;
		p->hits = 0;
		p->fired = 0;
		zd_sweep_nr_armed++;
	}
	return 0;
}

static void zd_sweep_suite_exit(struct kunit_suite *suite)
{
	int i;

	for (i = 0; i < zd_sweep_nr_armed; i++) {
		struct zd_sweep_point *p = &zd_sweep_armed[i];

		pr_info("armed %s %s hits=%lu fired=%lu\n",
			zdrace_fi_name(p->point), p->text, p->hits, p->fired);
	}
	pr_info("interleavings=%lu\n", zd_sweep_runs);
}

/* Arm the boot line's points with knobs drawn from @seed. */
static void zd_sweep_arm(struct kunit *test, u64 seed)
{
	int i;

	for (i = 0; i < zd_sweep_nr_armed; i++) {
		struct zd_sweep_point *p = &zd_sweep_armed[i];
		struct zdrace_fi_arm arm = {
			.action = p->action,
			.delay_us = p->arg,
			.probability = 100,
			.interval = 1 + (seed + i) % 3,
			.times = 1 + (seed / 3 + i) % 4,
			.task_filter = true,
		};
		int ret = zdrace_fi_arm(p->point, &arm);

		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cannot arm %s with %s: %d",
				    zdrace_fi_name(p->point), p->text, ret);
	}
}

static void zd_sweep_exit(struct kunit *test)
{
	int i;

	for (i = 0; i < zd_sweep_nr_armed; i++) {
		struct zd_sweep_point *p = &zd_sweep_armed[i];

		p->hits += zdrace_fi_hits(p->point);
		p->fired += zdrace_fi_fired(p->point);
	}
	zd_suite_exit(test);
	zd_sweep_runs++;
}

/* A seeded harness whose gates are the teardown points not armed. */
static struct zdrace_sched *zd_sweep_sched(struct kunit *test, u64 seed)
{
	struct zdrace_sched *s = zdrace_sched_new(test);
	unsigned long armed = 0;
	int i;

	zd_sweep_arm(test, seed);
	for (i = 0; i < zd_sweep_nr_armed; i++)
		armed |= BIT(zd_sweep_armed[i].point);
	zd_gate_teardown(test, s, armed);
	zdrace_sched_set_seed(s, seed);
	return s;
}

/*
 * Run the schedule to the end.  An actor the harness saw asleep (a
 * teardown waiting for its references, or one an armed `yield` put to
 * sleep) must finish once the others are done: bounded by the harness.
 */
static void zd_sweep_run(struct kunit *test, struct zdrace_sched *s)
{
	int ret = zdrace_sched_run(s);

	if (ret == -EDEADLK)
		ret = zdrace_sched_finish(s);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "an actor never completed");
}

/* memunmap_pages() returned in time and exited the pgmap reference. */
static void zd_sweep_expect_torn_down(struct kunit *test, struct zd_dev *dev)
{
	KUNIT_EXPECT_FALSE(test, dev->unmap_timed_out);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), -1L,
			    "teardown did not exit the pgmap reference");
}

enum { ZD_SWEEP_TEARDOWN, ZD_SWEEP_OTHER0, ZD_SWEEP_OTHER1 };

struct zd_sweep_ctx {
	struct kunit *test;
	struct zd_dev *dev;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *page[2];
	/* gup actors: what they got */
	int got[2];
	int refcount[2];
	bool pgmap_ok[2];
	/* teardown */
	bool dying;
	/* driver actor */
	int allocated;
	int alloc_refused;
	struct page *busy_free;	/* a referenced page on the free list */
};

static void zd_sweep_teardown(void *data)
{
	struct zd_sweep_ctx *ctx = data;

	current->make_it_fail = true;
	WRITE_ONCE(ctx->dying, true);
	zd_dev_unmap(ctx->dev);
}

/* The seeded harness: the teardown actor, then the case's others. */
static struct zdrace_sched *zd_sweep_sched_teardown(struct kunit *test, u64 seed,
						    struct zd_sweep_ctx *ctx,
						const char * const *names,
						const zdrace_actor_fn *fns, int nr)
{
	struct zdrace_sched *s = zd_sweep_sched(test, seed);
	int i;

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown",
						     zd_sweep_teardown, ctx),
			ZD_SWEEP_TEARDOWN);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, names[i], fns[i], ctx),
				ZD_SWEEP_OTHER0 + i);
	return s;
}

/* ---- teardown against gup-fast ---- */

static void zd_sweep_gup(struct zd_sweep_ctx *ctx, int i)
{
	struct page *page;

	kthread_use_mm(ctx->mm);
	current->make_it_fail = true;
	ctx->got[i] = get_user_pages_fast_only(ctx->addr, 1, FOLL_WRITE, &page);
	kthread_unuse_mm(ctx->mm);
	if (ctx->got[i] != 1)
		return;
	ctx->refcount[i] = page_ref_count(page);
	ctx->pgmap_ok[i] = page == ctx->page[0] &&
			   zd_page_pgmap(page) == &ctx->dev->pgmap &&
			   !percpu_ref_is_dying(&ctx->dev->pgmap.ref);
	put_page(page);
}

static void zd_sweep_gup0(void *data)
{
	zd_sweep_gup(data, 0);
}

static void zd_sweep_gup1(void *data)
{
	zd_sweep_gup(data, 1);
}

/*
 * Two gup-fast walks and a teardown of a GENERIC device, in the seed's
 * order: each walk returns nothing or the page, referenced, with its
 * pgmap live; the teardown completes.
 */
static void teardown_vs_gup_fast(struct kunit *test)
{
	static const char * const names[] = { "gup0", "gup1" };
	static const zdrace_actor_fn fns[] = { zd_sweep_gup0, zd_sweep_gup1 };
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	ctx->addr = zd_dev_map_user(ctx->dev, 1);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)ctx->addr), 0);
	ctx->page[0] = zd_dev_page(ctx->dev, 0);
	ctx->mm = current->mm;
	s = zd_sweep_sched_teardown(test, seed, ctx, names, fns,
				    ARRAY_SIZE(fns));

	zd_sweep_run(test, s);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, ctx->got[i] == 0 || ctx->got[i] == 1,
				      "gup%d returned %d of 1 pages", i,
				      ctx->got[i]);
		if (ctx->got[i] != 1)
			continue;
		KUNIT_EXPECT_GE_MSG(test, ctx->refcount[i], 2,
				    "gup%d returned an unreferenced page", i);
		KUNIT_EXPECT_TRUE_MSG(test, ctx->pgmap_ok[i],
				      "gup%d returned a page whose pgmap is dead", i);
	}
	zd_sweep_expect_torn_down(test, ctx->dev);
}

/* ---- teardown against the last puts ---- */

static void zd_sweep_put0(void *data)
{
	struct zd_sweep_ctx *ctx = data;

	current->make_it_fail = true;
	put_page(ctx->page[0]);
}

static void zd_sweep_put1(void *data)
{
	struct zd_sweep_ctx *ctx = data;

	current->make_it_fail = true;
	put_page(ctx->page[1]);
}

static enum memory_type zd_sweep_refcount0_type(u64 seed)
{
	return seed & 1 ? MEMORY_DEVICE_COHERENT : MEMORY_DEVICE_PRIVATE;
}

/*
 * Two allocated PRIVATE/COHERENT pages put in the seed's order against a
 * teardown: it passes its wait only after both puts, and both frees ran
 * with the pgmap live.
 */
static void teardown_vs_put(struct kunit *test)
{
	static const char * const names[] = { "put0", "put1" };
	static const zdrace_actor_fn fns[] = { zd_sweep_put0, zd_sweep_put1 };
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;
	int waited, i;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, zd_sweep_refcount0_type(seed));
	for (i = 0; i < 2; i++) {
		ctx->page[i] = zd_dev_alloc_page(ctx->dev);
		KUNIT_ASSERT_NOT_NULL(test, ctx->page[i]);
	}
	s = zd_sweep_sched_teardown(test, seed, ctx, names, fns,
				    ARRAY_SIZE(fns));

	zd_sweep_run(test, s);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 2);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 2,
			    "ops->page_free() ran without a pgmap reference");
	/* Past its wait if that is a gate here, else at its return. */
	waited = zdrace_sched_find(s, ZD_SWEEP_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				   ZDRACE_FI_memunmap_after_wait);
	if (waited < 0)
		waited = zdrace_sched_done(s, ZD_SWEEP_TEARDOWN);
	for (i = ZD_SWEEP_OTHER0; i <= ZD_SWEEP_OTHER1; i++)
		KUNIT_EXPECT_LT_MSG(test, zdrace_sched_done(s, i),
				    waited, "teardown passed its wait before put%d",
				    i - ZD_SWEEP_OTHER0);
	zd_sweep_expect_torn_down(test, ctx->dev);
}

/* ---- a driver allocating and freeing against teardown ---- */

/*
 * Allocate and free pages, as a driver, until teardown starts.  Nothing
 * on this path sleeps, so on one CPU the driver runs wholly before or
 * wholly after the teardown starts; what varies is where the armed
 * points fire along both.
 */
static void zd_sweep_driver(void *data)
{
	struct zd_sweep_ctx *ctx = data;
	int i;

	current->make_it_fail = true;
	for (i = 0; i < 4; i++) {
		struct page *page;

		if (READ_ONCE(ctx->dying)) {
			ctx->alloc_refused++;
			continue;
		}
		page = zd_dev_alloc_page(ctx->dev);
		if (!page)
			continue;
		ctx->allocated++;
		put_page(page);
		if (!ctx->busy_free)
			zd_dev_free_list_all_idle(ctx->dev, &ctx->busy_free);
	}
}

/*
 * The lib/test_hmm.c allocator against teardown: every free reaches
 * ops->page_free() with the pgmap live, and no page on the free list
 * carries a reference.
 */
static void alloc_free_vs_teardown(struct kunit *test)
{
	static const char * const names[] = { "driver" };
	static const zdrace_actor_fn fns[] = { zd_sweep_driver };
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, zd_sweep_refcount0_type(seed));
	s = zd_sweep_sched_teardown(test, seed, ctx, names, fns,
				    ARRAY_SIZE(fns));

	zd_sweep_run(test, s);
	KUNIT_EXPECT_EQ(test, ctx->allocated + ctx->alloc_refused, 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls),
			ctx->allocated);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx->dev->pgmap_ref_at_free),
			    ctx->allocated,
			    "ops->page_free() ran without a pgmap reference");
	KUNIT_EXPECT_NULL_MSG(test, ctx->busy_free,
			      "a referenced page on the free list after a free");
}

/* ---- the page cache's speculative get against truncation ---- */

struct zd_sweep_cache {
	struct file *file;
	int found;
	int bad;
};

static void zd_sweep_lookup(void *data)
{
	struct zd_sweep_cache *c = data;
	int i;

	current->make_it_fail = true;
	for (i = 0; i < 3; i++) {
		struct folio *folio = filemap_get_folio(c->file->f_mapping, 0);

		if (IS_ERR(folio))
			continue;
		c->found++;
		/* The cache's reference and ours, unless truncated since. */
		if (folio_ref_count(folio) < (folio->mapping ? 2 : 1) ||
		    folio->index != 0)
			c->bad++;
		folio_put(folio);
	}
}

static void zd_sweep_truncate(void *data)
{
	struct zd_sweep_cache *c = data;

	current->make_it_fail = true;
	shmem_truncate_range(file_inode(c->file), 0, (loff_t)-1);
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_sweep_fput, fput, struct file *);

/*
 * filemap_get_folio() against a truncation of a shmem file: a folio the
 * lookup returns carries its reference (the page cache's and the
 * lookup's), and nothing is found once the truncation ran.
 */
static void lookup_vs_truncate(struct kunit *test)
{
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_cache *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct folio *folio;
	struct zdrace_sched *s;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->file = shmem_file_setup("zdrace-sweep", PAGE_SIZE, ZD_SHMEM_FLAGS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_sweep_fput,
							   c->file));
	folio = shmem_read_folio(c->file->f_mapping, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_put(folio);
	s = zd_sweep_sched(test, seed);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "lookup", zd_sweep_lookup,
						     c), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "truncate",
						     zd_sweep_truncate, c), 1);

	zd_sweep_run(test, s);
	KUNIT_EXPECT_EQ_MSG(test, c->bad, 0,
			    "a lookup returned a folio without its reference");
	if (zdrace_sched_done(s, 1) < zdrace_sched_done(s, 0))
		KUNIT_EXPECT_EQ(test, c->found, 0);
}

static struct kunit_case zdrace_sweep_cases[] = {
	KUNIT_CASE_PARAM(teardown_vs_gup_fast, zd_seed_gen_params),
	KUNIT_CASE_PARAM(teardown_vs_put, zd_seed_gen_params),
	KUNIT_CASE_PARAM(alloc_free_vs_teardown, zd_seed_gen_params),
	KUNIT_CASE_PARAM(lookup_vs_truncate, zd_seed_gen_params),
	{}
};

static struct kunit_suite zdrace_sweep_suite = {
	.name = "zdrace_sweep",
	.suite_init = zd_sweep_suite_init,
	.suite_exit = zd_sweep_suite_exit,
	.exit = zd_sweep_exit,
	.test_cases = zdrace_sweep_cases,
};

kunit_test_suite(zdrace_sweep_suite);

MODULE_DESCRIPTION("zdrace sweep workloads: seeded schedules under injection");
MODULE_LICENSE("GPL");
