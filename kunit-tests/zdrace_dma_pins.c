// SPDX-License-Identifier: GPL-2.0
/*
 * DMA pins versus other page references (linux-mm, Sep 2022, "Fix the
 * DAX-gup mistake": page_maybe_dma_pinned() rather than "refcount 1 means
 * DMA-idle"; the only pgmap put follows ops->page_free()).  Rules:
 * folio_maybe_dma_pinned() tells FOLL_PIN from other references; a pinned
 * page outlives its mapping and holds teardown until unpinned; the pgmap
 * is got and put once per page lifetime, and not got once teardown killed
 * it; ops->page_free() always runs with a pgmap reference, wherever in
 * memunmap_pages() the final put lands (enumerated orders).  Observed
 * through `call` counters at page_init_before_tryget and
 * free_after_page_free, the teardown gates and the pgmap count.
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "zd_fixture.h"
#include "zd_kunit.h"

enum { ZD_TEARDOWN, ZD_OTHER };

#define ZD_DMA_PINS		3
/* More pages than one folio_batch holds (PAGEVEC_SIZE, 31). */
#define ZD_DMA_BATCH		32
#define ZD_DMA_MID		(ZD_DMA_BATCH / 2)
#define ZD_DMA_LIFETIMES		3

/* ---- page_maybe_dma_pinned() ---- */

static bool zd_dma_pinned(struct page *page)
{
	return folio_maybe_dma_pinned(page_folio(page));
}

struct zd_dma_kind {
	const char *name;
	enum memory_type type;
	enum zd_ref_kind kind;
};

static const struct zd_dma_kind zd_dma_kinds[] = {
	{ "private get_page", MEMORY_DEVICE_PRIVATE, ZD_REF_GET },
	{ "private FOLL_PIN", MEMORY_DEVICE_PRIVATE, ZD_REF_PIN },
	{ "private try_get_page", MEMORY_DEVICE_PRIVATE, ZD_REF_TRY_GET },
	{ "private folio_add_pin", MEMORY_DEVICE_PRIVATE, ZD_REF_ADD_PIN },
	{ "coherent get_page", MEMORY_DEVICE_COHERENT, ZD_REF_GET },
	{ "coherent FOLL_PIN", MEMORY_DEVICE_COHERENT, ZD_REF_PIN },
	{ "coherent folio_add_pin", MEMORY_DEVICE_COHERENT, ZD_REF_ADD_PIN },
	{ "fsdax get_page", MEMORY_DEVICE_FS_DAX, ZD_REF_GET },
	{ "fsdax FOLL_PIN", MEMORY_DEVICE_FS_DAX, ZD_REF_PIN },
	{ "fsdax folio_add_pin", MEMORY_DEVICE_FS_DAX, ZD_REF_ADD_PIN },
	{ "generic get_page", MEMORY_DEVICE_GENERIC, ZD_REF_GET },
	{ "generic FOLL_PIN", MEMORY_DEVICE_GENERIC, ZD_REF_PIN },
	{ "generic try_get_page", MEMORY_DEVICE_GENERIC, ZD_REF_TRY_GET },
	{ "generic folio_add_pin", MEMORY_DEVICE_GENERIC, ZD_REF_ADD_PIN },
	{ "generic get_user_pages_fast", MEMORY_DEVICE_GENERIC, ZD_REF_GUP_FAST },
	{ "generic pin_user_pages_fast", MEMORY_DEVICE_GENERIC, ZD_REF_PIN_FAST },
};

KUNIT_ARRAY_PARAM_DESC(zd_dma_kind, zd_dma_kinds, name);

static bool zd_dma_is_pin(enum zd_ref_kind kind)
{
	return kind == ZD_REF_PIN || kind == ZD_REF_PIN_FAST ||
	       kind == ZD_REF_ADD_PIN;
}

/* One more reference of @kind on @page (mapped at @addr for gup). */
static bool zd_dma_grab(struct page *page, enum zd_ref_kind kind,
			unsigned long addr)
{
	struct page *got = NULL;

	switch (kind) {
	case ZD_REF_GET:
		get_page(page);
		return true;
	case ZD_REF_PIN:
		return !try_grab_folio(page_folio(page), 1, FOLL_PIN);
	case ZD_REF_TRY_GET:
		return try_get_page(page);
	case ZD_REF_ADD_PIN:
		/* The first pin by FOLL_PIN: folio_add_pin() adds to one. */
		if (!zd_dma_pinned(page))
			return !try_grab_folio(page_folio(page), 1, FOLL_PIN);
		folio_add_pin(page_folio(page));
		return true;
	case ZD_REF_GUP_FAST:
		return get_user_pages_fast(addr, 1, FOLL_WRITE, &got) == 1 &&
		       got == page;
	case ZD_REF_PIN_FAST:
		return pin_user_pages_fast(addr, 1, FOLL_WRITE, &got) == 1 &&
		       got == page;
	default:
		return false;
	}
}

static void zd_dma_release(struct page *page, enum zd_ref_kind kind)
{
	if (zd_dma_is_pin(kind))
		unpin_user_page(page);
	else
		put_page(page);
}

/*
 * References of one kind, added one at a time: pins are seen at every
 * count, other references at none below GUP_PIN_COUNTING_BIAS.  One more
 * plain reference reaches the bias: the false positive the "maybe" in the
 * name documents.
 */
static void dma_pinned_only_for_foll_pin(struct kunit *test)
{
	const struct zd_dma_kind *k = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, k->type);
	struct page *page = zd_dev_user_page(dev);
	bool pin = zd_dma_is_pin(k->kind);
	unsigned long addr = 0;
	int n, base, max, taken = 0, wrong = 0;

	zd_rule(test, ZD_RULE_dma_pinned_tells_foll_pin, k->type);

	if (k->kind == ZD_REF_GUP_FAST || k->kind == ZD_REF_PIN_FAST) {
		addr = zd_dev_map_user(dev, 1);
		KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	}
	/* After the fault: the mapping may hold a reference of its own. */
	base = page_ref_count(page);
	max = pin ? ZD_DMA_PINS : GUP_PIN_COUNTING_BIAS - 1 - base;
	KUNIT_EXPECT_FALSE(test, zd_dma_pinned(page));
	for (n = 1; n <= max; n++) {
		if (!zd_dma_grab(page, k->kind, addr))
			break;
		taken++;
		if (zd_dma_pinned(page) != pin && !wrong++)
			KUNIT_FAIL(test,
				   "%d %s refs (count %d): folio_maybe_dma_pinned() = %d",
				   n, zd_ref_kind_name(k->kind),
				   page_ref_count(page), !pin);
	}
	KUNIT_EXPECT_EQ_MSG(test, taken, max, "a %s reference failed",
			    zd_ref_kind_name(k->kind));
	KUNIT_EXPECT_EQ(test, wrong, 0);
	if (!pin && taken == max && zd_dma_grab(page, k->kind, addr)) {
		taken++;
		KUNIT_EXPECT_EQ(test, page_ref_count(page), GUP_PIN_COUNTING_BIAS);
		KUNIT_EXPECT_TRUE_MSG(test, zd_dma_pinned(page),
				      "GUP_PIN_COUNTING_BIAS plain references should look pinned");
	}
	while (taken--)
		zd_dma_release(page, k->kind);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), base);
	KUNIT_EXPECT_FALSE(test, zd_dma_pinned(page));
	if (zd_type_user_ref_is_callers(k->type))
		put_page(page);
}

/* munmap() of a pinned devmap page leaves the pin: DMA may still run. */
static void unmapped_pinned_page_stays_referenced(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	unsigned long addr = zd_dev_map_user(dev, 1);
	struct page *page = zd_dev_page(dev, 0), *got = NULL;
	int idle;

	zd_rule(test, ZD_RULE_pin_outlives_mapping, MEMORY_DEVICE_GENERIC);

	/* Before the fault: munmap() takes whatever the mapping holds. */
	idle = page_ref_count(page);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &got), 1);
	KUNIT_ASSERT_PTR_EQ(test, got, page);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ_MSG(test, get_user_pages_fast(addr, 1, 0, &got), -EFAULT,
			    "the mapping survived munmap()");

	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			idle + GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_TRUE(test, zd_dma_pinned(page));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), idle);
	KUNIT_EXPECT_FALSE(test, zd_dma_pinned(page));
}

/* ---- teardown versus a pin ---- */

static void zd_dma_teardown(void *data)
{
	zd_dev_unmap(data);
}

static struct zdrace_sched *zd_dma_sched(struct kunit *test, struct zd_dev *dev)
{
	struct zdrace_sched *s = zdrace_sched_new(test);

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown", zd_dma_teardown,
						     dev), ZD_TEARDOWN);
	zd_gate_teardown(test, s, 0);
	return s;
}

/* A page held by a DMA pin alone: teardown waits for the unpin. */
static void teardown_waits_for_unpin(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	struct page *page = zd_dev_user_page(dev);
	unsigned long pfn = page_to_pfn(page);
	struct zd_ref *pin = zd_ref_take(dev, page, ZD_REF_PIN);
	struct zdrace_sched *s = zd_dma_sched(test, dev);
	int wait, blocked, unpinned, waited;

	zd_rule(test, ZD_RULE_teardown_waits_for_reference, p->type);

	put_page(page);		/* the allocation's reference */
	KUNIT_ASSERT_EQ(test, page_ref_count(page), GUP_PIN_COUNTING_BIAS);

	KUNIT_ASSERT_EQ_MSG(test, zdrace_sched_run(s), -EDEADLK,
			    "memunmap_pages() completed under a DMA pin");
	wait = zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				 ZDRACE_FI_memunmap_before_wait);
	blocked = zdrace_sched_blocked(s, ZD_TEARDOWN);
	KUNIT_EXPECT_GE(test, wait, 0);
	KUNIT_EXPECT_GT_MSG(test, blocked, wait,
			    "teardown did not block in its wait");
	KUNIT_EXPECT_FALSE(test, percpu_ref_is_zero(&dev->pgmap.ref));
	KUNIT_EXPECT_TRUE(test, pfn_valid(pfn));
	KUNIT_EXPECT_TRUE(test, zd_dma_pinned(page));

	unpinned = zdrace_sched_nr_events(s);
	zd_ref_drop(pin);
	KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
	waited = zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				   ZDRACE_FI_memunmap_after_wait);
	KUNIT_EXPECT_GE_MSG(test, waited, unpinned,
			    "teardown passed its wait before the unpin");
	KUNIT_EXPECT_FALSE(test, dev->mapped);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->pgmap_ref_at_free), 1);
}

/* ---- the pgmap get/put pair ---- */

/*
 * Lifetimes of one page, each with extra get_page() and FOLL_PIN
 * references: one pgmap get at zone_device_page_init(), one put after
 * ops->page_free(), and no other change to the pgmap count.
 */
static void pgmap_get_put_once_per_lifetime(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	long base = zd_dev_pgmap_refs(dev);
	atomic_t gets, puts;
	struct page *page, *first = NULL;
	int i;

	zd_rule(test, ZD_RULE_pgmap_ref_once_per_lifetime, p->type);

	zd_count_injected(test, ZDRACE_FI_page_init_before_tryget, &gets);
	zd_count_injected(test, ZDRACE_FI_free_after_page_free, &puts);
	guard(zd_injected)();
	for (i = 0; i < ZD_DMA_LIFETIMES; i++) {
		page = zd_dev_alloc_page(dev);
		KUNIT_ASSERT_NOT_NULL(test, page);
		if (!first)
			first = page;
		KUNIT_EXPECT_PTR_EQ_MSG(test, page, first,
					"the free list did not hand the page back");
		KUNIT_EXPECT_EQ(test, atomic_read(&gets), i + 1);
		KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), base + 1);

		get_page(page);
		KUNIT_EXPECT_EQ(test, try_grab_folio(page_folio(page), 1,
						     FOLL_PIN), 0);
		KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 1,
				    "a page reference took a pgmap reference");
		unpin_user_page(page);
		put_page(page);
		KUNIT_EXPECT_EQ(test, atomic_read(&puts), i);
		put_page(page);
		KUNIT_EXPECT_EQ(test, atomic_read(&puts), i + 1);
		KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), base);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&gets), ZD_DMA_LIFETIMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&puts), ZD_DMA_LIFETIMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls),
			ZD_DMA_LIFETIMES);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->pgmap_ref_at_free),
			ZD_DMA_LIFETIMES);
}

/* ---- ops->page_free() versus teardown ---- */

/*
 * Teardown steps before the final put may run: every gate up to the wait
 * and into it for PRIVATE/COHERENT (which block there on the page); for
 * GENERIC, which does not block, every gate up to memunmap_before_unmap,
 * where the memmap is still there.
 */
static void zd_dma_free_steps(const struct zd_type_param *t, u8 *steps)
{
	if (zd_type_free_at_zero(t->type))
		steps[ZD_TEARDOWN] = zd_teardown_steps_to(t->type,
							  ZDRACE_FI_memunmap_before_wait) + 1;
	else
		steps[ZD_TEARDOWN] = zd_teardown_steps_to(t->type,
							  ZDRACE_FI_memunmap_before_unmap);
	steps[ZD_OTHER] = 1;
}

static const struct zd_type_param zd_dma_free_cases[] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
	{ MEMORY_DEVICE_GENERIC, "generic" },
};

ZD_ORDER_PARAMS(zd_dma_free, name, zd_dma_free_steps, 2);

struct zd_dma_free_ctx {
	struct zd_dev *dev;
	struct page *page;
};

/* The final put: of the allocation, or of GENERIC's memremap reference. */
static void zd_dma_final_put(void *data)
{
	struct zd_dma_free_ctx *ctx = data;

	put_page(ctx->page);
}

static void page_free_holds_pgmap_reference(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	const struct zd_type_param *t = p->c;
	struct zd_dma_free_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						   GFP_KERNEL);
	struct zdrace_sched *s;
	struct zd_order_ran ran;

	zd_rule(test, ZD_RULE_page_free_holds_pgmap, t->type);
	zd_require_free_callback(test, t->type);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, t->type);
	ctx->page = zd_dev_user_page(ctx->dev);
	s = zd_dma_sched(test, ctx->dev);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "put", zd_dma_final_put,
						     ctx), ZD_OTHER);
	ran = zd_order_run(test, s, p, ZD_OTHER, ZD_TEARDOWN);
	KUNIT_ASSERT_EQ(test, ran.ret, 0);
	KUNIT_ASSERT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);

	if (atomic_read(&ctx->dev->pgmap_ref_at_free) == 1)
		return;
	KUNIT_ASSERT_EQ(test, t->type, MEMORY_DEVICE_GENERIC);
	KUNIT_ASSERT_GE(test, zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
						ZDRACE_FI_memunmap_after_put_initial),
			0);
	zd_breaks(test,
		  "ops->page_free() of a GENERIC page ran with the pgmap reference count at 0: the final put came after %d teardown steps, once memunmap_pages() had put the per-page pgmap references",
		  ran.before);
}

/* ---- the final put in a batch ---- */

/*
 * Folios on the LRU that only the caller still holds: page-cache folios
 * whose cache let them go.
 */
static void zd_dma_lru_folios(struct kunit *test, struct page **pages,
			      int nr)
{
	struct address_space *mapping;
	struct folio *folio;
	int i;

	mapping = zd_cache_file(test, "zdrace-batch")->f_mapping;
	for (i = 0; i < nr; i++) {
		folio = __filemap_get_folio(mapping, i, FGP_LOCK | FGP_CREAT,
					    GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
		folio_unlock(folio);
		pages[i] = &folio->page;
	}
	lru_add_drain_all();
	truncate_inode_pages(mapping, 0);
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_TRUE(test, PageLRU(pages[i]));
		KUNIT_ASSERT_EQ(test, page_ref_count(pages[i]), 1);
	}
}

/*
 * The final put of a device page lands in a batched release
 * (release_pages(), as an unmap frees its pages) among the last puts of
 * more LRU folios than one folio_batch holds, after some whose lruvec
 * lock the batch still holds: the batch lets it go and frees the device
 * page through ops->page_free() with its pgmap reference, once.
 */
static void batched_final_put_holds_pgmap_reference(struct kunit *test)
{
	const struct zd_type_param *t = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, t->type);
	struct page *batch[ZD_DMA_BATCH + 1];

	zd_rule(test, ZD_RULE_page_free_holds_pgmap, t->type);

	zd_dma_lru_folios(test, batch, ZD_DMA_BATCH + 1);
	/*
	 * One freed alone (folio_put()), its place, mid-batch, taken by the
	 * device page: the folios after it move up in the batch.
	 */
	put_page(batch[ZD_DMA_MID]);
	batch[ZD_DMA_MID] = zd_dev_user_page(dev);
	release_pages(batch, ARRAY_SIZE(batch));

	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->pgmap_ref_at_free), 1,
			    "ops->page_free() ran without a pgmap reference");
	KUNIT_EXPECT_EQ(test, page_ref_count(batch[ZD_DMA_MID]), 0);
}

/* ---- an allocation once teardown has started ---- */

struct zd_dma_late_ctx {
	struct zd_dev *dev;
	bool dying;		/* the pgmap was killed when the driver ran */
	struct page *page;	/* what the driver's allocator handed out */
	int count;		/* ... and its count then */
};

/* The driver's allocator, run once memunmap_pages() killed the pgmap. */
static void zd_dma_late_alloc(void *data)
{
	struct zd_dma_late_ctx *ctx = data;

	ctx->dying = percpu_ref_is_dying(&ctx->dev->pgmap.ref);
	ctx->page = zd_dev_alloc_page(ctx->dev);
	if (ctx->page)
		ctx->count = page_ref_count(ctx->page);
}

/*
 * Teardown parks right after memunmap_pages()'s percpu_ref_kill(), an
 * allocated page keeping the pgmap alive, and the driver allocates another
 * page: zone_device_page_init() must take no pgmap reference then (its
 * tryget refuses, with a WARN_ON_ONCE that is expected here).  Teardown
 * then blocks in its wait until the test puts both pages.  Counted with
 * the pgmap's references: before the kill in percpu mode, after it once
 * the switch to atomic mode has finished (rcu_barrier()).
 */
static void alloc_after_teardown_starts(struct kunit *test)
{
	static const u8 order[] = { ZD_TEARDOWN, ZD_OTHER };
	const struct zd_type_param *p = test->param_value;
	struct zd_dma_late_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						   GFP_KERNEL);
	struct page *held;
	struct zdrace_sched *s;
	long before, after, took;
	int killed, allocated;

	zd_rule(test, ZD_RULE_no_alloc_after_teardown_starts, p->type);
	/* A kernel that keeps the rule says so, once a boot. */
	zd_expect_report(test, "WARNING in zone_device_page_init", true);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = zd_dev_create(test, p->type);
	held = zd_dev_user_page(ctx->dev);
	before = zd_dev_pgmap_refs(ctx->dev);
	s = zd_dma_sched(test, ctx->dev);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "alloc", zd_dma_late_alloc,
						     ctx), ZD_OTHER);
	zdrace_sched_set_order(s, order, ARRAY_SIZE(order));

	KUNIT_ASSERT_EQ_MSG(test, zdrace_sched_run(s), -EDEADLK,
			    "memunmap_pages() completed under an allocated page");
	rcu_barrier();
	after = zd_dev_pgmap_refs(ctx->dev);
	/* The kill dropped the initial reference: what is left is the pages'. */
	took = after - (before - 1);
	killed = zdrace_sched_find(s, ZD_TEARDOWN, ZDRACE_SCHED_EV_GATE,
				   ZDRACE_FI_memunmap_after_kill);
	allocated = zdrace_sched_done(s, ZD_OTHER);
	KUNIT_ASSERT_NOT_NULL_MSG(test, ctx->page, "the free list was empty");
	/* A refused tryget leaves the page without the reference its free drops. */
	if (!took)
		percpu_ref_get(&ctx->dev->pgmap.ref);
	put_page(ctx->page);
	put_page(held);
	KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
	kunit_info(test, "%s: page allocated after the kill at count %d; pgmap references %ld before the kill, %ld after it and the allocation\n",
		   p->name, ctx->count, before, after);

	/* The claimed interleaving: the allocation ran right after the kill. */
	KUNIT_EXPECT_GE(test, killed, 0);
	KUNIT_EXPECT_EQ_MSG(test, zdrace_sched_count_before(s, ZD_TEARDOWN, allocated),
			    1, "the allocation did not run right after the kill");
	KUNIT_EXPECT_TRUE_MSG(test, ctx->dying,
			      "the pgmap was not killed when the driver allocated");
	KUNIT_EXPECT_EQ(test, ctx->count, 1);
	KUNIT_EXPECT_FALSE(test, ctx->dev->mapped);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->pgmap_ref_at_free), 2);
	KUNIT_ASSERT_TRUE_MSG(test, took == 0 || took == 1,
			      "pgmap references %ld before the kill, %ld after it",
			      before, after);
	if (!took)
		return;
	zd_breaks(test,
		  "zone_device_page_init() after memunmap_pages() killed the %s pgmap (page %#lx still held) took a pgmap reference: %ld references after the kill, %ld with the held page alone; the new page at count %d, and teardown waited for it too",
		  p->name, page_to_pfn(held), after, after - took, ctx->count);
}

static struct kunit_case zdrace_dma_pins_cases[] = {
	KUNIT_CASE_PARAM(dma_pinned_only_for_foll_pin, zd_dma_kind_gen_params),
	KUNIT_CASE(unmapped_pinned_page_stays_referenced),
	KUNIT_CASE_PARAM(teardown_waits_for_unpin, zd_free_at_zero_gen_params),
	KUNIT_CASE_PARAM(pgmap_get_put_once_per_lifetime,
			 zd_free_at_zero_gen_params),
	KUNIT_CASE_PARAM(page_free_holds_pgmap_reference,
			 zd_dma_free_gen_params),
	KUNIT_CASE_PARAM(batched_final_put_holds_pgmap_reference,
			 zd_free_at_zero_gen_params),
	KUNIT_CASE_PARAM(alloc_after_teardown_starts, zd_free_at_zero_gen_params),
	{}
};

static struct kunit_suite zdrace_dma_pins_suite = {
	.name = "zdrace_dma_pins",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_dma_pins_cases,
};

kunit_test_suite(zdrace_dma_pins_suite);

MODULE_DESCRIPTION("zdrace: DMA pins versus other page references");
MODULE_LICENSE("GPL");
