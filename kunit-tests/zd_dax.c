// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX filesystem fixture (zd_dax.h).  zdrace_dax_fs's suite_init
 * mounts the disk and says so here; any later case of the boot may make
 * files on it.
 */

#include <kunit/test.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zd_dax.h"

static const char *zd_dax_why = "no DAX filesystem: the zdrace_dax_fs suite mounts it";
/*
 * Init's root, where the suite mounted: a kernel thread, the cases' among
 * them, may have another (7.x starts them on an empty nullfs).
 */
static struct path zd_dax_root_path;

void zd_dax_set_mounted(const struct path *root)
{
	path_get(root);
	zd_dax_root_path = *root;
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
