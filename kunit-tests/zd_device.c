// SPDX-License-Identifier: GPL-2.0
/*
 * zdrace fake device: the driver, its pgmap and its free list; see zd_device.h.
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

#include "zd_device.h"
#include "zd_dev_ledger.h"
#include "zd_kunit.h"

/* The types free at refcount 0 come first: they are a prefix. */
static const struct zd_type_param zd_type_params[] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
	{ MEMORY_DEVICE_GENERIC, "generic" },
};

static const void *zd_type_next(const void *prev, char *desc, int nr)
{
	const struct zd_type_param *p = prev ? prev : zd_type_params - 1;

	if (++p == zd_type_params + nr)
		return NULL;
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
	return p;
}

/* KUNIT_CASE_PARAM() generator over zd_type_params. */
ZD_PARAM_GEN(zd_type_gen_params)
{
	return zd_type_next(prev, desc, ARRAY_SIZE(zd_type_params));
}

/* ... over the types free at refcount 0: PRIVATE and COHERENT. */
ZD_PARAM_GEN(zd_free_at_zero_gen_params)
{
	return zd_type_next(prev, desc, 2);
}

/* ... over the types with a linear map: COHERENT and GENERIC. */
ZD_PARAM_GEN(zd_mapped_gen_params)
{
	return zd_type_next(prev ?: &zd_type_params[0], desc,
			    ARRAY_SIZE(zd_type_params));
}

/* PRIVATE and COHERENT pages are free at refcount 0, the others at 1. */
bool zd_type_free_at_zero(enum memory_type type)
{
	return type == MEMORY_DEVICE_PRIVATE || type == MEMORY_DEVICE_COHERENT;
}

static struct zd_dev *zd_page_dev(struct page *page)
{
	return container_of(zd_page_pgmap(page), struct zd_dev, pgmap);
}

/*
 * ops->page_free: a freed page goes back on the free list, whatever the
 * type (GENERIC pages only get there when a user drops the reference they
 * were handed at memremap time; zd_dev_alloc_page() never hands them out).
 */
static void zd_dev_push_free(struct zd_dev *dev, struct page *page)
{
	spin_lock(&dev->lock);
	page->zone_device_data = dev->free_pages;
	dev->free_pages = page;
	dev->nr_free++;
	spin_unlock(&dev->lock);
}

static void zd_dev_page_free(struct page *page)
{
	struct zd_dev *dev = zd_page_dev(page);

	atomic_inc(&dev->page_free_calls);
	if (!percpu_ref_is_zero(&dev->pgmap.ref))
		atomic_inc(&dev->pgmap_ref_at_free);
	zd_dev_push_free(dev, page);
	if (dev->on_page_free)
		dev->on_page_free(dev, page);
}

/*
 * ops->migrate_to_ram: a CPU fault on a PRIVATE page brings it back to a
 * system page, the lib/test_hmm.c way.  The fake device keeps no
 * contents for private memory (it is not CPU-addressable): the system
 * page starts zeroed.
 */
static vm_fault_t zd_dev_migrate_to_ram(struct vm_fault *vmf)
{
	struct zd_dev *dev = zd_page_dev(vmf->page);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address,
		.end = vmf->address + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = dev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	vm_fault_t ret = 0;
	struct page *dpage;

	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	if (migrate_pfn_to_page(src) && (src & MIGRATE_PFN_MIGRATE)) {
		dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vmf->vma,
				       vmf->address);
		if (dpage) {
			lock_page(dpage);
			clear_highpage(dpage);
			dst = migrate_pfn(page_to_pfn(dpage)) |
			      (src & MIGRATE_PFN_WRITE);
		} else {
			ret = VM_FAULT_OOM;
		}
	}
	migrate_vma_pages(&args);
	if (dst && (src & MIGRATE_PFN_MIGRATE))
		atomic_inc(&dev->migrated_to_ram);
	migrate_vma_finalize(&args);
	return ret;
}

#if ZD_KERNEL_7
/* Every page of a freed folio goes back on the free list, head last. */
static void zd_dev_folio_free(struct folio *folio)
{
	long i;

	for (i = folio_nr_pages(folio) - 1; i > 0; i--)
		zd_dev_push_free(zd_page_dev(&folio->page), folio_page(folio, i));
	zd_dev_page_free(&folio->page);
}
#endif

/* The fake device's ops; a test may copy them to break one. */
const struct dev_pagemap_ops zd_dev_ops = {
#if ZD_KERNEL_7
	.folio_free = zd_dev_folio_free,
#else
	.page_free = zd_dev_page_free,
#endif
	.migrate_to_ram = zd_dev_migrate_to_ram,
};

struct page *zd_dev_page(struct zd_dev *dev, unsigned long idx)
{
	return pfn_to_page(dev->pfn_first + idx);
}

/* Thread every page onto the free list, as test_hmm's chunk allocator. */
static void zd_dev_fill_free_list(struct zd_dev *dev)
{
	unsigned long i;

	for (i = dev->nr_pages; i-- > 0; ) {
		struct page *page = zd_dev_page(dev, i);

		page->zone_device_data = dev->free_pages;
		dev->free_pages = page;
	}
	dev->nr_free = dev->nr_pages;
}

/*
 * A free ZD_DEV_SIZE region of UML's device memory window, or the test
 * skipped, with the reason, when there is no window (zone_device_mem=
 * missing or malformed).
 */
static struct resource *zd_request_region(struct kunit *test, const char *name)
{
	struct resource *res;
	struct range window;

	if (um_zone_device_window(&window))
		kunit_skip(test, "no ZONE_DEVICE memory window: %s",
			   um_zone_device_reason());
	res = request_free_mem_region(&iomem_resource, ZD_DEV_SIZE, name);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(res), "request_free_mem_region: %ld",
			       PTR_ERR(res));
	KUNIT_ASSERT_TRUE_MSG(test, res->start >= window.start &&
			      res->end <= window.end,
			      "region %pR outside the window [%#llx-%#llx]",
			      res, window.start, window.end);
	return res;
}

static void zd_release_region(void *data)
{
	struct resource *res = data;

	release_mem_region(res->start, resource_size(res));
}

/**
 * zd_region() - a free region of device memory, one section long.
 * @test: the test; the region is released when it ends, after whatever
 *	the test registers later (a device that maps it) is gone.
 * @name: the region's name.
 *
 * Skips the test, with the reason, when UML has no device memory window.
 *
 * Return: the region.
 */
struct resource *zd_region(struct kunit *test, const char *name)
{
	struct resource *res = zd_request_region(test, name);

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_release_region, res));
	return res;
}

/*
 * A teardown that waits this long for its pgmap references is stuck: a
 * reference leaked.  The watchdog fails the test and releases the wait,
 * so the failure shows in seconds instead of as a hung kernel.
 */
#define ZD_UNMAP_TIMEOUT	(5 * HZ)

static void zd_dev_unmap_watchdog(struct work_struct *work)
{
	struct zd_dev *dev = container_of(to_delayed_work(work), struct zd_dev,
					  unmap_watchdog);

	dev->unmap_timed_out = true;
	complete_all(&dev->pgmap.done);
}

/**
 * zd_dev_zap() - zap every user mapping of @dev's pages, as a driver does
 * before its teardown.
 * @dev: the device.
 *
 * zd_dev_unmap() zaps too; a test calls this to zap at a step of its own.
 */
void zd_dev_zap(struct zd_dev *dev)
{
	if (dev->file)
		unmap_mapping_range(dev->file->f_mapping, 0, 0, 1);
}

/**
 * zd_dev_unmap() - memunmap_pages() and release the region, bounded.
 * @dev: the device.
 *
 * Runs in the calling thread (a harness actor parks at the memunmap
 * points as usual).  If memunmap_pages() waits for its references longer
 * than ZD_UNMAP_TIMEOUT, the test fails and the wait is cut short.
 */
void zd_dev_unmap(struct zd_dev *dev)
{
	if (!dev->mapped)
		return;
	dev->mapped = false;
	/*
	 * Where a user mapping holds a page reference and a mapcount, zap it
	 * first, as a driver does: memunmap_pages() does not wait for page
	 * references to GENERIC pages, and the mm's teardown would later drop
	 * them on a memmap that is gone.
	 */
	if (dev->file) {
		zd_dev_zap(dev);
		fput(dev->file);
		dev->file = NULL;
	}
	INIT_DELAYED_WORK(&dev->unmap_watchdog, zd_dev_unmap_watchdog);
	WRITE_ONCE(dev->unmapping, true);
	schedule_delayed_work(&dev->unmap_watchdog, ZD_UNMAP_TIMEOUT);
	memunmap_pages(&dev->pgmap);
	cancel_delayed_work_sync(&dev->unmap_watchdog);
	zd_release_region(dev->res);
	if (dev->unmap_timed_out)
		KUNIT_FAIL(dev->test,
			   "memunmap_pages() waited %d s for pgmap references that were never dropped",
			   ZD_UNMAP_TIMEOUT / HZ);
	complete_all(&dev->unmapped);
}

/* The ledger, if @dev is still mapped, then the unmap. */
static void zd_dev_teardown(struct zd_dev *dev)
{
	if (dev->mapped) {
		zd_dev_zap(dev);
		zd_dev_ledger(dev);
	}
	zd_dev_unmap(dev);
}

/*
 * The end of the test.  zd_suite_exit() logged a failed case's replay
 * facts before the test's cleanups ran, so a failure first found here
 * (the ledger, the unmap's watchdog) logs its own.
 */
static void zd_dev_destroy(void *data)
{
	struct zd_dev *dev = data;
	bool failed = dev->test->status == KUNIT_FAILURE;

	/*
	 * An actor the harness gave up on may still be in zd_dev_unmap():
	 * its watchdog ends the wait, then the unmap returns.  Freeing the
	 * device under it would free the watchdog's timer and the pgmap.
	 */
	if (READ_ONCE(dev->unmapping) &&
	    !wait_for_completion_timeout(&dev->unmapped, 2 * ZD_UNMAP_TIMEOUT)) {
		KUNIT_FAIL(dev->test, "the device's unmap did not return in %d s",
			   2 * ZD_UNMAP_TIMEOUT / HZ);
		cancel_delayed_work_sync(&dev->unmap_watchdog);
	}
	zd_dev_teardown(dev);
	if (IS_ENABLED(CONFIG_ZDRACE_SCHED) && !failed &&
	    dev->test->status == KUNIT_FAILURE)
		zdrace_replay_info(dev->test);
}

/* Unmap and free @dev now, rather than when the test ends. */
void zd_dev_release(struct zd_dev *dev)
{
	struct kunit *test = dev->test;

	kunit_remove_action(test, zd_dev_destroy, dev);
	zd_dev_teardown(dev);
	kunit_kfree(test, dev);
}

/*
 * Put @dev's memmap on the device itself, at the start of its range, as a
 * pmem namespace in fsdax or devdax mode keeps its struct pages: an
 * altmap with room for the memmap of the whole range.
 */
static void zd_dev_memmap_on_device(struct zd_dev *dev)
{
	unsigned long pfn = PHYS_PFN(dev->res->start);
	unsigned long nr = resource_size(dev->res) >> PAGE_SHIFT;
	const struct vmem_altmap altmap = {
		.base_pfn = pfn,
		.end_pfn = pfn + nr - 1,
		.free = PFN_UP(nr * sizeof(struct page)),
	};

	/* Its end and reserve are const: set once, as drivers do. */
	memcpy(&dev->pgmap.altmap, &altmap, sizeof(altmap));
	dev->pgmap.flags |= PGMAP_ALTMAP_VALID;
}

static struct zd_dev *zd_dev_map(struct kunit *test, enum memory_type type,
				 bool memmap_on_device)
{
	struct zd_dev *dev;
	void *addr;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->test = test;
	spin_lock_init(&dev->lock);
	init_completion(&dev->unmapped);

	dev->res = zd_request_region(test, "zdrace-device");

	dev->pgmap.type = type;
	dev->pgmap.range.start = dev->res->start;
	dev->pgmap.range.end = dev->res->end;
	dev->pgmap.nr_range = 1;
	dev->pgmap.ops = &zd_dev_ops;
	dev->pgmap.owner = dev;
	if (memmap_on_device)
		zd_dev_memmap_on_device(dev);
	addr = memremap_pages(&dev->pgmap, numa_node_id());
	if (IS_ERR(addr)) {
		release_mem_region(dev->res->start, resource_size(dev->res));
		KUNIT_FAIL_AND_ABORT(test, "memremap_pages(type %d): %ld",
				     type, PTR_ERR(addr));
	}
	dev->mapped = true;
	/* The pages begin after the memmap where it is on the device. */
	dev->pfn_first = PHYS_PFN(dev->res->start) +
			 vmem_altmap_offset(pgmap_altmap(&dev->pgmap));
	dev->nr_pages = PHYS_PFN(dev->res->end + 1) - dev->pfn_first;
	zd_page_state(zd_dev_page(dev, 0), &dev->idle);
	dev->idle_pgmap_refs = zd_dev_pgmap_refs(dev);
	if (zd_type_free_at_zero(type))
		zd_dev_fill_free_list(dev);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_dev_destroy, dev));
	return dev;
}

/**
 * zd_dev_create() - map one section of device memory of @type.
 * @test: the test; the device is unmapped when it ends.
 * @type: the pgmap type.
 *
 * Skips the test, with the reason, when UML has no device memory window
 * (zone_device_mem= missing or malformed).
 *
 * Return: the device.
 */
struct zd_dev *zd_dev_create(struct kunit *test, enum memory_type type)
{
	return zd_dev_map(test, type, false);
}

/**
 * zd_dev_create_memmap_on_device() - zd_dev_create(), with the memmap of
 * the range on the device, at its start (an altmap): the device's pages
 * are those after it.
 * @test: the test; the device is unmapped when it ends.
 * @type: the pgmap type, one with a linear map (not PRIVATE).
 *
 * Return: the device.
 */
struct zd_dev *zd_dev_create_memmap_on_device(struct kunit *test,
					      enum memory_type type)
{
	return zd_dev_map(test, type, true);
}

/**
 * zd_fsdax_take() - take FS_DAX @page into use as a filesystem's mapping
 * of it does: one reference on top of the line's idle count
 * (ZD_FSDAX_IDLE), which the mapping's put gives back.
 * @page: an FS_DAX page.
 */
void zd_fsdax_take(struct page *page)
{
	page_ref_inc(page);
}

/**
 * zd_dev_user_page() - a page of @dev with one reference, its user's: an
 * allocated PRIVATE/COHERENT page, an FS_DAX page taken into use
 * (zd_fsdax_take()), a PCI_P2PDMA page handed out as
 * drivers/pci/p2pdma.c does (its count set to 1 where it idles at 0), or
 * a GENERIC page and the reference memremap_pages() gave it.
 * @dev: the device.
 *
 * Return: the page; the test is aborted if none is free.
 */
struct page *zd_dev_user_page(struct zd_dev *dev)
{
	struct page *page;

	switch (dev->pgmap.type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		page = zd_dev_alloc_page(dev);
		KUNIT_ASSERT_NOT_NULL(dev->test, page);
		return page;
	case MEMORY_DEVICE_FS_DAX:
		page = zd_dev_page(dev, 0);
		zd_fsdax_take(page);
		return page;
	case MEMORY_DEVICE_PCI_P2PDMA:
		page = zd_dev_page(dev, 0);
		if (!page_ref_count(page))
			set_page_count(page, 1);
		return page;
	default:
		return zd_dev_page(dev, 0);
	}
}

/*
 * Whether the reference zd_dev_user_page() hands out is its caller's to
 * put when done: all but GENERIC's, which memremap_pages() holds.
 */
bool zd_type_user_ref_is_callers(enum memory_type type)
{
	return type != MEMORY_DEVICE_GENERIC;
}

/* Take the head of the free list, as it is; NULL when it is empty. */
struct page *zd_dev_take_free_page(struct zd_dev *dev)
{
	unsigned long flags;
	struct page *page;

	spin_lock_irqsave(&dev->lock, flags);
	page = dev->free_pages;
	if (page) {
		dev->free_pages = page->zone_device_data;
		dev->nr_free--;
		page->zone_device_data = NULL;
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	return page;
}

/*
 * A free PRIVATE/COHERENT page, initialised the way a driver does: with a
 * pgmap reference and a count of 1.  NULL when the free list is empty, and
 * for the other types, whose free path never drops that pgmap reference.
 */
/*
 * Take pages @idx .. @idx + @nr - 1 off the free list, all or none.
 * Return: whether they were all free.
 */
static bool zd_dev_take_free_range(struct zd_dev *dev, unsigned long idx,
				   unsigned long nr)
{
	struct page *first = zd_dev_page(dev, idx), *page, *next, *kept = NULL;
	unsigned long flags, found = 0;

	spin_lock_irqsave(&dev->lock, flags);
	for (page = dev->free_pages; page; page = page->zone_device_data)
		found += page >= first && page < first + nr;
	if (found == nr) {
		/* The rest, reversed, then back in their order. */
		for (page = dev->free_pages; page; page = next) {
			next = page->zone_device_data;
			if (page >= first && page < first + nr) {
				page->zone_device_data = NULL;
				continue;
			}
			page->zone_device_data = kept;
			kept = page;
		}
		dev->free_pages = NULL;
		for (page = kept; page; page = next) {
			next = page->zone_device_data;
			page->zone_device_data = dev->free_pages;
			dev->free_pages = page;
		}
		dev->nr_free -= nr;
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	return found == nr;
}

/**
 * zd_dev_alloc_folio() - hand out the free block of 2^@order pages at
 *	page @idx of @dev as one folio, as a driver does with
 *	zone_device_page_init(page, pgmap, order).
 * @dev: a PRIVATE or COHERENT device.
 * @idx: the block's first page, a multiple of 2^@order.
 * @order: its order; above 0 only where ZD_LARGE_DEVICE_FOLIOS.
 *
 * Return: the folio, at count 1, or NULL if a page of the block is not
 * free.
 */
struct folio *zd_dev_alloc_folio(struct zd_dev *dev, unsigned long idx,
				 unsigned int order)
{
	struct page *page = zd_dev_page(dev, idx);

	if (!zd_type_free_at_zero(dev->pgmap.type) ||
	    !IS_ALIGNED(idx, 1UL << order) ||
	    !zd_dev_take_free_range(dev, idx, 1UL << order))
		return NULL;
	zd_zone_device_folio_init(page, &dev->pgmap, order);
	unlock_page(page);
	return page_folio(page);
}

struct page *zd_dev_alloc_page(struct zd_dev *dev)
{
	struct page *page;

	if (!zd_type_free_at_zero(dev->pgmap.type))
		return NULL;
	page = zd_dev_take_free_page(dev);
	if (!page)
		return NULL;
	zd_zone_device_page_init(page, &dev->pgmap);
	unlock_page(page);
	return page;
}

/* lib/percpu-refcount.c's offset of the atomic count in percpu mode. */
#define ZD_PERCPU_COUNT_BIAS	(1LU << (BITS_PER_LONG - 1))

/**
 * zd_pgmap_refs() - the count of @pgmap's reference.
 * @pgmap: the pgmap.
 *
 * Reads the percpu_ref as it is, without switching its mode: a pgmap ref
 * switched to atomic mode loses its percpu counters (memremap_pages()
 * gives it no PERCPU_REF_ALLOW_REINIT) and can never be live again.
 * Meaningless while a switch to atomic mode is still in flight.
 *
 * Return: the count, or -1 once memunmap_pages() has exited the ref.
 */
long zd_pgmap_refs(struct dev_pagemap *pgmap)
{
	struct percpu_ref *ref = &pgmap->ref;
	unsigned long __percpu *percpu_count;
	unsigned long sum = 0;
	long count = -1;
	int cpu;

	rcu_read_lock();
	if (ref->data) {
		count = atomic_long_read(&ref->data->count);
		if (__ref_is_percpu(ref, &percpu_count)) {
			for_each_possible_cpu(cpu)
				sum += *per_cpu_ptr(percpu_count, cpu);
			count = (long)(count - ZD_PERCPU_COUNT_BIAS + sum);
		}
	}
	rcu_read_unlock();
	return count;
}

/* zd_pgmap_refs() of @dev's pgmap. */
long zd_dev_pgmap_refs(struct zd_dev *dev)
{
	return zd_pgmap_refs(&dev->pgmap);
}

/**
 * zd_dev_free_list_all_idle() - is every page on the free list at count 0?
 * @dev: the device.
 * @bad: out, the first page found with another count.
 *
 * The invariant of seed 003: a page on a driver's free list can be handed
 * out at any moment, so it must not carry a reference.  Safe in atomic
 * context.
 */
bool zd_dev_free_list_all_idle(struct zd_dev *dev, struct page **bad)
{
	unsigned long flags;
	struct page *page;

	*bad = NULL;
	spin_lock_irqsave(&dev->lock, flags);
	for (page = dev->free_pages; page; page = page->zone_device_data) {
		if (page_ref_count(page)) {
			*bad = page;
			break;
		}
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	return !*bad;
}
