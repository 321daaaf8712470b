// SPDX-License-Identifier: GPL-2.0
/*
 * Device folios of more than one page (7.x: zone_device_page_init(page,
 * pgmap, order), upstream 2025; its reset of a reused page's state fixed
 * twice since).  Rules:
 *
 *   - an order-N device folio takes 2^N pgmap references and its free
 *     gives them back; its head is at count 1, its tails at 0 and point
 *     at it;
 *   - a block freed and handed out again, at the same or another order,
 *     carries nothing of its last life: checked page by page, field by
 *     field, at the allocation (low page flags, compound head and order,
 *     the _nr_pages of a former large folio, mapping, pgmap, share);
 *   - GUP of a tail page, fast or slow, get or pin, references the head:
 *     the head's count (and pin count) rise, the tails stay at 0;
 *   - an eviction (migrate_device_range()) over a large folio the driver
 *     holds leaves it whole: a range ending inside it takes nothing of it,
 *     and over all of it the move is dropped for want of a destination, or,
 *     given an order-0 one, fails on the driver's reference; the folio
 *     comes back unlocked, its counts as before;
 *   - an eviction over a block takes every page in use in it: a former
 *     tail handed out again alone, its former head still free.
 *
 * A teardown with a large folio out waits for it: zdrace_teardown_refs.
 *
 * On 6.12, which hands out order-0 pages only, the order-0 parameters run
 * and the others are not applicable.  Where a path would need THP (a PMD
 * mapping, the migration of a compound page) UML has none, so none is
 * taken here.
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/uaccess.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* The block the cases hand out: the device's first, aligned to any order. */
#define ZD_FOLIO_IDX	0
#define ZD_FOLIO_MAX_ORDER	2

/* The low byte of page flags: the bits zone_device_page_init() clears. */
#define ZD_FOLIO_LOW_FLAGS	0xffUL

struct zd_folio_param {
	enum memory_type type;
	unsigned int first, then;	/* orders of the two lives */
	char name[32];
};

static struct zd_folio_param zd_folio_params[2 * 3 * 3];

static ZD_PARAM_GEN(zd_folio_gen_params)
{
	const struct zd_folio_param *p = prev;
	int i = p ? p - zd_folio_params + 1 : 0;

	if (i == ARRAY_SIZE(zd_folio_params))
		return NULL;
	p = &zd_folio_params[i];
	zd_folio_params[i] = (struct zd_folio_param) {
		.type = i < 9 ? MEMORY_DEVICE_PRIVATE : MEMORY_DEVICE_COHERENT,
		.first = i % 9 / 3,
		.then = i % 3,
	};
	snprintf(zd_folio_params[i].name, sizeof(zd_folio_params[i].name),
		 "%s, order %u then %u",
		 p->type == MEMORY_DEVICE_PRIVATE ? "private" : "coherent",
		 p->first, p->then);
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
	return p;
}

/*
 * The low flags page @i of a fresh order-@order folio has: PG_head on
 * the head of a large one, its order in the next page's (the folio's
 * _flags_1), none else (the head was unlocked after the allocation).
 */
static unsigned long zd_folio_low_flags(unsigned long i, unsigned int order)
{
	if (!order)
		return 0;
	if (!i)
		return BIT(PG_head);
	return i == 1 ? order : 0;
}

/*
 * The ledger at allocation: @folio, just handed out at @order, carries
 * nothing of an earlier life, page by page.
 */
static void zd_folio_fresh(struct kunit *test, struct zd_dev *dev,
			   struct folio *folio, unsigned int order)
{
	unsigned long i, nr = 1UL << order;

	KUNIT_EXPECT_EQ(test, folio_order(folio), order);
	KUNIT_EXPECT_EQ(test, (unsigned long)folio_nr_pages(folio), nr);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_NULL(test, folio->mapping);
	KUNIT_EXPECT_EQ_MSG(test, folio->index, 0UL, "stale share/index");
	for (i = 0; i < nr; i++) {
		struct page *page = folio_page(folio, i);

		KUNIT_EXPECT_PTR_EQ_MSG(test, page_folio(page), folio,
					"page %lu: compound head", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, zd_page_pgmap(page), &dev->pgmap,
					"page %lu: pgmap", i);
		KUNIT_EXPECT_EQ_MSG(test, zd_page_flags(page) & ZD_FOLIO_LOW_FLAGS,
				    zd_folio_low_flags(i, order),
				    "page %lu: stale low flags", i);
		if (i)
			KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 0,
					    "tail %lu: count", i);
	}
#ifdef NR_PAGES_IN_LARGE_FOLIO
	/*
	 * An order-0 page that was page 1 of a large folio holds that
	 * folio's _nr_pages: zone_device_page_init() clears it.
	 */
	if (!order)
		KUNIT_EXPECT_EQ_MSG(test, ((struct folio *)
				    (&folio->page - 1))->_nr_pages, 0L,
				    "stale _nr_pages of a former large folio");
#endif
}

/*
 * Hand every page of the block out alone, fresh, and back: as
 * memremap_pages() left them.
 */
static void zd_folio_settle(struct kunit *test, struct zd_dev *dev,
			    unsigned int order)
{
	unsigned long i;

	for (i = 0; i < 1UL << order; i++) {
		struct folio *f = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX + i, 0);

		KUNIT_ASSERT_NOT_NULL_MSG(test, f, "page %lu was not free", i);
		zd_folio_fresh(test, dev, f, 0);
		folio_put(f);
	}
}

/*
 * An order-N device folio takes 2^N pgmap references, and its free gives
 * them back; then the same block, at the same or another order, is
 * handed out fresh.
 */
static void reused_block_starts_fresh(struct kunit *test)
{
	const struct zd_folio_param *p = test->param_value;
	struct zd_dev *dev;
	struct folio *folio;
	long refs;

	zd_rule(test, ZD_RULE_new_owner_keeps_count, p->type);
	if (p->first || p->then)
		ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS);
	dev = zd_dev_create(test, p->type);
	refs = zd_dev_pgmap_refs(dev);

	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX, p->first);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	zd_folio_fresh(test, dev, folio, p->first);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev),
			    refs + (1L << p->first),
			    "an order-%u folio took other than %lu pgmap references",
			    p->first, 1UL << p->first);
	folio_put(folio);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), refs,
			    "the free gave back other than it took");

	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX, p->then);
	KUNIT_ASSERT_NOT_NULL_MSG(test, folio, "the freed block was not free");
	zd_folio_fresh(test, dev, folio, p->then);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), refs + (1L << p->then));
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), refs);
	kunit_info(test, "pgmap references: %ld idle, +%lu at order %u, +%lu at order %u, %ld after\n",
		   refs, 1UL << p->first, p->first, 1UL << p->then, p->then,
		   zd_dev_pgmap_refs(dev));
	zd_folio_settle(test, dev, max(p->first, p->then));
}

/* How a user mapping's tail page is referenced. */
struct zd_tail_gup {
	const char *name;
	bool pin;
	bool fast;
};

static const struct zd_tail_gup zd_tail_gups[] = {
	{ "get_user_pages_fast", false, true },
	{ "pin_user_pages_fast", true, true },
	{ "get_user_pages", false, false },
	{ "pin_user_pages", true, false },
};

KUNIT_ARRAY_PARAM_DESC(zd_tail_gup, zd_tail_gups, name);

static long zd_tail_gup(const struct zd_tail_gup *g, unsigned long addr,
			struct page **page)
{
	if (g->fast)
		return g->pin ? pin_user_pages_fast(addr, 1, FOLL_WRITE, page) :
				get_user_pages_fast(addr, 1, FOLL_WRITE, page);
	return g->pin ? pin_user_pages_unlocked(addr, 1, page, FOLL_WRITE) :
			get_user_pages_unlocked(addr, 1, page, FOLL_WRITE);
}

/*
 * The last tail of a COHERENT folio of the largest order, mapped into a
 * user mm: GUP of it returns the tail and references the head (one more
 * count; a pin also raises the folio's pin count), every tail stays at
 * 0; the put gives back exactly that, and the unmap the mapping's.
 */
static void tail_gup_references_head(struct kunit *test)
{
	const struct zd_tail_gup *g = test->param_value;
	const unsigned int order = ZD_FOLIO_MAX_ORDER;
	const unsigned long last = (1UL << order) - 1;
	struct page *page = NULL;
	struct folio *folio;
	struct zd_dev *dev;
	unsigned long addr, i;
	int mapped;

	ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS);
	dev = zd_dev_create(test, MEMORY_DEVICE_COHERENT);
	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX, order);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	addr = zd_dev_map_user_at(dev, 0, ZD_FOLIO_IDX + last, 1);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	mapped = folio_ref_count(folio);
	KUNIT_EXPECT_EQ_MSG(test, mapped, 2,
			    "mapping the tail took other than one reference on the head");

	KUNIT_ASSERT_EQ(test, zd_tail_gup(g, addr, &page), 1L);
	KUNIT_EXPECT_PTR_EQ(test, page, folio_page(folio, last));
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), mapped + 1,
			    "%s of the tail: the head's count", g->name);
	KUNIT_EXPECT_EQ(test, folio_maybe_dma_pinned(folio), g->pin);
	for (i = 1; i <= last; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(folio_page(folio, i)), 0,
				    "tail %lu: count", i);
	if (g->pin)
		unpin_user_page(page);
	else
		put_page(page);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), mapped);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));

	zd_dev_zap(dev);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1,
			    "the unmap gave back other than the mapping's reference");
	folio_put(folio);
	zd_folio_settle(test, dev, order);
}

/* What an eviction over a large folio meets, and what the driver gives it. */
enum zd_evict_large_way {
	ZD_EVICT_ENDS_INSIDE,	/* the range ends inside the folio */
	ZD_EVICT_STARTS_INSIDE,	/* the range starts at a tail page */
	ZD_EVICT_NO_DST,	/* all of it; no destination page */
	ZD_EVICT_SMALL_DST,	/* all of it; an order-0 system page */
};

struct zd_evict_large {
	const char *name;
	enum memory_type type;
	enum zd_evict_large_way way;
};

static const struct zd_evict_large zd_evict_large_cases[] = {
	{ "private, range ends inside", MEMORY_DEVICE_PRIVATE, ZD_EVICT_ENDS_INSIDE },
	{ "private, range starts inside", MEMORY_DEVICE_PRIVATE, ZD_EVICT_STARTS_INSIDE },
	{ "private, no destination", MEMORY_DEVICE_PRIVATE, ZD_EVICT_NO_DST },
	{ "private, order-0 destination", MEMORY_DEVICE_PRIVATE, ZD_EVICT_SMALL_DST },
	{ "coherent, range ends inside", MEMORY_DEVICE_COHERENT, ZD_EVICT_ENDS_INSIDE },
	{ "coherent, range starts inside", MEMORY_DEVICE_COHERENT, ZD_EVICT_STARTS_INSIDE },
	{ "coherent, no destination", MEMORY_DEVICE_COHERENT, ZD_EVICT_NO_DST },
	{ "coherent, order-0 destination", MEMORY_DEVICE_COHERENT, ZD_EVICT_SMALL_DST },
};

KUNIT_ARRAY_PARAM_DESC(zd_evict_large, zd_evict_large_cases, name);

/*
 * The driver evicts a range of its memory by pfn, as at an unbind, over a
 * large folio it allocated and holds.  A range that ends inside the folio
 * takes nothing of it: the reference and lock the walk took on its head
 * are given back at once; nor does one that starts at a tail page, which
 * the walk takes no reference on (folio_get_nontail_page()).  Over all of
 * it, the head is collected as one compound entry, locked, with the
 * walk's reference; with no destination page the move is dropped, and
 * with an order-0 one the driver's own reference fails it
 * (folio_migrate_mapping(); a kernel with THP migration drops the move
 * before, as it has no VMA to split the folio by).  Either way
 * migrate_device_finalize() gives the folio back whole: unlocked, the head
 * at the driver's count, the tails at 0, its 2^N pgmap references; the
 * destination page, if any, goes back too.
 */
static void eviction_leaves_large_folio(struct kunit *test)
{
	const struct zd_evict_large *c = test->param_value;
	const unsigned int order = ZD_FOLIO_MAX_ORDER;
	const unsigned long nr = 1UL << order;
	unsigned long src[1UL << ZD_FOLIO_MAX_ORDER] = {};
	unsigned long dst[1UL << ZD_FOLIO_MAX_ORDER] = {};
	unsigned long i, npages;
	struct page *ram = NULL;
	struct folio *folio;
	struct zd_dev *dev;
	bool inside;
	long refs;

	zd_rule(test, ZD_RULE_large_folio_eviction_keeps_folio, c->type);
	ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS);
	dev = zd_dev_create(test, c->type);
	refs = zd_dev_pgmap_refs(dev);
	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX, order);
	KUNIT_ASSERT_NOT_NULL(test, folio);

	inside = c->way == ZD_EVICT_ENDS_INSIDE || c->way == ZD_EVICT_STARTS_INSIDE;
	npages = inside ? nr - 1 : nr;
	KUNIT_ASSERT_EQ(test, migrate_device_range(src, folio_pfn(folio) +
						   (c->way == ZD_EVICT_STARTS_INSIDE),
						   npages), 0);
	if (inside) {
		KUNIT_EXPECT_EQ_MSG(test, src[0], 0UL,
				    "a folio running past the range's ends was collected");
		KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1,
				    "the walk kept its reference on a folio it did not take");
	} else {
		KUNIT_EXPECT_EQ_MSG(test, src[0], migrate_pfn(folio_pfn(folio)) |
				    MIGRATE_PFN_MIGRATE | MIGRATE_PFN_COMPOUND,
				    "the head's entry: collected as one compound folio");
		KUNIT_EXPECT_TRUE(test, folio_test_locked(folio));
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 2,
				    "the walk's reference beside the driver's");
	}
	for (i = 1; i < npages; i++)
		KUNIT_EXPECT_EQ_MSG(test, src[i], 0UL, "tail %lu has an entry of its own", i);

	if (c->way == ZD_EVICT_SMALL_DST) {
		dst[0] = zd_dev_dst_in_ram(&folio->page, src[0]);
		ram = migrate_pfn_to_page(dst[0]);
		get_page(ram);	/* to see the finalize give it back */
	}
	migrate_device_pages(src, dst, npages);
	KUNIT_EXPECT_FALSE_MSG(test, src[0] & MIGRATE_PFN_MIGRATE,
			       "the large folio the driver holds moved");
	migrate_device_finalize(src, dst, npages);
	if (ram) {
		KUNIT_EXPECT_FALSE(test, PageLocked(ram));
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ram), 1,
				    "the destination page was not given back");
		put_page(ram);
	}

	KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));
	KUNIT_EXPECT_EQ(test, folio_order(folio), order);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1, "the driver's reference alone");
	for (i = 1; i < nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(folio_page(folio, i)), 0,
				    "tail %lu: count", i);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), refs + (long)nr);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);
	folio_put(folio);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), refs,
			    "the free gave back other than the folio took");
	zd_folio_settle(test, dev, order);
}

/* The types whose pages a driver frees and hands out again by order. */
static const struct zd_type_param zd_reuse_types[] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
};

KUNIT_ARRAY_PARAM_DESC(zd_reuse_type, zd_reuse_types, name);

/* The former tail the case hands out again, alone. */
#define ZD_FOLIO_REUSED	2

/*
 * The driver frees a large folio and hands one of its former tails out
 * again, alone, into a process (migrated there), while the former head
 * stays free.  The driver's eviction of the block (as at an unbind, over
 * all its memory) collects that page, whatever the free pages beside it
 * were last: the process's page is moved to RAM with its contents, the
 * device page freed.
 */
static void eviction_takes_reused_tail(struct kunit *test)
{
	const struct zd_type_param *t = test->param_value;
	const unsigned int order = ZD_FOLIO_MAX_ORDER;
	const unsigned long nr = 1UL << order;
	unsigned long src[1UL << ZD_FOLIO_MAX_ORDER] = {};
	unsigned long dst[1UL << ZD_FOLIO_MAX_ORDER] = {};
	struct page *page, *moved, *head;
	struct folio *folio;
	unsigned long addr;
	struct zd_dev *dev;
	bool stale, collected;
	int val = -1;

	zd_rule(test, ZD_RULE_eviction_takes_every_page, t->type);
	ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS);
	dev = zd_dev_create(test, t->type);
	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX, order);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	head = &folio->page;
	folio_put(folio);
	folio = zd_dev_alloc_folio(dev, ZD_FOLIO_IDX + ZD_FOLIO_REUSED, 0);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	page = &folio->page;
	stale = PageHead(head);

	/* A page of the process's moves there, as a migration to the device. */
	addr = zd_anon_map(test, 1);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, zd_dev_migrate_to_page(dev, addr, page, &moved), 1UL);
	KUNIT_ASSERT_PTR_EQ(test, moved, page);

	KUNIT_ASSERT_EQ(test, migrate_device_range(src, page_to_pfn(head), nr), 0);
	collected = src[ZD_FOLIO_REUSED] & MIGRATE_PFN_MIGRATE;
	if (collected)
		dst[ZD_FOLIO_REUSED] = zd_dev_dst_in_ram(page, src[ZD_FOLIO_REUSED]);
	migrate_device_pages(src, dst, nr);
	migrate_device_finalize(src, dst, nr);
	if (collected) {
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
		KUNIT_EXPECT_EQ_MSG(test, val, t->type == MEMORY_DEVICE_COHERENT ? 7 : 0,
				    "the page did not come back with its contents");
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 0,
				    "the evicted device page was not freed");
		KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
	}
	/* The process lets the page go, evicted or not: the block is all free. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	zd_folio_settle(test, dev, order);
	if (!collected)
		zd_breaks(test,
			  "the eviction of pfns %#lx-%#lx did not collect page %#lx, mapped by a process: free page %#lx had its head flag (%d) and order-%u folio, and migrate_device_range() stepped over its %lu pages",
			  page_to_pfn(head), page_to_pfn(head) + nr - 1, page_to_pfn(page),
			  page_to_pfn(head), stale, order, nr);
}

static struct kunit_case zdrace_device_folios_cases[] = {
	KUNIT_CASE_PARAM(reused_block_starts_fresh, zd_folio_gen_params),
	KUNIT_CASE_PARAM(tail_gup_references_head, zd_tail_gup_gen_params),
	KUNIT_CASE_PARAM(eviction_leaves_large_folio, zd_evict_large_gen_params),
	KUNIT_CASE_PARAM(eviction_takes_reused_tail, zd_reuse_type_gen_params),
	{}
};

static struct kunit_suite zdrace_device_folios_suite = {
	.name = "zdrace_device_folios",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_device_folios_cases,
};

kunit_test_suite(zdrace_device_folios_suite);

MODULE_DESCRIPTION("zdrace: device folios of every order, handed out fresh");
MODULE_LICENSE("GPL");
