// SPDX-License-Identifier: GPL-2.0
/*
 * The page-cache fixture: shmem and store-less files, their ledger; see
 * zd_cache.h.
 */

#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uio.h>
#include <zdrace/sched.h>

#include "zd_cache.h"
#include "zd_compat.h"
#include "zd_cpu.h"

KUNIT_DEFINE_ACTION_WRAPPER(zd_fput, fput, struct file *);
KUNIT_DEFINE_ACTION_WRAPPER(zd_folio_put, folio_put, struct folio *);

/* A difference the page-cache ledger found. */
struct zd_cache_diff {
	pgoff_t index;
	const char *field;
	unsigned long want, found;
};

/* Differences the page-cache ledger prints in full; the rest are counted. */
#define ZD_CACHE_LEDGER_SHOWN	4

struct zd_cache_ledger {
	struct kunit *test;
	struct file *file;
	struct zd_cache_diff diffs[ZD_CACHE_LEDGER_SHOWN];
	int nr;
};

static void zd_cache_diff(struct zd_cache_ledger *l, pgoff_t index,
			  const char *field, unsigned long want,
			  unsigned long found)
{
	if (want == found)
		return;
	if (l->nr < ZD_CACHE_LEDGER_SHOWN)
		l->diffs[l->nr] = (struct zd_cache_diff){ index, field, want,
							  found };
	l->nr++;
}

/*
 * The end-of-case check of a file's page cache, run just before the file
 * is put, once the case's own references are gone and its mappings
 * zapped: every
 * folio in it holds only the page cache's references (one a page), is
 * neither mapped nor locked, and belongs to the file.  A lookup that kept
 * a reference, or a case that left a folio frozen, locked or mapped,
 * fails the case, naming the file, the index, the field, the expected
 * and the found value.  A skipped case is not judged.
 */
static void zd_cache_ledger_scan(struct zd_cache_ledger *l)
{
	struct address_space *mapping = l->file->f_mapping;
	XA_STATE(xas, &mapping->i_pages, 0);
	struct folio *folio;

	l->nr = 0;
	/* Per-CPU LRU batches hold references of their own. */
	lru_add_drain_all();
	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		zd_cache_diff(l, xas.xa_index, "refcount",
			      folio_nr_pages(folio), folio_ref_count(folio));
		zd_cache_diff(l, xas.xa_index, "mapcount", 0,
			      folio_mapcount(folio));
		zd_cache_diff(l, xas.xa_index, "locked", 0,
			      folio_test_locked(folio));
		zd_cache_diff(l, xas.xa_index, "mapping",
			      (unsigned long)mapping,
			      (unsigned long)READ_ONCE(folio->mapping));
	}
	rcu_read_unlock();
}

static void zd_cache_ledger(void *data)
{
	struct zd_cache_ledger *l = data;
	const char *name = l->file->f_path.dentry->d_name.name;
	bool failed = l->test->status == KUNIT_FAILURE;
	int i;

	if (l->test->status == KUNIT_SKIPPED)
		return;
	/*
	 * Take the file's pages out of every mm that maps them, and give an
	 * mm its exiting thread still unmaps time to drop what it holds.
	 */
	unmap_mapping_range(l->file->f_mapping, 0, 0, 1);
	zd_wait_until((zd_cache_ledger_scan(l), !l->nr), ZD_LEDGER_SETTLE_NS,
		      msleep(5));
	for (i = 0; i < min(l->nr, ZD_CACHE_LEDGER_SHOWN); i++)
		KUNIT_FAIL(l->test,
			   "ledger: %s, page %lu in the page cache: %s expected %#lx, found %#lx",
			   name, l->diffs[i].index, l->diffs[i].field,
			   l->diffs[i].want, l->diffs[i].found);
	if (l->nr > ZD_CACHE_LEDGER_SHOWN)
		KUNIT_FAIL(l->test, "ledger: %s: %d differences in all, %d shown",
			   name, l->nr, ZD_CACHE_LEDGER_SHOWN);
	/* zd_suite_exit() ran before the cleanups: log the replay here. */
	if (!failed && l->nr)
		zdrace_replay_info(l->test);
}

/**
 * zd_cache_ledger_diffs() - how far @file's page cache is from holding
 * only its own references, without failing.
 * @test: the test.
 * @file: the file.
 *
 * Return: the number of folio fields that differ (see zd_cache_ledger()).
 */
int zd_cache_ledger_diffs(struct kunit *test, struct file *file)
{
	struct zd_cache_ledger l = { .test = test, .file = file };

	zd_cache_ledger_scan(&l);
	return l.nr;
}

/* Put @file when @test ends, its page cache checked first. */
static void zd_file_put_checked(struct kunit *test, struct file *file)
{
	struct zd_cache_ledger *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, zd_fput, file));
	KUNIT_ASSERT_NOT_NULL(test, l);
	l->test = test;
	l->file = file;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_cache_ledger, l));
}

/**
 * zd_shmem_file() - a new shmem file of @nr_pages pages, all in its page
 * cache, uptodate and on the LRU.
 * @test: the test; when it ends, the file's page cache is checked
 *	(zd_cache_ledger()) and the file put.
 * @name: the file's name.
 * @nr_pages: its size in pages.
 *
 * Return: the file; the test is aborted if it cannot be made.
 */
struct file *zd_shmem_file(struct kunit *test, const char *name,
			   unsigned int nr_pages)
{
	struct file *file;
	unsigned int i;

	file = shmem_file_setup(name, (loff_t)nr_pages * PAGE_SIZE,
				ZD_SHMEM_FLAGS);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	zd_file_put_checked(test, file);
	for (i = 0; i < nr_pages; i++) {
		struct folio *folio = shmem_read_folio(file->f_mapping, i);

		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(folio),
				       "shmem_read_folio(%u): %ld", i,
				       PTR_ERR(folio));
		folio_put(folio);
	}
	/*
	 * A new folio waits in a per-CPU LRU batch, which holds a reference
	 * until it is drained; on an SMP kernel that drain can come at any
	 * time, from the CPU the test just left.  Drain every batch now, so
	 * that the count a case reads is the count it will find.
	 */
	lru_add_drain_all();
	return file;
}

/**
 * zd_shmem_file_folio() - page @index of @file, held until the test ends.
 * @test: the test.
 * @file: the file, as zd_shmem_file() made it.
 * @index: the page.
 *
 * Return: the folio; the test is aborted if it is not in the page cache.
 */
struct folio *zd_shmem_file_folio(struct kunit *test, struct file *file,
				  pgoff_t index)
{
	struct folio *folio = filemap_get_folio(file->f_mapping, index);

	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, zd_folio_put, folio));
	return folio;
}

/**
 * zd_shmem_folio() - page 0 of a new shmem file, in its page cache and on
 * the LRU.
 * @test: the test; the file and a reference to the folio are dropped when
 *	it ends.
 * @name: the file's name.
 *
 * The test's reference keeps the folio from being reclaimed or migrated
 * while a case plays with its count or its slot.
 *
 * Return: the folio; the test is aborted if it cannot be made.
 */
struct folio *zd_shmem_folio(struct kunit *test, const char *name)
{
	return zd_shmem_file_folio(test, zd_shmem_file(test, name, 1), 0);
}

static const struct file_operations zd_cache_fops = {
	.owner = THIS_MODULE,
};

/**
 * zd_cache_file() - a file on an inode of its own with no backing store:
 * a page cache that holds what __filemap_get_folio(FGP_CREAT) puts there,
 * and that truncation empties when the inode goes.
 * @test: the test; when it ends, the file's page cache is checked
 *	(zd_cache_ledger()) and the file put.
 * @name: the file's name.
 *
 * Return: the file; the test is aborted if it cannot be made.
 */
struct file *zd_cache_file(struct kunit *test, const char *name)
{
	struct file *file = anon_inode_create_getfile(name, &zd_cache_fops,
						      NULL, O_RDWR, NULL);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "%s: %ld", name,
			       PTR_ERR(file));
	zd_file_put_checked(test, file);
	return file;
}

/**
 * zd_cache_read() - read page @index of @file through filemap_read(), the
 * batched page-cache lookup of read(2) (filemap_get_read_batch()), with
 * no I/O: shmem has no ->read_folio() to fill a page not in the cache.
 * @file: the file.
 * @index: the page.
 * @buf: a page-sized buffer for what it holds.
 *
 * Return: the bytes read, -EAGAIN when the page is not in the cache and
 * uptodate, or another negative errno.
 */
ssize_t zd_cache_read(struct file *file, pgoff_t index, void *buf)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = PAGE_SIZE };
	struct iov_iter iter;
	struct kiocb kiocb;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_flags |= IOCB_NOIO;
	kiocb.ki_pos = (loff_t)index * PAGE_SIZE;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, PAGE_SIZE);
	return filemap_read(&kiocb, &iter, 0);
}

/**
 * zd_cache_contig_get() - the folio at @index of @mapping through the
 * contiguous-range lookup (filemap_get_folios_contig()) asked for that
 * index alone.
 * @mapping: the mapping.
 * @index: the page.
 * @next: set to where the lookup says the next one starts.
 *
 * Return: the folio with the lookup's reference, or NULL.
 */
struct folio *zd_cache_contig_get(struct address_space *mapping,
				  pgoff_t index, pgoff_t *next)
{
	struct folio_batch fbatch;

	*next = index;
	folio_batch_init(&fbatch);
	if (!filemap_get_folios_contig(mapping, next, index, &fbatch))
		return NULL;
	return fbatch.folios[0];
}

/**
 * zd_cache_map() - map the first @nr_pages pages of @file read-only and
 * shared into the test's mm, unfaulted: a read fault there maps its
 * neighbours by fault-around (filemap_map_pages()).
 * @test: the test; the mapping goes with its mm.
 * @file: the file, as zd_shmem_file() made it.
 * @nr_pages: how many pages to map.
 *
 * Return: the user address; the test is aborted if it cannot be mapped.
 */
unsigned long zd_cache_map(struct kunit *test, struct file *file,
			   unsigned int nr_pages)
{
	unsigned long addr = kunit_vm_mmap(test, file, 0,
					   (unsigned long)nr_pages * PAGE_SIZE,
					   PROT_READ, MAP_SHARED, 0);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	return addr;
}
