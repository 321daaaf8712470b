/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User mappings of the fake device: its pages as devmap PTEs of a user
 * mm (GENERIC, FS_DAX), or anonymous pages migrated to it (PRIVATE,
 * COHERENT).
 */
#ifndef _ZD_DEV_MAP_H
#define _ZD_DEV_MAP_H

#include <linux/migrate.h>

#include "zd_device.h"

unsigned long zd_dev_map_user(struct zd_dev *dev, unsigned long nr_pages);
unsigned long zd_dev_map_user_at(struct zd_dev *dev, unsigned long addr,
				 unsigned long idx, unsigned long nr_pages);

/* Pages zd_dev_map_anon() moves at once. */
#define ZD_MAP_ANON_MAX	16

unsigned long zd_anon_map(struct kunit *test, unsigned long nr_pages);

/* A migration to the device, set up and not yet done. */
struct zd_migration {
	struct zd_dev *dev;
	unsigned long nr_pages;
	struct migrate_vma args;
	unsigned long src[ZD_MAP_ANON_MAX], dst[ZD_MAP_ANON_MAX];
};

int zd_dev_migrate_setup(struct zd_dev *dev, struct zd_migration *m,
			 unsigned long addr, unsigned long nr_pages);
int zd_dev_migrate_select(struct zd_dev *dev, struct zd_migration *m,
			  unsigned long addr, unsigned long nr_pages,
			  unsigned long flags);
unsigned long zd_dev_migrate_finish(struct zd_migration *m, struct page **pages);
unsigned long zd_dev_migrate_to_page(struct zd_dev *dev, unsigned long addr,
				     struct page *dpage, struct page **moved);
unsigned long zd_dev_migrate_anon(struct zd_dev *dev, unsigned long addr,
				  unsigned long nr_pages, struct page **pages);
unsigned long zd_dev_map_anon(struct zd_dev *dev, unsigned long nr_pages,
			      struct page **pages);
unsigned long zd_dev_dst_in_ram(struct page *page, unsigned long src);
struct page *zd_dev_migrate_back(struct zd_dev *dev, unsigned long addr,
				 void *owner);

/* What an eviction found once it had collected the page. */
struct zd_evict_seen {
	int count, mapcount;
};

int zd_dev_evict(struct page *page, struct zd_evict_seen *seen);

#endif /* _ZD_DEV_MAP_H */
