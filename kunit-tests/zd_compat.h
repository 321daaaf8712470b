/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernel lines zdrace runs on, 6.12 and 7.3, in the
 * interfaces the suites use: one spelling for both, decided here only.
 */
#ifndef _ZD_COMPAT_H
#define _ZD_COMPAT_H

#include <kunit/test.h>
#include <linux/dax.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/version.h>
#include <zdrace/fi.h>

#define ZD_KERNEL_7	(LINUX_VERSION_MAJOR >= 7)

/*
 * What a line whose mechanism predicate below is false has instead: the
 * reason ZD_REQUIRE() (zd_kunit.h) skips a case with as not applicable.
 */
#define ZD_GUP_FAST_GETS_PGMAP_GONE \
	"gup-fast takes no pgmap reference, it has no get_dev_pagemap() step (mm/gup.c gup_fast_pte_range())"
#define ZD_GUARD_REGIONS_GONE \
	"no guard regions: madvise() has no MADV_GUARD_INSTALL (include/uapi/asm-generic/mman-common.h)"
#define ZD_PRIVATE_FAULT_LOCKS_PAGE_GONE \
	"do_swap_page() calls ops->migrate_to_ram() without the page lock and waits for no lock another holds: the fault retries at once, which on a kernel without preemption never lets the holder run (mm/memory.c)"
#define ZD_GENERIC_FREE_CALLS_DRIVER_GONE \
	"free_zone_device_folio() calls no driver callback for a GENERIC folio, only folio_set_count(1): no driver free list holds it (mm/memremap.c)"

/* A tree without large device folios never collects a compound entry. */
#ifndef MIGRATE_PFN_COMPOUND
#define MIGRATE_PFN_COMPOUND	0
#endif

/* Guard regions: madvise(MADV_GUARD_INSTALL) puts a PTE marker in each PTE. */
#ifdef MADV_GUARD_INSTALL
#define ZD_GUARD_REGIONS	true
#else
#define ZD_GUARD_REGIONS	false
#endif

/* Make @len bytes at @addr of the case's mm a guard region. */
static inline int zd_guard_install(unsigned long addr, size_t len)
{
#ifdef MADV_GUARD_INSTALL
	return do_madvise(current->mm, addr, len, MADV_GUARD_INSTALL);
#else
	return -EINVAL;
#endif
}

#if ZD_KERNEL_7
#include <linux/leafops.h>

/* KUnit hands parameter generators the test. */
#define ZD_PARAM_GEN(fn) \
	const void *(fn)(struct kunit *test, const void *prev, char *desc)
#define ZD_SHMEM_FLAGS	EMPTY_VMA_FLAGS
/*
 * gup-fast takes no dev_pagemap reference: it bails on special PTEs and
 * grabs the folio, so gup_fast_after_get_pgmap has no window and never fires.
 */
#define ZD_GUP_FAST_GETS_PGMAP	false

/*
 * The mapping zd_dev_map_user() makes holds a reference and a mapcount of
 * its own (vmf_insert_page_mkwrite()), which a test that means to hold only
 * a gup reference has to drop by unmapping it.
 */
#define ZD_USER_MAPPING_HOLDS_REF	true

/*
 * gup-fast decides whether a FOLL_LONGTERM pin may keep a folio only after
 * grabbing it (gup_fast_folio_allowed()), and gives back one it refuses.
 */
#define ZD_GUP_FAST_LONGTERM_GRABS_FIRST	true

/*
 * Fault-around's next_uptodate_folio() takes its speculative reference
 * before it looks at the folio lock, so a locked folio passes the point.
 */
#define ZD_FAULT_AROUND_GETS_LOCKED	true
/* The dev_pagemap_ops method a freed device folio goes to. */
#define ZD_FREE_OP	folio_free
/* Uncached buffered I/O: a folio made to be dropped after use. */
#define ZD_FGP_DONTCACHE	FGP_DONTCACHE

/*
 * free_zone_device_folio() calls no driver callback for a GENERIC folio:
 * it only resets the count to 1, so no driver free list ever holds one.
 */
#define ZD_GENERIC_FREE_CALLS_DRIVER	false

/*
 * fs/dax.c's break of a whole file's layout, as a truncate and an evict
 * do (dax_break_layout(), dax_break_layout_final()): it waits for the
 * file's busy DAX pages.
 */
static inline int zd_dax_break_layout(struct inode *inode)
{
	int ret = dax_break_layout(inode, 0, LLONG_MAX, NULL);

	if (!ret)
		dax_break_layout_final(inode);
	return ret;
}

static inline struct dev_pagemap *zd_page_pgmap(const struct page *page)
{
	return page_pgmap(page);
}

static inline bool zd_is_fsdax_page(const struct page *page)
{
	return is_fsdax_page(page);
}

static inline struct dev_pagemap *zd_get_dev_pagemap(unsigned long pfn)
{
	return get_dev_pagemap(pfn);
}

static inline unsigned long zd_page_flags(const struct page *page)
{
	return page->flags.f;
}

/*
 * FS_DAX pages count from 0: the final put reaches free_zone_device_folio(),
 * which wakes the page for fs/dax.c's wait_page_idle().
 */
#define ZD_FSDAX_IDLE	0

static inline void *zd_fsdax_wake_var(struct page *page)
{
	return page;
}

static inline bool zd_page_ref_add_unless_zero(struct page *page, int nr)
{
	return page_ref_add_unless_zero(page, nr);
}

#ifdef CONFIG_ZONE_DEVICE
static inline void zd_zone_device_page_init(struct page *page,
					    struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}

/* Device folios of more than one page: zone_device_page_init()'s order. */
#define ZD_LARGE_DEVICE_FOLIOS	true
#define ZD_LARGE_DEVICE_FOLIOS_GONE \
	"zone_device_page_init() hands out order-0 pages only (mm/memremap.c)"

static inline void zd_zone_device_folio_init(struct page *page,
					     struct dev_pagemap *pgmap,
					     unsigned int order)
{
	zone_device_page_init(page, pgmap, order);
}
#endif

#ifdef CONFIG_DEVICE_PRIVATE
/*
 * The page at @addr of @mm made exclusive to a device: a device-exclusive
 * entry in its PTE, the page returned locked and with a reference the
 * caller drops (mmap_lock held for read).
 */
static inline struct page *zd_make_device_exclusive(struct mm_struct *mm,
						    unsigned long addr,
						    void *owner)
{
	struct folio *folio;

	return make_device_exclusive(mm, addr, owner, &folio);
}
#endif

/* A device-exclusive entry keeps the page's mapcount (and rmap). */
#define ZD_EXCLUSIVE_ENTRY_MAPPED	true

static inline bool zd_pte_device_exclusive(pte_t pte)
{
	return softleaf_is_device_exclusive(softleaf_from_pte(pte));
}

static inline bool zd_pte_device_private(pte_t pte)
{
	return softleaf_is_device_private(softleaf_from_pte(pte));
}

static inline bool zd_pte_device_private_write(pte_t pte)
{
	return softleaf_is_device_private_write(softleaf_from_pte(pte));
}

static inline bool zd_pte_migration(pte_t pte)
{
	return softleaf_is_migration(softleaf_from_pte(pte));
}

/*
 * do_swap_page() locks a device-private page for ops->migrate_to_ram(),
 * and a fault that finds it locked by another waits for the unlock
 * (softleaf_entry_wait_on_locked()).
 */
#define ZD_PRIVATE_FAULT_LOCKS_PAGE	true

/* Map @pfn at @addr of @vma by the pfn alone: a special PTE. */
static inline vm_fault_t zd_vmf_insert_pfn(struct vm_area_struct *vma,
					   unsigned long addr, unsigned long pfn)
{
	return vmf_insert_mixed(vma, addr, pfn);
}
#else
#include <linux/pfn_t.h>

#define ZD_PARAM_GEN(fn)	const void *(fn)(const void *prev, char *desc)
#define ZD_SHMEM_FLAGS	0
#define ZD_GUP_FAST_GETS_PGMAP	true
#define ZD_USER_MAPPING_HOLDS_REF	false
/* gup-fast refuses FOLL_LONGTERM on a devmap PTE before any grab. */
#define ZD_GUP_FAST_LONGTERM_GRABS_FIRST	false
/* Fault-around skips a locked folio before its speculative get. */
#define ZD_FAULT_AROUND_GETS_LOCKED	false
#define ZD_FREE_OP	page_free
#define ZD_FGP_DONTCACHE	((__force fgf_t)0)
/* ops->page_free() runs for GENERIC too, before the count is reset to 1. */
#define ZD_GENERIC_FREE_CALLS_DRIVER	true
/*
 * No fs/dax.c layout break: each filesystem waits in its own helper
 * (ext4_break_layouts()), which looks at the busy lookup alone.
 */
#define zd_dax_break_layout(inode)	({ (void)(inode); 0; })

static inline struct dev_pagemap *zd_page_pgmap(const struct page *page)
{
	return page->pgmap;
}

/* No is_fsdax_page() here: the pgmap's type says it. */
static inline bool zd_is_fsdax_page(const struct page *page)
{
	return is_zone_device_page(page) &&
	       page->pgmap->type == MEMORY_DEVICE_FS_DAX;
}

static inline struct dev_pagemap *zd_get_dev_pagemap(unsigned long pfn)
{
	return get_dev_pagemap(pfn, NULL);
}

static inline unsigned long zd_page_flags(const struct page *page)
{
	return page->flags;
}

/*
 * FS_DAX pages count from 1: __put_devmap_managed_folio_refs() wakes the
 * count when a put brings it back to 1 (ext4's and fuse's wait for it).
 */
#define ZD_FSDAX_IDLE	1

static inline void *zd_fsdax_wake_var(struct page *page)
{
	return &page->_refcount;
}

static inline bool zd_page_ref_add_unless_zero(struct page *page, int nr)
{
	return page_ref_add_unless(page, nr, 0);
}

#ifdef CONFIG_ZONE_DEVICE
static inline void zd_zone_device_page_init(struct page *page,
					    struct dev_pagemap *pgmap)
{
	zone_device_page_init(page);
}

#define ZD_LARGE_DEVICE_FOLIOS	false
#define ZD_LARGE_DEVICE_FOLIOS_GONE \
	"zone_device_page_init() hands out order-0 pages only (mm/memremap.c)"

/* Order 0 only: ZD_REQUIRE(test, ZD_LARGE_DEVICE_FOLIOS) before others. */
static inline void zd_zone_device_folio_init(struct page *page,
					     struct dev_pagemap *pgmap,
					     unsigned int order)
{
	zone_device_page_init(page);
}
#endif

#ifdef CONFIG_DEVICE_PRIVATE
static inline struct page *zd_make_device_exclusive(struct mm_struct *mm,
						    unsigned long addr,
						    void *owner)
{
	struct page *page = NULL;
	int ret;

	ret = make_device_exclusive_range(mm, addr, addr + PAGE_SIZE, &page,
					  owner);
	if (ret < 0)
		return ERR_PTR(ret);
	return page ?: ERR_PTR(-EBUSY);
}
#endif

/*
 * A device-exclusive entry drops the page's rmap and mapcount; its
 * reference stays, as the entry's.  So an eviction (migrate_device_range())
 * of a device page under one never unmaps it, and the entry's reference
 * fails the move.
 */
#define ZD_EXCLUSIVE_ENTRY_MAPPED	false

static inline bool zd_pte_device_exclusive(pte_t pte)
{
	return is_swap_pte(pte) &&
	       is_device_exclusive_entry(pte_to_swp_entry(pte));
}

static inline bool zd_pte_device_private(pte_t pte)
{
	return is_swap_pte(pte) &&
	       is_device_private_entry(pte_to_swp_entry(pte));
}

static inline bool zd_pte_device_private_write(pte_t pte)
{
	return is_swap_pte(pte) &&
	       is_writable_device_private_entry(pte_to_swp_entry(pte));
}

static inline bool zd_pte_migration(pte_t pte)
{
	return is_swap_pte(pte) && is_migration_entry(pte_to_swp_entry(pte));
}

/* do_swap_page() neither locks a device-private page nor waits for its lock. */
#define ZD_PRIVATE_FAULT_LOCKS_PAGE	false

static inline vm_fault_t zd_vmf_insert_pfn(struct vm_area_struct *vma,
					   unsigned long addr, unsigned long pfn)
{
	return vmf_insert_mixed(vma, addr, __pfn_to_pfn_t(pfn, 0));
}
#endif

#endif /* _ZD_COMPAT_H */
