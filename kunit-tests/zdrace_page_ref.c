// SPDX-License-Identifier: GPL-2.0
/*
 * The refcount rules of ordinary pages and folios that the ZONE_DEVICE
 * suites build on.  Rules: a speculative get (folio_try_get(),
 * page_ref_add_unless()) never resurrects a folio frozen at zero; the put
 * to zero frees the page (found back in the buddy allocator); FOLL_GET
 * adds one reference, FOLL_PIN adds GUP_PIN_COUNTING_BIAS to a small
 * folio (one reference and one _pincount to a large one), so that
 * folio_maybe_dma_pinned() tells them apart, and unpinning gives back
 * exactly what pinning took (NR_FOLL_PIN_ACQUIRED/RELEASED agree).
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/page_ref.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include <zdrace/sched.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "zd_compat.h"

KUNIT_DEFINE_ACTION_WRAPPER(zd_folio_put, folio_put, struct folio *);

/* A folio of @order the test owns one reference to, put at test exit. */
static struct folio *zd_alloc_folio(struct kunit *test, unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, order);

	KUNIT_ASSERT_NOT_NULL_MSG(test, folio, "folio_alloc(order %u)", order);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_folio_put, folio));
	return folio;
}

static void try_get_frozen_folio_fails(struct kunit *test)
{
	struct folio *folio = zd_alloc_folio(test, 0);

	KUNIT_ASSERT_TRUE_MSG(test, folio_ref_freeze(folio, 1),
			      "a fresh folio should hold exactly one ref");
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
	KUNIT_EXPECT_FALSE_MSG(test, folio_try_get(folio),
			       "folio_try_get() took a ref on a count of 0");
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 0,
			    "a failed try_get must not change the count");
	folio_ref_unfreeze(folio, 1);
}

static void try_get_live_folio_adds_one(struct kunit *test)
{
	struct folio *folio = zd_alloc_folio(test, 0);

	KUNIT_ASSERT_TRUE(test, folio_try_get(folio));
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 2);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
}

static void ref_add_unless_stops_at_u(struct kunit *test)
{
	struct folio *folio = zd_alloc_folio(test, 0);
	struct page *page = &folio->page;

#if !ZD_KERNEL_7
	/* 7.x has only the u == 0 form left: page_ref_add_unless_zero(). */
	KUNIT_EXPECT_FALSE_MSG(test, page_ref_add_unless(page, 1, 1),
			       "added to a page whose count equals u");
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
#endif

	KUNIT_EXPECT_TRUE(test, zd_page_ref_add_unless_zero(page, 2));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 3);
	page_ref_sub(page, 2);

	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	KUNIT_EXPECT_FALSE_MSG(test, zd_page_ref_add_unless_zero(page, 1),
			       "resurrected a page frozen at 0");
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	folio_ref_unfreeze(folio, 1);
}

/* The page is back in the buddy allocator (after draining this CPU's pcp). */
static bool zd_page_is_free(struct page *page)
{
	bool free;

	preempt_disable();
	drain_local_pages(page_zone(page));
	free = is_free_buddy_page(page);
	preempt_enable();
	return free;
}

static void put_to_zero_frees_page(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	get_page(page);
	put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_FALSE_MSG(test, zd_page_is_free(page),
			       "page freed while a reference was held");

	put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_TRUE_MSG(test, zd_page_is_free(page),
			      "the final put_page() did not free the page");
}

struct zd_grab_case {
	const char *name;
	unsigned int order;
	int expected_delta;
};

static const struct zd_grab_case zd_grab_cases[] = {
	{ "order0", 0, GUP_PIN_COUNTING_BIAS },
	{ "order2", 2, 1 },
};

KUNIT_ARRAY_PARAM_DESC(zd_grab, zd_grab_cases, name);

static void try_grab_pin_bias(struct kunit *test)
{
	const struct zd_grab_case *c = test->param_value;
	struct folio *folio = zd_alloc_folio(test, c->order);
	int before = folio_ref_count(folio);

	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio) - before,
			    c->expected_delta, "FOLL_PIN on an order-%u folio",
			    c->order);
	if (folio_test_large(folio))
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&folio->_pincount), 1,
				    "a large folio counts pins in _pincount");
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));

	unpin_folio(folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), before);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
}

struct zd_gup_case {
	const char *name;
	bool pin;
	int expected_delta;
};

static const struct zd_gup_case zd_gup_cases[] = {
	{ "FOLL_GET", false, 1 },
	{ "FOLL_PIN", true, GUP_PIN_COUNTING_BIAS },
};

KUNIT_ARRAY_PARAM_DESC(zd_gup, zd_gup_cases, name);

/* An anonymous user page, faulted in, in the test's own (KUnit) mm. */
static unsigned long zd_user_page(struct kunit *test)
{
	static const char pattern[] = "zdrace";
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0, "kunit_vm_mmap() failed");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "kunit_vm_mmap: %ld",
			       (long)addr);
	KUNIT_ASSERT_EQ_MSG(test, copy_to_user((void __user *)addr, pattern,
					       sizeof(pattern)), 0,
			    "could not fault the user page in");
	return addr;
}

/*
 * A NR_FOLL_PIN_* counter with the per-CPU deltas not yet folded in: on
 * SMP, global_node_page_state() can lag a pin taken a moment ago.
 */
static unsigned long zd_pin_stat(enum node_stat_item item)
{
	long x = atomic_long_read(&vm_node_stat[item]);
	int nid, cpu;

	for_each_online_node(nid)
		for_each_online_cpu(cpu)
			x += per_cpu_ptr(NODE_DATA(nid)->per_cpu_nodestats,
					 cpu)->vm_node_stat_diff[item];
	return x;
}

static void gup_user_page_refs(struct kunit *test)
{
	const struct zd_gup_case *c = test->param_value;
	unsigned long addr = zd_user_page(test);
	unsigned long acquired, released;
	struct page *base, *page;
	int before;

	/* A plain reference first: it pins down which page to watch. */
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE, &base), 1);
	before = page_ref_count(base);
	acquired = zd_pin_stat(NR_FOLL_PIN_ACQUIRED);
	released = zd_pin_stat(NR_FOLL_PIN_RELEASED);

	if (c->pin)
		KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE,
							  &page), 1);
	else
		KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE,
							  &page), 1);
	KUNIT_EXPECT_PTR_EQ(test, page, base);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page) - before,
			    c->expected_delta, "%s", c->name);
	KUNIT_EXPECT_EQ(test, folio_maybe_dma_pinned(page_folio(page)), c->pin);
	KUNIT_EXPECT_EQ(test, zd_pin_stat(NR_FOLL_PIN_ACQUIRED) -
			acquired, c->pin ? 1UL : 0UL);

	if (c->pin)
		unpin_user_page(page);
	else
		put_page(page);
	KUNIT_EXPECT_EQ(test, page_ref_count(base), before);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(base)));
	KUNIT_EXPECT_EQ(test, zd_pin_stat(NR_FOLL_PIN_RELEASED) -
			released, c->pin ? 1UL : 0UL);
	put_page(base);
}

static struct kunit_case zdrace_page_ref_cases[] = {
	KUNIT_CASE(try_get_frozen_folio_fails),
	KUNIT_CASE(try_get_live_folio_adds_one),
	KUNIT_CASE(ref_add_unless_stops_at_u),
	KUNIT_CASE(put_to_zero_frees_page),
	KUNIT_CASE_PARAM(try_grab_pin_bias, zd_grab_gen_params),
	KUNIT_CASE_PARAM(gup_user_page_refs, zd_gup_gen_params),
	{}
};

static struct kunit_suite zdrace_page_ref_suite = {
	.name = "zdrace_page_ref",
	.init = zdrace_replay_init,
	.exit = zdrace_replay_exit,
	.test_cases = zdrace_page_ref_cases,
};

kunit_test_suite(zdrace_page_ref_suite);

MODULE_DESCRIPTION("KUnit tests for page and folio refcount rules");
MODULE_LICENSE("GPL");
