// SPDX-License-Identifier: GPL-2.0
/*
 * zdrace fake device; see zd_fixture.h.
 */

#include <asm/zone_device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>

#include "zd_fixture.h"

const struct zd_type_param zd_type_params[3] = {
	{ MEMORY_DEVICE_PRIVATE, "private" },
	{ MEMORY_DEVICE_COHERENT, "coherent" },
	{ MEMORY_DEVICE_GENERIC, "generic" },
};

/* KUNIT_CASE_PARAM() generator over zd_type_params. */
const void *zd_type_gen_params(const void *prev, char *desc)
{
	const struct zd_type_param *p = prev ? prev : zd_type_params - 1;

	if (++p == zd_type_params + ARRAY_SIZE(zd_type_params))
		return NULL;
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
	return p;
}

/* PRIVATE and COHERENT pages are free at refcount 0, the others at 1. */
bool zd_type_is_refcount0(enum memory_type type)
{
	return type == MEMORY_DEVICE_PRIVATE || type == MEMORY_DEVICE_COHERENT;
}

static struct zd_dev *zd_page_dev(struct page *page)
{
	return container_of(page->pgmap, struct zd_dev, pgmap);
}

/* ops->page_free: a freed page goes back on the free list. */
static void zd_dev_page_free(struct page *page)
{
	struct zd_dev *dev = zd_page_dev(page);

	atomic_inc(&dev->page_free_calls);
	if (!percpu_ref_is_zero(&dev->pgmap.ref))
		atomic_inc(&dev->pgmap_ref_at_free);
	if (zd_type_is_refcount0(dev->pgmap.type)) {
		spin_lock(&dev->lock);
		page->zone_device_data = dev->free_pages;
		dev->free_pages = page;
		dev->nr_free++;
		spin_unlock(&dev->lock);
	}
	if (dev->on_page_free)
		dev->on_page_free(dev, page);
}

/* Device-private memory is never mapped by the CPU: nothing to migrate. */
static vm_fault_t zd_dev_migrate_to_ram(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops zd_dev_ops = {
	.page_free = zd_dev_page_free,
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

void zd_dev_unmap(struct zd_dev *dev)
{
	if (!dev->mapped)
		return;
	memunmap_pages(&dev->pgmap);
	release_mem_region(dev->res->start, resource_size(dev->res));
	dev->mapped = false;
}

static void zd_dev_destroy(void *data)
{
	zd_dev_unmap(data);
}

/* Unmap and free @dev now, rather than when the test ends. */
void zd_dev_release(struct zd_dev *dev)
{
	struct kunit *test = dev->test;

	kunit_release_action(test, zd_dev_destroy, dev);
	kunit_kfree(test, dev);
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
	struct range window;
	struct zd_dev *dev;
	void *addr;

	if (um_zone_device_window(&window))
		kunit_skip(test, "no ZONE_DEVICE memory window: %s",
			   um_zone_device_reason());

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->test = test;
	spin_lock_init(&dev->lock);

	dev->res = request_free_mem_region(&iomem_resource, ZD_DEV_SIZE,
					   "zdrace-device");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(dev->res),
			       "request_free_mem_region: %ld",
			       PTR_ERR(dev->res));
	KUNIT_ASSERT_TRUE_MSG(test, dev->res->start >= window.start &&
			      dev->res->end <= window.end,
			      "region %pR outside the window [%#llx-%#llx]",
			      dev->res, window.start, window.end);

	dev->pgmap.type = type;
	dev->pgmap.range.start = dev->res->start;
	dev->pgmap.range.end = dev->res->end;
	dev->pgmap.nr_range = 1;
	dev->pgmap.ops = &zd_dev_ops;
	dev->pgmap.owner = dev;
	addr = memremap_pages(&dev->pgmap, numa_node_id());
	if (IS_ERR(addr)) {
		release_mem_region(dev->res->start, resource_size(dev->res));
		KUNIT_FAIL_AND_ABORT(test, "memremap_pages(type %d): %ld",
				     type, PTR_ERR(addr));
	}
	dev->mapped = true;
	dev->pfn_first = PHYS_PFN(dev->res->start);
	dev->nr_pages = resource_size(dev->res) >> PAGE_SHIFT;
	if (zd_type_is_refcount0(type))
		zd_dev_fill_free_list(dev);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_dev_destroy, dev));
	return dev;
}

/*
 * A free PRIVATE/COHERENT page, initialised the way a driver does: with a
 * pgmap reference and a count of 1.  NULL when the free list is empty.
 */
struct page *zd_dev_alloc_page(struct zd_dev *dev)
{
	struct page *page;

	spin_lock(&dev->lock);
	page = dev->free_pages;
	if (page) {
		dev->free_pages = page->zone_device_data;
		dev->nr_free--;
	}
	spin_unlock(&dev->lock);
	if (!page)
		return NULL;
	page->zone_device_data = NULL;
	zone_device_page_init(page);
	unlock_page(page);
	return page;
}

static vm_fault_t zd_dev_fault(struct vm_fault *vmf)
{
	struct zd_dev *dev = vmf->vma->vm_private_data;

	if (vmf->pgoff >= dev->nr_pages)
		return VM_FAULT_SIGBUS;
	return vmf_insert_mixed(vmf->vma, vmf->address,
				__pfn_to_pfn_t(dev->pfn_first + vmf->pgoff,
					       PFN_DEV | PFN_MAP));
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
 * zd_dev_map_user() - map the first @nr_pages GENERIC pages into the
 * test's mm; each fault inserts a devmap PTE.
 * @dev: a MEMORY_DEVICE_GENERIC device.
 * @nr_pages: how many.
 *
 * Return: the user address.
 */
unsigned long zd_dev_map_user(struct zd_dev *dev, unsigned long nr_pages)
{
	struct kunit *test = dev->test;
	struct file *file;
	unsigned long addr;

	KUNIT_ASSERT_EQ(test, dev->pgmap.type, MEMORY_DEVICE_GENERIC);
	file = anon_inode_getfile("[zdrace-device]", &zd_dev_fops, dev, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_fput, file));
	addr = kunit_vm_mmap(test, file, 0, nr_pages * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	return addr;
}
