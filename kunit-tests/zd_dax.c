// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX filesystem fixture (zd_dax.h).  zdrace_dax_fs's suite_init
 * mounts the disk and says so here; any later case of the boot may make
 * files on it.
 */

#include <kunit/test.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zd_compat.h"
#include "zd_dax.h"
#include "zd_dev_ledger.h"

static const char *zd_dax_why = "no DAX filesystem: the zdrace_dax_fs suite mounts it";
/*
 * Init's root, where the suite mounted: a kernel thread, the cases' among
 * them, may have another (7.x starts them on an empty nullfs).
 */
static struct path zd_dax_root_path;
/*
 * The page frame of the disk's block 0: the persistent memory range
 * itself, which pmem0 exposes in raw mode from its first byte.
 */
static unsigned long zd_dax_base_pfn;

static int zd_dax_found_pmem(struct resource *res, void *arg)
{
	zd_dax_base_pfn = PHYS_PFN(res->start);
	return 1;
}

void zd_dax_set_mounted(const struct path *root)
{
	path_get(root);
	zd_dax_root_path = *root;
	if (walk_iomem_res_desc(IORES_DESC_PERSISTENT_MEMORY_LEGACY,
				IORESOURCE_MEM, 0, -1, NULL,
				zd_dax_found_pmem) != 1) {
		zd_dax_why = "no persistent memory range under the DAX filesystem";
		return;
	}
	zd_dax_why = NULL;
}

void zd_dax_set_missing(const char *why)
{
	zd_dax_why = why;
}

/* Return: why there is no DAX filesystem to use, or NULL. */
const char *zd_dax_missing(void)
{
	return zd_dax_why;
}

const struct path *zd_dax_root(void)
{
	return &zd_dax_root_path;
}

void zd_dax_fput(void *file)
{
	fput(file);
}

/*
 * The end-of-case ledger of a DAX file: the pages of the blocks it was
 * written to, each back at the line's idle count (ZD_FSDAX_IDLE) and in
 * no page table once the case's mappings and the file are gone, the way
 * zd_dev_ledger() holds a device's pages: a case cannot leak a pin or a
 * mapping reference of a DAX page and pass.
 */
struct zd_dax_ledger {
	struct kunit *test;
	unsigned int nr;
	unsigned long pfn[] __counted_by(nr);
};

/* Differences the ledger prints in full; the rest are counted. */
#define ZD_DAX_LEDGER_SHOWN	4

static int zd_dax_ledger_scan(void *data, bool report)
{
	struct zd_dax_ledger *l = data;
	unsigned int i;
	int nr = 0;

	for (i = 0; i < l->nr; i++) {
		struct page *page = pfn_to_page(l->pfn[i]);
		int count = page_ref_count(page);
		int mapcount = atomic_read(&page->_mapcount) + 1;

		if (count == ZD_FSDAX_IDLE && !mapcount)
			continue;
		if (report && nr < ZD_DAX_LEDGER_SHOWN)
			KUNIT_FAIL(l->test,
				   "DAX ledger: page %u of the file (pfn %#lx): refcount %d (idle: %d), mapcount %d (expected 0)",
				   i, l->pfn[i], count, ZD_FSDAX_IDLE, mapcount);
		nr++;
	}
	if (report && nr > ZD_DAX_LEDGER_SHOWN)
		KUNIT_FAIL(l->test, "DAX ledger: %d pages not idle, %d shown",
			   nr, ZD_DAX_LEDGER_SHOWN);
	return nr;
}

static void zd_dax_ledger(void *data)
{
	struct zd_dax_ledger *l = data;

	zd_ledger_judge(l->test, zd_dax_ledger_scan, l, "DAX ledger");
}

/*
 * The ledger of @file's @pages pages, judged after every later cleanup of
 * @test: the pfn of each block, as the filesystem maps it (4 KiB blocks,
 * page-sized).
 */
static void zd_dax_ledger_add(struct kunit *test, struct file *file,
			      unsigned int pages)
{
	struct zd_dax_ledger *l;
	unsigned int i;

	l = kunit_kzalloc(test, struct_size(l, pfn, pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l);
	l->test = test;
	l->nr = pages;
	for (i = 0; i < pages; i++) {
		sector_t block = i;

		KUNIT_ASSERT_EQ(test, bmap(file_inode(file), &block), 0);
		KUNIT_ASSERT_NE_MSG(test, block, 0, "page %u of the file has no block", i);
		l->pfn[i] = zd_dax_base_pfn + block;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_dax_ledger, l), 0);
}

/**
 * zd_dax_file() - a new file of @pages pages on the DAX filesystem.
 * @test: the case, which names the file and closes it at its end.
 * @pages: how many pages the file has, each written.
 *
 * Return: the file, opened read-write.
 */
struct file *zd_dax_file(struct kunit *test, unsigned int pages)
{
	char name[64];
	struct file *file;
	loff_t pos = 0;
	void *buf;
	unsigned int i;

	KUNIT_ASSERT_NULL_MSG(test, zd_dax_why, "%s", zd_dax_why);
	snprintf(name, sizeof(name), ZD_DAX_MNT "/%s", test->name);
	file = file_open_root(&zd_dax_root_path, name,
			      O_RDWR | O_CREAT | O_TRUNC, 0600);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "cannot create %s: %pe",
			       name, file);
	if (kunit_add_action_or_reset(test, zd_dax_fput, file))
		KUNIT_FAIL_AND_ABORT(test, "cannot close %s at the end", name);
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < pages; i++) {
		memset(buf, 'a' + i, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
	}
	/*
	 * Judged at the case's end, once the mappings the case made of the
	 * file are gone (undone before it, added after it), the file still
	 * open: an open file holds no page reference.
	 */
	zd_dax_ledger_add(test, file, pages);
	return file;
}

/* Return: the address of @file's first page, mapped and faulted in. */
unsigned long zd_dax_map(struct kunit *test, struct file *file)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "cannot map the file");
	KUNIT_ASSERT_EQ(test, put_user('z', (char __user *)addr), 0);
	return addr;
}
