/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zdrace fake device: ZONE_DEVICE memory on UML's zone_device_mem= window.
 *
 * A driver first, a test fixture second: it maps a pgmap of one type with
 * memremap_pages(), keeps free PRIVATE/COHERENT pages on a free list
 * threaded through zone_device_data and hands them out with
 * zone_device_page_init(), like lib/test_hmm.c, and maps GENERIC pages
 * into a user mm as devmap PTEs from its fault handler.
 */
#ifndef _ZD_DEVICE_H
#define _ZD_DEVICE_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/memremap.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "zd_compat.h"

/* One 16 MiB section: what memory hotplug on UML adds at a time. */
#define ZD_DEV_SIZE	SZ_16M

/* What the end-of-case ledger compares: a page's refcount state. */
struct zd_page_state {
	int count;
	int mapcount;		/* _mapcount, -1 when unmapped */
	unsigned long flags;
	struct address_space *mapping;
};

struct zd_dev {
	struct kunit *test;
	struct dev_pagemap pgmap;
	struct resource *res;
	unsigned long pfn_first;
	unsigned long nr_pages;
	bool mapped;
	struct file *file;		/* zapped by zd_dev_unmap() */
	bool unmap_timed_out;
	struct delayed_work unmap_watchdog;
	bool unmapping;			/* zd_dev_unmap() began ... */
	struct completion unmapped;	/* ... and returned */

	spinlock_t lock;		/* protects the free list */
	struct page *free_pages;	/* PRIVATE/COHERENT free list */
	unsigned long nr_free;

	atomic_t page_free_calls;	/* ops->page_free() */
	atomic_t pgmap_ref_at_free;	/* ... of which with the pgmap live */
	atomic_t migrated_to_ram;	/* ops->migrate_to_ram() */
	/* Test hook run inside ops->page_free(), after the page is freed. */
	void (*on_page_free)(struct zd_dev *dev, struct page *page);

	/* The ledger's idle state: as memremap_pages() left the pages. */
	struct zd_page_state idle;
	long idle_pgmap_refs;
};

/* KUnit parameter over the three pgmap types the suites cover. */
struct zd_type_param {
	enum memory_type type;
	const char *name;
};

extern const struct dev_pagemap_ops zd_dev_ops;

ZD_PARAM_GEN(zd_type_gen_params);
ZD_PARAM_GEN(zd_free_at_zero_gen_params);
ZD_PARAM_GEN(zd_mapped_gen_params);

bool zd_type_free_at_zero(enum memory_type type);
struct resource *zd_region(struct kunit *test, const char *name);
struct zd_dev *zd_dev_create(struct kunit *test, enum memory_type type);
struct zd_dev *zd_dev_create_memmap_on_device(struct kunit *test,
					      enum memory_type type);
void zd_dev_zap(struct zd_dev *dev);
void zd_dev_unmap(struct zd_dev *dev);
void zd_dev_release(struct zd_dev *dev);
struct page *zd_dev_page(struct zd_dev *dev, unsigned long idx);
struct page *zd_dev_take_free_page(struct zd_dev *dev);
struct page *zd_dev_alloc_page(struct zd_dev *dev);
struct folio *zd_dev_alloc_folio(struct zd_dev *dev, unsigned long idx,
				 unsigned int order);
void zd_fsdax_take(struct page *page);
struct page *zd_dev_user_page(struct zd_dev *dev);
bool zd_type_user_ref_is_callers(enum memory_type type);
long zd_pgmap_refs(struct dev_pagemap *pgmap);
long zd_dev_pgmap_refs(struct zd_dev *dev);
bool zd_dev_free_list_all_idle(struct zd_dev *dev, struct page **bad);

#endif /* _ZD_DEVICE_H */
