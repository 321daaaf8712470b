// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative gets (linux-mm, Apr 2017 and Sep 2021: the 1 -> 0
 * transition "should fully interlock with __page_cache_add_speculative()").
 * Rules: folio_try_get() and folio_ref_try_add() never take a reference
 * on a free device page (6.12's free GENERIC pages sit at count 1: known
 * upstream; 7.3 has no free GENERIC page); filemap_get_entry() never returns a folio frozen or
 * replaced under it between xas_load() and its get, and retries until the
 * freeze ends.  A `call` at filemap_after_load, for the test's task only,
 * freezes the folio or reuses its slot; the point's hits count retries.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* ---- free device pages ---- */

/* A page of @dev freed through ops->page_free(), now on the free list. */
static struct page *zd_spec_free_page(struct kunit *test, struct zd_dev *dev)
{
	atomic_t frees;
	struct page *page;

	if (zd_type_is_refcount0(dev->pgmap.type)) {
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

/* A free page of each type, taken by folio_try_get() or folio_ref_try_add(). */
struct zd_spec_free_param {
	const char *name;
	enum memory_type type;
	int refs;	/* 1: folio_try_get(), else folio_ref_try_add() */
};

static const struct zd_spec_free_param zd_spec_free[] = {
	{ "private folio_try_get", MEMORY_DEVICE_PRIVATE, 1 },
	{ "private folio_ref_try_add 2", MEMORY_DEVICE_PRIVATE, 2 },
	{ "coherent folio_try_get", MEMORY_DEVICE_COHERENT, 1 },
	{ "coherent folio_ref_try_add 2", MEMORY_DEVICE_COHERENT, 2 },
	{ "generic folio_try_get", MEMORY_DEVICE_GENERIC, 1 },
	{ "generic folio_ref_try_add 2", MEMORY_DEVICE_GENERIC, 2 },
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
	if (p->refs == 1)
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
		  p->refs == 1 ? "folio_try_get" : "folio_ref_try_add",
		  page_to_pfn(page), atomic_read(&dev->page_free_calls), before);
}

/* ---- the page cache ---- */

struct zd_spec_cache {
	struct folio *folio;
	int count;		/* its count before the lookup */
	int frozen_passes;	/* lookups that meet the folio frozen */
	int calls;
	int seen_frozen;	/* passes that found it frozen */
	bool froze;
};

/*
 * filemap_after_load: the first pass freezes the folio, as removal does
 * before it takes a folio out of the cache; the pass after
 * @frozen_passes lookups unfreezes it (the removal gave up).
 */
static bool zd_spec_freeze_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_spec_cache *c = data;

	c->calls++;
	if (c->calls == 1) {
		c->froze = folio_ref_freeze(c->folio, c->count);
		return false;
	}
	if (!folio_ref_count(c->folio))
		c->seen_frozen++;
	if (c->calls == c->frozen_passes + 1 && c->froze)
		folio_ref_unfreeze(c->folio, c->count);
	return false;
}

static const int zd_spec_frozen_passes[] = { 1, 2, 5 };

static void zd_spec_passes_desc(const int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "frozen for %d lookup%s", *n,
		 *n == 1 ? "" : "s");
}

KUNIT_ARRAY_PARAM(zd_spec_passes, zd_spec_frozen_passes, zd_spec_passes_desc);

static void lookup_never_returns_frozen_folio(struct kunit *test)
{
	int passes = *(const int *)test->param_value;
	struct zd_spec_cache *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zd_spec_freeze_cb,
		.data = c,
		.probability = 100,
		.interval = 1,
		.times = -1,
		.task_filter = true,
	};
	struct folio *got;

	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->frozen_passes = passes;
	c->folio = zd_shmem_folio(test, "zdrace-s6");
	c->count = folio_ref_count(c->folio);

	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(ZDRACE_FI_filemap_after_load,
					    &arm), 0);
	current->make_it_fail = 1;
	got = filemap_get_folio(c->folio->mapping, 0);
	current->make_it_fail = 0;
	zdrace_fi_disarm(ZDRACE_FI_filemap_after_load);

	KUNIT_ASSERT_TRUE_MSG(test, c->froze, "the folio could not be frozen");
	KUNIT_EXPECT_EQ_MSG(test, c->calls, passes + 1,
			    "the lookup did not retry once per frozen pass");
	KUNIT_EXPECT_EQ_MSG(test, c->seen_frozen, passes,
			    "the retries did not meet the folio frozen");
	KUNIT_ASSERT_FALSE(test, IS_ERR(got));
	KUNIT_EXPECT_PTR_EQ(test, got, c->folio);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(got), c->count + 1,
			    "the lookup's reference is not exactly one");
	folio_put(got);
}

/* A lookup in @mapping whose slot 0 is switched from @old to @new. */
struct zd_spec_reuse {
	struct address_space *mapping;
	struct folio *old, *new;
	int calls;
};

static void zd_spec_set_slot(struct address_space *mapping, struct folio *folio)
{
	unsigned long flags;

	xa_lock_irqsave(&mapping->i_pages, flags);
	__xa_store(&mapping->i_pages, 0, folio, GFP_ATOMIC);
	xa_unlock_irqrestore(&mapping->i_pages, flags);
}

/* filemap_after_load, first pass: the slot now holds another folio. */
static bool zd_spec_reuse_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_spec_reuse *r = data;

	if (++r->calls == 1)
		zd_spec_set_slot(r->mapping, r->new);
	return false;
}

/*
 * The folio filemap_get_entry() loaded is taken out of the slot and
 * another put there (removed and the slot reused) before its
 * folio_try_get(), which still succeeds: the xas_reload() re-check must
 * see the change, retry, and return what the slot holds.
 */
static void lookup_rechecks_reused_slot(struct kunit *test)
{
	struct zd_spec_reuse *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_CALL,
		.fn = zd_spec_reuse_cb,
		.data = r,
		.task_filter = true,
		ZDRACE_FI_ARM_ALWAYS,
	};
	struct folio *got;

	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->old = zd_shmem_folio(test, "zdrace-s6-old");
	r->new = zd_shmem_folio(test, "zdrace-s6-new");
	r->mapping = r->old->mapping;

	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(ZDRACE_FI_filemap_after_load,
					    &arm), 0);
	current->make_it_fail = 1;
	got = filemap_get_folio(r->mapping, 0);
	current->make_it_fail = 0;
	zdrace_fi_disarm(ZDRACE_FI_filemap_after_load);
	zd_spec_set_slot(r->mapping, r->old);

	KUNIT_ASSERT_FALSE(test, IS_ERR(got));
	folio_put(got);
	KUNIT_EXPECT_EQ_MSG(test, r->calls, 2,
			    "the lookup did not retry after the slot changed");
	KUNIT_EXPECT_PTR_EQ_MSG(test, got, r->new,
				"the lookup returned the folio no longer in the slot");
}

static struct kunit_case zdrace_speculative_get_cases[] = {
	KUNIT_CASE_PARAM(speculative_get_on_free_device_page,
			 zd_spec_free_gen_params),
	KUNIT_CASE(lookup_rechecks_reused_slot),
	KUNIT_CASE_PARAM(lookup_never_returns_frozen_folio,
			 zd_spec_passes_gen_params),
	{}
};

static struct kunit_suite zdrace_speculative_get_suite = {
	.name = "zdrace_speculative_get",
	.exit = zd_suite_exit,
	.test_cases = zdrace_speculative_get_cases,
};

kunit_test_suite(zdrace_speculative_get_suite);

MODULE_DESCRIPTION("zdrace: speculative references on free and frozen pages");
MODULE_LICENSE("GPL");
