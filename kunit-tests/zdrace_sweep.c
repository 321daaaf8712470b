// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded workloads for scripts/sweep, with points armed from the boot line
 * (zdrace_sweep.arm=<point>:<action>[,...], zdrace_fi_parse()'s format)
 * for the sweep's tasks only, interval and times drawn from the seed.  A
 * seed also picks the actors' schedule.  Each case asserts what must hold
 * whatever the injection does: gup-fast returns a referenced page with a
 * live pgmap or nothing; teardown completes after the references that hold
 * it; free-list pages carry no reference; the page cache hands out only
 * referenced folios.
 *
 * With zdrace_sweep.concurrent=1 (SMP) the actors run at once on different
 * CPUs (zdrace_sched_set_concurrent()): the seed also picks their CPUs and
 * how long each is held where it starts and at each teardown point, and a
 * seed's replay is statistical.  The counters of overlapping windows say
 * how often the sides actually met.
 *
 * The suite's exit prints "zdrace_sweep: armed <point> <action> hits=<n>
 * fired=<n>", "zdrace_sweep: overlap <window>=<n>" and
 * "zdrace_sweep: interleavings=<n>"; zdrace_sweep.list=1 prints, at boot,
 * "zdrace_sweep: scenario <case> alone" for each scenario a concurrent
 * sweep boots alone.
 */

#define pr_fmt(fmt) "zdrace_sweep: " fmt

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
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

static bool zd_sweep_concurrent;
module_param_named(concurrent, zd_sweep_concurrent, bool, 0444);
MODULE_PARM_DESC(concurrent, "run the actors at once on different CPUs (SMP)");

static struct zd_sweep_point zd_sweep_armed[ZD_SWEEP_MAX_ARMED];
static int zd_sweep_nr_armed;
static unsigned long zd_sweep_runs;

/* Windows of two actors that overlapped, over the seeds of one boot. */
enum zd_sweep_overlap {
	ZD_OV_WALK_IN_ZAP,
	ZD_OV_HELD_AT_WAIT,
	ZD_OV_PUT_IN_TEARDOWN,
	ZD_OV_FREE_IN_TEARDOWN,
	ZD_OV_LOOKUP_IN_TRUNCATE,
	ZD_OV_NR
};

static const char * const zd_sweep_overlap_names[ZD_OV_NR] = {
	[ZD_OV_WALK_IN_ZAP] = "gup_walk_during_zap",
	[ZD_OV_HELD_AT_WAIT] = "gup_page_held_past_wait",
	[ZD_OV_PUT_IN_TEARDOWN] = "put_during_teardown",
	[ZD_OV_FREE_IN_TEARDOWN] = "driver_free_during_teardown",
	[ZD_OV_LOOKUP_IN_TRUNCATE] = "lookup_during_truncate",
};

static atomic_long_t zd_sweep_overlaps[ZD_OV_NR];

/*
 * Count @which if a step that saw the other side in phase @before as it
 * began, and in @after as it ended, met it in one of phases @lo to @hi.
 */
static void zd_sweep_overlap(enum zd_sweep_overlap which, int before,
			     int after, int lo, int hi)
{
	if (before <= hi && after >= lo)
		atomic_long_inc(&zd_sweep_overlaps[which]);
}

/*
 * The teardown points past memunmap_pages()' wait and before the memmap
 * goes.  A concurrent schedule holds the teardown at the first of them
 * that is a gate until gup-fast's walkers let go of their pages (see
 * zd_sweep_walkers_gone()), so one of them must stay unarmed.
 */
static const enum zdrace_fi_point zd_sweep_after_wait[] = {
	ZDRACE_FI_memunmap_after_wait, ZDRACE_FI_memunmap_before_unmap,
};

static bool zd_sweep_is_after_wait(int point)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zd_sweep_after_wait); i++)
		if (point == zd_sweep_after_wait[i])
			return true;
	return false;
}

/* zdrace_sweep.concurrent=1 needs two CPUs and a free gate past the wait. */
static int zd_sweep_check_concurrent(void)
{
	int i, after_wait = 0;

	if (!zd_sweep_concurrent)
		return 0;
	if (num_online_cpus() < 2) {
		pr_err("zdrace_sweep.concurrent=1: needs 2 CPUs, %u online\n",
		       num_online_cpus());
		return -EOPNOTSUPP;
	}
	for (i = 0; i < zd_sweep_nr_armed; i++)
		after_wait += zd_sweep_is_after_wait(zd_sweep_armed[i].point);
	if (after_wait == ARRAY_SIZE(zd_sweep_after_wait)) {
		pr_err("zdrace_sweep.concurrent=1: arm at most one of %s and %s\n",
		       zdrace_fi_name(zd_sweep_after_wait[0]),
		       zdrace_fi_name(zd_sweep_after_wait[1]));
		return -EINVAL;
	}
	return 0;
}

/* Parse zdrace_sweep.arm=; refuse the whole suite on a bad entry. */
static int zd_sweep_suite_init(struct kunit_suite *suite)
{
	char buf[sizeof(zd_sweep_arm_list)], *cur = buf, *tok;
	int i;

	zd_sweep_nr_armed = 0;
	zd_sweep_runs = 0;
	for (i = 0; i < ZD_OV_NR; i++)
		atomic_long_set(&zd_sweep_overlaps[i], 0);
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
	return zd_sweep_check_concurrent();
}

static void zd_sweep_suite_exit(struct kunit_suite *suite)
{
	int i;

	for (i = 0; i < zd_sweep_nr_armed; i++) {
		struct zd_sweep_point *p = &zd_sweep_armed[i];

		pr_info("armed %s %s hits=%lu fired=%lu\n",
			zdrace_fi_name(p->point), p->text, p->hits, p->fired);
	}
	for (i = 0; i < ZD_OV_NR; i++)
		pr_info("overlap %s=%ld\n", zd_sweep_overlap_names[i],
			atomic_long_read(&zd_sweep_overlaps[i]));
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
	if (zd_sweep_concurrent)
		KUNIT_ASSERT_EQ_MSG(test, zdrace_sched_set_concurrent(s), 0,
				    "cannot run the actors concurrently");
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

enum { ZD_SWEEP_TEARDOWN, ZD_SWEEP_OTHER0, ZD_SWEEP_OTHER1 };

/* The teardown's phases, in order. */
enum {
	ZD_TD_NOT_YET,
	ZD_TD_ZAPPING,		/* zapping the users' mappings */
	ZD_TD_ZAPPED,
	ZD_TD_DYING,		/* the driver allocates no more; memunmap_pages() */
	ZD_TD_DONE,
};

struct zd_sweep_ctx {
	struct kunit *test;
	struct zdrace_sched *s;
	struct zd_dev *dev;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *page[2];
	/* gup actors: what they got */
	int got[2];
	int refcount[2];
	int phase_at_count[2];		/* the teardown's, once it was read */
	int phase_at_walk[2];		/* the teardown's as the walk began */
	bool pgmap_ok[2];
	atomic_t walkers;		/* between a walk's start and its put */
	atomic_t holding;		/* walkers holding the page */
	bool guarded;
	bool guard_timed_out;
	int phase;			/* the teardown's: ZD_TD_* */
	int frees_at_wait;		/* -1 until a gate past the wait */
	int frees_at_return;
	/* driver actor; @driver_lock orders its allocations against @dying */
	struct mutex driver_lock;
	int allocated;
	int alloc_refused;
	struct page *busy_free;	/* a referenced page on the free list */
};

static struct zd_sweep_ctx *zd_sweep_ctx_new(struct kunit *test)
{
	struct zd_sweep_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->frees_at_wait = -1;
	mutex_init(&ctx->driver_lock);
	return ctx;
}

static void zd_sweep_set_phase(struct zd_sweep_ctx *ctx, int phase)
{
	/* Publish @phase once what it names is done: see zd_sweep_phase(). */
	smp_store_release(&ctx->phase, phase);
}

/* Zap the users' mappings, stop the driver's allocations, memunmap_pages(). */
static void zd_sweep_teardown(void *data)
{
	struct zd_sweep_ctx *ctx = data;

	guard(zd_injected)();
	zd_sweep_set_phase(ctx, ZD_TD_ZAPPING);
	zd_dev_zap(ctx->dev);
	zd_sweep_set_phase(ctx, ZD_TD_ZAPPED);
	mutex_lock(&ctx->driver_lock);
	zd_sweep_set_phase(ctx, ZD_TD_DYING);
	mutex_unlock(&ctx->driver_lock);
	zd_dev_unmap(ctx->dev);
	ctx->frees_at_return = atomic_read(&ctx->dev->page_free_calls);
	zd_sweep_set_phase(ctx, ZD_TD_DONE);
}

static int zd_sweep_phase(struct zd_sweep_ctx *ctx)
{
	/* Pairs with zd_sweep_set_phase(): what a phase names is done. */
	return smp_load_acquire(&ctx->phase);
}

/*
 * The gate hook: at the first gate past memunmap_pages()' wait, note the
 * pages freed by then and, before the memmap goes, wait for gup-fast's
 * walkers to let go.  A GENERIC teardown on 7.3 does not wait for page
 * references (the declared break of teardown_waits_for_reference, shown
 * by the rules' suites); a concurrent walker's put after the memmap went
 * would be a use-after-free of our making, not a finding.
 */
static bool zd_sweep_past_wait(enum zdrace_fi_point point, void *data)
{
	struct zd_sweep_ctx *ctx = data;

	if (!zd_sweep_is_after_wait(point) || ctx->guarded)
		return false;
	WRITE_ONCE(ctx->guarded, true);
	ctx->frees_at_wait = atomic_read(&ctx->dev->page_free_calls);
	if (atomic_read(&ctx->holding))
		atomic_long_inc(&zd_sweep_overlaps[ZD_OV_HELD_AT_WAIT]);
	ctx->guard_timed_out = !zd_wait_until(!atomic_read(&ctx->walkers),
					      NSEC_PER_SEC, usleep_range(20, 50));
	return false;
}

/* The seeded harness: the teardown actor, then the case's others. */
static struct zdrace_sched *zd_sweep_sched_teardown(struct kunit *test, u64 seed,
						    struct zd_sweep_ctx *ctx,
						const char * const *names,
						const zdrace_actor_fn *fns, int nr)
{
	struct zdrace_sched *s = zd_sweep_sched(test, seed);
	int i;

	ctx->s = s;
	zdrace_sched_on_gate(s, zd_sweep_past_wait, ctx);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown",
						     zd_sweep_teardown, ctx),
			ZD_SWEEP_TEARDOWN);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, names[i], fns[i], ctx),
				ZD_SWEEP_OTHER0 + i);
	return s;
}

/* memunmap_pages() returned in time and exited the pgmap reference. */
static void zd_sweep_expect_torn_down(struct kunit *test,
				      struct zd_sweep_ctx *ctx)
{
	KUNIT_EXPECT_FALSE(test, ctx->dev->unmap_timed_out);
	KUNIT_EXPECT_FALSE_MSG(test, ctx->guard_timed_out,
			       "gup-fast's walkers held their pages 1 s past the teardown's wait");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ctx->dev), -1L,
			    "teardown did not exit the pgmap reference");
}

/* ---- teardown against gup-fast ---- */

/* A walker's pause has served once the teardown is past its wait. */
static bool zd_sweep_past_wait_reached(void *data)
{
	struct zd_sweep_ctx *ctx = data;

	return READ_ONCE(ctx->guarded);
}

static void zd_sweep_gup(struct zd_sweep_ctx *ctx, int i)
{
	struct page *page;

	atomic_inc(&ctx->walkers);
	ctx->phase_at_walk[i] = zd_sweep_phase(ctx);
	kthread_use_mm(ctx->mm);
	guard(zd_injected)();
	ctx->got[i] = get_user_pages_fast_only(ctx->addr, 1, FOLL_WRITE, &page);
	kthread_unuse_mm(ctx->mm);
	zd_sweep_overlap(ZD_OV_WALK_IN_ZAP, ctx->phase_at_walk[i],
			 zd_sweep_phase(ctx), ZD_TD_ZAPPING, ZD_TD_ZAPPING);
	if (ctx->got[i] == 1) {
		atomic_inc(&ctx->holding);
		ctx->refcount[i] = page_ref_count(page);
		/*
		 * The zap drops the mapping's reference after it set the
		 * phase: a phase before it, read after the count, means the
		 * count still held the mapping's.
		 */
		smp_rmb();
		ctx->phase_at_count[i] = zd_sweep_phase(ctx);
		ctx->pgmap_ok[i] = page == ctx->page[0] &&
				   zd_page_pgmap(page) == &ctx->dev->pgmap;
		/* Concurrent: keep it a while, across the teardown's wait. */
		zdrace_sched_pause(ctx->s, zd_sweep_past_wait_reached, ctx);
		put_page(page);
		atomic_dec(&ctx->holding);
	}
	atomic_dec(&ctx->walkers);
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
 * order: each walk returns nothing or the page, referenced (by its
 * mapping too until the zap begins), of its pgmap; a walk begun once
 * the zap returned finds nothing; the teardown completes.
 */
static void teardown_vs_gup_fast(struct kunit *test)
{
	static const char * const names[] = { "gup0", "gup1" };
	static const zdrace_actor_fn fns[] = { zd_sweep_gup0, zd_sweep_gup1 };
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_ctx *ctx = zd_sweep_ctx_new(test);
	struct zdrace_sched *s;
	int i;

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
		KUNIT_EXPECT_LT_MSG(test, ctx->phase_at_walk[i], ZD_TD_ZAPPED,
				    "gup%d found the page after the zap returned", i);
		KUNIT_EXPECT_GE_MSG(test, ctx->refcount[i],
				    ctx->phase_at_count[i] >= ZD_TD_ZAPPING ? 1 : 2,
				    "gup%d returned an unreferenced page", i);
		KUNIT_EXPECT_TRUE_MSG(test, ctx->pgmap_ok[i],
				      "gup%d returned a page not of its pgmap", i);
	}
	zd_sweep_expect_torn_down(test, ctx);
}

/* ---- teardown against the last puts ---- */

static void zd_sweep_put(struct zd_sweep_ctx *ctx, int i)
{
	int before = zd_sweep_phase(ctx);

	guard(zd_injected)();
	put_page(ctx->page[i]);
	zd_sweep_overlap(ZD_OV_PUT_IN_TEARDOWN, before, zd_sweep_phase(ctx),
			 ZD_TD_ZAPPING, ZD_TD_DYING);
}

static void zd_sweep_put0(void *data)
{
	zd_sweep_put(data, 0);
}

static void zd_sweep_put1(void *data)
{
	zd_sweep_put(data, 1);
}

static enum memory_type zd_sweep_free_at_zero_type(u64 seed)
{
	return seed & 1 ? MEMORY_DEVICE_COHERENT : MEMORY_DEVICE_PRIVATE;
}

/*
 * Two allocated PRIVATE/COHERENT pages put in the seed's order against a
 * teardown: it passes its wait only after both pages were freed, and
 * both frees ran with the pgmap live.
 */
static void teardown_vs_put(struct kunit *test)
{
	static const char * const names[] = { "put0", "put1" };
	static const zdrace_actor_fn fns[] = { zd_sweep_put0, zd_sweep_put1 };
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_ctx *ctx = zd_sweep_ctx_new(test);
	struct zdrace_sched *s;
	int waited, i;

	ctx->dev = zd_dev_create(test, zd_sweep_free_at_zero_type(seed));
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
	if (ctx->frees_at_wait >= 0)
		KUNIT_EXPECT_EQ_MSG(test, ctx->frees_at_wait, 2,
				    "teardown passed its wait with %d of 2 pages freed",
				    ctx->frees_at_wait);
	KUNIT_EXPECT_EQ_MSG(test, ctx->frees_at_return, 2,
			    "memunmap_pages() returned with %d of 2 pages freed",
			    ctx->frees_at_return);
	/* One actor at a time: each put returned before the wait passed. */
	if (!zdrace_sched_is_concurrent(s)) {
		waited = zdrace_sched_find(s, ZD_SWEEP_TEARDOWN, ZDRACE_SCHED_EV_GATE,
					   ZDRACE_FI_memunmap_after_wait);
		if (waited < 0)
			waited = zdrace_sched_done(s, ZD_SWEEP_TEARDOWN);
		for (i = ZD_SWEEP_OTHER0; i <= ZD_SWEEP_OTHER1; i++)
			KUNIT_EXPECT_LT_MSG(test, zdrace_sched_done(s, i), waited,
					    "teardown passed its wait before put%d",
					    i - ZD_SWEEP_OTHER0);
	}
	zd_sweep_expect_torn_down(test, ctx);
}

/* ---- a driver allocating and freeing against teardown ---- */

/*
 * Allocate and free pages, as a driver, until teardown starts: under
 * @driver_lock, which the teardown takes to say so, as lib/test_hmm.c's
 * allocator does under its device lock.  On one CPU the driver runs
 * wholly before or after the teardown starts, and what varies is where
 * the armed points fire along both; concurrent, its frees meet the wait.
 */
static void zd_sweep_driver(void *data)
{
	struct zd_sweep_ctx *ctx = data;
	int i;

	guard(zd_injected)();
	for (i = 0; i < 4; i++) {
		struct page *page = NULL;
		bool refused;
		int before;

		mutex_lock(&ctx->driver_lock);
		refused = zd_sweep_phase(ctx) >= ZD_TD_DYING;
		if (!refused)
			page = zd_dev_alloc_page(ctx->dev);
		mutex_unlock(&ctx->driver_lock);
		if (refused)
			ctx->alloc_refused++;
		if (!page)
			continue;
		ctx->allocated++;
		before = zd_sweep_phase(ctx);
		put_page(page);
		zd_sweep_overlap(ZD_OV_FREE_IN_TEARDOWN, before,
				 zd_sweep_phase(ctx), ZD_TD_ZAPPING, ZD_TD_DYING);
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
	struct zd_sweep_ctx *ctx = zd_sweep_ctx_new(test);
	struct zdrace_sched *s;

	ctx->dev = zd_dev_create(test, zd_sweep_free_at_zero_type(seed));
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
	zd_sweep_expect_torn_down(test, ctx);
}

/* ---- the page cache's speculative get against truncation ---- */

enum { ZD_TRUNC_NOT_YET, ZD_TRUNC_RUNNING, ZD_TRUNC_DONE };

struct zd_sweep_cache {
	struct file *file;
	int truncation;		/* ZD_TRUNC_* */
	int found;
	int found_after;	/* by a lookup begun once the truncation ended */
	int bad;
	void *buf;		/* what a read copied */
};

/*
 * Slot 0 through each speculative page-cache get in turn: the folio
 * filemap_get_entry() or filemap_get_folios_contig() returns with its
 * reference, or whether a read (filemap_get_read_batch(), no I/O) found
 * the page.
 */
static struct folio *zd_sweep_lookup_one(struct zd_sweep_cache *c, int i,
					 bool *found)
{
	struct address_space *mapping = c->file->f_mapping;
	struct folio *folio;
	pgoff_t next;

	switch (i % 3) {
	case 0:
		folio = filemap_get_folio(mapping, 0);
		*found = !IS_ERR(folio);
		return *found ? folio : NULL;
	case 1:
		folio = zd_cache_contig_get(mapping, 0, &next);
		*found = folio;
		return folio;
	default:
		*found = zd_cache_read(c->file, 0, c->buf) == PAGE_SIZE;
		return NULL;
	}
}

static void zd_sweep_lookup(void *data)
{
	struct zd_sweep_cache *c = data;
	int i;

	guard(zd_injected)();
	for (i = 0; i < 3; i++) {
		int before = READ_ONCE(c->truncation), after, count;
		struct folio *folio;
		bool found;

		folio = zd_sweep_lookup_one(c, i, &found);
		after = READ_ONCE(c->truncation);
		zd_sweep_overlap(ZD_OV_LOOKUP_IN_TRUNCATE, before, after,
				 ZD_TRUNC_RUNNING, ZD_TRUNC_RUNNING);
		if (!found)
			continue;
		c->found++;
		c->found_after += before == ZD_TRUNC_DONE;
		if (!folio)
			continue;
		count = folio_ref_count(folio);
		/*
		 * The cache's reference and ours, unless truncated since:
		 * truncation clears ->mapping before it drops the cache's,
		 * so ->mapping read after the count is NULL if that is gone.
		 */
		smp_rmb();
		if (count < (READ_ONCE(folio->mapping) ? 2 : 1) ||
		    folio->index != 0)
			c->bad++;
		folio_put(folio);
	}
}

static void zd_sweep_truncate(void *data)
{
	struct zd_sweep_cache *c = data;

	guard(zd_injected)();
	WRITE_ONCE(c->truncation, ZD_TRUNC_RUNNING);
	shmem_truncate_range(file_inode(c->file), 0, (loff_t)-1);
	WRITE_ONCE(c->truncation, ZD_TRUNC_DONE);
}

/*
 * The speculative page-cache gets against a truncation of a shmem file: a
 * folio a lookup returns carries its reference (the page cache's and the
 * lookup's), and a lookup begun once the truncation returned finds
 * nothing.
 */
static void lookup_vs_truncate(struct kunit *test)
{
	u64 seed = *(const u64 *)test->param_value;
	struct zd_sweep_cache *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct zdrace_sched *s;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->file = zd_shmem_file(test, "zdrace-sweep", 1);
	c->buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->buf);
	s = zd_sweep_sched(test, seed);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "lookup", zd_sweep_lookup,
						     c), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "truncate",
						     zd_sweep_truncate, c), 1);

	zd_sweep_run(test, s);
	KUNIT_EXPECT_EQ_MSG(test, c->bad, 0,
			    "a lookup returned a folio without its reference");
	KUNIT_EXPECT_EQ_MSG(test, c->found_after, 0,
			    "a lookup begun after the truncation found the folio");
}

static struct kunit_case zdrace_sweep_cases[] = {
	KUNIT_CASE_PARAM(teardown_vs_gup_fast, zd_seed_gen_params),
	KUNIT_CASE_PARAM(teardown_vs_put, zd_seed_gen_params),
	KUNIT_CASE_PARAM(alloc_free_vs_teardown, zd_seed_gen_params),
	KUNIT_CASE_PARAM(lookup_vs_truncate, zd_seed_gen_params),
	{}
};

/*
 * The scenarios a concurrent sweep boots alone: their windows are a few
 * instructions wide and neither actor sleeps, so the two sides meet only
 * while both vCPUs are on host CPUs at once.  The teardown scenarios spend
 * much of an interleaving waiting for grace periods, and kernels running
 * them share the host's CPUs (docs/sweep.md).
 */
static const char * const zd_sweep_alone[] = { "lookup_vs_truncate" };

static bool zd_sweep_list;
module_param_named(list, zd_sweep_list, bool, 0444);
MODULE_PARM_DESC(list, "print \"scenario <case> alone\" for each such scenario");

static bool __init zd_sweep_is_case(const char *name)
{
	struct kunit_case *c;

	for (c = zdrace_sweep_cases; c->run_case; c++) {
		if (!strcmp(c->name, name))
			return true;
	}
	return false;
}

static int __init zd_sweep_list_alone(void)
{
	unsigned int i;

	if (!zd_sweep_list)
		return 0;
	for (i = 0; i < ARRAY_SIZE(zd_sweep_alone); i++) {
		if (zd_sweep_is_case(zd_sweep_alone[i]))
			pr_info("scenario %s alone\n", zd_sweep_alone[i]);
		else
			pr_warn("no scenario %s to run alone\n", zd_sweep_alone[i]);
	}
	return 0;
}
late_initcall(zd_sweep_list_alone);

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
