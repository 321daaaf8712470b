// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative gets (linux-mm, Apr 2017 and Sep 2021: the 1 -> 0
 * transition "should fully interlock with __page_cache_add_speculative()").
 * Rules: folio_try_get() and folio_ref_try_add() never take a reference
 * on a free device page (6.12's free GENERIC pages sit at count 1: known
 * upstream; 7.3 has no free GENERIC page), and gup-fast's speculative get
 * refuses what it must (special and read-only PTEs, missing page tables,
 * bad ranges).  The page cache's speculative gets are zdrace_page_cache.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* ---- free device pages ---- */

/* A page of @dev freed through ops->page_free(), now on the free list. */
static struct page *zd_spec_free_page(struct kunit *test, struct zd_dev *dev)
{
	atomic_t frees;
	struct page *page;

	if (zd_type_free_at_zero(dev->pgmap.type)) {
		page = zd_dev_alloc_page(dev);
		KUNIT_ASSERT_NOT_NULL(test, page);
	} else {
		/* Its user drops the reference memremap_pages() gave it. */
		page = zd_dev_page(dev, 0);
	}
	KUNIT_ASSERT_EQ(test, zdrace_fi_arm_counter(ZDRACE_FI_free_before_page_free,
						    &frees, false), 0);
	put_page(page);
	zdrace_fi_disarm(ZDRACE_FI_free_before_page_free);
	KUNIT_ASSERT_EQ_MSG(test, atomic_read(&frees), 1,
			    "the final put did not reach free_zone_device_folio()");
	if (dev->pgmap.type != MEMORY_DEVICE_GENERIC ||
	    ZD_GENERIC_FREE_CALLS_DRIVER) {
		KUNIT_ASSERT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 1,
				    "the page was not freed through ops->page_free()");
		KUNIT_ASSERT_PTR_EQ(test, dev->free_pages, page);
	}
	return page;
}

/*
 * A free page of each type, taken by folio_try_get(), folio_ref_try_add()
 * or a pfn walker (zd_pfn_walk(): folio_get_nontail_page() under the
 * pgmap).
 */
struct zd_spec_free_param {
	const char *name;
	enum memory_type type;
	int refs;	/* 1: folio_try_get(), else folio_ref_try_add() */
	bool walk;	/* a pfn walker's get instead, of one reference */
};

static const struct zd_spec_free_param zd_spec_free[] = {
	{ "private folio_try_get", MEMORY_DEVICE_PRIVATE, 1 },
	{ "private folio_ref_try_add 2", MEMORY_DEVICE_PRIVATE, 2 },
	{ "private pfn walker", MEMORY_DEVICE_PRIVATE, 1, true },
	{ "coherent folio_try_get", MEMORY_DEVICE_COHERENT, 1 },
	{ "coherent folio_ref_try_add 2", MEMORY_DEVICE_COHERENT, 2 },
	{ "coherent pfn walker", MEMORY_DEVICE_COHERENT, 1, true },
	{ "generic folio_try_get", MEMORY_DEVICE_GENERIC, 1 },
	{ "generic folio_ref_try_add 2", MEMORY_DEVICE_GENERIC, 2 },
	{ "generic pfn walker", MEMORY_DEVICE_GENERIC, 1, true },
};

KUNIT_ARRAY_PARAM_DESC(zd_spec_free, zd_spec_free, name);

static void speculative_get_on_free_device_page(struct kunit *test)
{
	const struct zd_spec_free_param *p = test->param_value;
	struct zd_dev *dev;
	struct folio *folio;
	struct page *page;
	int before;
	bool got;

	zd_rule(test, ZD_RULE_speculative_get_refuses_free_page, p->type);

	dev = zd_dev_create(test, p->type);
	page = zd_spec_free_page(test, dev);
	folio = page_folio(page);
	before = page_ref_count(page);
	if (p->walk)
		got = zd_pfn_walk(page_to_pfn(page)) == folio;
	else if (p->refs == 1)
		got = folio_try_get(folio);
	else
		got = folio_ref_try_add(folio, p->refs);
	if (!got) {
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), before,
				    "a refused get changed the count");
		KUNIT_EXPECT_EQ(test, before, 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, page_ref_count(page), before + p->refs);
	/* Give the references back without a second free. */
	folio_ref_sub(folio, p->refs);
	KUNIT_ASSERT_EQ_MSG(test, p->type, MEMORY_DEVICE_GENERIC,
			    "%s took %d references on a free page",
			    p->name, p->refs);
	zd_breaks(test,
		  "%s took a reference on GENERIC page %#lx after its final put (free_zone_device_folio() ran, %d driver page_free calls): free GENERIC pages sit at refcount %d, not 0",
		  p->walk ? "a pfn walker" : p->refs == 1 ? "folio_try_get" :
		  "folio_ref_try_add",
		  page_to_pfn(page), atomic_read(&dev->page_free_calls), before);
}

/* ---- gup-fast's speculative get on RAM: what it refuses ---- */

/*
 * A read fault on untouched anonymous memory maps the zero page by a
 * special PTE, which gup-fast reads and refuses without touching the
 * page: it returns nothing and leaves the zero page's count alone.  Slow
 * GUP takes it (try_grab_folio(FOLL_GET)) and pins it without a count; a
 * long-term pin unshares it (gup_must_unshare()) and pins a page of its own.
 */
static void gup_fast_refuses_special_pte(struct kunit *test)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, 0);
	atomic_t reads, grabs;
	struct page *page;
	int before, v;

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	KUNIT_ASSERT_EQ(test, get_user(v, (int __user *)addr), 0);
	before = page_ref_count(ZERO_PAGE(0));
	zd_count_point(test, ZDRACE_FI_gup_fast_after_pte_read, &reads);
	zd_count_point(test, ZDRACE_FI_gup_fast_after_grab, &grabs);

	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only(addr, 1, 0, &page), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reads), 1,
			    "gup-fast did not read the PTE");
	KUNIT_EXPECT_EQ(test, atomic_read(&grabs), 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), before);

	/* Slow GUP, where gup-fast falls back, takes it with a reference. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, 0, &page), 1);
	KUNIT_EXPECT_PTR_EQ(test, page, ZERO_PAGE(0));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), before + 1);
	put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), before);

	/* ... and pins it without counting the pin ... */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, 0, &page), 1);
	KUNIT_EXPECT_PTR_EQ(test, page, ZERO_PAGE(0));
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), before,
			    "a pin on the zero page was counted");
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), before);

	/* ... but a long-term pin unshares it: a page of its own, pinned. */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_LONGTERM,
						  &page), 1);
	KUNIT_EXPECT_PTR_NE(test, page, ZERO_PAGE(0));
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), before);
	unpin_user_page(page);
}

/* A range gup-fast refuses before it looks at a page table. */
struct zd_bad_range {
	const char *name;
	bool past_task;		/* ends past TASK_SIZE_MAX, else wraps */
	long error;
};

static const struct zd_bad_range zd_bad_ranges[] = {
	{ "wraps around", false, -EOVERFLOW },
	{ "past the user address space", true, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(zd_bad_ranges, zd_bad_ranges, name);

/*
 * A range that wraps or leaves the user address space: gup-fast returns
 * the error without reading a PTE or taking anything.
 */
static void gup_fast_refuses_bad_range(struct kunit *test)
{
	const struct zd_bad_range *r = test->param_value;
	unsigned long start = -PAGE_SIZE;
	struct page *pages[2] = {};
	atomic_t reads;

	if (r->past_task)
		start = ALIGN_DOWN(TASK_SIZE_MAX, PAGE_SIZE) - PAGE_SIZE;
	zd_count_point(test, ZDRACE_FI_gup_fast_after_pte_read, &reads);
	KUNIT_EXPECT_EQ(test, (long)get_user_pages_fast(start, 2, 0, pages),
			r->error);
	KUNIT_EXPECT_EQ(test, atomic_read(&reads), 0);
	KUNIT_EXPECT_NULL(test, pages[0]);
}

/*
 * gup-fast on anonymous memory never touched finds no page table under the
 * address: it reads no PTE and returns nothing, where slow GUP would
 * fault the page in; once a write faulted it, gup-fast takes it.
 */
static void gup_fast_finds_no_page_table(struct kunit *test)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, 0);
	atomic_t reads;
	struct page *page;

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr) || !addr);
	zd_count_point(test, ZDRACE_FI_gup_fast_after_pte_read, &reads);
	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only(addr, 1, FOLL_WRITE,
						       &page), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reads), 0,
			    "gup-fast read a PTE of an unpopulated range");

	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	/* The new folio's LRU batch holds a reference until drained. */
	lru_add_drain_all();
	KUNIT_ASSERT_EQ(test, get_user_pages_fast_only(addr, 1, FOLL_WRITE,
						       &page), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&reads), 1);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 2,
			    "not the mapping's reference and gup-fast's");
	put_page(page);
}

/*
 * gup-fast asked to write through a read-only PTE of a shared file page
 * reads the PTE and refuses it before any grab, leaving the page's count
 * alone; asked to read, it takes the page itself.
 */
static void gup_fast_refuses_write_to_read_only_pte(struct kunit *test)
{
	struct file *file = zd_shmem_file(test, "zdrace-ro", 1);
	struct folio *folio = zd_shmem_file_folio(test, file, 0);
	unsigned long addr = zd_cache_map(test, file, 1);
	atomic_t reads, grabs;
	struct page *page;
	int before, v;

	KUNIT_ASSERT_EQ(test, get_user(v, (int __user *)addr), 0);
	KUNIT_ASSERT_TRUE(test, folio_mapped(folio));
	before = folio_ref_count(folio);
	zd_count_point(test, ZDRACE_FI_gup_fast_after_pte_read, &reads);
	zd_count_point(test, ZDRACE_FI_gup_fast_after_grab, &grabs);

	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only(addr, 1, FOLL_WRITE,
						       &page), 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reads), 1,
			    "gup-fast did not read the PTE");
	KUNIT_EXPECT_EQ(test, atomic_read(&grabs), 0);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), before);

	KUNIT_ASSERT_EQ(test, get_user_pages_fast_only(addr, 1, 0, &page), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&grabs), 1);
	KUNIT_EXPECT_PTR_EQ(test, page_folio(page), folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), before + 1);
	put_page(page);
}

static struct kunit_case zdrace_speculative_get_cases[] = {
	KUNIT_CASE_PARAM(speculative_get_on_free_device_page,
			 zd_spec_free_gen_params),
	KUNIT_CASE(gup_fast_refuses_special_pte),
	KUNIT_CASE(gup_fast_refuses_write_to_read_only_pte),
	KUNIT_CASE(gup_fast_finds_no_page_table),
	KUNIT_CASE_PARAM(gup_fast_refuses_bad_range, zd_bad_ranges_gen_params),
	{}
};

static struct kunit_suite zdrace_speculative_get_suite = {
	.name = "zdrace_speculative_get",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_speculative_get_cases,
};

kunit_test_suite(zdrace_speculative_get_suite);

MODULE_DESCRIPTION("zdrace: speculative references on free device pages and gup-fast's refusals");
MODULE_LICENSE("GPL");
