/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DAX filesystem fixture: the pmem disk that zdrace_dax_fs mounts
 * (ext4, -o dax=always) for the rest of the boot, and its files.
 */
#ifndef _ZD_DAX_H
#define _ZD_DAX_H

#include <kunit/test.h>
#include <linux/types.h>

struct file;
struct path;

#define ZD_DAX_MNT	"/zd-dax"

void zd_dax_set_mounted(const struct path *root);
void zd_dax_set_missing(const char *why);
const char *zd_dax_missing(void);
const struct path *zd_dax_root(void);
struct file *zd_dax_file(struct kunit *test, unsigned int pages);
void zd_dax_fput(void *file);
unsigned long zd_dax_map(struct kunit *test, struct file *file);

#endif /* _ZD_DAX_H */
