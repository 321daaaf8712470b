/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The case's user mm as a process and a driver see it: a fork of it, the
 * PTE at an address and the count of the page it maps, and
 * hmm_range_fault() through an interval notifier.
 */
#ifndef _ZD_USER_H
#define _ZD_USER_H

#include <kunit/test.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>

struct mm_struct *zd_fork(struct kunit *test);
void zd_fork_exit(struct kunit *test, struct mm_struct *child);
pte_t zd_pte_at(struct mm_struct *mm, unsigned long addr);
int zd_mapped_count(struct kunit *test, unsigned long addr, struct page **page);

/* hmm_range_fault() retries while the range changes under it: at most. */
#define ZD_HMM_TRIES	16

struct mmu_interval_notifier *zd_hmm_notifier(struct kunit *test,
					      unsigned long addr);
int zd_hmm_range_fault(struct mmu_interval_notifier *mni, void *owner,
		       unsigned long flags, unsigned long *pfn);

#endif /* _ZD_USER_H */
