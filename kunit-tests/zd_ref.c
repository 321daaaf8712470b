// SPDX-License-Identifier: GPL-2.0
/*
 * The kinds of reference a test takes on a device page; see zd_ref.h.
 */

#include <asm/zone_device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/version.h>
#if LINUX_VERSION_MAJOR < 7
#include <linux/pfn_t.h>
#endif
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <zdrace/sched.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "zd_dev_map.h"
#include "zd_ref.h"
#include "zd_kunit.h"

static const char * const zd_ref_kind_names[] = {
	[ZD_REF_GET] = "get_page",
	[ZD_REF_PIN] = "FOLL_PIN",
	[ZD_REF_PGMAP] = "get_dev_pagemap",
	[ZD_REF_GUP_FAST] = "get_user_pages_fast",
	[ZD_REF_PIN_FAST] = "pin_user_pages_fast",
	[ZD_REF_TRY_GET] = "try_get_page",
	[ZD_REF_ADD_PIN] = "folio_add_pin",
	[ZD_REF_PFN_WALK] = "pfn walker",
};

const char *zd_ref_kind_name(enum zd_ref_kind kind)
{
	return zd_ref_kind_names[kind];
}

static void zd_ref_put(void *data)
{
	struct zd_ref *ref = data;

	if (!ref->held)
		return;
	ref->held = false;
	/*
	 * memunmap_pages() finished under this reference (it does for plain
	 * references to GENERIC pages): the memmap is gone, and the
	 * reference with it.  Dropping it would touch unmapped memory.
	 */
	if (!pfn_valid(page_to_pfn(ref->page)))
		return;
	switch (ref->kind) {
	case ZD_REF_GET:
	case ZD_REF_GUP_FAST:
	case ZD_REF_TRY_GET:
	case ZD_REF_PFN_WALK:
		put_page(ref->page);
		break;
	case ZD_REF_PIN:
	case ZD_REF_PIN_FAST:
	case ZD_REF_ADD_PIN:
		unpin_user_page(ref->page);
		break;
	case ZD_REF_PGMAP:
		put_dev_pagemap(ref->pgmap);
		break;
	}
}

/* Take a reference through gup-fast on a user mapping of @page. */
static int zd_ref_gup_fast(struct zd_ref *ref)
{
	struct zd_dev *dev = ref->dev;
	struct kunit *test = dev->test;
	unsigned long addr;
	struct page *got;
	int ret;

	KUNIT_ASSERT_PTR_EQ_MSG(test, ref->page, zd_dev_page(dev, 0),
				"gup references are taken on page 0");
	addr = zd_dev_map_user(dev, 1);
	/* Fault the devmap PTE in first: gup-fast only walks present PTEs. */
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	if (ref->kind == ZD_REF_PIN_FAST)
		ret = pin_user_pages_fast(addr, 1, FOLL_WRITE, &got);
	else
		ret = get_user_pages_fast(addr, 1, FOLL_WRITE, &got);
	if (ret == 1 && got != ref->page) {
		KUNIT_FAIL(test, "gup returned %p for %p", got, ref->page);
		return -EINVAL;
	}
	/* Where the mapping holds a reference too, leave the gup one alone. */
	if (ret == 1 && ZD_USER_MAPPING_HOLDS_REF)
		KUNIT_ASSERT_EQ_MSG(test, vm_munmap(addr, PAGE_SIZE), 0,
				    "cannot unmap the page gup-fast returned");
	return ret == 1 ? 0 : -EFAULT;
}

/**
 * zd_pfn_walk() - the speculative get of a walker that finds a device page
 * by its pfn, as memory_failure_dev_pagemap() and migrate_device_range()
 * do: hold the pgmap while it looks, take a reference unless the page is
 * free, let the pgmap go.
 * @pfn: the pfn.
 *
 * Return: the page's folio with a reference, or NULL if the pgmap is dying
 * or gone, or the page free.
 */
struct folio *zd_pfn_walk(unsigned long pfn)
{
	struct dev_pagemap *pgmap = zd_get_dev_pagemap(pfn);
	struct folio *folio;

	if (!pgmap)
		return NULL;
	folio = folio_get_nontail_page(pfn_to_page(pfn));
	put_dev_pagemap(pgmap);
	return folio;
}

/* A pin added with folio_add_pin() to one the test took, which it drops. */
static int zd_ref_add_pin(struct zd_ref *ref)
{
	struct folio *folio = page_folio(ref->page);
	int ret = try_grab_folio(folio, 1, FOLL_PIN);

	if (ret)
		return ret;
	folio_add_pin(folio);
	unpin_folio(folio);
	return 0;
}

/**
 * zd_ref_take() - hold a reference of @kind on @page until zd_ref_drop().
 * @dev: the device @page belongs to.
 * @page: a page with a reference already (allocated, or GENERIC).
 * @kind: what kind of reference.
 *
 * The gup kinds map @page, which must be GENERIC page 0, into the test's
 * mm first, and unmap it after the gup where the mapping holds a reference
 * of its own (ZD_USER_MAPPING_HOLDS_REF): the gup reference is then the
 * only one taken, on every line.  Aborts the test if the reference cannot
 * be taken.
 *
 * Return: the reference.
 */
struct zd_ref *zd_ref_take(struct zd_dev *dev, struct page *page,
			   enum zd_ref_kind kind)
{
	struct kunit *test = dev->test;
	struct zd_ref *ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);
	int ret = 0;

	KUNIT_ASSERT_NOT_NULL(test, ref);
	ref->dev = dev;
	ref->page = page;
	ref->kind = kind;
	switch (kind) {
	case ZD_REF_GET:
		get_page(page);
		break;
	case ZD_REF_PIN:
		ret = try_grab_folio(page_folio(page), 1, FOLL_PIN);
		break;
	case ZD_REF_PGMAP:
		ref->pgmap = zd_get_dev_pagemap(page_to_pfn(page));
		ret = ref->pgmap ? 0 : -ENXIO;
		break;
	case ZD_REF_GUP_FAST:
	case ZD_REF_PIN_FAST:
		ret = zd_ref_gup_fast(ref);
		break;
	case ZD_REF_TRY_GET:
		ret = try_get_page(page) ? 0 : -EINVAL;
		break;
	case ZD_REF_ADD_PIN:
		ret = zd_ref_add_pin(ref);
		break;
	case ZD_REF_PFN_WALK:
		ret = zd_pfn_walk(page_to_pfn(page)) == page_folio(page) ?
		      0 : -ENXIO;
		break;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "cannot take a %s reference",
			    zd_ref_kind_name(kind));
	ref->held = true;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_ref_put, ref));
	return ref;
}

/* Drop @ref now; safe from an actor thread of the test. */
void zd_ref_drop(struct zd_ref *ref)
{
	kunit_release_action(ref->dev->test, zd_ref_put, ref);
}
