// SPDX-License-Identifier: GPL-2.0
/*
 * memunmap_pages() with page references outstanding (linux-mm, Apr 2017,
 * "get_zone_device_page() in get_page() and page_cache_get_speculative()":
 * "it should be perfectly legal to start the driver shutdown process while
 * page references are still outstanding").  Rule: teardown does not pass its
 * wait, unmap the memmap or release the pgmap before the last reference
 * (get_page, FOLL_PIN, gup-fast, get_dev_pagemap) drops.  A teardown actor
 * parks at memunmap_pages()'s gates and a second actor drops the reference
 * at every position an enumerated order gives it; the trace shows where.
 * A plain reference to a GENERIC or FS_DAX page holds neither 6.12's nor
 * 7.3's teardown: known upstream (a DAX filesystem waits for its pages to go
 * idle before it lets the device go), with the pgmap count and pfn_valid()
 * as evidence.  A pfn walker that holds the pgmap while it takes its
 * reference (zd_pfn_walk()) meets teardown at every position.
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/percpu-refcount.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

enum { ZD_TEARDOWN, ZD_OTHER };

struct zd_held_case {
	const char *name;
	enum memory_type type;
	enum zd_ref_kind kind;
	unsigned int order;	/* of the folio whose last tail is held */
};

/* Every reference a teardown must wait for, per type. */
static const struct zd_held_case zd_held_waited_cases[] = {
	{ "private get_page", MEMORY_DEVICE_PRIVATE, ZD_REF_GET },
	{ "private FOLL_PIN", MEMORY_DEVICE_PRIVATE, ZD_REF_PIN },
	{ "private get_dev_pagemap", MEMORY_DEVICE_PRIVATE, ZD_REF_PGMAP },
	{ "private try_get_page", MEMORY_DEVICE_PRIVATE, ZD_REF_TRY_GET },
	{ "private folio_add_pin", MEMORY_DEVICE_PRIVATE, ZD_REF_ADD_PIN },
	{ "private pfn walker", MEMORY_DEVICE_PRIVATE, ZD_REF_PFN_WALK },
	{ "coherent get_page", MEMORY_DEVICE_COHERENT, ZD_REF_GET },
	{ "coherent FOLL_PIN", MEMORY_DEVICE_COHERENT, ZD_REF_PIN },
	{ "coherent get_dev_pagemap", MEMORY_DEVICE_COHERENT, ZD_REF_PGMAP },
	{ "coherent try_get_page", MEMORY_DEVICE_COHERENT, ZD_REF_TRY_GET },
	{ "coherent folio_add_pin", MEMORY_DEVICE_COHERENT, ZD_REF_ADD_PIN },
	{ "coherent pfn walker", MEMORY_DEVICE_COHERENT, ZD_REF_PFN_WALK },
	{ "generic get_dev_pagemap", MEMORY_DEVICE_GENERIC, ZD_REF_PGMAP },
	{ "fsdax get_dev_pagemap", MEMORY_DEVICE_FS_DAX, ZD_REF_PGMAP },
	/* A large folio out: its 2^N pgmap references, held by one tail. */
	{ "private order-1 folio, get_page of its tail", MEMORY_DEVICE_PRIVATE,
	  ZD_REF_GET, 1 },
	{ "private order-2 folio, FOLL_PIN of its last tail",
	  MEMORY_DEVICE_PRIVATE, ZD_REF_PIN, 2 },
	{ "coherent order-2 folio, get_page of its last tail",
	  MEMORY_DEVICE_COHERENT, ZD_REF_GET, 2 },
	{ "coherent order-1 folio, FOLL_PIN of its tail",
	  MEMORY_DEVICE_COHERENT, ZD_REF_PIN, 1 },
};

/*
 * Plain references to GENERIC and FS_DAX pages: no pgmap reference of
 * their own (memunmap_pages() puts the per-page references it took at
 * memremap_pages(); a DAX filesystem waits for its pages to go idle
 * before it lets the device go).
 */
static const struct zd_held_case zd_held_plain[] = {
	{ "generic get_page", MEMORY_DEVICE_GENERIC, ZD_REF_GET },
	{ "generic FOLL_PIN", MEMORY_DEVICE_GENERIC, ZD_REF_PIN },
	{ "generic get_user_pages_fast", MEMORY_DEVICE_GENERIC, ZD_REF_GUP_FAST },
	{ "generic pin_user_pages_fast", MEMORY_DEVICE_GENERIC, ZD_REF_PIN_FAST },
	{ "generic pfn walker", MEMORY_DEVICE_GENERIC, ZD_REF_PFN_WALK },
	{ "fsdax get_page", MEMORY_DEVICE_FS_DAX, ZD_REF_GET },
	{ "fsdax FOLL_PIN", MEMORY_DEVICE_FS_DAX, ZD_REF_PIN },
};

/* What the second actor saw when it ran. */
struct zd_held_ctx {
	struct zd_dev *dev;
	struct page *page;
	unsigned long pfn;
	struct zd_ref *ref;
	struct folio *walked;	/* what a pfn walker got */
	bool memmap_live;	/* pfn_valid() and page->pgmap intact */
	bool pgmap_released;	/* the pgmap's count was 0 */
	int refcount;
};

static void zd_held_teardown(void *data)
{
	struct zd_held_ctx *ctx = data;

	zd_dev_unmap(ctx->dev);
}

static void zd_held_look(struct zd_held_ctx *ctx)
{
	ctx->memmap_live = pfn_valid(ctx->pfn) &&
			   zd_page_pgmap(ctx->page) == &ctx->dev->pgmap;
	ctx->pgmap_released = percpu_ref_is_zero(&ctx->dev->pgmap.ref);
	if (ctx->memmap_live)
		ctx->refcount = page_ref_count(ctx->page);
}

static void zd_held_drop(void *data)
{
	struct zd_held_ctx *ctx = data;

	zd_held_look(ctx);
	zd_ref_drop(ctx->ref);
}

static void zd_held_observe(void *data)
{
	zd_held_look(data);
}

/*
 * The last page of a PRIVATE/COHERENT folio of 2^@order pages handed out
 * at page 0 of @dev, which then holds 2^@order pgmap references.
 */
static struct page *zd_held_folio_tail(struct zd_dev *dev, unsigned int order)
{
	struct folio *folio = zd_dev_alloc_folio(dev, 0, order);
	long refs = zd_dev_pgmap_refs(dev);

	KUNIT_ASSERT_NOT_NULL(dev->test, folio);
	kunit_info(dev->test, "order-%u folio out: pgmap references %ld, head count %d, tail count %d\n",
		   order, refs, folio_ref_count(folio),
		   page_ref_count(folio_page(folio, (1 << order) - 1)));
	return folio_page(folio, (1 << order) - 1);
}

/*
 * A device of @c->type and one of its pages, held by a reference of
 * @c->kind alone: an allocated PRIVATE/COHERENT page (the last tail of
 * an order-@c->order folio) gives up its allocation reference once
 * @c->kind is taken; a GENERIC page keeps its idle count, an FS_DAX page
 * the reference of the mapping that took it into use.
 */
static struct zd_held_ctx *zd_held_setup(struct kunit *test,
					 const struct zd_held_case *c)
{
	struct zd_held_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	if (c->order)
		ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS);
	ctx->dev = zd_dev_create(test, c->type);
	ctx->page = c->order ? zd_held_folio_tail(ctx->dev, c->order) :
			       zd_dev_user_page(ctx->dev);
	ctx->pfn = page_to_pfn(ctx->page);
	ctx->ref = zd_ref_take(ctx->dev, ctx->page, c->kind);
	if (zd_type_free_at_zero(c->type))
		put_page(ctx->page);
	return ctx;
}

static struct zdrace_sched *zd_held_sched(struct kunit *test, struct zd_held_ctx *ctx,
					  const char *other, zdrace_actor_fn fn)
{
	struct zdrace_sched *s = zdrace_sched_new(test);

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown", zd_held_teardown,
						     ctx), ZD_TEARDOWN);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, other, fn, ctx), ZD_OTHER);
	zd_gate_teardown(test, s, 0);
	return s;
}

/*
 * Teardown takes one step to each gate up to memunmap_before_wait and one
 * into the wait before the drop can no longer come first.
 */
static void zd_held_steps(const struct zd_held_case *c, u8 *steps)
{
	steps[ZD_TEARDOWN] = zd_teardown_steps_to(c->type,
						  ZDRACE_FI_memunmap_before_wait) + 1;
	steps[ZD_OTHER] = 1;
}

ZD_ORDER_PARAMS(zd_held_waited, name, zd_held_steps, 2);

/*
 * The reference is dropped at the position the order gives it; teardown
 * passes its wait only after that, and the memmap is live at the drop.
 */
static void teardown_waits_for_last_reference(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	const struct zd_held_case *c = p->c;
	struct zd_held_ctx *ctx = zd_held_setup(test, c);
	struct zdrace_sched *s = zd_held_sched(test, ctx, "drop", zd_held_drop);
	struct zd_order_ran ran;
	int waited, blocked;

	zd_rule(test, ZD_RULE_teardown_waits_for_reference, c->type);

	ran = zd_order_run(test, s, p, ZD_OTHER, ZD_TEARDOWN);
	KUNIT_ASSERT_EQ_MSG(test, ran.ret, 0, "teardown never completed");
	waited = zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				   ZDRACE_FI_memunmap_after_wait);
	blocked = zdrace_sched_blocked(s, ZD_TEARDOWN);
	KUNIT_ASSERT_GE(test, waited, 0);

	if (ran.before == p->steps[ZD_TEARDOWN])
		KUNIT_EXPECT_TRUE_MSG(test, blocked >= 0 && blocked < ran.done,
				      "teardown did not block on the %s reference",
				      zd_ref_kind_name(c->kind));
	else
		KUNIT_EXPECT_LT(test, blocked, 0);

	KUNIT_EXPECT_GT_MSG(test, waited, ran.done,
			    "memunmap_pages() passed its wait under a %s reference",
			    zd_ref_kind_name(c->kind));
	KUNIT_EXPECT_TRUE_MSG(test, ctx->memmap_live,
			      "the memmap was gone when the reference dropped");
	KUNIT_EXPECT_FALSE_MSG(test, ctx->pgmap_released,
			       "the pgmap was released under the reference");
	KUNIT_EXPECT_GE(test, zdrace_sched_done(s, ZD_TEARDOWN),
			waited);
	KUNIT_EXPECT_FALSE(test, ctx->dev->mapped);
	KUNIT_EXPECT_FALSE(test, pfn_valid(ctx->pfn));
	if (zd_type_free_at_zero(c->type) && c->kind != ZD_REF_PGMAP) {
		/* The dropped reference was the last: the page was freed. */
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 1);
	}
}

KUNIT_ARRAY_PARAM_DESC(zd_held_plain, zd_held_plain, name);

/*
 * A plain reference to a GENERIC or FS_DAX page held across teardown.  The
 * rule says
 * teardown must block; an observer actor, run when teardown has reached
 * memunmap_before_unmap (or blocked), records whether the pgmap was
 * already released and the count the page still had.
 */
static void plain_reference_vs_teardown(struct kunit *test)
{
	const struct zd_held_case *c = test->param_value;
	struct zd_held_ctx *ctx = zd_held_setup(test, c);
	struct zdrace_sched *s = zd_held_sched(test, ctx, "observe", zd_held_observe);
	u8 order[ZD_TEARDOWN_NR_GATES + 2];
	int i, observed, at_unmap, held;

	zd_rule(test, ZD_RULE_teardown_waits_for_reference, c->type);

	/* Teardown to memunmap_before_unmap, the observer, the rest. */
	for (i = 0; i < ZD_TEARDOWN_NR_GATES; i++)
		order[i] = ZD_TEARDOWN;
	order[i++] = ZD_OTHER;
	order[i++] = ZD_TEARDOWN;
	zdrace_sched_set_order(s, order, i);
	held = page_ref_count(ctx->page);

	if (zdrace_sched_run(s) == -EDEADLK) {
		/* Teardown blocked on the reference: the rule holds. */
		KUNIT_EXPECT_TRUE(test, ctx->memmap_live);
		zd_ref_drop(ctx->ref);
		KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
		KUNIT_EXPECT_FALSE(test, ctx->dev->mapped);
		return;
	}
	observed = zdrace_sched_done(s, ZD_OTHER);
	at_unmap = zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				     ZDRACE_FI_memunmap_before_unmap);
	KUNIT_ASSERT_GE(test, at_unmap, 0);
	KUNIT_ASSERT_EQ_MSG(test, observed, at_unmap + 1,
			    "the observer did not run at memunmap_before_unmap");
	KUNIT_ASSERT_GE(test, zdrace_sched_done(s, ZD_TEARDOWN), 0);
	KUNIT_ASSERT_TRUE(test, ctx->memmap_live);
	KUNIT_ASSERT_TRUE(test, ctx->pgmap_released);
	KUNIT_ASSERT_EQ(test, ctx->refcount, held);
	KUNIT_ASSERT_FALSE(test, pfn_valid(ctx->pfn));

	zd_breaks(test,
		  "memunmap_pages() returned under a %s reference to %s page: pgmap released with page_ref_count=%d held at memunmap_before_unmap, pfn_valid(%#lx)=0 after; the late put would touch an unmapped memmap",
		  zd_ref_kind_name(c->kind),
		  c->type == MEMORY_DEVICE_FS_DAX ? "an FS_DAX" : "a GENERIC",
		  ctx->refcount, ctx->pfn);
}

/* ---- a pfn walker arriving during teardown ---- */

static const struct zd_held_case zd_walker_cases[] = {
	{ "private", MEMORY_DEVICE_PRIVATE, ZD_REF_PFN_WALK },
	{ "coherent", MEMORY_DEVICE_COHERENT, ZD_REF_PFN_WALK },
};

ZD_ORDER_PARAMS(zd_walker, name, zd_held_steps, 2);

/*
 * The walker looks the page up by pfn (zd_pfn_walk()) and keeps what it
 * got; the page's owner then lets it go, as a driver's page is freed
 * while a walker holds it.
 */
static void zd_held_walk(void *data)
{
	struct zd_held_ctx *ctx = data;

	ctx->walked = zd_pfn_walk(ctx->pfn);
	put_page(ctx->page);
	zd_held_look(ctx);
}

/*
 * A pfn walker meets memunmap_pages() at every position an order gives
 * it: before the pgmap is killed it gets the page and teardown waits in
 * its wait until the walker's put; once killed, get_dev_pagemap() turns
 * it away before it touches the page, and the owner's put frees it.
 */
static void pfn_walker_vs_teardown(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	const struct zd_held_case *c = p->c;
	struct zd_held_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;
	struct zd_order_ran ran;
	int killed;

	zd_rule(test, ZD_RULE_teardown_waits_for_reference, c->type);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, c->type);
	ctx->page = zd_dev_alloc_page(ctx->dev);
	KUNIT_ASSERT_NOT_NULL(test, ctx->page);
	ctx->pfn = page_to_pfn(ctx->page);
	s = zd_held_sched(test, ctx, "walk", zd_held_walk);
	killed = zd_teardown_steps_to(c->type, ZDRACE_FI_memunmap_after_kill);
	ran = zd_order_run(test, s, p, ZD_OTHER, ZD_TEARDOWN);
	if (ran.before < killed) {
		KUNIT_EXPECT_PTR_EQ_MSG(test, ctx->walked, page_folio(ctx->page),
					"a walker before the kill did not get the page");
		KUNIT_EXPECT_TRUE(test, ctx->memmap_live);
		KUNIT_EXPECT_EQ(test, ctx->refcount, 1);
		KUNIT_EXPECT_EQ_MSG(test, ran.ret, -EDEADLK,
				    "teardown did not wait for the walker's reference");
		KUNIT_EXPECT_TRUE(test, pfn_valid(ctx->pfn));
		if (ctx->walked)
			folio_put(ctx->walked);
		KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
	} else {
		KUNIT_EXPECT_NULL_MSG(test, ctx->walked,
				      "a walker after the kill got page %#lx",
				      ctx->pfn);
		if (ctx->walked)
			folio_put(ctx->walked);
		KUNIT_EXPECT_EQ_MSG(test, ctx->refcount, 0,
				    "the owner's put did not free the page");
		KUNIT_ASSERT_EQ(test, ran.ret, 0);
	}
	KUNIT_EXPECT_FALSE(test, ctx->dev->mapped);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 1);
}

static struct kunit_case zdrace_teardown_refs_cases[] = {
	KUNIT_CASE_PARAM(teardown_waits_for_last_reference,
			 zd_held_waited_gen_params),
	KUNIT_CASE_PARAM(plain_reference_vs_teardown,
			 zd_held_plain_gen_params),
	KUNIT_CASE_PARAM(pfn_walker_vs_teardown, zd_walker_gen_params),
	{}
};

static struct kunit_suite zdrace_teardown_refs_suite = {
	.name = "zdrace_teardown_refs",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_teardown_refs_cases,
};

kunit_test_suite(zdrace_teardown_refs_suite);

MODULE_DESCRIPTION("zdrace: memunmap_pages() with page references outstanding");
MODULE_LICENSE("GPL");
