// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke tests of the UML ZONE_DEVICE port, for PRIVATE, COHERENT and
 * GENERIC: a fake range maps with memremap_pages() and its pages look like
 * device pages with the count they get when free; GENERIC pages map into
 * a user mm and come back through gup-fast (6.12: its devmap branch),
 * counted by `call`s at the gup_fast_* points; PRIVATE and
 * COHERENT pages are allocated and freed the lib/test_hmm.c way;
 * memunmap_pages() removes the range, and map/unmap cycles leak nothing;
 * a map may keep its memmap on the device or span two ranges, and
 * PCI_P2PDMA pages go back to their driver.
 */

#include <asm/zone_device.h>
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <zdrace/fi.h>

/* drain_all_pages(): mm-internal where mm/ has a page_alloc.h (7.x). */
#if __has_include("page_alloc.h")
#include "page_alloc.h"
#endif

#include "zd_fixture.h"
#include "zd_kunit.h"

#define ZD_CYCLES		100
/* Pages the cycles may lose to noise: less than one per cycle. */
#define ZD_CYCLE_SLACK_PAGES	50

/* Every pgmap type the fake device maps, FS_DAX included. */
static const struct zd_type_param zd_smoke_types[] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
	{ MEMORY_DEVICE_GENERIC, "generic" },
	{ MEMORY_DEVICE_FS_DAX, "fsdax" },
};

KUNIT_ARRAY_PARAM_DESC(zd_smoke_types, zd_smoke_types, name);

/* A free or idle page's count: 0 free, 1 for GENERIC, the line's FS_DAX idle. */
static int zd_idle_count(enum memory_type type)
{
	if (type == MEMORY_DEVICE_FS_DAX)
		return ZD_FSDAX_IDLE;
	return zd_type_free_at_zero(type) ? 0 : 1;
}

/*
 * The pages of a map are where pfn_to_page() says, in ZONE_DEVICE, with
 * their pgmap, their idle count, and the type the kernel's predicates
 * tell from the pgmap; get_dev_pagemap() finds the map by any of them.
 */
static void map_and_lookup(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	unsigned long idx[] = { 0, dev->nr_pages / 2, dev->nr_pages - 1 };
	int expected = zd_idle_count(p->type);
	int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		unsigned long pfn = dev->pfn_first + idx[i];
		struct page *page = pfn_to_page(pfn);
		struct dev_pagemap *pgmap;

		KUNIT_EXPECT_EQ(test, page_to_pfn(page), pfn);
		KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
		KUNIT_EXPECT_PTR_EQ(test, zd_page_pgmap(page), &dev->pgmap);
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), expected,
				    "free %s page refcount", p->name);
		KUNIT_EXPECT_EQ(test, is_device_private_page(page),
				p->type == MEMORY_DEVICE_PRIVATE);
		KUNIT_EXPECT_EQ(test, folio_is_device_private(page_folio(page)),
				p->type == MEMORY_DEVICE_PRIVATE);
		KUNIT_EXPECT_EQ(test, is_device_coherent_page(page),
				p->type == MEMORY_DEVICE_COHERENT);
		KUNIT_EXPECT_EQ(test, folio_is_device_coherent(page_folio(page)),
				p->type == MEMORY_DEVICE_COHERENT);
		KUNIT_EXPECT_EQ(test, zd_is_fsdax_page(page),
				p->type == MEMORY_DEVICE_FS_DAX);
		KUNIT_EXPECT_FALSE(test, is_pci_p2pdma_page(page));

		pgmap = zd_get_dev_pagemap(pfn);
		KUNIT_EXPECT_PTR_EQ(test, pgmap, &dev->pgmap);
		if (pgmap)
			put_dev_pagemap(pgmap);
	}
}

/*
 * A range with a linear map has memory behind every page of it: its
 * first, a middle and its last page each take a write and read it back,
 * through the nofault accessors, so that on a line whose UML recovers
 * from a kernel fault (7.3) a hole fails the case instead of the kernel.
 */
static void linear_map_covers_range(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	unsigned long idx[] = { 0, dev->nr_pages / 2, dev->nr_pages - 1 };
	int i;

	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		u64 *addr = page_address(zd_dev_page(dev, idx[i]));
		u64 out = 0x5a5a0000ULL + idx[i], in = 0;

		KUNIT_EXPECT_EQ_MSG(test, copy_to_kernel_nofault(addr, &out,
								 sizeof(out)), 0,
				    "page %lu of the %lu of the %s range: no memory behind its linear map",
				    idx[i], dev->nr_pages, p->name);
		KUNIT_EXPECT_EQ_MSG(test, copy_from_kernel_nofault(&in, addr,
								   sizeof(in)), 0,
				    "page %lu of the %s range: unreadable",
				    idx[i], p->name);
		KUNIT_EXPECT_EQ_MSG(test, in, out, "page %lu of the %s range",
				    idx[i], p->name);
	}
}

static void generic_page_address_writable(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	u8 *addr = page_address(zd_dev_page(dev, 1));

	KUNIT_ASSERT_NOT_NULL(test, addr);
	memset(addr, 0x5a, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, addr[0], 0x5a);
	KUNIT_EXPECT_EQ(test, addr[PAGE_SIZE - 1], 0x5a);
}

static void generic_user_mapping_roundtrip(struct kunit *test)
{
	static const char out[] = "written through a devmap PTE";
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	unsigned long addr = zd_dev_map_user(dev, 2);
	char *kaddr = page_address(zd_dev_page(dev, 1));
	char in[sizeof(out)] = "";

	KUNIT_ASSERT_EQ_MSG(test, copy_to_user((void __user *)addr + PAGE_SIZE,
					       out, sizeof(out)), 0,
			    "the device page could not be mapped for writing");
	KUNIT_EXPECT_STREQ_MSG(test, kaddr, out,
			       "the user write did not reach the device page");

	strscpy(kaddr, "and back", PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_from_user(in, (void __user *)addr + PAGE_SIZE,
					     sizeof(in)), 0);
	KUNIT_EXPECT_STREQ(test, in, "and back");
}

struct zd_gup_param {
	const char *name;
	bool pin;
	int delta;
};

static const struct zd_gup_param zd_gup_params[] = {
	{ "get_user_pages_fast", false, 1 },
	{ "pin_user_pages_fast", true, GUP_PIN_COUNTING_BIAS },
};

KUNIT_ARRAY_PARAM_DESC(zd_gup, zd_gup_params, name);

static void generic_gup_fast_devmap_branch(struct kunit *test)
{
	const struct zd_gup_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	unsigned long addr = zd_dev_map_user(dev, 1);
	struct page *expect = zd_dev_page(dev, 0), *page = NULL;
	atomic_t devmap_hits = ATOMIC_INIT(0), grabs;
	int before, got;

	/* Fault the devmap PTE in first: gup-fast only walks present PTEs. */
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	before = page_ref_count(expect);
	if (ZD_GUP_FAST_GETS_PGMAP)
		zd_count_point(test, ZDRACE_FI_gup_fast_after_get_pgmap,
			       &devmap_hits);
	zd_count_point(test, ZDRACE_FI_gup_fast_after_grab, &grabs);

	if (p->pin)
		got = pin_user_pages_fast(addr, 1, FOLL_WRITE, &page);
	else
		got = get_user_pages_fast(addr, 1, FOLL_WRITE, &page);
	KUNIT_ASSERT_EQ(test, got, 1);
	KUNIT_EXPECT_PTR_EQ(test, page, expect);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&devmap_hits),
			    ZD_GUP_FAST_GETS_PGMAP ? 1 : 0,
			    "gup-fast's dev_pagemap lookup ran %d times",
			    atomic_read(&devmap_hits));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&grabs), 1,
			    "the page did not come from gup-fast");
	KUNIT_EXPECT_EQ(test, page_ref_count(page) - before, p->delta);
	KUNIT_EXPECT_EQ(test, folio_maybe_dma_pinned(page_folio(page)), p->pin);

	if (p->pin)
		unpin_user_page(page);
	else
		put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(expect), before);
}

/*
 * Two GENERIC devices whose ranges touch, @lo's pfns just below @hi's:
 * the case is skipped if the regions were not handed out that way.
 */
static void zd_two_touching_devs(struct kunit *test, struct zd_dev **lo,
				 struct zd_dev **hi)
{
	struct zd_dev *a = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zd_dev *b = zd_dev_create(test, MEMORY_DEVICE_GENERIC);

	if (a->pfn_first + a->nr_pages == b->pfn_first) {
		*lo = a;
		*hi = b;
	} else if (b->pfn_first + b->nr_pages == a->pfn_first) {
		*lo = b;
		*hi = a;
	} else {
		kunit_skip(test, "the two regions do not touch: %#lx+%#lx, %#lx+%#lx",
			   a->pfn_first, a->nr_pages, b->pfn_first, b->nr_pages);
	}
}

/* The segments a scatterlist of two pages takes, as a DMA mapping builds it. */
static unsigned int zd_sg_segments(struct kunit *test, struct page **pages)
{
	struct sg_table sgt;
	unsigned int nents;

	KUNIT_ASSERT_EQ(test, sg_alloc_table_from_pages(&sgt, pages, 2, 0,
							2 * PAGE_SIZE,
							GFP_KERNEL), 0);
	nents = sgt.orig_nents;
	sg_free_table(&sgt);
	return nents;
}

/*
 * One gup-fast call over a range that spans two pgmaps, the last page of
 * one and the first of the next, mapped side by side: each page comes
 * back with one reference of the kind asked for, both pgmaps' counts are
 * as before (6.12's gup-fast swaps its pgmap reference at the boundary),
 * and a scatterlist built from the pages keeps them in two segments
 * although their pfns are contiguous (zone_device_pages_have_same_pgmap()),
 * where two pages of one pgmap merge into one, as two of RAM do.
 */
static void gup_fast_spans_two_pgmaps(struct kunit *test)
{
	const struct zd_gup_param *p = test->param_value;
	struct page *expect[2], *pages[2] = {}, *same[2], *ram;
	long refs_lo, refs_hi;
	struct zd_dev *lo, *hi;
	unsigned int segments;
	int before[2], got, i;
	unsigned long addr;

	zd_two_touching_devs(test, &lo, &hi);
	expect[0] = zd_dev_page(lo, lo->nr_pages - 1);
	expect[1] = zd_dev_page(hi, 0);
	/* Two pages of @lo, the second replaced by @hi's first. */
	addr = zd_dev_map_user_at(lo, 0, lo->nr_pages - 1, 2);
	KUNIT_ASSERT_EQ(test, zd_dev_map_user_at(hi, addr + PAGE_SIZE, 0, 1),
			addr + PAGE_SIZE);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, put_user(i, (int __user *)(addr + i * PAGE_SIZE)), 0);
		before[i] = page_ref_count(expect[i]);
	}
	refs_lo = zd_dev_pgmap_refs(lo);
	refs_hi = zd_dev_pgmap_refs(hi);

	if (p->pin)
		got = pin_user_pages_fast(addr, 2, FOLL_WRITE, pages);
	else
		got = get_user_pages_fast(addr, 2, FOLL_WRITE, pages);
	KUNIT_ASSERT_EQ(test, got, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pages[i], expect[i]);
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(expect[i]) - before[i],
				    p->delta, "page %d of the span", i);
	}
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(lo), refs_lo);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(hi), refs_hi);

	KUNIT_ASSERT_EQ(test, page_to_pfn(pages[1]), page_to_pfn(pages[0]) + 1);
	KUNIT_EXPECT_EQ_MSG(test, zd_sg_segments(test, pages), 2U,
			    "pages of two pgmaps merged into one segment");
	same[0] = zd_dev_page(lo, lo->nr_pages - 2);
	same[1] = expect[0];
	KUNIT_EXPECT_EQ_MSG(test, zd_sg_segments(test, same), 1U,
			    "two contiguous pages of one pgmap not merged");
	ram = alloc_pages(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, ram);
	same[0] = ram;
	same[1] = ram + 1;
	segments = zd_sg_segments(test, same);
	__free_pages(ram, 1);
	KUNIT_EXPECT_EQ_MSG(test, segments, 1U, "two contiguous RAM pages not merged");

	if (p->pin) {
		unpin_user_pages(pages, 2);
	} else {
		put_page(pages[0]);
		put_page(pages[1]);
	}
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, page_ref_count(expect[i]), before[i]);
}

/*
 * gup-fast walks the PTEs in order and stops at the first page it refuses;
 * slow GUP passes none of its points.  Of two pages, one PTE read (this
 * task's) means gup-fast kept neither.
 */
static void generic_longterm_refused_by_gup_fast(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	unsigned long addr = zd_dev_map_user(dev, 2);
	atomic_t pte_reads = ATOMIC_INIT(0), devmap_hits = ATOMIC_INIT(0);
	struct page *pages[2];
	int got;

	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)(addr + PAGE_SIZE)), 0);
	zd_count_injected(test, ZDRACE_FI_gup_fast_after_pte_read, &pte_reads);
	if (ZD_GUP_FAST_GETS_PGMAP)
		zd_count_point(test, ZDRACE_FI_gup_fast_after_get_pgmap,
			       &devmap_hits);

	scoped_guard(zd_injected)
		got = pin_user_pages_fast(addr, 2, FOLL_WRITE | FOLL_LONGTERM,
					  pages);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&pte_reads), 1,
			    "gup-fast read %d PTEs: it kept a FOLL_LONGTERM device page",
			    atomic_read(&pte_reads));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&devmap_hits), 0,
			    "gup-fast took a FOLL_LONGTERM devmap page");
	kunit_info(test, "slow GUP then returned %d\n", got);
	if (got > 0)
		unpin_user_pages(pages, got);
}

static void alloc_and_free_like_test_hmm(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	unsigned long nr_free = dev->nr_free;
	struct page *page = zd_dev_alloc_page(dev);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_EQ(test, dev->nr_free, nr_free - 1);
	KUNIT_EXPECT_FALSE(test, PageLocked(page));

	put_page(page);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 1,
			    "the final put did not reach ops->page_free");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->pgmap_ref_at_free), 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_EQ(test, dev->nr_free, nr_free);
	KUNIT_EXPECT_PTR_EQ(test, dev->free_pages, page);
}

static void unmap_removes_range(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, p->type);
	resource_size_t start = dev->res->start, size = resource_size(dev->res);
	unsigned long pfn = dev->pfn_first;
	struct resource *probe;

	zd_dev_unmap(dev);
	KUNIT_EXPECT_NULL(test, zd_get_dev_pagemap(pfn));
	KUNIT_EXPECT_NULL(test, pfn_to_online_page(pfn));
	KUNIT_EXPECT_FALSE_MSG(test, pfn_valid(pfn),
			       "the memmap section is still present");
	probe = request_mem_region(start, size, "zdrace-probe");
	KUNIT_EXPECT_NOT_NULL_MSG(test, probe, "the region was not released");
	if (probe)
		release_mem_region(start, size);
}

/*
 * A PCI_P2PDMA page, handed out as drivers/pci/p2pdma.c does and put: its
 * final put gives it back to the driver (ops->folio_free()) at the count
 * it idles at, and leaves the pgmap's references alone: the map took one
 * per page up front, as for GENERIC pages, and the unmap puts them.
 */
static void p2pdma_page_goes_back_to_driver(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PCI_P2PDMA);
	struct zd_dev *generic = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	long refs = zd_dev_pgmap_refs(dev);
	int idle = dev->idle.count;
	struct page *page;

	KUNIT_EXPECT_EQ_MSG(test, refs, zd_dev_pgmap_refs(generic),
			    "the map did not take a pgmap reference per page");
	page = zd_dev_user_page(dev);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_PTR_EQ(test, zd_page_pgmap(page), &dev->pgmap);
	put_page(page);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 1,
			    "the final put did not give the page back to the driver");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), idle,
			    "the freed page is not at its idle count");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), refs,
			    "the free of a P2PDMA page moved the pgmap's count");
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_memunmap_pages, memunmap_pages, struct dev_pagemap *);

/*
 * One GENERIC map of two ranges (a device-dax region of two extents): the
 * pages of both are the map's, get_dev_pagemap() finds it by either, it
 * holds a pgmap reference for every page of both, and the unmap puts them
 * all and removes both ranges.
 */
static void two_ranges_one_map(struct kunit *test)
{
	struct zd_dev *one = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct dev_pagemap *pgmap, *found;
	unsigned long pfn[2];
	void *addr;
	int i;

	pgmap = kunit_kzalloc(test, struct_size(pgmap, ranges, 2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	for (i = 0; i < 2; i++) {
		struct resource *res = zd_region(test, "zdrace-extent");

		pgmap->ranges[i] = (struct range){ res->start, res->end };
		pfn[i] = PHYS_PFN(res->end);
	}
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->nr_range = 2;
	addr = memremap_pages(pgmap, numa_node_id());
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(addr), "memremap_pages: %ld", PTR_ERR(addr));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_memunmap_pages, pgmap), 0);

	/* The initial reference, and one per page of each range. */
	KUNIT_EXPECT_EQ_MSG(test, zd_pgmap_refs(pgmap), 2 * zd_dev_pgmap_refs(one) - 1,
			    "not one pgmap reference per page of both ranges");
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, pgmap_pfn_valid(pgmap, pfn[i]),
				      "range %d's last pfn is not the map's", i);
		found = zd_get_dev_pagemap(pfn[i]);
		KUNIT_EXPECT_PTR_EQ(test, found, pgmap);
		if (found)
			put_dev_pagemap(found);
		KUNIT_EXPECT_PTR_EQ(test, zd_page_pgmap(pfn_to_page(pfn[i])), pgmap);
		KUNIT_EXPECT_EQ(test, page_ref_count(pfn_to_page(pfn[i])), 1);
	}

	kunit_release_action(test, zd_memunmap_pages, pgmap);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_NULL_MSG(test, zd_get_dev_pagemap(pfn[i]),
				      "range %d is still mapped", i);
}

/* The types whose memmap a driver may keep on the device itself. */
static const struct zd_type_param zd_memmap_types[] = {
	{ MEMORY_DEVICE_GENERIC, "generic" },
	{ MEMORY_DEVICE_FS_DAX, "fsdax" },
};

KUNIT_ARRAY_PARAM_DESC(zd_memmap_types, zd_memmap_types, name);

/*
 * A map whose memmap lives on the device, at its start (an altmap, as a
 * pmem namespace in fsdax or devdax mode keeps its struct pages): the
 * memmap's pfns are no pages of the map (pgmap_pfn_valid(),
 * get_dev_pagemap() still finds the map by them), memremap_pages() takes
 * pgmap references for the pages after it alone (as many fewer than a
 * map of the whole range takes), and memunmap_pages() puts exactly those:
 * the unmap ends, and the range is released.
 */
static void memmap_on_device_counts_the_rest(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_dev *whole = zd_dev_create(test, p->type);
	struct zd_dev *dev = zd_dev_create_memmap_on_device(test, p->type);
	unsigned long base = PHYS_PFN(dev->res->start);
	unsigned long memmap = dev->pfn_first - base;
	struct dev_pagemap *pgmap;
	struct page *page;

	KUNIT_ASSERT_GE_MSG(test, memmap, PFN_UP(whole->nr_pages * sizeof(struct page)),
			    "the memmap does not fit before the pages");
	KUNIT_EXPECT_EQ(test, dev->nr_pages, whole->nr_pages - memmap);
	KUNIT_EXPECT_FALSE(test, pgmap_pfn_valid(&dev->pgmap, base));
	KUNIT_EXPECT_FALSE(test, pgmap_pfn_valid(&dev->pgmap, dev->pfn_first - 1));
	KUNIT_EXPECT_TRUE(test, pgmap_pfn_valid(&dev->pgmap, dev->pfn_first));
	pgmap = zd_get_dev_pagemap(base);
	KUNIT_EXPECT_PTR_EQ(test, pgmap, &dev->pgmap);
	if (pgmap)
		put_dev_pagemap(pgmap);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev),
			    zd_dev_pgmap_refs(whole) - (long)memmap,
			    "the map took pgmap references for its memmap's %lu pfns",
			    memmap);

	page = zd_dev_page(dev, 0);
	KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
	KUNIT_EXPECT_PTR_EQ(test, zd_page_pgmap(page), &dev->pgmap);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), zd_idle_count(p->type));
	zd_dev_unmap(dev);
	KUNIT_EXPECT_NULL(test, zd_get_dev_pagemap(dev->pfn_first));
	KUNIT_EXPECT_FALSE_MSG(test, pfn_valid(base), "the memmap section is still present");
}

/*
 * Free pages, counting slab pages as free: with KASAN, freed slab objects
 * wait in quarantine and keep their slab pages a while, which is not a
 * leak.  A lost memmap or page table is.  What RCU callbacks still have to
 * free, and what every CPU's page lists hold, are freed pages too: on an
 * SMP kernel the other vCPU's lists hold dozens.
 */
static unsigned long zd_free_pages(void)
{
	rcu_barrier();
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES) +
	       global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
	       global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

static void map_unmap_cycles_leak_nothing(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	unsigned long before, after;
	int i;

	/* One cycle first, so that lazily built page tables are counted. */
	zd_dev_release(zd_dev_create(test, p->type));
	before = zd_free_pages();
	for (i = 0; i < ZD_CYCLES; i++)
		zd_dev_release(zd_dev_create(test, p->type));
	after = zd_free_pages();
	KUNIT_EXPECT_LE_MSG(test, before, after + ZD_CYCLE_SLACK_PAGES,
			    "%d cycles lost %ld pages", ZD_CYCLES,
			    (long)(before - after));
	kunit_info(test, "%d cycles: %ld pages lost\n", ZD_CYCLES,
		   (long)(before - after));
}

/*
 * The end-of-case ledger sees what a case leaves behind: a page
 * reference, a pgmap reference, a page flag the page allocator would
 * refuse.
 */
static void ledger_sees_leaks(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct page *page = zd_dev_page(dev, 7);
	struct dev_pagemap *pgmap;

	KUNIT_ASSERT_EQ_MSG(test, zd_dev_ledger_diffs(dev), 0,
			    "a fresh device is not idle");
	get_page(page);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_ledger_diffs(dev), 1,
			    "a page reference left behind went unseen");
	put_page(page);
	pgmap = zd_get_dev_pagemap(dev->pfn_first);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_ledger_diffs(dev), 1,
			    "a pgmap reference left behind went unseen");
	put_dev_pagemap(pgmap);
	SetPagePrivate(page);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_ledger_diffs(dev), 1,
			    "PG_private left behind went unseen");
	ClearPagePrivate(page);
	KUNIT_EXPECT_EQ(test, zd_dev_ledger_diffs(dev), 0);
}

/* How a devm_memremap_pages() map goes: with its device, or before it. */
struct zd_devm_param {
	const char *name;
	bool unmap_first;
	bool refused;		/* a pgmap with no range: nothing is tied */
};

static const struct zd_devm_param zd_devm_params[] = {
	{ "device unregistered", false },
	{ "devm_memunmap_pages", true },
	{ "refused", false, true },
};

KUNIT_ARRAY_PARAM_DESC(zd_devm, zd_devm_params, name);

/*
 * The devm_ variants, as a DAX or p2pdma driver uses them: the map is
 * tied to a device and goes when the device does, or when the driver
 * calls devm_memunmap_pages() first; pgmap_pfn_valid() tells the map's
 * pfns from the rest.
 */
static void devm_map_goes_with_its_device(struct kunit *test)
{
	const struct zd_devm_param *p = test->param_value;
	struct resource *res = zd_region(test, "zdrace-devm");
	unsigned long pfn = PHYS_PFN(res->start);
	unsigned long nr = resource_size(res) >> PAGE_SHIFT;
	struct dev_pagemap *pgmap;
	struct device *kdev;
	void *addr;

	pgmap = kunit_kzalloc(test, sizeof(*pgmap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->range.start = res->start;
	pgmap->range.end = res->end;
	pgmap->nr_range = 1;
	kdev = kunit_device_register(test, "zdrace-devm");
	KUNIT_ASSERT_FALSE(test, IS_ERR(kdev));

	if (p->refused) {
		pgmap->nr_range = 0;
		zd_expect_report(test, "WARNING in memremap_pages", true);
		addr = devm_memremap_pages(kdev, pgmap);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(addr), (long)-EINVAL);
		kunit_device_unregister(test, kdev);
		KUNIT_EXPECT_FALSE(test, pfn_valid(pfn));
		return;
	}
	addr = devm_memremap_pages(kdev, pgmap);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(addr), "devm_memremap_pages: %ld",
			       PTR_ERR(addr));
	KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(res->start | resource_size(res),
					       memremap_compat_align()),
			      "the region is not aligned as memremap_compat_align() asks");
	KUNIT_EXPECT_TRUE(test, pgmap_pfn_valid(pgmap, pfn));
	KUNIT_EXPECT_TRUE(test, pgmap_pfn_valid(pgmap, pfn + nr - 1));
	KUNIT_EXPECT_FALSE(test, pgmap_pfn_valid(pgmap, pfn + nr));
	KUNIT_EXPECT_PTR_EQ(test, zd_page_pgmap(pfn_to_page(pfn + nr - 1)),
			    pgmap);

	if (p->unmap_first) {
		devm_memunmap_pages(kdev, pgmap);
		KUNIT_EXPECT_FALSE_MSG(test, pfn_valid(pfn),
				       "devm_memunmap_pages() left the memmap");
	}
	kunit_device_unregister(test, kdev);
	KUNIT_EXPECT_FALSE_MSG(test, pfn_valid(pfn),
			       "the device went, its map stayed");
	KUNIT_EXPECT_NULL(test, zd_get_dev_pagemap(pfn));
}

/* ---- pgmaps memremap_pages() refuses ---- */

enum zd_bad {
	ZD_BAD_NO_RANGE,
	ZD_BAD_NO_MIGRATE,
	ZD_BAD_NO_FREE,
	ZD_BAD_NO_OWNER,
	ZD_BAD_START_TAKEN,	/* starts in another pgmap */
	ZD_BAD_END_TAKEN,	/* ends in another pgmap */
	ZD_BAD_RAM,		/* over System RAM */
	ZD_BAD_UNADDRESSABLE,	/* beyond what memory hotplug can add */
	ZD_BAD_SECOND_RANGE,	/* a good range, then one in another pgmap */
};

/* How memremap_pages() reports a refusal: a WARN, or none. */
enum zd_bad_report { ZD_SILENT, ZD_WARNS, ZD_WARNS_ONCE };

struct zd_bad_param {
	const char *name;
	enum memory_type type;
	enum zd_bad bad;
	int error;
	enum zd_bad_report report;
};

static const struct zd_bad_param zd_bad_params[] = {
	{ "no range", MEMORY_DEVICE_GENERIC, ZD_BAD_NO_RANGE, -EINVAL,
	  ZD_WARNS_ONCE },
	{ "private, no migrate_to_ram", MEMORY_DEVICE_PRIVATE,
	  ZD_BAD_NO_MIGRATE, -EINVAL, ZD_WARNS },
	{ "private, no free method", MEMORY_DEVICE_PRIVATE, ZD_BAD_NO_FREE,
	  -EINVAL, ZD_WARNS },
	{ "private, no owner", MEMORY_DEVICE_PRIVATE, ZD_BAD_NO_OWNER, -EINVAL,
	  ZD_WARNS },
	{ "coherent, no free method", MEMORY_DEVICE_COHERENT, ZD_BAD_NO_FREE,
	  -EINVAL, ZD_WARNS },
	{ "coherent, no owner", MEMORY_DEVICE_COHERENT, ZD_BAD_NO_OWNER,
	  -EINVAL, ZD_WARNS },
	{ "starts in another pgmap", MEMORY_DEVICE_GENERIC, ZD_BAD_START_TAKEN,
	  -ENOMEM, ZD_WARNS },
	{ "ends in another pgmap", MEMORY_DEVICE_GENERIC, ZD_BAD_END_TAKEN,
	  -ENOMEM, ZD_WARNS },
	{ "over System RAM", MEMORY_DEVICE_GENERIC, ZD_BAD_RAM, -ENXIO,
	  ZD_WARNS_ONCE },
	{ "past the hotplug window", MEMORY_DEVICE_GENERIC,
	  ZD_BAD_UNADDRESSABLE, -EINVAL, ZD_SILENT },
	{ "second range in another pgmap", MEMORY_DEVICE_GENERIC,
	  ZD_BAD_SECOND_RANGE, -ENOMEM, ZD_WARNS },
};

KUNIT_ARRAY_PARAM_DESC(zd_bad, zd_bad_params, name);

/* walk_system_ram_res(): the first 2 MiB-aligned piece of System RAM. */
static int zd_first_ram(struct resource *res, void *arg)
{
	struct range *ram = arg;

	ram->start = ALIGN(res->start, SZ_2M);
	ram->end = res->end;
	return ram->start + SZ_2M - 1 <= ram->end ? 1 : 0;
}

/*
 * A pgmap a driver got wrong: memremap_pages() refuses it (with the
 * warning that is the driver's bug report) and leaves nothing behind, no
 * memmap and no pgmap for the pfns; a pgmap whose second range fails has
 * its first unwound by memunmap_pages(); the pgmap it ran into keeps its
 * pages and its count.
 */
/*
 * The pgmap @p describes, over @res; @other, a device whose range the bad
 * pgmap claims, if it claims one.
 */
static struct dev_pagemap *zd_bad_pgmap(struct kunit *test,
					const struct zd_bad_param *p,
					struct resource *res,
					struct zd_dev **other)
{
	struct dev_pagemap_ops *ops;
	struct dev_pagemap *pgmap;
	struct range ram = {};	/* RAM, or the hotplug window */
	phys_addr_t taken = 0;

	pgmap = kunit_kzalloc(test, struct_size(pgmap, ranges, 2), GFP_KERNEL);
	ops = kunit_kmalloc(test, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	*ops = zd_dev_ops;
	pgmap->type = p->type;
	pgmap->ops = ops;
	pgmap->owner = pgmap;
	pgmap->range.start = res->start;
	pgmap->range.end = res->end;
	pgmap->nr_range = 1;
	*other = NULL;
	if (p->bad == ZD_BAD_START_TAKEN || p->bad == ZD_BAD_END_TAKEN ||
	    p->bad == ZD_BAD_SECOND_RANGE) {
		*other = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
		taken = PFN_PHYS((*other)->pfn_first);
	}
	switch (p->bad) {
	case ZD_BAD_NO_RANGE:
		pgmap->nr_range = 0;
		break;
	case ZD_BAD_NO_MIGRATE:
		ops->migrate_to_ram = NULL;
		break;
	case ZD_BAD_NO_FREE:
		ops->ZD_FREE_OP = NULL;
		break;
	case ZD_BAD_NO_OWNER:
		pgmap->owner = NULL;
		break;
	case ZD_BAD_START_TAKEN:
		pgmap->range.start = taken;
		pgmap->range.end = taken + SZ_2M - 1;
		break;
	case ZD_BAD_END_TAKEN:
		pgmap->range.start = taken - SZ_2M;
		pgmap->range.end = taken + SZ_2M - 1;
		break;
	case ZD_BAD_RAM:
		KUNIT_ASSERT_GT_MSG(test, walk_system_ram_res(0, -1, &ram,
							      zd_first_ram), 0,
				    "no System RAM in iomem_resource");
		pgmap->range.start = ram.start;
		pgmap->range.end = ram.start + SZ_2M - 1;
		KUNIT_ASSERT_LE(test, pgmap->range.end, ram.end);
		break;
	case ZD_BAD_UNADDRESSABLE:
		KUNIT_ASSERT_EQ(test, um_zone_device_window(&ram), 0);
		pgmap->range.start = ALIGN(ram.end + 1, SZ_2M);
		pgmap->range.end = pgmap->range.start + SZ_2M - 1;
		break;
	case ZD_BAD_SECOND_RANGE:
		pgmap->ranges[1].start = taken;
		pgmap->ranges[1].end = taken + SZ_2M - 1;
		pgmap->nr_range = 2;
		break;
	}
	return pgmap;
}

/* Return: whether @pfn has the pgmap @want (NULL: none), dropping the get. */
static bool zd_pgmap_is(unsigned long pfn, struct dev_pagemap *want)
{
	struct dev_pagemap *found = zd_get_dev_pagemap(pfn);

	if (found)
		put_dev_pagemap(found);
	return found == want;
}

static void memremap_pages_refuses_bad_pgmap(struct kunit *test)
{
	const struct zd_bad_param *p = test->param_value;
	struct resource *res = zd_region(test, "zdrace-bad");
	unsigned long pfn = PHYS_PFN(res->start);
	struct dev_pagemap *pgmap;
	struct zd_dev *other;
	long other_refs = 0;
	void *ret;

	pgmap = zd_bad_pgmap(test, p, res, &other);
	if (other)
		other_refs = zd_dev_pgmap_refs(other);
	if (p->report != ZD_SILENT)
		zd_expect_report(test, "WARNING in memremap_pages",
				 p->report == ZD_WARNS_ONCE);

	ret = memremap_pages(pgmap, numa_node_id());
	KUNIT_ASSERT_TRUE_MSG(test, IS_ERR(ret), "memremap_pages() took it");
	KUNIT_EXPECT_EQ(test, PTR_ERR(ret), (long)p->error);
	KUNIT_EXPECT_FALSE_MSG(test, pfn_valid(pfn),
			       "a memmap left behind for %#lx", pfn);
	KUNIT_EXPECT_TRUE_MSG(test, zd_pgmap_is(pfn, NULL),
			      "a pgmap left behind for %#lx", pfn);
	if (!other)
		return;
	KUNIT_EXPECT_TRUE_MSG(test, zd_pgmap_is(other->pfn_first, &other->pgmap),
			      "the device whose range it claimed lost its pgmap");
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(other), other_refs);
	KUNIT_EXPECT_TRUE(test, pfn_valid(other->pfn_first));
}

static struct kunit_case zone_device_smoke_cases[] = {
	KUNIT_CASE_PARAM(map_and_lookup, zd_smoke_types_gen_params),
	KUNIT_CASE_PARAM(linear_map_covers_range, zd_mapped_gen_params),
	KUNIT_CASE(generic_page_address_writable),
	KUNIT_CASE(generic_user_mapping_roundtrip),
	KUNIT_CASE_PARAM(generic_gup_fast_devmap_branch, zd_gup_gen_params),
	KUNIT_CASE_PARAM(gup_fast_spans_two_pgmaps, zd_gup_gen_params),
	KUNIT_CASE(generic_longterm_refused_by_gup_fast),
	KUNIT_CASE_PARAM(alloc_and_free_like_test_hmm, zd_free_at_zero_gen_params),
	KUNIT_CASE_PARAM(unmap_removes_range, zd_type_gen_params),
	KUNIT_CASE_PARAM(memmap_on_device_counts_the_rest, zd_memmap_types_gen_params),
	KUNIT_CASE(p2pdma_page_goes_back_to_driver),
	KUNIT_CASE(two_ranges_one_map),
	KUNIT_CASE_PARAM(map_unmap_cycles_leak_nothing, zd_type_gen_params),
	KUNIT_CASE(ledger_sees_leaks),
	KUNIT_CASE_PARAM(devm_map_goes_with_its_device, zd_devm_gen_params),
	KUNIT_CASE_PARAM(memremap_pages_refuses_bad_pgmap, zd_bad_gen_params),
	{}
};

static struct kunit_suite zone_device_smoke_suite = {
	.name = "zone_device_smoke",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zone_device_smoke_cases,
};

kunit_test_suite(zone_device_smoke_suite);

MODULE_DESCRIPTION("KUnit smoke tests of ZONE_DEVICE on UML");
MODULE_LICENSE("GPL");
