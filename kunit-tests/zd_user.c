// SPDX-License-Identifier: GPL-2.0
/*
 * The case's user mm as a process and a driver see it; see zd_user.h.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/hmm.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/swap.h>

#include "zd_compat.h"
#include "zd_cpu.h"
#include "zd_user.h"

struct zd_fork_ctx {
	struct mm_struct *mm;
	struct completion forked;
};

/* The child: hand its mm to the case, then exit as a child does. */
static int __noreturn zd_fork_child(void *data)
{
	struct zd_fork_ctx *ctx = data;

	mmget(current->mm);
	ctx->mm = current->mm;
	complete(&ctx->forked);
	do_exit(0);
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_mmput, mmput, struct mm_struct *);

/**
 * zd_fork() - a copy of the case's mm, as fork() makes it.
 * @test: the case; its mm (kunit_vm_mmap()'s) is the parent.
 *
 * A kernel thread cloned from the case's without CLONE_VM gets a copy of
 * the mm (dup_mmap(), copy_page_range(): every PTE as a fork copies it,
 * anon_vma chains included).  It hands the copy to the case and exits,
 * and the case waits for that exit (past exit_mm()), so the case's is the
 * last reference: the case keeps the copy until zd_fork_exit() or its
 * end, when that mmput() tears it down as a child's exit does
 * (exit_mmap()).
 *
 * Return: the child's mm.
 */
struct mm_struct *zd_fork(struct kunit *test)
{
	struct zd_fork_ctx ctx = {
		.forked = COMPLETION_INITIALIZER_ONSTACK(ctx.forked),
	};
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED,
		.exit_signal = SIGCHLD,
		.fn = zd_fork_child,
		.fn_arg = &ctx,
		.name = "zd-fork-child",
		.kthread = 1,
	};
	int status;
	pid_t pid;

	KUNIT_ASSERT_NOT_NULL_MSG(test, current->mm, "the case has no mm to fork");
	pid = kernel_clone(&args);
	KUNIT_ASSERT_GT_MSG(test, pid, 0, "kernel_clone: %d", pid);
	wait_for_completion(&ctx.forked);
	/*
	 * Its exit, past exit_mm(): reaped (the case's thread ignores
	 * SIGCHLD, so -ECHILD once it is gone) or waited for here.
	 */
	kernel_wait(pid, &status);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_mmput, ctx.mm),
			0);
	return ctx.mm;
}

/* The child's exit: its copy of the mm torn down now. */
void zd_fork_exit(struct kunit *test, struct mm_struct *child)
{
	kunit_release_action(test, zd_mmput, child);
}

static int zd_pte_entry(pte_t *pte, unsigned long addr, unsigned long next,
			struct mm_walk *walk)
{
	*(pte_t *)walk->private = ptep_get(pte);
	return 0;
}

static const struct mm_walk_ops zd_pte_ops = {
	.pte_entry = zd_pte_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/* zd_pte_at() with @mm's mmap lock held. */
pte_t zd_pte_at_locked(struct mm_struct *mm, unsigned long addr)
{
	pte_t pte = __pte(0);

	mmap_assert_locked(mm);
	walk_page_range(mm, addr, addr + PAGE_SIZE, &zd_pte_ops, &pte);
	return pte;
}

/* The PTE that maps @addr in @mm, present or not; none if no table. */
pte_t zd_pte_at(struct mm_struct *mm, unsigned long addr)
{
	pte_t pte;

	mmap_read_lock(mm);
	pte = zd_pte_at_locked(mm, addr);
	mmap_read_unlock(mm);
	return pte;
}

/**
 * zd_mapped_count() - the count of the page the case's mm maps at @addr.
 * @test: the case; a page must be mapped there.
 * @addr: the user address.
 * @page: out, that page.
 *
 * Counted with no per-CPU LRU batch holding a reference of its own (a page
 * just faulted in, or marked accessed, sits in one until it is drained).
 *
 * Return: its count.
 */
int zd_mapped_count(struct kunit *test, unsigned long addr, struct page **page)
{
	pte_t pte = zd_pte_at(current->mm, addr);

	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte), "no page mapped at %#lx", addr);
	lru_add_drain_all();
	*page = pte_page(pte);
	return page_ref_count(*page);
}

static bool zd_hmm_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops zd_hmm_notifier_ops = {
	.invalidate = zd_hmm_invalidate,
};

KUNIT_DEFINE_ACTION_WRAPPER(zd_hmm_notifier_remove, mmu_interval_notifier_remove,
			    struct mmu_interval_notifier *);

/* A driver's interval notifier over the page at @addr of the case's mm. */
struct mmu_interval_notifier *zd_hmm_notifier(struct kunit *test,
					      unsigned long addr)
{
	struct mmu_interval_notifier *mni;

	mni = kunit_kzalloc(test, sizeof(*mni), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mni);
	KUNIT_ASSERT_EQ(test, mmu_interval_notifier_insert(mni, current->mm,
							   addr, PAGE_SIZE,
							   &zd_hmm_notifier_ops),
			0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							zd_hmm_notifier_remove,
							mni), 0);
	return mni;
}

/**
 * zd_hmm_range_fault() - hmm_range_fault() of the page under @mni.
 * @mni: from zd_hmm_notifier().
 * @owner: the pgmap owner whose device-private pages are reported as
 *	they are; others are faulted back.
 * @flags: HMM_PFN_REQ_FAULT to fault what is not there, with
 *	HMM_PFN_REQ_WRITE for write access; 0 for a snapshot.
 * @pfn: out, the page's HMM pfn.
 *
 * As a driver calls it, from any thread.
 *
 * Return: hmm_range_fault()'s result.
 */
int zd_hmm_range_fault(struct mmu_interval_notifier *mni, void *owner,
		       unsigned long flags, unsigned long *pfn)
{
	struct hmm_range range = {
		.notifier = mni,
		.start = mni->interval_tree.start,
		.end = mni->interval_tree.last + 1,
		.hmm_pfns = pfn,
		.default_flags = flags,
		.dev_private_owner = owner,
	};
	int ret = -EBUSY, tries;

	for (tries = 0; ret == -EBUSY && tries < ZD_HMM_TRIES; tries++) {
		range.notifier_seq = mmu_interval_read_begin(mni);
		mmap_read_lock(mni->mm);
		ret = hmm_range_fault(&range);
		mmap_read_unlock(mni->mm);
	}
	return ret;
}

static vm_fault_t zd_pfn_fault(struct vm_fault *vmf)
{
	struct page *page = vmf->vma->vm_private_data;

	return zd_vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(page));
}

static const struct vm_operations_struct zd_pfn_vm_ops = {
	.fault = zd_pfn_fault,
};

static int zd_pfn_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_private_data = file->private_data;
	vma->vm_ops = &zd_pfn_vm_ops;
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	return 0;
}

static const struct file_operations zd_pfn_fops = {
	.owner = THIS_MODULE,
	.mmap = zd_pfn_mmap,
};

KUNIT_DEFINE_ACTION_WRAPPER(zd_free_page, __free_page, struct page *);
KUNIT_DEFINE_ACTION_WRAPPER(zd_pfn_fput, fput, struct file *);

/**
 * zd_pfn_map() - a page of kernel memory mapped into the case's mm by its
 * pfn alone, as a driver maps memory it does not hand out as pages: a
 * VM_MIXEDMAP mapping whose fault inserts a special PTE
 * (vmf_insert_mixed()), which takes no reference and no mapcount.
 * @test: the case; the page outlives the mapping.
 * @page: out, the page.
 *
 * Return: the user address, its PTE faulted in.
 */
unsigned long zd_pfn_map(struct kunit *test, struct page **page)
{
	struct file *file;
	unsigned long addr;
	int val;

	*page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, *page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_free_page, *page), 0);
	file = anon_inode_getfile("[zdrace-pfn]", &zd_pfn_fops, *page, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_pfn_fput, file), 0);
	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	return addr;
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_unlock_page_action, unlock_page, struct page *);

/*
 * Lock @page as another holder would; unlocked at the latest when the case
 * ends, before the threads of touches prepared earlier are stopped.
 */
void zd_lock_page(struct kunit *test, struct page *page)
{
	lock_page(page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_unlock_page_action,
							page), 0);
}

/* Unlock a page zd_lock_page() locked. */
void zd_unlock_page(struct kunit *test, struct page *page)
{
	kunit_release_action(test, zd_unlock_page_action, page);
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_put_page_action, put_page, struct page *);

/*
 * Keep @page for the case: a reference of its own, dropped when the case
 * ends, so that its counts can be read after every other holder let go.
 */
void zd_keep_page(struct kunit *test, struct page *page)
{
	get_page(page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, zd_put_page_action,
							page), 0);
}

static int zd_touch_fn(void *data)
{
	struct zd_touch *t = data;

	kthread_use_mm(t->mm);
	if (t->mni)
		t->ret = zd_hmm_range_fault(t->mni, t->owner, HMM_PFN_REQ_FAULT,
					    &t->pfn);
	else if (t->write)
		t->ret = put_user(t->val, (int __user *)t->addr);
	else
		t->ret = get_user(t->val, (int __user *)t->addr);
	kthread_unuse_mm(t->mm);
	return 0;
}

/**
 * zd_touch_prepare() - a touch of @addr from a thread of the case's mm,
 * ready to go.
 * @test: the case.
 * @addr: the user address.
 *
 * The thread is created on this CPU, so that on one CPU it runs only once
 * the case sleeps (zd_touch_blocked(), zd_touch_done()); the case sets
 * what it does in the touch it returns, which lives as long as the case.
 *
 * Return: the touch, a read until told otherwise.
 */
struct zd_touch *zd_touch_prepare(struct kunit *test, unsigned long addr)
{
	struct zd_touch *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->addr = addr;
	t->mm = current->mm;
	t->thread = zd_cpu_thread_create(test, raw_smp_processor_id(),
					 zd_touch_fn, t, "touch");
	return t;
}

/* Let the touch run. */
void zd_touch_go(struct zd_touch *t)
{
	zd_cpu_thread_wake(t->thread);
}

/* Return: whether the touch sleeps in the kernel, waiting for something. */
bool zd_touch_blocked(struct zd_touch *t)
{
	return zd_cpu_thread_blocked(t->thread, ZD_TOUCH_SETTLE_MS, ZD_TOUCH_MS);
}

/* Return: whether the touch ended within ZD_TOUCH_MS. */
bool zd_touch_done(struct zd_touch *t)
{
	return zd_cpu_thread_wait(t->thread, ZD_TOUCH_MS);
}

/* Return: the touch's result, once it ended; the case fails if it does not. */
int zd_touch_end(struct kunit *test, struct zd_touch *t)
{
	KUNIT_ASSERT_TRUE_MSG(test, zd_touch_done(t),
			      "the %s of %#lx still waits after %d ms",
			      t->mni ? "hmm_range_fault()" : t->write ? "write" : "read",
			      t->addr, ZD_TOUCH_MS);
	return t->ret;
}
