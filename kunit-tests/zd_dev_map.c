// SPDX-License-Identifier: GPL-2.0
/*
 * User mappings of the fake device: devmap PTEs, and anonymous pages
 * migrated to it; see zd_dev_map.h.
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

#include "zd_dev_map.h"
#include "zd_kunit.h"

static vm_fault_t zd_dev_fault(struct vm_fault *vmf)
{
	struct zd_dev *dev = vmf->vma->vm_private_data;

	if (vmf->pgoff >= dev->nr_pages)
		return VM_FAULT_SIGBUS;
#if ZD_KERNEL_7
	/*
	 * vmf_insert_mixed() makes special PTEs, which gup-fast refuses: map
	 * the page itself, with a reference and a mapcount, as device-dax does.
	 */
	return vmf_insert_page_mkwrite(vmf, zd_dev_page(dev, vmf->pgoff),
				       vmf->flags & FAULT_FLAG_WRITE);
#else
	return vmf_insert_mixed(vmf->vma, vmf->address,
				__pfn_to_pfn_t(dev->pfn_first + vmf->pgoff,
					       PFN_DEV | PFN_MAP));
#endif
}

static const struct vm_operations_struct zd_dev_vm_ops = {
	.fault = zd_dev_fault,
};

static int zd_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_private_data = file->private_data;
	vma->vm_ops = &zd_dev_vm_ops;
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	return 0;
}

static const struct file_operations zd_dev_fops = {
	.owner = THIS_MODULE,
	.mmap = zd_dev_mmap,
};

KUNIT_DEFINE_ACTION_WRAPPER(zd_fput, fput, struct file *);

/**
 * zd_dev_map_user_at() - map GENERIC pages @idx.. of @dev into the test's
 * mm; each fault inserts a devmap PTE (7.x: the page, with a reference).
 * @dev: a MEMORY_DEVICE_GENERIC device; on 7.x, or a COHERENT one whose
 *	pages at @idx.. are allocated (a device folio's tail, say).
 * @addr: where, replacing what is there (MAP_FIXED); 0: anywhere.
 * @idx: the first page.
 * @nr_pages: how many.
 *
 * Return: the user address.
 */
unsigned long zd_dev_map_user_at(struct zd_dev *dev, unsigned long addr,
				 unsigned long idx, unsigned long nr_pages)
{
	struct kunit *test = dev->test;
	struct file *file;

	KUNIT_ASSERT_TRUE(test, dev->pgmap.type == MEMORY_DEVICE_GENERIC ||
			  (ZD_KERNEL_7 &&
			   dev->pgmap.type == MEMORY_DEVICE_COHERENT));
	if (ZD_USER_MAPPING_HOLDS_REF) {
		/* One inode per device: zd_dev_unmap() zaps its mapping. */
		if (!dev->file) {
			file = anon_inode_create_getfile("[zdrace-device]",
							 &zd_dev_fops, dev,
							 O_RDWR, NULL);
			KUNIT_ASSERT_FALSE(test, IS_ERR(file));
			dev->file = file;
		}
		file = get_file(dev->file);
	} else {
		file = anon_inode_getfile("[zdrace-device]", &zd_dev_fops, dev,
					  O_RDWR);
		KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	}
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_fput, file));
	addr = kunit_vm_mmap(test, file, addr, nr_pages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_SHARED | (addr ? MAP_FIXED : 0),
			     idx * PAGE_SIZE);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	return addr;
}

/**
 * zd_dev_map_user() - map the first @nr_pages GENERIC pages of @dev into
 * the test's mm, anywhere; see zd_dev_map_user_at().
 * @dev: a MEMORY_DEVICE_GENERIC device.
 * @nr_pages: how many.
 *
 * Return: the user address.
 */
unsigned long zd_dev_map_user(struct zd_dev *dev, unsigned long nr_pages)
{
	return zd_dev_map_user_at(dev, 0, 0, nr_pages);
}

/*
 * Give @dpage, locked and with the reference the migration drops, as the
 * destination of entry @i of @args: a COHERENT page gets the source's
 * contents (a PRIVATE one keeps none, the fake device has no memory).
 */
static void zd_dev_migrate_give(struct migrate_vma *args, unsigned long i,
				struct page *dpage)
{
	struct page *spage = migrate_pfn_to_page(args->src[i]);

	if (spage && is_device_coherent_page(dpage))
		copy_highpage(dpage, spage);
	args->dst[i] = migrate_pfn(page_to_pfn(dpage)) |
		       (args->src[i] & MIGRATE_PFN_WRITE);
}

/* Fill the destination side of a migration to @dev's memory. */
static void zd_dev_migrate_alloc(struct zd_dev *dev, struct migrate_vma *args,
				 unsigned long nr_pages)
{
	unsigned long i;

	for (i = 0; i < nr_pages; i++) {
		struct page *dpage;

		/*
		 * A hole (no page) migrates too: the device page is inserted.
		 * Where the caller gave a destination, it stays.
		 */
		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || args->dst[i])
			continue;
		dpage = zd_dev_take_free_page(dev);
		if (!dpage)
			break;
		zd_zone_device_page_init(dpage, &dev->pgmap);	/* locked, count 1 */
		zd_dev_migrate_give(args, i, dpage);
	}
}

/*
 * migrate_vma_setup() over @args' range of the test's mm, as a driver
 * calls it: with the mmap lock held for read, which stays held on success.
 */
static int zd_migrate_vma_begin(struct migrate_vma *args)
{
	struct mm_struct *mm = current->mm;
	int ret;

	mmap_read_lock(mm);
	args->vma = vma_lookup(mm, args->start);
	ret = args->vma ? migrate_vma_setup(args) : -EINVAL;
	if (ret)
		mmap_read_unlock(mm);
	return ret;
}

/* The destination filled: migrate_vma_pages(), _finalize(), the lock dropped. */
static void zd_migrate_vma_end(struct migrate_vma *args)
{
	migrate_vma_pages(args);
	migrate_vma_finalize(args);
	mmap_read_unlock(args->vma->vm_mm);
}

/**
 * zd_dev_migrate_setup() - begin moving anonymous memory of the test's mm
 * to @dev, as a driver does, up to the copy.
 * @dev: a MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT device.
 * @m: the migration, for zd_dev_migrate_finish().
 * @addr: the user address, of anonymous memory.
 * @nr_pages: how many pages, at most ZD_MAP_ANON_MAX; pages never
 *	touched (holes) move too.
 *
 * migrate_vma_setup() with the mmap lock held for read, which stays held
 * until zd_dev_migrate_finish(): the pages it collected are locked and
 * mapped by migration entries meanwhile.  Nothing may end the case in
 * between (no KUNIT_ASSERT): its cleanups would wait on that lock.
 *
 * Return: migrate_vma_setup()'s result; the lock is held only on 0.
 */
int zd_dev_migrate_setup(struct zd_dev *dev, struct zd_migration *m,
			 unsigned long addr, unsigned long nr_pages)
{
	return zd_dev_migrate_select(dev, m, addr, nr_pages,
				     MIGRATE_VMA_SELECT_SYSTEM);
}

/**
 * zd_dev_migrate_select() - zd_dev_migrate_setup() of what @flags select.
 * @dev: a MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT device, also
 *	the migration's pgmap owner.
 * @m: the migration, for zd_dev_migrate_finish().
 * @addr: the user address.
 * @nr_pages: how many pages, at most ZD_MAP_ANON_MAX.
 * @flags: the migration's MIGRATE_VMA_SELECT_* flags.
 *
 * Return: migrate_vma_setup()'s result; the lock is held only on 0.
 */
int zd_dev_migrate_select(struct zd_dev *dev, struct zd_migration *m,
			  unsigned long addr, unsigned long nr_pages,
			  unsigned long flags)
{
	struct kunit *test = dev->test;

	KUNIT_ASSERT_TRUE(test, zd_type_free_at_zero(dev->pgmap.type));
	KUNIT_ASSERT_LE(test, nr_pages, ZD_MAP_ANON_MAX);
	*m = (struct zd_migration) {
		.dev = dev,
		.nr_pages = nr_pages,
		.args = {
			.src = m->src,
			.dst = m->dst,
			.pgmap_owner = dev,
			.flags = flags,
			.start = addr,
			.end = addr + nr_pages * PAGE_SIZE,
		},
	};
	return zd_migrate_vma_begin(&m->args);
}

/**
 * zd_dev_migrate_finish() - the rest of a zd_dev_migrate_setup(): the
 * device pages given, the copy, migrate_vma_pages() and
 * migrate_vma_finalize(); the mmap lock dropped.
 * @m: the migration.  A destination already set in @m->dst (a locked
 *	page with a reference for the migration to drop:
 *	zd_dev_migrate_to_page()) is given instead of a page of the device.
 * @pages: out, the page now behind each page moved, else NULL.
 *
 * Return: how many pages moved.
 */
unsigned long zd_dev_migrate_finish(struct zd_migration *m, struct page **pages)
{
	unsigned long i, nr = 0;

	zd_dev_migrate_alloc(m->dev, &m->args, m->nr_pages);
	zd_migrate_vma_end(&m->args);
	for (i = 0; i < m->nr_pages; i++) {
		pages[i] = NULL;
		if (!(m->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		pages[i] = migrate_pfn_to_page(m->dst[i]);
		nr++;
	}
	return nr;
}

/**
 * zd_dev_migrate_to_page() - move the page at @addr of the test's mm, or
 * its hole, to a destination the caller chose, as a migration to @dev.
 * @dev: the PRIVATE or COHERENT device the migration is made for.
 * @addr: the user address, of anonymous memory.
 * @dpage: the destination, unlocked, with a reference the migration
 *	takes over: a page of @dev, of another device, or of RAM.
 * @moved: out, @dpage if it now backs @addr, else NULL.
 *
 * Return: 1 if the page moved, else 0 (@dpage refused, or a page kept).
 */
unsigned long zd_dev_migrate_to_page(struct zd_dev *dev, unsigned long addr,
				     struct page *dpage, struct page **moved)
{
	struct zd_migration m;

	lock_page(dpage);
	if (zd_dev_migrate_setup(dev, &m, addr, 1)) {
		unlock_page(dpage);
		put_page(dpage);
		KUNIT_FAIL_AND_ABORT(dev->test, "migrate_vma_setup failed");
	}
	zd_dev_migrate_give(&m.args, 0, dpage);
	return zd_dev_migrate_finish(&m, moved);
}

/**
 * zd_dev_migrate_anon() - move anonymous memory of the test's mm to @dev.
 * @dev: a MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT device.
 * @addr: the user address, of anonymous memory.
 * @nr_pages: how many pages, at most ZD_MAP_ANON_MAX; pages never
 *	touched (holes) move too.
 * @pages: out, the device page now behind each page moved, else NULL.
 *
 * Moved with migrate_vma_setup()/migrate_vma_pages()/migrate_vma_finalize(),
 * as lib/test_hmm.c's migrate-to-device does.  A COHERENT page ends up
 * mapped by a normal PTE, a PRIVATE one by a device-private swap entry; a
 * page the migration may not move (an extra reference, a lock another
 * holds) stays.
 *
 * Return: how many pages moved.
 */
unsigned long zd_dev_migrate_anon(struct zd_dev *dev, unsigned long addr,
				  unsigned long nr_pages, struct page **pages)
{
	struct zd_migration m;
	int ret;

	ret = zd_dev_migrate_setup(dev, &m, addr, nr_pages);
	KUNIT_ASSERT_EQ_MSG(dev->test, ret, 0, "migrate_vma_setup: %d", ret);
	return zd_dev_migrate_finish(&m, pages);
}

/**
 * zd_dev_dst_in_ram() - the destination of a device page's move back to
 * RAM, as a driver gives it.
 * @page: the device page.
 * @src: its entry, as the migration collected it.
 *
 * Return: the migrate pfn of a new system page, locked, holding a COHERENT
 * page's contents or, for a PRIVATE one, zeroes (the fake device keeps
 * none).
 */
unsigned long zd_dev_dst_in_ram(struct page *page, unsigned long src)
{
	struct page *dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOFAIL);

	lock_page(dpage);
	if (is_device_coherent_page(page))
		copy_highpage(dpage, page);
	else
		clear_highpage(dpage);
	return migrate_pfn(page_to_pfn(dpage)) | (src & MIGRATE_PFN_WRITE);
}

/**
 * zd_dev_migrate_back() - a driver moves the device page at @addr of the
 * test's mm back to RAM, as lib/test_hmm.c's migrate-to-system does.
 * @dev: the PRIVATE or COHERENT device.
 * @addr: the user address.
 * @owner: the pgmap owner the driver migrates as: @dev for its own pages.
 *
 * migrate_vma_setup() selecting device-private and COHERENT pages of
 * @owner, then migrate_vma_pages() and migrate_vma_finalize().
 *
 * Return: the system page now mapped at @addr, or NULL if none moved.
 */
struct page *zd_dev_migrate_back(struct zd_dev *dev, unsigned long addr,
				 void *owner)
{
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.src = &src,
		.dst = &dst,
		.pgmap_owner = owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE |
			 MIGRATE_VMA_SELECT_DEVICE_COHERENT,
		.start = addr,
		.end = addr + PAGE_SIZE,
	};
	struct page *page;
	int ret;

	ret = zd_migrate_vma_begin(&args);
	KUNIT_ASSERT_EQ_MSG(dev->test, ret, 0, "migrate_vma_setup: %d", ret);
	page = migrate_pfn_to_page(src);
	if (page && (src & MIGRATE_PFN_MIGRATE))
		dst = zd_dev_dst_in_ram(page, src);
	zd_migrate_vma_end(&args);
	return src & MIGRATE_PFN_MIGRATE ? migrate_pfn_to_page(dst) : NULL;
}

/**
 * zd_dev_map_anon() - anonymous memory of the test's mm, migrated to @dev.
 * @dev: a MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT device.
 * @nr_pages: how many pages, at most ZD_MAP_ANON_MAX.
 * @pages: out, the device page now backing each user page.
 *
 * Each page is written first (so it is a present anon page), then moved
 * with zd_dev_migrate_anon(); all of them must move.
 *
 * Return: the user address.
 */
unsigned long zd_dev_map_anon(struct zd_dev *dev, unsigned long nr_pages,
			      struct page **pages)
{
	struct kunit *test = dev->test;
	unsigned long addr, i, nr;

	addr = zd_anon_map(test, nr_pages);
	for (i = 0; i < nr_pages; i++)
		KUNIT_ASSERT_EQ(test, put_user(i + 1, (int __user *)
					       (addr + i * PAGE_SIZE)), 0);
	nr = zd_dev_migrate_anon(dev, addr, nr_pages, pages);
	KUNIT_ASSERT_EQ_MSG(test, nr, nr_pages,
			    "only %lu of %lu pages moved to the device", nr,
			    nr_pages);
	return addr;
}

/**
 * zd_dev_evict() - the driver takes @page back by its pfn, as
 * lib/test_hmm.c's eviction at device removal does.
 * @page: a PRIVATE or COHERENT page of the fake device.
 * @seen: out, if not NULL, the page's counts once collected.
 *
 * migrate_device_range() collects and unmaps the page;
 * migrate_device_pages() and migrate_device_finalize() move it to a system
 * page, a COHERENT page's contents copied, a PRIVATE one's zeroed (the fake
 * device keeps none).
 *
 * Return: 0, or -EBUSY if the page did not move.
 */
int zd_dev_evict(struct page *page, struct zd_evict_seen *seen)
{
	unsigned long src = 0, dst = 0;
	int ret;

	ret = migrate_device_range(&src, page_to_pfn(page), 1);
	if (ret)
		return ret;
	if (seen) {
		seen->count = page_ref_count(page);
		seen->mapcount = folio_mapcount(page_folio(page));
	}
	if (src & MIGRATE_PFN_MIGRATE)
		dst = zd_dev_dst_in_ram(page, src);
	migrate_device_pages(&src, &dst, 1);
	migrate_device_finalize(&src, &dst, 1);
	return src & MIGRATE_PFN_MIGRATE ? 0 : -EBUSY;
}

/**
 * zd_anon_map() - anonymous memory of the test's mm, not yet touched.
 * @test: the case; the memory goes with its mm.
 * @nr_pages: how many pages.
 *
 * Return: the user address.
 */
unsigned long zd_anon_map(struct kunit *test, unsigned long nr_pages)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, nr_pages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	return addr;
}
