/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The case's user mm as a process and a driver see it: a fork of it, the
 * PTE at an address and the count of the page it maps, and
 * hmm_range_fault() through an interval notifier, a page mapped by its
 * pfn alone, and a touch of a page from another thread.
 */
#ifndef _ZD_USER_H
#define _ZD_USER_H

#include <kunit/test.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>

struct mm_struct *zd_fork(struct kunit *test);
void zd_fork_exit(struct kunit *test, struct mm_struct *child);
pte_t zd_pte_at(struct mm_struct *mm, unsigned long addr);
pte_t zd_pte_at_locked(struct mm_struct *mm, unsigned long addr);
int zd_mapped_count(struct kunit *test, unsigned long addr, struct page **page);

/* hmm_range_fault() retries while the range changes under it: at most. */
#define ZD_HMM_TRIES	16

struct mmu_interval_notifier *zd_hmm_notifier(struct kunit *test,
					      unsigned long addr);
int zd_hmm_range_fault(struct mmu_interval_notifier *mni, void *owner,
		       unsigned long flags, unsigned long *pfn);

struct zd_cpu_thread;

/*
 * A touch of the case's page from another thread of its mm, as a process
 * or a driver makes it, e.g. while the page is held back (locked, or under
 * a migration): a read or a write, or hmm_range_fault() asked to fault.
 * zd_touch_prepare() it before holding the page back, so that the case's
 * cleanups let the page go before they stop the thread; zd_touch_go()
 * lets it run.
 */
struct zd_touch {
	unsigned long addr;
	struct mmu_interval_notifier *mni;	/* hmm_range_fault(), else an access */
	void *owner;		/* hmm_range_fault()'s dev_private_owner */
	unsigned long pfn;	/* out: hmm_range_fault()'s */
	bool write;		/* a write of @val, else a read into it */
	int val;		/* in: a write's; out: a read's */
	int ret;		/* out */
	/* private: */
	struct mm_struct *mm;
	struct zd_cpu_thread *thread;
};

/* How long a touch must sleep on to count as waiting, and may take. */
#define ZD_TOUCH_SETTLE_MS	20
#define ZD_TOUCH_MS		2000

unsigned long zd_pfn_map(struct kunit *test, struct page **page);
void zd_lock_page(struct kunit *test, struct page *page);
void zd_unlock_page(struct kunit *test, struct page *page);
void zd_keep_page(struct kunit *test, struct page *page);
struct zd_touch *zd_touch_prepare(struct kunit *test, unsigned long addr);
void zd_touch_go(struct zd_touch *t);
bool zd_touch_blocked(struct zd_touch *t);
bool zd_touch_done(struct zd_touch *t);
int zd_touch_end(struct kunit *test, struct zd_touch *t);

#endif /* _ZD_USER_H */
