// SPDX-License-Identifier: GPL-2.0
/*
 * A DAX filesystem on persistent memory (linux-mm, Sep 2022: "DAX page
 * references at map time"; upstream since 6.15, "fs/dax: properly
 * refcount fs dax pages").
 *
 * UML's zone_device_pmem=<file> makes a host file persistent memory; the
 * nvdimm e820 driver makes the pmem disk of it, with FS_DAX struct pages
 * (memremap_pages()), and the host formatted the file as ext4.  The suite
 * mounts it with -o dax=always before the cases, as init does, and checks
 * that what the other suites fake is what a filesystem does: a file's
 * page mapped into a user mm is an FS_DAX device page of the disk's
 * pgmap, idle once unmapped (7.x: FS_DAX folios count from 0 and a
 * mapping takes a real reference; 6.12: they are idle at 1 and a mapping
 * takes none); a DMA pin holds a truncate or a hole punch of its block
 * until the unpin; a FOLL_LONGTERM pin is refused.
 */

#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init_syscalls.h>
#include <linux/kdev_t.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/fs_struct.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "zd_kunit.h"

#define ZD_DAX_DISK	"pmem0"
#define ZD_DAX_NODE	"/zd-pmem0"
#define ZD_DAX_MNT	"/zd-dax"
/* How long the suite waits for the nvdimm bus to probe the disk. */
#define ZD_DAX_PROBE_MS	5000

/* Why the cases skip, if the filesystem is not mounted. */
static const char *zd_dax_missing;
/*
 * Init's root, where the suite mounted: a kernel thread, the cases' among
 * them, may have another (7.x starts them on an empty nullfs).
 */
static struct path zd_dax_root;

static dev_t __init zd_dax_disk(void)
{
	int waited;

	for (waited = 0; waited < ZD_DAX_PROBE_MS; waited += 20) {
		struct device *dev = class_find_device_by_name(&block_class,
							       ZD_DAX_DISK);

		if (dev) {
			dev_t devt = dev->devt;

			put_device(dev);
			return devt;
		}
		msleep(20);
	}
	return 0;
}

/* Mount the pmem disk as init would: /zd-dax, ext4, -o dax=always. */
static int __init zd_dax_suite_init(struct kunit_suite *suite)
{
	dev_t devt = zd_dax_disk();
	char *options;
	int err;

	if (!devt) {
		zd_dax_missing = "no " ZD_DAX_DISK " disk: zone_device_pmem= was not given";
		return 0;
	}
	err = init_mknod(ZD_DAX_NODE, S_IFBLK | 0600, new_encode_dev(devt));
	if (!err || err == -EEXIST)
		err = init_mkdir(ZD_DAX_MNT, 0755);
	/* Mount options are a page of their own, which the mount edits. */
	options = (char *)get_zeroed_page(GFP_KERNEL);
	if (!options)
		err = -ENOMEM;
	if (!err || err == -EEXIST) {
		strscpy(options, "dax=always", PAGE_SIZE);
		err = init_mount(ZD_DAX_NODE, ZD_DAX_MNT, "ext4", 0, options);
	}
	free_page((unsigned long)options);
	if (err) {
		pr_err("zdrace_dax_fs: cannot mount %s on %s: %d\n", ZD_DAX_NODE,
		       ZD_DAX_MNT, err);
		zd_dax_missing = "the pmem disk did not mount as ext4 -o dax=always";
		return 0;
	}
	err = init_mkdir("/proc", 0555);
	if (!err || err == -EEXIST)
		init_mount("proc", "/proc", "proc", 0, NULL);
	get_fs_root(current->fs, &zd_dax_root);
	return 0;
}

static int zd_dax_init(struct kunit *test)
{
	if (zd_dax_missing)
		kunit_skip(test, "%s", zd_dax_missing);
	return zdrace_replay_init(test);
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_dax_fput, fput, struct file *);

/* A new file of @pages pages on the filesystem, written. */
static struct file *zd_dax_file(struct kunit *test, unsigned int pages)
{
	char name[64];
	struct file *file;
	loff_t pos = 0;
	void *buf;
	unsigned int i;

	snprintf(name, sizeof(name), ZD_DAX_MNT "/%s", test->name);
	file = file_open_root(&zd_dax_root, name, O_RDWR | O_CREAT | O_TRUNC,
			      0600);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "cannot create %s: %pe",
			       name, file);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_dax_fput, file));
	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < pages; i++) {
		memset(buf, 'a' + i, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, kernel_write(file, buf, PAGE_SIZE, &pos),
				(ssize_t)PAGE_SIZE);
	}
	return file;
}

/* /proc/mounts says the disk is mounted ext4 with dax=always. */
static void mount_is_dax_always(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL), *line;
	struct file *mounts;
	loff_t pos = 0;
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* What /proc/mounts shows init (this thread's may show nothing). */
	mounts = file_open_root(&zd_dax_root, "/proc/1/mounts", O_RDONLY, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mounts), "/proc/1/mounts: %pe",
			       mounts);
	len = kernel_read(mounts, buf, PAGE_SIZE - 1, &pos);
	fput(mounts);
	KUNIT_ASSERT_GT(test, len, 0);
	line = strstr(buf, ZD_DAX_NODE " " ZD_DAX_MNT " ");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "%s is not mounted:\n%s",
				  ZD_DAX_NODE, buf);
	*strchrnul(line, '\n') = '\0';
	kunit_info(test, "/proc/mounts: %s\n", line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, " ext4 "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "dax=always"));
}

/* A file of the filesystem is a DAX file: no page cache. */
static void file_on_it_is_dax(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);

	KUNIT_EXPECT_TRUE(test, IS_DAX(file_inode(file)));
	KUNIT_EXPECT_EQ(test, file->f_mapping->nrpages, 0UL);
}

/*
 * A file page mapped into a user mm is an FS_DAX device page of the pmem
 * disk's pgmap, with the file's data; the mapping holds a reference, the
 * unmap gives it back and leaves the page idle.
 */
static void mapped_file_page_is_fs_dax(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);
	struct dev_pagemap *pgmap;
	struct page *page;
	unsigned long addr;
	char c = 0;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "cannot map the file");
	KUNIT_ASSERT_EQ(test, get_user(c, (char __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, c, 'a');
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE, &page), 1);

	KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
	pgmap = zd_page_pgmap(page);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	kunit_info(test, "file page %#lx: pgmap type %d (MEMORY_DEVICE_FS_DAX %d), count %d\n",
		   page_to_pfn(page), pgmap->type, MEMORY_DEVICE_FS_DAX,
		   page_ref_count(page));
	KUNIT_EXPECT_EQ(test, pgmap->type, MEMORY_DEVICE_FS_DAX);
	/* Ours and, on 7.x, the mapping's, above the line's idle count. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			ZD_FSDAX_IDLE + 1 + ZD_USER_MAPPING_HOLDS_REF);
	put_page(page);

	unmap_mapping_range(file->f_mapping, 0, 0, 1);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle once unmapped");
}

/* The page of @file's first block, mapped and faulted in: its address. */
static unsigned long zd_dax_map(struct kunit *test, struct file *file)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "cannot map the file");
	KUNIT_ASSERT_EQ(test, put_user('z', (char __user *)addr), 0);
	return addr;
}

/* A FOLL_LONGTERM pin of a DAX file page is refused, fast or slow. */
static void longterm_pin_refused(struct kunit *test)
{
	unsigned long addr = zd_dax_map(test, zd_dax_file(test, 1));
	struct page *page = NULL;
	long ret;

	ret = pin_user_pages_fast(addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	KUNIT_EXPECT_LE_MSG(test, ret, 0L,
			    "a FOLL_LONGTERM pin of a DAX page was taken");
	if (ret > 0)
		unpin_user_page(page);
}

/* How the layout of a pinned block is broken. */
struct zd_dax_cut {
	const char *name;
	int (*cut)(struct file *file);
};

static int zd_dax_truncate(struct file *file)
{
	return vfs_truncate(&file->f_path, 0);
}

static int zd_dax_punch(struct file *file)
{
	return vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     0, PAGE_SIZE);
}

static const struct zd_dax_cut zd_dax_cuts[] = {
	{ "truncate", zd_dax_truncate },
	{ "punch hole", zd_dax_punch },
};

KUNIT_ARRAY_PARAM_DESC(zd_dax_cut, zd_dax_cuts, name);

/* How long the cut may sleep on the pin before the case ends it. */
#define ZD_DAX_PINNED_MS	200
#define ZD_DAX_CUT_MS		2000

struct zd_dax_cutter {
	const struct zd_dax_cut *cut;
	struct file *file;
	int ret;
};

static int zd_dax_cutter(void *data)
{
	struct zd_dax_cutter *c = data;

	c->ret = c->cut->cut(c->file);
	return 0;
}

/*
 * A FOLL_PIN of a mapped DAX page (as a DMA would take it) holds a
 * truncate or a hole punch of its block in dax_break_layout() until the
 * unpin: the page is neither freed nor reused meanwhile; then the cut
 * completes and the page is idle.
 */
static void cut_waits_for_pin(struct kunit *test)
{
	const struct zd_dax_cut *cut = test->param_value;
	struct zd_dax_cutter c = { .cut = cut };
	struct zd_cpu_thread *t;
	struct page *page;
	unsigned long addr;
	int count;

	zd_rule(test, ZD_RULE_fsdax_pin_keeps_busy, MEMORY_DEVICE_FS_DAX);
	c.file = zd_dax_file(test, 1);
	addr = zd_dax_map(test, c.file);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page),
			1);
	KUNIT_ASSERT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	count = page_ref_count(page);

	t = zd_cpu_thread_start(test, raw_smp_processor_id(), zd_dax_cutter, &c,
				"dax_cut");
	KUNIT_EXPECT_FALSE_MSG(test, zd_cpu_thread_wait(t, ZD_DAX_PINNED_MS),
			       "%s returned (%d) under a DMA pin", cut->name,
			       c.ret);
	/* The mapping was zapped; the pin holds the page, nothing frees it. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			count - ZD_USER_MAPPING_HOLDS_REF);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_EQ(test, zd_page_pgmap(page)->type, MEMORY_DEVICE_FS_DAX);

	unpin_user_page(page);
	KUNIT_ASSERT_TRUE_MSG(test, zd_cpu_thread_wait(t, ZD_DAX_CUT_MS),
			      "%s still waits %d ms after the unpin", cut->name,
			      ZD_DAX_CUT_MS);
	KUNIT_EXPECT_EQ(test, c.ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle after the %s", cut->name);
}

static struct kunit_case zdrace_dax_fs_cases[] = {
	KUNIT_CASE(mount_is_dax_always),
	KUNIT_CASE(file_on_it_is_dax),
	KUNIT_CASE(mapped_file_page_is_fs_dax),
	KUNIT_CASE(longterm_pin_refused),
	KUNIT_CASE_PARAM(cut_waits_for_pin, zd_dax_cut_gen_params),
	{}
};

/* Its suite_init mounts with init's helpers, which are __init. */
static struct kunit_suite __refdata zdrace_dax_fs_suite = {
	.name = "zdrace_dax_fs",
	.suite_init = zd_dax_suite_init,
	.init = zd_dax_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_dax_fs_cases,
};

kunit_test_init_section_suites(&zdrace_dax_fs_suite);

MODULE_DESCRIPTION("zdrace: a DAX filesystem on UML's persistent memory");
MODULE_LICENSE("GPL");
