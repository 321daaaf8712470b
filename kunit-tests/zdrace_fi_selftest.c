// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the zdrace injection points and the interleaving harness.
 * Every action fires on every point that accepts it (zdrace_fi_check()
 * says which) when the real code path passes the point; the fault_attr
 * knobs behave as should_fail() implements them; requests a point cannot
 * honour are refused; an unarmed point never fires; debugfs arms a point;
 * the harness runs actors in the order a schedule gives, sees an actor
 * blocked outside it, and replays a seed to the same trace.  Observed
 * through each point's hit and fired counters, the action's effect and
 * the harness's trace.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

#define ZD_DELAY_US		200
/* The shmem file the page-cache triggers look up: fault-around maps two. */
#define ZD_FI_CACHE_PAGES	2

/* What a trigger leaves behind for the action's effect to be checked. */
struct zd_fi_ctx {
	struct kunit *test;
	struct zd_dev *dev;
	struct file *shmem;
	enum zdrace_fi_action action;	/* what the point was armed with */
	bool failed_branch;	/* the site's failure branch was taken */
	int calls;
};

/* ---- triggers: run the real code path that passes a point ---- */

static void zd_trigger_memunmap(struct zd_fi_ctx *ctx)
{
	ctx->dev = zd_dev_create(ctx->test, MEMORY_DEVICE_GENERIC);
	zd_dev_unmap(ctx->dev);
}

static void zd_trigger_private_put(struct zd_fi_ctx *ctx)
{
	struct page *page;

	ctx->dev = zd_dev_create(ctx->test, MEMORY_DEVICE_PRIVATE);
	page = zd_dev_alloc_page(ctx->dev);
	KUNIT_ASSERT_NOT_NULL(ctx->test, page);
	put_page(page);
	KUNIT_EXPECT_EQ(ctx->test, atomic_read(&ctx->dev->page_free_calls), 1);
}

/*
 * zone_device_page_init().  When fail fired, the tryget was skipped: the
 * page holds no pgmap reference, so give it the one its free will drop.
 */
static void zd_trigger_page_init(struct zd_fi_ctx *ctx)
{
	struct page *page;

	ctx->dev = zd_dev_create(ctx->test, MEMORY_DEVICE_PRIVATE);
	page = zd_dev_alloc_page(ctx->dev);
	KUNIT_ASSERT_NOT_NULL(ctx->test, page);
	ctx->failed_branch = ctx->action == ZDRACE_FI_FAIL &&
		zdrace_fi_fired(ZDRACE_FI_page_init_before_tryget);
	if (ctx->failed_branch)
		percpu_ref_get(&ctx->dev->pgmap.ref);
	put_page(page);
}

static void zd_trigger_get_pgmap(struct zd_fi_ctx *ctx)
{
	struct dev_pagemap *pgmap;

	ctx->dev = zd_dev_create(ctx->test, MEMORY_DEVICE_GENERIC);
	pgmap = zd_get_dev_pagemap(ctx->dev->pfn_first);
	ctx->failed_branch = !pgmap;
	if (pgmap)
		put_dev_pagemap(pgmap);
}

static void zd_trigger_gup_fast(struct zd_fi_ctx *ctx)
{
	struct page *page, *expect;
	unsigned long addr;
	int before, got;

	ctx->dev = zd_dev_create(ctx->test, MEMORY_DEVICE_GENERIC);
	addr = zd_dev_map_user(ctx->dev, 1);
	KUNIT_ASSERT_EQ(ctx->test, put_user(1, (int __user *)addr), 0);
	expect = zd_dev_page(ctx->dev, 0);
	before = page_ref_count(expect);
	got = get_user_pages_fast_only(addr, 1, FOLL_WRITE, &page);
	ctx->failed_branch = got == 0;
	if (got == 1)
		put_page(page);
	KUNIT_EXPECT_EQ_MSG(ctx->test, page_ref_count(expect), before,
			    "gup-fast left a reference behind");
}

/* The file the page-cache triggers look up, made on first use. */
static struct file *zd_fi_cache(struct zd_fi_ctx *ctx)
{
	if (!ctx->shmem)
		ctx->shmem = zd_shmem_file(ctx->test, "zdrace",
					   ZD_FI_CACHE_PAGES);
	return ctx->shmem;
}

/* The speculative page-cache gets, from this (make_it_fail) task only. */
static void zd_trigger_filemap(struct zd_fi_ctx *ctx)
{
	struct folio *folio;
	int before;

	folio = filemap_get_folio(zd_fi_cache(ctx)->f_mapping, 0);
	KUNIT_ASSERT_FALSE(ctx->test, IS_ERR(folio));
	before = folio_ref_count(folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(ctx->test, folio_ref_count(folio), before - 1);
}

static void zd_trigger_read_batch(struct zd_fi_ctx *ctx)
{
	void *buf = kunit_kzalloc(ctx->test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(ctx->test, buf);
	KUNIT_EXPECT_EQ(ctx->test, zd_cache_read(zd_fi_cache(ctx), 0, buf),
			(ssize_t)PAGE_SIZE);
}

static void zd_trigger_contig(struct zd_fi_ctx *ctx)
{
	struct address_space *mapping = zd_fi_cache(ctx)->f_mapping;
	struct folio_batch fbatch;
	pgoff_t start = 0;

	folio_batch_init(&fbatch);
	KUNIT_EXPECT_EQ(ctx->test,
			filemap_get_folios_contig(mapping, &start,
						  ZD_FI_CACHE_PAGES - 1,
						  &fbatch),
			ZD_FI_CACHE_PAGES);
	folio_batch_release(&fbatch);
}

/*
 * A read fault on the last page maps page 0 by fault-around, which loads
 * it first: fail skips it, and it stays unmapped.
 */
static void zd_trigger_fault_around(struct zd_fi_ctx *ctx)
{
	unsigned long addr = zd_cache_map(ctx->test, zd_fi_cache(ctx),
					  ZD_FI_CACHE_PAGES);
	struct folio *first;
	char v;

	KUNIT_ASSERT_EQ(ctx->test,
			get_user(v, (char __user *)addr +
				 (ZD_FI_CACHE_PAGES - 1) * PAGE_SIZE), 0);
	first = filemap_get_folio(zd_fi_cache(ctx)->f_mapping, 0);
	KUNIT_ASSERT_FALSE(ctx->test, IS_ERR(first));
	ctx->failed_branch = !folio_mapped(first);
	folio_put(first);
}

/*
 * A truncate of a mapped file on the DAX filesystem, if a suite of the
 * boot mounted it (zdrace_dax_fs): its busy-page lookup.
 */
static void zd_trigger_dax_cut(struct zd_fi_ctx *ctx)
{
	struct file *file;

	if (zd_dax_missing())
		return;
	file = zd_dax_file(ctx->test, 1);
	zd_dax_map(ctx->test, file);
	KUNIT_EXPECT_EQ(ctx->test, vfs_truncate(&file->f_path, 0), 0);
}

typedef void (*zd_trigger_t)(struct zd_fi_ctx *ctx);

static const zd_trigger_t zd_triggers[ZDRACE_FI_NR] = {
	[ZDRACE_FI_memunmap_after_kill] = zd_trigger_memunmap,
	[ZDRACE_FI_memunmap_after_put_initial] = zd_trigger_memunmap,
	[ZDRACE_FI_memunmap_before_wait] = zd_trigger_memunmap,
	[ZDRACE_FI_memunmap_after_wait] = zd_trigger_memunmap,
	[ZDRACE_FI_memunmap_before_unmap] = zd_trigger_memunmap,
	[ZDRACE_FI_free_before_page_free] = zd_trigger_private_put,
	[ZDRACE_FI_free_after_page_free] = zd_trigger_private_put,
	[ZDRACE_FI_page_init_before_tryget] = zd_trigger_page_init,
	[ZDRACE_FI_get_pgmap_before_tryget] = zd_trigger_get_pgmap,
	[ZDRACE_FI_gup_fast_after_pte_read] = zd_trigger_gup_fast,
	[ZDRACE_FI_gup_fast_after_get_pgmap] = zd_trigger_gup_fast,
	[ZDRACE_FI_gup_fast_after_grab] = zd_trigger_gup_fast,
	[ZDRACE_FI_filemap_after_load] = zd_trigger_filemap,
	[ZDRACE_FI_filemap_after_tryget] = zd_trigger_filemap,
	[ZDRACE_FI_read_batch_after_load] = zd_trigger_read_batch,
	[ZDRACE_FI_fault_around_after_load] = zd_trigger_fault_around,
	[ZDRACE_FI_contig_after_load] = zd_trigger_contig,
	[ZDRACE_FI_final_put_zone_device] = zd_trigger_private_put,
	[ZDRACE_FI_dax_busy_after_unmap] = zd_trigger_dax_cut,
	[ZDRACE_FI_dax_busy_after_walk] = zd_trigger_dax_cut,
};

static struct zd_fi_ctx *zd_fi_ctx_new(struct kunit *test)
{
	struct zd_fi_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	return ctx;
}

/* The points on a page-cache lookup, which every task passes. */
static bool zd_point_in_cache(enum zdrace_fi_point point)
{
	zd_trigger_t trigger = zd_triggers[point];

	return trigger == zd_trigger_filemap ||
	       trigger == zd_trigger_read_batch ||
	       trigger == zd_trigger_contig ||
	       trigger == zd_trigger_fault_around;
}

/* ---- every action on every point ---- */

struct zd_pair {
	enum zdrace_fi_point point;
	enum zdrace_fi_action action;
};

static bool zd_count_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_fi_ctx *ctx = data;

	WRITE_ONCE(ctx->calls, ctx->calls + 1);
	return false;
}

/* What action_fires_on_point() arms @point with, to fire @action. */
static struct zdrace_fi_arm zd_pair_arm(enum zdrace_fi_point point,
					enum zdrace_fi_action action,
					struct zd_fi_ctx *ctx)
{
	return (struct zdrace_fi_arm){
		.action = action,
		.delay_us = ZD_DELAY_US,
		.fn = zd_count_cb,
		.data = ctx,
		.probability = 100,
		.interval = 1,
		/* A failure branch that retries must give up eventually. */
		.times = action == ZDRACE_FI_FAIL ? 1 : -1,
		/* The page cache is hot: fire for this task only. */
		.task_filter = zd_point_in_cache(point),
	};
}

static ZD_PARAM_GEN(zd_pair_gen_params)
{
	static struct zd_pair pairs[ZDRACE_FI_NR * ZDRACE_FI_NR_ACTIONS];
	static int nr;
	int i = prev ? (const struct zd_pair *)prev - pairs + 1 : 0;

	if (!prev) {
		int p, a;

		nr = 0;
		for (p = 0; p < ZDRACE_FI_NR; p++)
			for (a = ZDRACE_FI_DELAY; a < ZDRACE_FI_NR_ACTIONS; a++) {
				struct zdrace_fi_arm arm = zd_pair_arm(p, a, NULL);
				int ret = zdrace_fi_check(p, &arm, NULL, 0);

				/*
				 * The point's own rule says which pairs exist;
				 * those of a point not placed skip, with why.
				 */
				if (!ret || (ret == -ENOENT &&
					     zdrace_fi_unplaced_in(p)))
					pairs[nr++] = (struct zd_pair){ p, a };
			}
	}
	if (i >= nr)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s",
		 zdrace_fi_name(pairs[i].point),
		 zdrace_fi_action_name(pairs[i].action));
	return &pairs[i];
}

static void action_fires_on_point(struct kunit *test)
{
	const struct zd_pair *pair = test->param_value;
	struct zd_fi_ctx *ctx = zd_fi_ctx_new(test);
	bool cache = zd_point_in_cache(pair->point);
	struct zdrace_fi_arm arm = zd_pair_arm(pair->point, pair->action, ctx);
	ktime_t start;
	s64 elapsed_us;

	ctx->action = pair->action;
	if (zd_triggers[pair->point] == zd_trigger_dax_cut && zd_dax_missing())
		kunit_skip(test, "%s", zd_dax_missing());
	if (cache) {
		zd_fi_cache(ctx);
		current->make_it_fail = 1;
	}
	/* A failed tryget there is the driver bug its WARN_ON_ONCE reports. */
	if (pair->point == ZDRACE_FI_page_init_before_tryget &&
	    pair->action == ZDRACE_FI_FAIL)
		zd_expect_report(test, "WARNING in zone_device_page_init", true);
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(pair->point, &arm), 0);
	start = ktime_get();
	zd_triggers[pair->point](ctx);
	elapsed_us = ktime_us_delta(ktime_get(), start);
	current->make_it_fail = 0;

	KUNIT_EXPECT_GE_MSG(test, zdrace_fi_fired(pair->point), 1UL,
			    "%s never fired (%lu hits)",
			    zdrace_fi_name(pair->point),
			    zdrace_fi_hits(pair->point));
	switch (pair->action) {
	case ZDRACE_FI_DELAY:
		KUNIT_EXPECT_GE(test, elapsed_us, (s64)ZD_DELAY_US);
		break;
	case ZDRACE_FI_CALL:
		KUNIT_EXPECT_EQ(test, (unsigned long)ctx->calls,
				zdrace_fi_fired(pair->point));
		break;
	case ZDRACE_FI_FAIL:
		if (zdrace_fi_flags(pair->point) & ZDRACE_FI_RETRIES)
			/* It retried: the point was passed once more. */
			KUNIT_EXPECT_GE(test, zdrace_fi_hits(pair->point), 2UL);
		else
			KUNIT_EXPECT_TRUE_MSG(test, ctx->failed_branch,
					      "the failure branch was not taken");
		break;
	default:
		break;
	}
}

/* ---- the free path's points, on the final put of every type ---- */

static const struct zd_type_param zd_free_types[] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
	{ MEMORY_DEVICE_GENERIC, "generic" },
	{ MEMORY_DEVICE_FS_DAX, "fs_dax" },
	{ MEMORY_DEVICE_PCI_P2PDMA, "p2pdma" },
};

KUNIT_ARRAY_PARAM_DESC(zd_free_type, zd_free_types, name);

/*
 * The final put of a page of any type passes free_before_page_free and
 * free_after_page_free once each (free_zone_device_folio(), whose types
 * part ways between them): a schedule that stops a free there stops every
 * type's, not only the ones the driver frees.  Where FS_DAX pages idle at
 * 1 (ZD_FSDAX_IDLE), the put that idles one is not a final put, and passes
 * neither.
 */
static void free_points_pass_every_type(struct kunit *test)
{
	const struct zd_type_param *t = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, t->type);
	atomic_t before = ATOMIC_INIT(0), after = ATOMIC_INIT(0);
	struct page *page = zd_dev_user_page(dev);
	/* Where FS_DAX pages idle at 1, a put that idles one frees nothing. */
	int passes = !(t->type == MEMORY_DEVICE_FS_DAX && ZD_FSDAX_IDLE);

	zd_count_injected(test, ZDRACE_FI_free_before_page_free, &before);
	zd_count_injected(test, ZDRACE_FI_free_after_page_free, &after);
	scoped_guard(zd_injected)
		put_page(page);
	zdrace_fi_disarm(ZDRACE_FI_free_before_page_free);
	zdrace_fi_disarm(ZDRACE_FI_free_after_page_free);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&before), passes,
			    "a %s page's put passed free_before_page_free %d times",
			    t->name, atomic_read(&before));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&after), passes,
			    "a %s page's put passed free_after_page_free %d times",
			    t->name, atomic_read(&after));
}

/* ---- fault_attr knobs, on the page-cache point ---- */

struct zd_knob_case {
	const char *name;
	unsigned long probability;
	unsigned long interval;
	int times;
	int space;
	bool filter_self;	/* false: task-filter on, this task not marked */
	int passes;
	int min_fired;
	int max_fired;
};

static const struct zd_knob_case zd_knob_cases[] = {
	{ "probability 100", 100, 1, -1, 0, true, 10, 10, 10 },
	{ "probability 0", 0, 1, -1, 0, true, 10, 0, 0 },
	/* Binomial(1000, 0.5): outside [400, 600] with p < 1e-9. */
	{ "probability 50", 50, 1, -1, 0, true, 1000, 400, 600 },
	{ "times 3", 100, 1, 3, 0, true, 10, 3, 3 },
	{ "interval 3", 100, 3, -1, 0, true, 10, 3, 3 },
	/* space is consumed one byte a pass until it is no longer > 1. */
	{ "space 4", 100, 1, -1, 4, true, 10, 7, 7 },
	{ "task-filter", 100, 1, -1, 0, false, 10, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(zd_knob, zd_knob_cases, name);

static void fault_attr_knobs(struct kunit *test)
{
	const struct zd_knob_case *c = test->param_value;
	struct zd_fi_ctx *ctx = zd_fi_ctx_new(test);
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zd_count_cb,
		.data = ctx,
		.probability = c->probability,
		.interval = c->interval,
		.times = c->times,
		.space = c->space,
		.task_filter = true,
	};
	int i;

	zd_fi_cache(ctx);
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(ZDRACE_FI_filemap_after_load,
					    &arm), 0);
	current->make_it_fail = c->filter_self;
	for (i = 0; i < c->passes; i++)
		zd_trigger_filemap(ctx);
	current->make_it_fail = 0;

	KUNIT_EXPECT_GE(test, zdrace_fi_hits(ZDRACE_FI_filemap_after_load),
			(unsigned long)c->passes);
	KUNIT_EXPECT_GE(test, ctx->calls, c->min_fired);
	KUNIT_EXPECT_LE(test, ctx->calls, c->max_fired);
	KUNIT_EXPECT_EQ(test, (unsigned long)ctx->calls,
			zdrace_fi_fired(ZDRACE_FI_filemap_after_load));
}

/* ---- refusals ---- */

struct zd_refusal {
	const char *name;
	int point;
	struct zdrace_fi_arm arm;
	int error;
};

static bool zd_sleepy_cb(enum zdrace_fi_point point, void *data)
{
	return false;
}

static const struct zd_refusal zd_refusals[] = {
	{ "yield in an atomic window", ZDRACE_FI_gup_fast_after_grab,
	  { .action = ZDRACE_FI_YIELD, ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "sleeping call under RCU", ZDRACE_FI_filemap_after_load,
	  { .action = ZDRACE_FI_CALL, .fn = zd_sleepy_cb, .fn_may_sleep = true,
	    ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "fail without a failure branch", ZDRACE_FI_memunmap_after_kill,
	  { .action = ZDRACE_FI_FAIL, ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "unbounded fail on a retry", ZDRACE_FI_filemap_after_tryget,
	  { .action = ZDRACE_FI_FAIL, ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "call without a callback", ZDRACE_FI_memunmap_before_wait,
	  { .action = ZDRACE_FI_CALL, ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "delay beyond the limit", ZDRACE_FI_memunmap_before_wait,
	  { .action = ZDRACE_FI_DELAY, .delay_us = 10 * USEC_PER_SEC,
	    ZDRACE_FI_ARM_ALWAYS }, -EINVAL },
	{ "probability over 100", ZDRACE_FI_memunmap_before_wait,
	  { .action = ZDRACE_FI_DELAY, .probability = 101 }, -EINVAL },
	{ "no such point", ZDRACE_FI_NR,
	  { .action = ZDRACE_FI_DELAY, ZDRACE_FI_ARM_ALWAYS }, -ENOENT },
};

KUNIT_ARRAY_PARAM_DESC(zd_refusal, zd_refusals, name);

static void arm_refuses_bad_request(struct kunit *test)
{
	const struct zd_refusal *r = test->param_value;

	KUNIT_EXPECT_EQ(test, zdrace_fi_arm(r->point, &r->arm), r->error);
	if (r->point < ZDRACE_FI_NR)
		KUNIT_EXPECT_FALSE_MSG(test,
				       static_key_enabled(&zdrace_fi_key[r->point]),
				       "a refused point was left armed");
}

struct zd_action_str {
	const char *str;
	int error;
	enum zdrace_fi_action action;
	unsigned long arg;
};

static const struct zd_action_str zd_action_strs[] = {
	{ "none", 0, ZDRACE_FI_NONE, 0 },
	{ "yield", 0, ZDRACE_FI_YIELD, 0 },
	{ "fail", 0, ZDRACE_FI_FAIL, 0 },
	{ "delay=250", 0, ZDRACE_FI_DELAY, 250 },
	{ "delay", -EINVAL },
	{ "delay=ten", -EINVAL },
	{ "fail=1", -EINVAL },
	{ "explode", -EINVAL },
	{ "", -EINVAL },
};

static void zd_action_str_desc(const struct zd_action_str *a, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%s'", a->str);
}

KUNIT_ARRAY_PARAM(zd_action_str, zd_action_strs, zd_action_str_desc);

static void parse_action_string(struct kunit *test)
{
	const struct zd_action_str *a = test->param_value;
	enum zdrace_fi_action action = ZDRACE_FI_NR_ACTIONS;
	unsigned long arg = ~0UL;

	KUNIT_ASSERT_EQ(test, zdrace_fi_parse_action(a->str, &action, &arg),
			a->error);
	if (!a->error) {
		KUNIT_EXPECT_EQ(test, action, a->action);
		KUNIT_EXPECT_EQ(test, arg, a->arg);
	}
}

static void point_names_round_trip(struct kunit *test)
{
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++) {
		KUNIT_EXPECT_EQ(test, zdrace_fi_lookup(zdrace_fi_name(i)), i);
		KUNIT_EXPECT_NOT_NULL(test, zd_triggers[i]);
	}
	KUNIT_EXPECT_EQ(test, zdrace_fi_lookup("no_such_point"), -ENOENT);
	KUNIT_EXPECT_EQ_MSG(test, zdrace_fi_boot_error_count(), 0,
			    "the boot line armed a point badly");
}

/* ---- a point not armed never fires ---- */

static void zd_trigger_all(struct zd_fi_ctx *ctx)
{
	int i;

	for (i = 0; i < ZDRACE_FI_NR; i++)
		if (i == 0 || zd_triggers[i] != zd_triggers[i - 1])
			zd_triggers[i](ctx);
}

static void unarmed_point_never_fires(struct kunit *test)
{
	struct zd_fi_ctx *ctx = zd_fi_ctx_new(test);
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zd_count_cb,
		.data = ctx,
		ZDRACE_FI_ARM_ALWAYS,
	};
	unsigned long fired[ZDRACE_FI_NR];
	int i;

	/* Counters keep what earlier cases fired: compare deltas. */
	for (i = 0; i < ZDRACE_FI_NR; i++)
		fired[i] = zdrace_fi_fired(i);
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(ZDRACE_FI_memunmap_before_wait,
					    &arm), 0);
	zd_trigger_all(ctx);
	for (i = 0; i < ZDRACE_FI_NR; i++) {
		if (i == ZDRACE_FI_memunmap_before_wait)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, zdrace_fi_fired(i), fired[i],
				    "unarmed %s fired", zdrace_fi_name(i));
		KUNIT_EXPECT_FALSE(test, static_key_enabled(&zdrace_fi_key[i]));
	}
	KUNIT_EXPECT_GE(test, zdrace_fi_fired(ZDRACE_FI_memunmap_before_wait),
			1UL);
	KUNIT_EXPECT_EQ(test, (unsigned long)ctx->calls,
			zdrace_fi_fired(ZDRACE_FI_memunmap_before_wait));
}

/* ---- the interleaving harness ---- */

static const enum zdrace_fi_point zd_two_gates[] = {
	ZDRACE_FI_memunmap_after_kill,
	ZDRACE_FI_memunmap_before_wait,
};

static void zd_actor_unmap(void *data)
{
	zd_dev_unmap(data);
}

/* Two actors each tearing a GENERIC device down, parked at the gates. */
static struct zdrace_sched *zd_two_teardowns(struct kunit *test)
{
	struct zd_dev *a = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zd_dev *b = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zdrace_sched *s = zdrace_sched_new(test);
	int i;

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "a", zd_actor_unmap, a), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "b", zd_actor_unmap, b), 1);
	for (i = 0; i < ARRAY_SIZE(zd_two_gates); i++)
		KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, zd_two_gates[i]), 0);
	return s;
}

struct zd_order_case {
	const char *name;
};

static const struct zd_order_case zd_order_cases[] = {
	{ "two teardowns" },
};

/* Each actor runs once to its first gate, once per gate, and returns. */
static void zd_two_teardowns_steps(const struct zd_order_case *c, u8 *steps)
{
	steps[0] = ARRAY_SIZE(zd_two_gates) + 1;
	steps[1] = ARRAY_SIZE(zd_two_gates) + 1;
}

ZD_ORDER_PARAMS(zd_order, name, zd_two_teardowns_steps, 2);

static void schedule_order_is_followed(struct kunit *test)
{
	struct zdrace_sched *s = zd_two_teardowns(test);
	u8 order[ZDRACE_SCHED_MAX_STEPS];
	int len, i;

	len = zd_order_get(test, test->param_value, order);
	zdrace_sched_set_order(s, order, len);
	KUNIT_ASSERT_EQ(test, zdrace_sched_run(s), 0);

	/* One event per step, by the actor the order named. */
	KUNIT_ASSERT_EQ(test, zdrace_sched_nr_events(s), len);
	for (i = 0; i < len; i++)
		KUNIT_EXPECT_EQ_MSG(test, zdrace_sched_event(s, i)->actor, order[i],
				    "step %d ran the wrong actor", i);
	KUNIT_EXPECT_GE(test, zdrace_sched_done(s, 0), 0);
	KUNIT_EXPECT_GE(test, zdrace_sched_done(s, 1), 0);
}

static void seed_replays_same_trace(struct kunit *test)
{
	u64 seed = *(const u64 *)test->param_value;
	struct zdrace_sched *first = zd_two_teardowns(test);
	struct zdrace_sched *again;
	char buf[256];

	zdrace_sched_set_seed(first, seed);
	KUNIT_ASSERT_EQ(test, zdrace_sched_run(first), 0);
	/* Release the first harness's gates before the second arms them. */
	zdrace_fi_disarm_all();

	again = zd_two_teardowns(test);
	zdrace_sched_set_seed(again, seed);
	KUNIT_ASSERT_EQ(test, zdrace_sched_run(again), 0);

	zdrace_sched_trace_str(first, buf, sizeof(buf));
	KUNIT_EXPECT_TRUE_MSG(test, zdrace_sched_same_trace(first, again),
			      "seed %llu: first trace %s", seed, buf);
	KUNIT_EXPECT_EQ(test, zdrace_sched_nr_events(first),
			2 * (int)(ARRAY_SIZE(zd_two_gates) + 1));
}

static void blocked_actor_is_detected(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zdrace_sched *s = zdrace_sched_new(test);
	struct dev_pagemap *pgmap;
	int wait_gate, blocked, after;

	pgmap = zd_get_dev_pagemap(dev->pfn_first);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown",
						     zd_actor_unmap, dev), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_memunmap_before_wait), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_memunmap_after_wait), 0);

	KUNIT_EXPECT_EQ(test, zdrace_sched_run(s), -EDEADLK);
	wait_gate = zdrace_sched_find(s, 0, ZDRACE_SCHED_EV_GATE,
				      ZDRACE_FI_memunmap_before_wait);
	blocked = zdrace_sched_blocked(s, 0);
	KUNIT_EXPECT_GE(test, wait_gate, 0);
	KUNIT_EXPECT_GT_MSG(test, blocked, wait_gate,
			    "teardown did not block on our pgmap reference");

	put_dev_pagemap(pgmap);
	KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
	after = zdrace_sched_find(s, 0, ZDRACE_SCHED_EV_GATE, ZDRACE_FI_memunmap_after_wait);
	KUNIT_EXPECT_GT(test, after, blocked);
	KUNIT_EXPECT_GT(test, zdrace_sched_done(s, 0), after);
}

/*
 * A teardown nothing else holds a reference to waits only for grace
 * periods (the kill's switch to atomic mode, the memmap's removal): that
 * is not a block, however long the grace periods take.
 */
static void grace_period_is_not_a_block(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zdrace_sched *s = zdrace_sched_new(test);

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown",
						     zd_actor_unmap, dev), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_memunmap_before_wait), 0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_memunmap_after_wait), 0);

	KUNIT_ASSERT_EQ(test, zdrace_sched_run(s), 0);
	KUNIT_EXPECT_LT_MSG(test, zdrace_sched_blocked(s, 0), 0,
			    "a wait for grace periods alone was taken for a block");
	KUNIT_EXPECT_GE(test, zdrace_sched_find(s, 0, ZDRACE_SCHED_EV_GATE,
						ZDRACE_FI_memunmap_after_wait), 0);
	KUNIT_EXPECT_GE(test, zdrace_sched_done(s, 0), 0);
}

static void nth_order_unranks(struct kunit *test)
{
	static const u8 steps[] = { 2, 1 };
	static const u8 want[3][3] = { { 0, 0, 1 }, { 0, 1, 0 }, { 1, 0, 0 } };
	u8 order[3];
	int n;

	KUNIT_ASSERT_EQ(test, zdrace_sched_nr_orders(steps, 2), 3ULL);
	for (n = 0; n < 3; n++) {
		KUNIT_ASSERT_EQ(test, zdrace_sched_nth_order(steps, 2, n, order), 3);
		KUNIT_EXPECT_MEMEQ(test, order, want[n], 3);
	}
	KUNIT_EXPECT_EQ(test, zdrace_sched_nth_order(steps, 2, 3, order), -EINVAL);
}

/* ---- arming from debugfs ---- */

/* debugfs, mounted for the test alone (there is no userspace to do it). */
struct zd_debugfs {
	struct kunit *test;
	struct file_system_type *type;
	struct vfsmount *mnt;
	char __user *buf;	/* a user page: debugfs files copy from user */
};

static void zd_debugfs_umount(void *data)
{
	struct zd_debugfs *d = data;

	kern_unmount(d->mnt);
	put_filesystem(d->type);
}

static struct zd_debugfs *zd_debugfs_mount(struct kunit *test)
{
	struct zd_debugfs *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->test = test;
	d->type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, d->type);
	d->mnt = vfs_kern_mount(d->type, SB_KERNMOUNT, d->type->name, NULL);
	if (IS_ERR(d->mnt)) {
		put_filesystem(d->type);
		KUNIT_FAIL_AND_ABORT(test, "mounting debugfs: %ld",
				     PTR_ERR(d->mnt));
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   zd_debugfs_umount,
							   d));
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	d->buf = (char __user *)addr;
	return d;
}

/* Open zdrace_fi/<point>/<name> under the test's debugfs mount. */
static struct file *zd_debugfs_open(struct zd_debugfs *d,
				    enum zdrace_fi_point point,
				    const char *name)
{
	char rel[64];
	struct path path;
	struct file *file;
	int ret;

	snprintf(rel, sizeof(rel), "zdrace_fi/%s/%s", zdrace_fi_name(point),
		 name);
	ret = vfs_path_lookup(d->mnt->mnt_root, d->mnt, rel, 0, &path);
	KUNIT_ASSERT_EQ_MSG(d->test, ret, 0, "debugfs %s: %d", rel, ret);
	file = dentry_open(&path, O_RDWR, current_cred());
	path_put(&path);
	KUNIT_ASSERT_FALSE_MSG(d->test, IS_ERR(file), "opening %s: %ld", rel,
			       PTR_ERR(file));
	return file;
}

/* echo @text > zdrace_fi/<point>/<name>: the write's return value. */
static ssize_t zd_debugfs_write(struct zd_debugfs *d,
				enum zdrace_fi_point point, const char *name,
				const char *text)
{
	struct file *file = zd_debugfs_open(d, point, name);
	size_t len = strlen(text);
	loff_t pos = 0;
	ssize_t ret;

	KUNIT_ASSERT_EQ(d->test, copy_to_user(d->buf, text, len), 0);
	ret = vfs_write(file, d->buf, len, &pos);
	fput(file);
	return ret;
}

/* cat zdrace_fi/<point>/<name> as a number. */
static long zd_debugfs_read_long(struct zd_debugfs *d,
				 enum zdrace_fi_point point, const char *name)
{
	struct file *file = zd_debugfs_open(d, point, name);
	char text[32] = {};
	loff_t pos = 0;
	ssize_t len;
	long val = -1;

	len = vfs_read(file, d->buf, sizeof(text) - 1, &pos);
	fput(file);
	KUNIT_ASSERT_GT(d->test, len, 0);
	KUNIT_ASSERT_EQ(d->test, copy_from_user(text, d->buf, len), 0);
	KUNIT_EXPECT_EQ(d->test, kstrtol(strim(text), 0, &val), 0);
	return val;
}

/*
 * The README's debugfs recipe, done by the test: the fault_attr's knobs,
 * then `fail` into action, make get_dev_pagemap() fail exactly `times`
 * times; `hits` and `fired` read back what happened; `none` disarms (and
 * the counters restart); a sleeping action on an atomic point is refused
 * with -EINVAL and not armed.
 */
static void debugfs_arms_point(struct kunit *test)
{
	const enum zdrace_fi_point point = ZDRACE_FI_get_pgmap_before_tryget;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zd_debugfs *d = zd_debugfs_mount(test);
	unsigned long pfn = dev->pfn_first;
	struct dev_pagemap *pgmap;
	int i, found = 0;

	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "probability", "100"), 3);
	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "interval", "1"), 1);
	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "times", "2"), 1);
	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "task-filter", "N"), 1);
	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "action", "fail\n"), 5);

	for (i = 0; i < 3; i++) {
		pgmap = zd_get_dev_pagemap(pfn);
		if (pgmap) {
			found++;
			put_dev_pagemap(pgmap);
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, found, 1, "times=2 did not fail two lookups");
	KUNIT_EXPECT_EQ(test, zd_debugfs_read_long(d, point, "hits"), 3);
	KUNIT_EXPECT_EQ(test, zd_debugfs_read_long(d, point, "fired"), 2);

	/* Disarmed, the point neither fails nor counts. */
	KUNIT_ASSERT_EQ(test, zd_debugfs_write(d, point, "action", "none"), 4);
	pgmap = zd_get_dev_pagemap(pfn);
	KUNIT_EXPECT_NOT_NULL(test, pgmap);
	if (pgmap)
		put_dev_pagemap(pgmap);
	KUNIT_EXPECT_EQ(test, zd_debugfs_read_long(d, point, "hits"), 0);
	KUNIT_EXPECT_EQ(test, zd_debugfs_read_long(d, point, "fired"), 0);

	KUNIT_EXPECT_EQ(test, zd_debugfs_write(d, point, "action", "yield"),
			-EINVAL);
	pgmap = zd_get_dev_pagemap(pfn);
	KUNIT_EXPECT_NOT_NULL_MSG(test, pgmap, "a refused action was armed");
	if (pgmap)
		put_dev_pagemap(pgmap);
}

static struct kunit_case zdrace_fi_selftest_cases[] = {
	KUNIT_CASE(point_names_round_trip),
	KUNIT_CASE_PARAM(parse_action_string, zd_action_str_gen_params),
	KUNIT_CASE_PARAM(arm_refuses_bad_request, zd_refusal_gen_params),
	KUNIT_CASE_PARAM(action_fires_on_point, zd_pair_gen_params),
	KUNIT_CASE_PARAM(free_points_pass_every_type, zd_free_type_gen_params),
	KUNIT_CASE_PARAM(fault_attr_knobs, zd_knob_gen_params),
	KUNIT_CASE(unarmed_point_never_fires),
	KUNIT_CASE(nth_order_unranks),
	KUNIT_CASE_PARAM(schedule_order_is_followed, zd_order_gen_params),
	KUNIT_CASE_PARAM(seed_replays_same_trace, zd_seed_gen_params),
	KUNIT_CASE(blocked_actor_is_detected),
	KUNIT_CASE(grace_period_is_not_a_block),
	KUNIT_CASE(debugfs_arms_point),
	{}
};

static struct kunit_suite zdrace_fi_selftest_suite = {
	.name = "zdrace_fi_selftest",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_fi_selftest_cases,
};

kunit_test_suite(zdrace_fi_selftest_suite);

MODULE_DESCRIPTION("KUnit self-test of zdrace fault injection and scheduling");
MODULE_LICENSE("GPL");
