// SPDX-License-Identifier: GPL-2.0
/*
 * ops->page_free() versus the refcount reset (linux-mm, Sep 2022,
 * INIT_PAGEMAP_BUSY: "hmm_test has already threaded the 'freed' page into
 * the free list via ops->page_free(), it can't have a 0 ref count and be
 * on the free list, even temporarily").  Rules: no page on the driver's
 * free list carries a reference; a page handed out again keeps the count
 * its new owner gave it; pgmap references balance.  A `call` at
 * free_after_page_free runs a lib/test_hmm.c-style allocator (or only
 * looks) inside free_zone_device_folio()'s window.  GENERIC's "double
 * life" in 6.12 is known upstream, with the counts as evidence; 7.3 frees
 * GENERIC pages without a driver callback (not applicable).
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

enum zd_reset_when {
	ZD_RESET_LOOK_ONLY,	/* no allocator: only look at the free list */
	ZD_RESET_IN_WINDOW,	/* allocator between page_free and the reset */
	ZD_RESET_AFTER_FREE,	/* allocator once the free returned */
};

struct zd_reset_case {
	const char *name;
	enum memory_type type;
	enum zd_reset_when when;
};

/* What the window saw. */
struct zd_reset_ctx {
	struct kunit *test;
	struct zd_dev *dev;
	struct page *freed;
	enum zd_reset_when when;
	int calls;
	bool freed_on_list;	/* page_free had threaded it already */
	int count_in_window;	/* its count then */
	bool list_idle;		/* every page on the list at count 0 */
	struct page *bad;
	struct page *got;	/* what the allocator handed out */
	int owner_refs;		/* references its new owner holds */
};

/*
 * The driver allocator: a refcount-0 page off the free list, made a
 * refcount-1 page (Jason's "only get").  PRIVATE/COHERENT through
 * zone_device_page_init(), which takes the pgmap reference; GENERIC pages
 * hold theirs from memremap_pages() and only get their count.  The new
 * owner then takes a second reference, as mapping the page would.
 */
static void zd_reset_allocate(struct zd_reset_ctx *ctx)
{
	struct zd_dev *dev = ctx->dev;

	if (zd_type_free_at_zero(dev->pgmap.type)) {
		ctx->got = zd_dev_alloc_page(dev);
	} else {
		ctx->got = zd_dev_take_free_page(dev);
		if (ctx->got && !page_ref_count(ctx->got))
			set_page_count(ctx->got, 1);
	}
	if (!ctx->got)
		return;
	get_page(ctx->got);
	ctx->owner_refs = 2;
}

static bool zd_reset_in_window(enum zdrace_fi_point point, void *data)
{
	struct zd_reset_ctx *ctx = data;

	ctx->calls++;
	ctx->freed_on_list = ctx->dev->free_pages == ctx->freed;
	ctx->count_in_window = page_ref_count(ctx->freed);
	ctx->list_idle = zd_dev_free_list_all_idle(ctx->dev, &ctx->bad);
	if (ctx->when == ZD_RESET_IN_WINDOW)
		zd_reset_allocate(ctx);
	return false;
}

static struct zd_reset_ctx *zd_reset_setup(struct kunit *test, enum memory_type type,
					   enum zd_reset_when when)
{
	struct zd_reset_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->when = when;
	ctx->dev = zd_dev_create(test, type);
	if (zd_type_free_at_zero(type)) {
		ctx->freed = zd_dev_alloc_page(ctx->dev);
		KUNIT_ASSERT_NOT_NULL(test, ctx->freed);
	} else {
		/* Its user drops the reference memremap_pages() gave it. */
		ctx->freed = zd_dev_page(ctx->dev, 0);
	}
	KUNIT_ASSERT_EQ(test, page_ref_count(ctx->freed), 1);
	zd_arm_call(test, ZDRACE_FI_free_after_page_free, zd_reset_in_window,
		    ctx, 1);
	return ctx;
}

/* The final put, with the window's call action enabled for this task. */
static void zd_reset_final_put(struct zd_reset_ctx *ctx)
{
	scoped_guard(zd_injected)
		put_page(ctx->freed);
	zdrace_fi_disarm(ZDRACE_FI_free_after_page_free);

	KUNIT_ASSERT_EQ_MSG(ctx->test, ctx->calls, 1,
			    "the free never reached free_after_page_free");
	KUNIT_EXPECT_TRUE_MSG(ctx->test, ctx->freed_on_list,
			      "page_free had not threaded the page yet");
	KUNIT_EXPECT_EQ_MSG(ctx->test, ctx->count_in_window, 0,
			    "a page in the free window had count %d",
			    ctx->count_in_window);
	KUNIT_EXPECT_TRUE_MSG(ctx->test, ctx->list_idle,
			      "page %p on the free list with count %d inside the window",
			      ctx->bad, ctx->bad ? page_ref_count(ctx->bad) : 0);
}

static const struct zd_reset_case zd_reset_look_cases[] = {
	{ "private", MEMORY_DEVICE_PRIVATE, ZD_RESET_LOOK_ONLY },
	{ "coherent", MEMORY_DEVICE_COHERENT, ZD_RESET_LOOK_ONLY },
	{ "generic", MEMORY_DEVICE_GENERIC, ZD_RESET_LOOK_ONLY },
};

KUNIT_ARRAY_PARAM_DESC(zd_reset_look, zd_reset_look_cases, name);

/* A freed page sits on the free list at count 0, in the window and after. */
static void freed_page_on_free_list_is_unreferenced(struct kunit *test)
{
	const struct zd_reset_case *c = test->param_value;
	struct zd_reset_ctx *ctx;
	struct page *bad;

	zd_rule(test, ZD_RULE_free_list_page_unreferenced, c->type);
	zd_require_free_callback(test, c->type);

	ctx = zd_reset_setup(test, c->type, c->when);
	zd_reset_final_put(ctx);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->dev->free_pages, ctx->freed);
	if (zd_dev_free_list_all_idle(ctx->dev, &bad))
		return;
	KUNIT_ASSERT_PTR_EQ(test, bad, ctx->freed);
	KUNIT_ASSERT_EQ(test, c->type, MEMORY_DEVICE_GENERIC);
	zd_breaks(test,
		  "freed GENERIC page %#lx on the driver's free list has refcount %d after free_zone_device_folio() (%d inside the page_free window): folio_set_count(1) runs after ops->page_free()",
			  page_to_pfn(bad), page_ref_count(bad),
			  ctx->count_in_window);
}

static const struct zd_reset_case zd_reset_alloc_cases[] = {
	{ "private, in the window", MEMORY_DEVICE_PRIVATE, ZD_RESET_IN_WINDOW },
	{ "private, after the free", MEMORY_DEVICE_PRIVATE, ZD_RESET_AFTER_FREE },
	{ "coherent, in the window", MEMORY_DEVICE_COHERENT, ZD_RESET_IN_WINDOW },
	{ "coherent, after the free", MEMORY_DEVICE_COHERENT, ZD_RESET_AFTER_FREE },
	{ "generic, in the window", MEMORY_DEVICE_GENERIC, ZD_RESET_IN_WINDOW },
};

KUNIT_ARRAY_PARAM_DESC(zd_reset_alloc, zd_reset_alloc_cases, name);

/*
 * The allocator hands the freed page out again, inside the window or after
 * it: the new owner keeps its count and the pgmap references balance.
 */
static void allocator_races_refcount_reset(struct kunit *test)
{
	const struct zd_reset_case *c = test->param_value;
	struct zd_reset_ctx *ctx;
	long refs_before, refs_after;
	struct page *bad;
	int count;

	zd_rule(test, ZD_RULE_new_owner_keeps_count, c->type);
	zd_require_free_callback(test, c->type);

	ctx = zd_reset_setup(test, c->type, c->when);
	refs_before = zd_dev_pgmap_refs(ctx->dev);
	zd_reset_final_put(ctx);
	if (c->when == ZD_RESET_AFTER_FREE) {
		KUNIT_EXPECT_NULL(test, ctx->got);
		zd_reset_allocate(ctx);
	}
	KUNIT_ASSERT_PTR_EQ_MSG(test, ctx->got, ctx->freed,
				"the allocator did not get the freed page back");
	count = page_ref_count(ctx->got);
	refs_after = zd_dev_pgmap_refs(ctx->dev);
	KUNIT_EXPECT_TRUE_MSG(test, zd_dev_free_list_all_idle(ctx->dev, &bad),
			      "page %p on the free list with count %d", bad,
			      bad ? page_ref_count(bad) : 0);
	/* One allocated page before, one after: the same pgmap references. */
	KUNIT_EXPECT_EQ_MSG(test, refs_after, refs_before,
			    "pgmap references before the free %ld, after the reallocation %ld",
			    refs_before, refs_after);

	if (count != ctx->owner_refs && !zd_type_free_at_zero(c->type))
		zd_breaks(test,
			  "GENERIC page %#lx handed out between ops->page_free() and the refcount reset: its owner holds %d references, folio_set_count(1) left page_ref_count=%d",
				  page_to_pfn(ctx->got), ctx->owner_refs, count);
	KUNIT_EXPECT_EQ_MSG(test, count, ctx->owner_refs,
			    "the free path overwrote the new owner's count");

	/* The new owner lets go: a second, complete lifetime. */
	put_page(ctx->got);
	put_page(ctx->got);
	KUNIT_EXPECT_EQ(test, page_ref_count(ctx->got), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 2);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(ctx->dev), refs_before - 1);
}

static struct kunit_case zdrace_page_free_reset_cases[] = {
	KUNIT_CASE_PARAM(freed_page_on_free_list_is_unreferenced,
			 zd_reset_look_gen_params),
	KUNIT_CASE_PARAM(allocator_races_refcount_reset, zd_reset_alloc_gen_params),
	{}
};

static struct kunit_suite zdrace_page_free_reset_suite = {
	.name = "zdrace_page_free_reset",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_page_free_reset_cases,
};

kunit_test_suite(zdrace_page_free_reset_suite);

MODULE_DESCRIPTION("zdrace: ops->page_free() versus the refcount reset");
MODULE_LICENSE("GPL");
