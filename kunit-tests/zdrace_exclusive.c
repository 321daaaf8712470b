// SPDX-License-Identifier: GPL-2.0
/*
 * Device-exclusive entries, as lib/test_hmm.c's exclusive access takes
 * them for device atomics: make_device_exclusive() (mm/rmap.c) replaces
 * the PTE of a process's page by a device-exclusive entry, and the CPU's
 * next touch (do_swap_page(): remove_device_exclusive_entry()), a fork
 * (copy_nonpresent_pte() restores the PTE, then copies it), another
 * driver's hmm_range_fault() (a fault), an unmap (zap_nonpresent_ptes())
 * or, for a device page, the driver's eviction (try_to_migrate() replaces
 * the entry by a migration entry) ends it.  On a system page, and on a
 * COHERENT device page migrated into the process, whose teardown the
 * unmap and the eviction are raced against.  Rules:
 *
 *   - the entry holds the page's reference, the mapping's; the driver's
 *     reference from make_device_exclusive() is its own and dropped by
 *     it; whatever ends the entry leaves the counts as they were before
 *     it, or, for an unmap, frees the page (a COHERENT one through the
 *     driver, its pgmap reference given back); a page it may not take (not
 *     anonymous, or not writable) is refused with no reference kept; a
 *     fault that finds the page locked waits with one reference of its
 *     own, the entry left, and gives it back;
 *   - a COHERENT page under such an entry is evictable: the driver's
 *     eviction maps a system page with the contents in its place and
 *     frees the device page, leaking nothing (6.12, a declared break: the
 *     entry drops the mapcount, so the eviction never unmaps the page, the
 *     entry's reference fails the move, and migrate_device_finalize(),
 *     taking the entry for a migration entry, maps the page again with a
 *     reference of its own: the entry's leaks);
 *   - a COHERENT page under such an entry, unmapped or evicted at any step
 *     of memunmap_pages(), is freed, and the teardown ends only after it.
 */

#include <kunit/test.h>
#include <linux/hmm.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"
#include "zd_user.h"

/* What the page under the entry is. */
enum zd_excl_page { ZD_EXCL_SYSTEM, ZD_EXCL_COHERENT };

/* What ends the entry. */
enum zd_excl_end { ZD_END_FAULT, ZD_END_FORK, ZD_END_HMM, ZD_END_UNMAP, ZD_END_EVICT };

struct zd_excl_case {
	const char *name;
	enum zd_excl_page page;
	enum zd_excl_end end;
	bool lazyfree;	/* the process gave the page up (MADV_FREE) first */
};

static const struct zd_excl_case zd_excl_cases[] = {
	{ "system page, CPU fault", ZD_EXCL_SYSTEM, ZD_END_FAULT },
	{ "system page lazily freed, CPU fault", ZD_EXCL_SYSTEM, ZD_END_FAULT, true },
	{ "system page, fork", ZD_EXCL_SYSTEM, ZD_END_FORK },
	{ "system page, hmm_range_fault", ZD_EXCL_SYSTEM, ZD_END_HMM },
	{ "system page, unmap", ZD_EXCL_SYSTEM, ZD_END_UNMAP },
	{ "COHERENT page, CPU fault", ZD_EXCL_COHERENT, ZD_END_FAULT },
	{ "COHERENT page, fork", ZD_EXCL_COHERENT, ZD_END_FORK },
	{ "COHERENT page, hmm_range_fault", ZD_EXCL_COHERENT, ZD_END_HMM },
	{ "COHERENT page, unmap", ZD_EXCL_COHERENT, ZD_END_UNMAP },
	{ "COHERENT page, eviction", ZD_EXCL_COHERENT, ZD_END_EVICT },
};

KUNIT_ARRAY_PARAM_DESC(zd_excl, zd_excl_cases, name);

/* The value the page holds before the driver takes it. */
#define ZD_EXCL_VALUE	0x5a

/* A page of the case's mm under a device-exclusive entry. */
struct zd_excl {
	struct zd_dev *dev;	/* the COHERENT device, or NULL */
	bool lazyfree;		/* MADV_FREE after the write: the PTE clean */
	unsigned long addr;
	struct page *page;
	int count;		/* the page's count before the entry */
	long pgmap_refs;	/* the device's before its page was mapped */
};

/*
 * Map a page of @kind holding ZD_EXCL_VALUE, then take it for the device
 * as a driver does: make_device_exclusive(), then drop the lock and the
 * reference it returned the page with.
 */
static void zd_excl_take(struct kunit *test, enum zd_excl_page kind,
			 struct zd_excl *ex)
{
	struct page *page, *mapped;
	struct mm_struct *mm;
	int count, mapcount;

	if (kind == ZD_EXCL_COHERENT) {
		ex->dev = zd_dev_create(test, MEMORY_DEVICE_COHERENT);
		ex->pgmap_refs = zd_dev_pgmap_refs(ex->dev);
		ex->addr = zd_dev_map_anon(ex->dev, 1, &ex->page);
		KUNIT_ASSERT_TRUE(test, is_device_coherent_page(ex->page));
	} else {
		ex->addr = zd_anon_map(test, 1);
	}
	KUNIT_ASSERT_EQ(test, put_user(ZD_EXCL_VALUE, (int __user *)ex->addr), 0);
	ex->count = zd_mapped_count(test, ex->addr, &mapped);
	if (kind == ZD_EXCL_SYSTEM)
		ex->page = mapped;
	KUNIT_ASSERT_PTR_EQ(test, mapped, ex->page);
	KUNIT_EXPECT_EQ_MSG(test, ex->count, 1, "a mapped page: its mapping's");
	KUNIT_ASSERT_EQ(test, folio_mapcount(page_folio(ex->page)), 1);
	if (ex->lazyfree) {
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm, ex->addr, PAGE_SIZE,
						 MADV_FREE), 0);
		KUNIT_ASSERT_FALSE(test, pte_dirty(zd_pte_at(current->mm, ex->addr)));
	}

	mm = current->mm;	/* the mapping gave the case one */
	mmap_read_lock(mm);
	page = zd_make_device_exclusive(mm, ex->addr, test);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(page), "make_device_exclusive: %ld",
			       PTR_ERR(page));
	/* Its GUP marked the page accessed: no activate batch may hold it. */
	lru_add_drain_all();
	count = page_ref_count(page);
	mapcount = folio_mapcount(page_folio(page));
	/* The driver is done programming: the lock and reference go first. */
	unlock_page(page);
	put_page(page);
	KUNIT_ASSERT_PTR_EQ(test, page, ex->page);
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_exclusive(zd_pte_at(mm, ex->addr)),
			      "no device-exclusive entry maps the page");
	KUNIT_EXPECT_EQ_MSG(test, count, ex->count + 1,
			    "the driver's reference and the entry's");
	KUNIT_EXPECT_EQ_MSG(test, mapcount, ZD_EXCLUSIVE_ENTRY_MAPPED ? 1 : 0,
			    "the entry's mapcount");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ex->count,
			    "the entry holds no reference beside the mapping's");
}

/* The page is mapped again by a present PTE, counts as before the entry. */
static void zd_excl_expect_restored(struct kunit *test, struct zd_excl *ex,
				    int mappings)
{
	pte_t pte = zd_pte_at(current->mm, ex->addr);
	int val = -1;

	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte),
			      "the device-exclusive entry is still there");
	KUNIT_EXPECT_PTR_EQ_MSG(test, pte_page(pte), ex->page,
				"another page is mapped where the entry was");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ex->page), ex->count + mappings - 1,
			    "one reference per mapping, as before the entry");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(ex->page)), mappings);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)ex->addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, ZD_EXCL_VALUE, "the page lost its contents");
	if (ex->dev)
		KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ex->dev), ex->pgmap_refs + 1,
				    "the mapped COHERENT page's one pgmap reference");
}

/*
 * The device page under the entry was evicted: a present PTE maps a
 * system page with its contents, and the device page is free, its pgmap
 * reference given back.
 */
static void zd_excl_expect_evicted(struct kunit *test, struct zd_excl *ex)
{
	pte_t pte = zd_pte_at(current->mm, ex->addr);
	struct page *page;
	int val = -1;

	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte),
			      "no present PTE where the entry was");
	page = pte_page(pte);
	KUNIT_EXPECT_FALSE_MSG(test, is_zone_device_page(page),
			       "a device page is still mapped");
	/* migrate_device_finalize() added it to an LRU batch: drain it. */
	lru_add_drain_all();
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 1);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)ex->addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, ZD_EXCL_VALUE, "the eviction lost the contents");
	KUNIT_EXPECT_EQ(test, page_ref_count(ex->page), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ex->dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(ex->dev), ex->pgmap_refs);
}

/*
 * What a failed eviction left of the page's references beside its one
 * mapping's: 6.12's migrate_device_finalize() takes the device-exclusive
 * entry for a migration entry (page_vma_mapped_walk() with PVMW_MIGRATION
 * accepts both) and maps the page again, its own reference taken, so the
 * entry's is never dropped.  Dropped here, so that the device can be torn
 * down; the caller reports how many.
 */
static int zd_excl_drop_leaked(struct zd_excl *ex)
{
	int leaked = page_ref_count(ex->page) - ex->count;
	int i;

	for (i = 0; i < leaked; i++)
		put_page(ex->page);
	return leaked;
}

/*
 * The driver evicts the device page under the entry: a system page with
 * its contents replaces it.  Where the entry holds no mapcount
 * (ZD_EXCLUSIVE_ENTRY_MAPPED false), the eviction does not unmap it and the
 * entry's reference fails the move: the page stays on the device, and
 * whatever the failed move did to the PTE and the counts is the break,
 * reported once the page is mapped again with the counts it had.
 */
static void zd_excl_evict(struct kunit *test, struct zd_excl *ex)
{
	int ret = zd_dev_evict(ex->page, NULL);
	int leaked, val = -1;
	pte_t pte;

	if (!ret) {
		zd_excl_expect_evicted(test, ex);
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	pte = zd_pte_at(current->mm, ex->addr);
	leaked = zd_excl_drop_leaked(ex);
	KUNIT_EXPECT_GE_MSG(test, leaked, 0,
			    "the failed eviction dropped a reference it did not hold");
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_exclusive(pte) ||
			      (pte_present(pte) && pte_page(pte) == ex->page),
			      "the failed eviction left neither the entry nor the page mapped");
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)ex->addr), 0);
	zd_excl_expect_restored(test, ex, 1);
	zd_breaks(test,
		  "the eviction did not move a COHERENT page under a device-exclusive entry; the PTE is %s, and %d page reference%s leaked",
		  pte_present(pte) ? "present again" : "still the entry", leaked,
		  leaked == 1 ? "" : "s");
}

/*
 * The driver takes the page, then the entry ends by a CPU fault, a fork,
 * another driver's hmm_range_fault(), an unmap or an eviction: the page is
 * mapped again with the counts it had (a fork: one more mapping, the
 * child's, gone with it), freed by the unmap, or replaced by a system page.
 * A page the process gave up (MADV_FREE: its PTE clean) is dirty once the
 * device took it for writing, so that reclaim keeps what it holds.
 */
static void exclusive_entry_ends(struct kunit *test)
{
	const struct zd_excl_case *c = test->param_value;
	struct zd_excl ex = {};
	struct mmu_interval_notifier *mni;
	struct mm_struct *child;
	unsigned long pfn = 0;
	int val = -1;

	zd_rule(test, c->end == ZD_END_EVICT ? ZD_RULE_exclusive_page_evicts :
		ZD_RULE_exclusive_entry_balances,
		c->page == ZD_EXCL_COHERENT ? MEMORY_DEVICE_COHERENT : ZD_NO_TYPE);
	ex.lazyfree = c->lazyfree;
	zd_excl_take(test, c->page, &ex);

	switch (c->end) {
	case ZD_END_FAULT:
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)ex.addr), 0);
		zd_excl_expect_restored(test, &ex, 1);
		/* Taken for writing, a page given up is the process's again. */
		if (ex.lazyfree)
			KUNIT_EXPECT_TRUE_MSG(test, folio_test_dirty(page_folio(ex.page)),
					      "a lazily freed page the device took is clean: reclaim may drop it");
		break;
	case ZD_END_FORK:
		child = zd_fork(test);
		KUNIT_EXPECT_TRUE_MSG(test, pte_present(zd_pte_at(child, ex.addr)),
				      "the child got no present PTE");
		zd_excl_expect_restored(test, &ex, 2);
		zd_fork_exit(test, child);
		KUNIT_EXPECT_EQ(test, page_ref_count(ex.page), ex.count);
		KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(ex.page)), 1);
		break;
	case ZD_END_HMM:
		mni = zd_hmm_notifier(test, ex.addr);
		KUNIT_ASSERT_EQ(test, zd_hmm_range_fault(mni, NULL, HMM_PFN_REQ_FAULT,
							 &pfn), 0);
		KUNIT_EXPECT_TRUE(test, pfn & HMM_PFN_VALID);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfn), ex.page);
		zd_excl_expect_restored(test, &ex, 1);
		break;
	case ZD_END_UNMAP:
		if (!ex.dev)
			get_page(ex.page);	/* to see the count after */
		KUNIT_EXPECT_EQ(test, vm_munmap(ex.addr, PAGE_SIZE), 0);
		KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(ex.page)), 0);
		if (!ex.dev) {
			KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ex.page), 1,
					    "the unmap left the entry's reference");
			put_page(ex.page);
			break;
		}
		KUNIT_EXPECT_EQ(test, page_ref_count(ex.page), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&ex.dev->page_free_calls), 1);
		KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(ex.dev), ex.pgmap_refs);
		break;
	case ZD_END_EVICT:
		zd_excl_evict(test, &ex);
		break;
	}
}

/* The page under the entry, alone. */
struct zd_excl_kind {
	const char *name;
	enum zd_excl_page page;
};

static const struct zd_excl_kind zd_excl_kinds[] = {
	{ "system page", ZD_EXCL_SYSTEM },
	{ "COHERENT page", ZD_EXCL_COHERENT },
};

KUNIT_ARRAY_PARAM_DESC(zd_excl_kind, zd_excl_kinds, name);

/*
 * A CPU fault on the entry while another holds the page locked:
 * remove_device_exclusive_entry() takes a reference to lock the page
 * (folio_try_get()), and folio_lock_or_retry() drops the mmap lock and
 * waits with it, the entry left as it is.  At the unlock the fault gives
 * that reference back and its retry maps the page again, the counts as
 * they were before the entry.
 */
static void fault_waits_for_locked_page(struct kunit *test)
{
	const struct zd_excl_kind *k = test->param_value;
	struct zd_excl ex = {};
	struct zd_touch *t;

	zd_rule(test, ZD_RULE_exclusive_entry_balances,
		k->page == ZD_EXCL_COHERENT ? MEMORY_DEVICE_COHERENT : ZD_NO_TYPE);
	zd_excl_take(test, k->page, &ex);
	t = zd_touch_prepare(test, ex.addr);
	zd_lock_page(test, ex.page);
	zd_touch_go(t);
	KUNIT_EXPECT_TRUE_MSG(test, zd_touch_blocked(t),
			      "the fault did not wait for the page lock");
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_exclusive(zd_pte_at(current->mm, ex.addr)),
			      "the entry ended while the page was locked");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ex.page), ex.count + 1,
			    "the waiting fault's reference, beside the entry's");

	zd_unlock_page(test, ex.page);
	KUNIT_EXPECT_EQ(test, zd_touch_end(test, t), 0);
	KUNIT_EXPECT_EQ(test, t->val, ZD_EXCL_VALUE);
	zd_excl_expect_restored(test, &ex, 1);
}

/*
 * Another driver's hmm_range_fault() meets the entry while another holds
 * the page locked: remove_device_exclusive_entry() waits for the lock
 * with a reference of its own and the mmap lock held (that fault may not
 * retry).  Meanwhile the process gives the page up (MADV_DONTNEED zaps
 * the entry, the lock not needed): at the unlock the fault finds the PTE
 * changed, restores nothing and gives its reference back, and
 * hmm_range_fault() faults in a new page.  The old page is left unmapped
 * with no reference but the one the case keeps.
 */
static void entry_zapped_while_fault_waits(struct kunit *test)
{
	struct zd_excl ex = {};
	struct zd_touch *t;

	zd_rule(test, ZD_RULE_exclusive_entry_balances, ZD_NO_TYPE);
	zd_excl_take(test, ZD_EXCL_SYSTEM, &ex);
	zd_keep_page(test, ex.page);
	t = zd_touch_prepare(test, ex.addr);
	t->mni = zd_hmm_notifier(test, ex.addr);
	zd_lock_page(test, ex.page);
	zd_touch_go(t);
	KUNIT_EXPECT_TRUE_MSG(test, zd_touch_blocked(t),
			      "hmm_range_fault() did not wait for the page lock");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ex.page), ex.count + 2,
			    "the entry's, the case's and the waiting fault's");

	KUNIT_ASSERT_EQ(test, do_madvise(current->mm, ex.addr, PAGE_SIZE,
					 MADV_DONTNEED), 0);
	KUNIT_EXPECT_TRUE_MSG(test, pte_none(zd_pte_at(current->mm, ex.addr)),
			      "the entry outlived the zap");
	zd_unlock_page(test, ex.page);
	KUNIT_EXPECT_EQ(test, zd_touch_end(test, t), 0);
	KUNIT_EXPECT_TRUE(test, t->pfn & HMM_PFN_VALID);
	KUNIT_EXPECT_PTR_NE_MSG(test, hmm_pfn_to_page(t->pfn), ex.page,
				"the fault mapped the zapped page again");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(ex.page)), 0);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ex.page), 1,
			    "not the case's reference alone");
}

/* A page a device may not take for itself. */
struct zd_excl_refused {
	const char *name;
	bool file;	/* a shared file page, else a read-only anon mapping */
};

static const struct zd_excl_refused zd_excl_refused_cases[] = {
	{ "shared file page", true },
	{ "read-only mapping", false },
};

KUNIT_ARRAY_PARAM_DESC(zd_excl_refused, zd_excl_refused_cases, name);

/*
 * make_device_exclusive() refuses a page that is not anonymous (a shared
 * file page: an error, the reference its GUP took given back) or that it
 * cannot fault in writable (a read-only mapping of the zero page: its GUP
 * fails first); the PTE stays as it was.
 */
static void exclusive_refused(struct kunit *test)
{
	const struct zd_excl_refused *c = test->param_value;
	struct mm_struct *mm;
	struct page *page, *got;
	unsigned long addr;
	int count, val = -1;

	zd_rule(test, ZD_RULE_exclusive_entry_balances, ZD_NO_TYPE);
	if (c->file) {
		addr = kunit_vm_mmap(test, zd_shmem_file(test, "zd-exclusive", 1),
				     0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				     MAP_SHARED, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
				       "kunit_vm_mmap: %ld", (long)addr);
		KUNIT_ASSERT_EQ(test, put_user(ZD_EXCL_VALUE, (int __user *)addr), 0);
	} else {
		addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
				       "kunit_vm_mmap: %ld", (long)addr);
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	}
	lru_add_drain_all();
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, 0, &page), 1);
	count = page_ref_count(page);

	mm = current->mm;
	mmap_read_lock(mm);
	got = zd_make_device_exclusive(mm, addr, test);
	mmap_read_unlock(mm);
	if (!IS_ERR(got)) {
		unlock_page(got);
		put_page(got);
	}
	KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(got), "a %s was made exclusive", c->name);
	/*
	 * The GUP marked the page accessed: on SMP a per-CPU LRU batch holds
	 * a reference until it is drained.  (The read-only mapping's page is
	 * the zero page: no count to keep.)
	 */
	lru_add_drain_all();
	if (c->file)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), count,
				    "the refusal kept a reference");
	KUNIT_EXPECT_TRUE_MSG(test, pte_present(zd_pte_at(mm, addr)),
			      "the refused page is no longer mapped");
	put_page(page);
}

/* ---- the unmap and the eviction raced against memunmap_pages() ---- */

enum { ZD_EXCL_TEARDOWN, ZD_EXCL_END };

struct zd_excl_race {
	const char *name;
	bool evict;	/* the driver evicts the page, else the process unmaps it */
};

static const struct zd_excl_race zd_excl_race_cases[] = {
	{ "unmap", false },
	{ "eviction", true },
};

/* Teardown: each gate up to its wait, and into it; the unmap or eviction: one step. */
static void zd_excl_race_steps(const struct zd_excl_race *c, u8 *steps)
{
	steps[ZD_EXCL_TEARDOWN] = zd_teardown_steps_to(MEMORY_DEVICE_COHERENT,
						       ZDRACE_FI_memunmap_before_wait) + 1;
	steps[ZD_EXCL_END] = 1;
}

ZD_ORDER_PARAMS(zd_excl_race, name, zd_excl_race_steps, 2);

struct zd_excl_ctx {
	struct zd_excl ex;
	bool evict;
	int evicted;		/* the eviction: 0, or why it did not move it */
	int leaked;		/* ... and the references it leaked */
	struct mm_struct *mm;
	int ret;
};

static void zd_excl_teardown(void *data)
{
	struct zd_excl_ctx *ctx = data;

	zd_dev_unmap(ctx->ex.dev);
}

/*
 * The driver evicts the page, or the process unmaps it from a thread of
 * its mm; an eviction that did not move the page (zd_excl_evict()) is
 * followed by the unmap, once the references it leaked are dropped, so
 * that the teardown can end.
 */
static void zd_excl_end(void *data)
{
	struct zd_excl_ctx *ctx = data;

	if (ctx->evict) {
		ctx->evicted = zd_dev_evict(ctx->ex.page, NULL);
		if (!ctx->evicted)
			return;
		ctx->leaked = zd_excl_drop_leaked(&ctx->ex);
	}
	kthread_use_mm(ctx->mm);
	ctx->ret = vm_munmap(ctx->ex.addr, PAGE_SIZE);
	kthread_unuse_mm(ctx->mm);
}

/*
 * A COHERENT page under a device-exclusive entry, unmapped or evicted
 * before the teardown, after the kill, before the wait or once the
 * teardown blocks in its wait: freed through the driver wherever that
 * lands, and memunmap_pages() ends only after it.  An eviction that did
 * not move the page (zd_excl_evict()) is the break of
 * exclusive_page_evicts, reported once the teardown ended.
 */
static void end_during_teardown(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	const struct zd_excl_race *c = p->c;
	struct zd_excl_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;
	struct zd_order_ran ran;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	zd_rule(test, c->evict ? ZD_RULE_exclusive_page_evicts :
		ZD_RULE_exclusive_end_during_teardown, MEMORY_DEVICE_COHERENT);
	zd_excl_take(test, ZD_EXCL_COHERENT, &ctx->ex);
	ctx->evict = c->evict;
	ctx->mm = current->mm;

	s = zdrace_sched_new(test);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown", zd_excl_teardown,
						     ctx), ZD_EXCL_TEARDOWN);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, c->name, zd_excl_end, ctx),
			ZD_EXCL_END);
	zd_gate_teardown(test, s, 0);
	ran = zd_order_run(test, s, p, ZD_EXCL_END, ZD_EXCL_TEARDOWN);
	KUNIT_ASSERT_EQ_MSG(test, ran.ret, 0, "teardown or the %s never ended", c->name);

	KUNIT_EXPECT_EQ(test, ctx->ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->ex.dev->page_free_calls), 1);
	KUNIT_EXPECT_GT_MSG(test, zdrace_sched_done(s, ZD_EXCL_TEARDOWN), ran.done,
			    "memunmap_pages() ended before the %s freed the page", c->name);
	if (ran.before == p->steps[ZD_EXCL_TEARDOWN])
		KUNIT_EXPECT_GE_MSG(test, zdrace_sched_blocked(s, ZD_EXCL_TEARDOWN), 0,
				    "teardown did not block in its wait");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ctx->ex.dev), -1L,
			    "teardown did not exit the pgmap reference");
	kunit_info(test, "%s after %d teardown steps: the teardown %s, then ended\n",
		   c->name, ran.before, zdrace_sched_blocked(s, ZD_EXCL_TEARDOWN) >= 0 ?
		   "blocked in its wait until the page was freed" : "ran through");
	if (!ctx->evicted)
		return;
	KUNIT_EXPECT_EQ(test, ctx->evicted, -EBUSY);
	KUNIT_EXPECT_GE_MSG(test, ctx->leaked, 0,
			    "the failed eviction dropped a reference it did not hold");
	zd_breaks(test,
		  "the eviction after %d teardown steps did not move the page under the device-exclusive entry, and %d page reference%s leaked (dropped; the unmap then freed the page)",
		  ran.before, ctx->leaked, ctx->leaked == 1 ? "" : "s");
}

static struct kunit_case zdrace_exclusive_cases[] = {
	KUNIT_CASE_PARAM(exclusive_entry_ends, zd_excl_gen_params),
	KUNIT_CASE_PARAM(fault_waits_for_locked_page, zd_excl_kind_gen_params),
	KUNIT_CASE(entry_zapped_while_fault_waits),
	KUNIT_CASE_PARAM(exclusive_refused, zd_excl_refused_gen_params),
	KUNIT_CASE_PARAM(end_during_teardown, zd_excl_race_gen_params),
	{}
};

static struct kunit_suite zdrace_exclusive_suite = {
	.name = "zdrace_exclusive",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_exclusive_cases,
};

kunit_test_suite(zdrace_exclusive_suite);

MODULE_DESCRIPTION("zdrace: device-exclusive entries, on system and COHERENT pages");
MODULE_LICENSE("GPL");
