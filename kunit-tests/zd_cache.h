/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-cache fixture: files whose pages the speculative-get and
 * lookup cases race on, each checked at the end of the case by a ledger
 * of its page cache.
 */
#ifndef _ZD_CACHE_H
#define _ZD_CACHE_H

#include <kunit/test.h>
#include <linux/types.h>

struct address_space;
struct file;

struct file *zd_shmem_file(struct kunit *test, const char *name,
			   unsigned int nr_pages);
struct file *zd_cache_file(struct kunit *test, const char *name);
int zd_cache_ledger_diffs(struct kunit *test, struct file *file);
struct folio *zd_shmem_file_folio(struct kunit *test, struct file *file,
				  pgoff_t index);
struct folio *zd_shmem_folio(struct kunit *test, const char *name);
ssize_t zd_cache_read(struct file *file, pgoff_t index, void *buf);
struct folio *zd_cache_contig_get(struct address_space *mapping,
				  pgoff_t index, pgoff_t *next);
unsigned long zd_cache_map(struct kunit *test, struct file *file,
			   unsigned int nr_pages);

#endif /* _ZD_CACHE_H */
