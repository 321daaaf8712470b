// SPDX-License-Identifier: GPL-2.0
/*
 * The device-private life cycle beyond allocate and free, as
 * lib/test_hmm.c's driver lives it and the fake device does: an anonymous
 * page migrated to the device (mm/migrate_device.c), the CPU fault that
 * brings it back through ops->migrate_to_ram() (do_swap_page()), and
 * hmm_range_fault() (mm/hmm.c) reading the range.  Every count is checked
 * before and after each path, and the fault, the eviction and
 * hmm_range_fault() are raced against each step of memunmap_pages().
 * Rules:
 *
 *   - a page migrated to the device holds one page reference and one
 *     pgmap reference; the fault that brings it back, or the driver's
 *     eviction (migrate_device_range()), frees it through
 *     ops->page_free() and gives both back;
 *   - an eviction leaves a page it may not move (locked by another, or
 *     referenced after the unmap) on the device, entry and counts as they
 *     were; the driver's migrate_vma_*() brings its page back too, a
 *     COHERENT one with its contents, and another owner's leaves it;
 *   - a device page a migration gave for a hole the CPU filled meanwhile,
 *     or for a page of shared memory (only anonymous memory moves), is
 *     freed, its pgmap reference given back, the CPU's page kept;
 *   - a migration collects only what its flags select, taking no
 *     reference on the rest; a hole takes a system, device-private or
 *     COHERENT page, and refuses any other ZONE_DEVICE page unchanged;
 *   - a fault on a page another holds locked waits for the unlock holding
 *     no reference, then brings it back (where do_swap_page() locks the
 *     page: 7.3 does, 6.12 calls ops->migrate_to_ram() unlocked);
 *   - hmm_range_fault() reports the device's own page as it is, taking no
 *     reference; for another owner it faults the page back to RAM; on
 *     system pages too it takes no reference, faulting in only what it
 *     is asked for; it waits out a migration under way with none, and
 *     fails on a guard region, or on a page mapped by its pfn alone,
 *     mapping nothing;
 *   - a fault, an eviction or another owner's hmm_range_fault() at any
 *     step of a teardown brings the page back, and memunmap_pages() ends
 *     only after it: the page's reference
 *     was what its wait waited for (Apr 2017: "it should be perfectly legal to
 *     start the driver shutdown process while page references are still
 *     outstanding").
 *
 *   - a fork copies the device-private entry (copy_nonpresent_pte()): the
 *     child's entry holds a page reference and a mapcount of its own and
 *     no pgmap reference; its exit gives them back; a page shared so is
 *     brought back for both, at any step of a teardown too, and a system
 *     page a fork shares migrates to the device for both.
 */

#include <kunit/test.h>
#include <linux/hmm.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"
#include "zd_user.h"

/* The device page now behind @addr, migrated there with zd_dev_map_anon(). */
static unsigned long zd_migrate_page(struct zd_dev *dev, struct page **page)
{
	return zd_dev_map_anon(dev, 1, page);
}

/*
 * A hole of a read-only private mapping, migrated to @dev: mapped by a
 * read-only device-private entry.  Return: the user address.
 */
static unsigned long zd_migrate_read_only_hole(struct zd_dev *dev,
					       struct page **page)
{
	struct kunit *test = dev->test;
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, page), 1UL,
			    "the hole did not move to the device");
	return addr;
}

/* @page is @dev's, mapped once: one page and one pgmap reference. */
static void zd_expect_on_device(struct kunit *test, struct zd_dev *dev,
				struct page *page, long base)
{
	KUNIT_EXPECT_TRUE_MSG(test, is_zone_device_page(page) &&
			      zd_page_pgmap(page) == &dev->pgmap,
			      "the page is not the device's");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 1,
			    "the mapping's reference");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 1);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 1,
			    "a page on the device holds one pgmap reference");
}

/*
 * @page came back to RAM, by @faults CPU faults (ops->migrate_to_ram())
 * and otherwise by the driver: freed once, both references given back.
 */
static void zd_expect_back_in_ram(struct kunit *test, struct zd_dev *dev,
				  struct page *page, long base, int faults)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->migrated_to_ram), faults,
			    "CPU faults that migrated the page back");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 0,
			    "the device page is not free after the migration back");
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), base);
}

/*
 * An anonymous page migrated to the device holds one reference (its
 * device-private entry's, with a mapcount) and one pgmap reference.
 */
static void migrated_page_holds_one_reference(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct page *page;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	zd_migrate_page(dev, &page);
	zd_expect_on_device(test, dev, page, base);
}

/*
 * The CPU touches the page: do_swap_page() calls ops->migrate_to_ram(),
 * which moves it to a system page (zeroed: the fake device keeps no
 * contents); the device page is freed through ops->page_free() and its
 * pgmap reference put.
 */
static void cpu_fault_brings_page_back(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct page *page;
	unsigned long addr;
	int val = -1;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	addr = zd_migrate_page(dev, &page);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/*
 * The driver's eviction: collected and unmapped, the page holds the
 * caller's reference instead of its entry's; then it is freed, both
 * references given back, and the user's next read finds the system page
 * without a fault.
 */
static void eviction_brings_page_back(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct zd_evict_seen seen;
	unsigned long addr;
	struct page *page;
	int val = -1;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	addr = zd_migrate_page(dev, &page);
	KUNIT_ASSERT_EQ_MSG(test, zd_dev_evict(page, &seen), 0,
			    "the device page cannot be migrated");
	KUNIT_EXPECT_EQ_MSG(test, seen.count, 1,
			    "collected: the caller's reference, none of a migration entry");
	KUNIT_EXPECT_EQ(test, seen.mapcount, 0);

	/* The read finds the system page: no fault on the device. */
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 0);
}

/* What keeps an eviction from moving the page. */
struct zd_mig_busy {
	const char *name;
	bool locked;	/* locked by another, else referenced after the unmap */
};

static const struct zd_mig_busy zd_mig_busy_cases[] = {
	{ "locked by another", true },
	{ "referenced after the unmap", false },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_busy, zd_mig_busy_cases, name);

/*
 * The driver's eviction meets a page it may not move: one that another
 * holds locked, which migrate_device_range() does not collect, or one
 * that gains a reference between the unmap and migrate_device_pages(),
 * whose move fails there, and migrate_device_finalize() maps the device
 * page again and gives the destination page back.  Either way the page
 * stays on the device with its entry and its counts; once free to go, the
 * next eviction brings it back.
 */
static void eviction_leaves_busy_page(struct kunit *test)
{
	const struct zd_mig_busy *c = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr, src = 0, dst = 0;
	struct page *page, *dpage = NULL;

	zd_rule(test, ZD_RULE_private_eviction_leaves_busy_page, MEMORY_DEVICE_PRIVATE);
	addr = zd_migrate_page(dev, &page);
	if (c->locked)
		lock_page(page);
	KUNIT_ASSERT_EQ(test, migrate_device_range(&src, page_to_pfn(page), 1), 0);
	if (c->locked) {
		unlock_page(page);
		KUNIT_EXPECT_EQ_MSG(test, src, 0UL, "a page locked by another was collected");
	} else {
		KUNIT_ASSERT_TRUE_MSG(test, src & MIGRATE_PFN_MIGRATE,
				      "the page was not collected");
		get_page(page);
		dst = zd_dev_dst_in_ram(page, src);
		dpage = migrate_pfn_to_page(dst);
		get_page(dpage);	/* to see the finalize give it back */
	}
	migrate_device_pages(&src, &dst, 1);
	KUNIT_EXPECT_FALSE_MSG(test, src & MIGRATE_PFN_MIGRATE,
			       "a page with a reference beside the migration's moved");
	migrate_device_finalize(&src, &dst, 1);
	if (dpage) {
		put_page(page);
		KUNIT_EXPECT_FALSE(test, PageLocked(dpage));
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(dpage), 1,
				    "the destination page was not given back");
		put_page(dpage);
	}
	KUNIT_EXPECT_FALSE(test, PageLocked(page));
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_private(zd_pte_at(current->mm, addr)),
			      "the page's device-private entry is gone");
	zd_expect_on_device(test, dev, page, base);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);

	KUNIT_ASSERT_EQ_MSG(test, zd_dev_evict(page, NULL), 0,
			    "the page, free to go, cannot be migrated");
	zd_expect_back_in_ram(test, dev, page, base, 0);
}

/* Whose migration back to RAM meets the device's page, of which type. */
struct zd_mig_home {
	const char *name;
	enum memory_type type;
	bool ours;	/* the device's own driver, else another owner */
};

static const struct zd_mig_home zd_mig_homes[] = {
	{ "PRIVATE, its driver", MEMORY_DEVICE_PRIVATE, true },
	{ "COHERENT, its driver", MEMORY_DEVICE_COHERENT, true },
	{ "COHERENT, another owner", MEMORY_DEVICE_COHERENT, false },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_home, zd_mig_homes, name);

/*
 * The driver moves its page back to RAM with migrate_vma_*() (selecting
 * its device-private and COHERENT pages, as lib/test_hmm.c's
 * migrate-to-system does): a system page maps the address, holding a
 * COHERENT page's contents (a PRIVATE one's are the fake device's
 * zeroes), and the device page is freed through the driver, both
 * references given back.  Another owner's migration does not collect the
 * page: mapped as it was, counts as before.
 */
static void driver_migrates_page_back(struct kunit *test)
{
	const struct zd_mig_home *h = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, h->type);
	long base = zd_dev_pgmap_refs(dev);
	struct page *page, *ram;
	unsigned long addr;
	int val = -1;
	pte_t pte;

	zd_rule(test, h->type == MEMORY_DEVICE_COHERENT ? ZD_RULE_coherent_migrates_back :
		ZD_RULE_private_fault_brings_page_back, h->type);
	addr = zd_migrate_page(dev, &page);	/* holding 1 */
	ram = zd_dev_migrate_back(dev, addr, h->ours ? (void *)dev : test);
	pte = zd_pte_at(current->mm, addr);
	if (!h->ours) {
		KUNIT_EXPECT_NULL_MSG(test, ram, "another owner's migration moved the page");
		zd_expect_on_device(test, dev, page, base);
		KUNIT_EXPECT_TRUE(test, pte_present(pte) && pte_page(pte) == page);
		KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);
		return;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, ram, "the driver's migration did not move its page");
	KUNIT_EXPECT_FALSE(test, is_zone_device_page(ram));
	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte), "no present PTE maps the system page");
	KUNIT_EXPECT_PTR_EQ(test, pte_page(pte), ram);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, h->type == MEMORY_DEVICE_COHERENT ? 1 : 0,
			    "the system page's contents");
	zd_expect_back_in_ram(test, dev, page, base, 0);
}

/* How a fault reaches the page: the CPU's read, or hmm_range_fault(). */
struct zd_mig_toucher {
	const char *name;
	bool hmm;
};

static const struct zd_mig_toucher zd_mig_touchers[] = {
	{ "CPU fault", false },
	{ "hmm_range_fault", true },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_toucher, zd_mig_touchers, name);

/*
 * A fault on a device page another holds locked (a migration of it under
 * way): do_swap_page() cannot lock it and waits for the unlock
 * (softleaf_entry_wait_on_locked()) holding no reference, the page on the
 * device with its entry; once unlocked the fault's retry brings it back.
 */
static void fault_waits_for_locked_page(struct kunit *test)
{
	const struct zd_mig_toucher *c = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct zd_touch *t;
	struct page *page;
	unsigned long addr;

	zd_rule(test, ZD_RULE_private_fault_waits_for_lock, MEMORY_DEVICE_PRIVATE);
	ZD_REQUIRE(test, ZD_PRIVATE_FAULT_LOCKS_PAGE);
	addr = zd_migrate_page(dev, &page);
	t = zd_touch_prepare(test, addr);
	if (c->hmm)
		t->mni = zd_hmm_notifier(test, addr);
	zd_lock_page(test, page);
	zd_touch_go(t);
	KUNIT_EXPECT_TRUE_MSG(test, zd_touch_blocked(t),
			      "the %s did not wait for the page lock", c->name);
	zd_expect_on_device(test, dev, page, base);
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_private(zd_pte_at(current->mm, addr)),
			      "the entry went while the page was locked");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);

	zd_unlock_page(test, page);
	KUNIT_EXPECT_EQ_MSG(test, zd_touch_end(test, t), 0, "the %s failed", c->name);
	if (c->hmm) {
		KUNIT_EXPECT_TRUE(test, t->pfn & HMM_PFN_VALID);
		KUNIT_EXPECT_FALSE(test, is_zone_device_page(hmm_pfn_to_page(t->pfn)));
	} else {
		KUNIT_EXPECT_EQ(test, t->val, 0);
	}
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/*
 * Memory never touched migrates too: the collection finds a hole, the
 * driver gives a device page, and migrate_vma_insert_page() maps it by a
 * device-private entry with the same one page and one pgmap reference.
 */
static void hole_migrates_to_device(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 1);
	struct page *page;
	int val = -1;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 1UL,
			    "the hole did not move to the device");
	zd_expect_on_device(test, dev, page, base);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/* Where a hole goes: the device's page type and the mapping's access. */
struct zd_mig_hole {
	const char *name;
	enum memory_type type;
	unsigned long prot;
};

static const struct zd_mig_hole zd_mig_holes[] = {
	{ "COHERENT, read-write", MEMORY_DEVICE_COHERENT, PROT_READ | PROT_WRITE },
	{ "COHERENT, read-only", MEMORY_DEVICE_COHERENT, PROT_READ },
	{ "PRIVATE, read-only", MEMORY_DEVICE_PRIVATE, PROT_READ },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_hole, zd_mig_holes, name);

/*
 * A hole migrates to a COHERENT device as a present PTE of the device
 * page (writable as its mapping is), and in a read-only mapping to a
 * PRIVATE device as a read-only device-private entry: one page and one
 * pgmap reference either way, and the unmap frees the page through the
 * driver with both given back.
 */
static void hole_migrates_as_mapped(struct kunit *test)
{
	const struct zd_mig_hole *h = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, h->type);
	long base = zd_dev_pgmap_refs(dev);
	struct page *page;
	unsigned long addr;
	pte_t pte;

	zd_rule(test, h->type == MEMORY_DEVICE_COHERENT ?
		ZD_RULE_mapped_coherent_refcount : ZD_RULE_private_fault_brings_page_back,
		h->type);
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, h->prot,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 1UL,
			    "the hole did not move to the device");

	pte = zd_pte_at(current->mm, addr);
	if (h->type == MEMORY_DEVICE_COHERENT) {
		KUNIT_ASSERT_TRUE(test, pte_present(pte));
		KUNIT_EXPECT_PTR_EQ(test, pte_page(pte), page);
		KUNIT_EXPECT_EQ_MSG(test, pte_write(pte), !!(h->prot & PROT_WRITE),
				    "the PTE's access is not the mapping's");
	} else {
		KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_private(pte),
				      "no device-private entry maps the hole");
		KUNIT_EXPECT_FALSE_MSG(test, zd_pte_device_private_write(pte),
				       "a read-only mapping got a writable entry");
	}
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 1, "the mapping's reference");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 1);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 1,
			    "a mapped device page holds one pgmap reference");

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 0, "the unmap did not free the page");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base,
			    "the free did not give the pgmap reference back");
}

/*
 * The CPU writes a hole while a migration of it to the device is under
 * way, after migrate_vma_setup() collected it and before
 * migrate_vma_pages(): migrate_vma_insert_page() finds the PTE filled and
 * leaves the page the CPU wrote; the device page the driver gave for the
 * hole goes back through migrate_vma_finalize(), freed through the
 * driver, its pgmap reference given back.
 */
static void hole_filled_during_migration(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 1);
	struct zd_touch *t = zd_touch_prepare(test, addr);
	struct zd_migration m;
	unsigned long moved;
	bool done, filled;
	struct page *page;
	int val = -1;

	zd_rule(test, ZD_RULE_migration_frees_unused_page, MEMORY_DEVICE_PRIVATE);
	t->write = true;
	t->val = 7;
	KUNIT_ASSERT_EQ(test, zd_dev_migrate_setup(dev, &m, addr, 1), 0);
	/* Nothing may end the case before the finish: the mmap lock is held. */
	KUNIT_EXPECT_EQ_MSG(test, m.src[0], MIGRATE_PFN_MIGRATE, "the hole was not collected");
	zd_touch_go(t);
	done = zd_touch_done(t);
	filled = pte_present(zd_pte_at_locked(current->mm, addr));
	moved = zd_dev_migrate_finish(&m, &page);

	KUNIT_ASSERT_TRUE_MSG(test, done, "the write did not end");
	KUNIT_EXPECT_EQ(test, t->ret, 0);
	KUNIT_EXPECT_TRUE_MSG(test, filled, "the write mapped no page");
	KUNIT_EXPECT_EQ_MSG(test, moved, 0UL,
			    "the migration replaced the page the CPU wrote");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 1,
			    "the device page given for the hole was not freed");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base,
			    "the unused device page kept its pgmap reference");
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, 7, "the CPU's write was lost");
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
}

/*
 * A page written into a read-only private mapping (a debugger's poke: the
 * FOLL_FORCE write fault allocates it, mapped read-only as the mapping
 * is) is the process's own: it
 * migrates under a readable-exclusive migration entry to a read-only
 * device-private entry with one page and one pgmap reference, and the
 * fault brings it back.
 */
static void read_only_page_migrates(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct page *spage, *page;
	unsigned long addr;
	int val = 7;
	pte_t pte;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ(test, access_remote_vm(current->mm, addr, &val, sizeof(val),
					       FOLL_FORCE | FOLL_WRITE), (int)sizeof(val));
	pte = zd_pte_at(current->mm, addr);
	KUNIT_ASSERT_TRUE(test, pte_present(pte) && !pte_write(pte));
	zd_mapped_count(test, addr, &spage);
	KUNIT_ASSERT_TRUE_MSG(test, PageAnonExclusive(spage),
			      "the poked page is not the process's own");

	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 1UL,
			    "the read-only page did not move to the device");
	pte = zd_pte_at(current->mm, addr);
	KUNIT_EXPECT_TRUE(test, zd_pte_device_private(pte));
	KUNIT_EXPECT_FALSE_MSG(test, zd_pte_device_private_write(pte),
			       "a read-only page became writable on the device");
	zd_expect_on_device(test, dev, page, base);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/*
 * Memory the process only read (the zero page) or never touched, in a
 * page table that exists, migrates too: the collection finds no page to
 * move, the driver gives one, and migrate_vma_insert_page() maps it over
 * the zero page's PTE or into the empty one.  Each device page holds one
 * page and one pgmap reference, and comes back zeroed.
 */
static void zero_and_empty_ptes_migrate(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 3);
	struct page *pages[3];
	int i, val = -1;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)(addr + PAGE_SIZE)), 0);
	KUNIT_ASSERT_TRUE_MSG(test,
			      is_zero_pfn(pte_pfn(zd_pte_at(current->mm, addr + PAGE_SIZE))),
			      "a read of untouched memory did not map the zero page");
	KUNIT_ASSERT_TRUE(test, pte_none(zd_pte_at(current->mm, addr + 2 * PAGE_SIZE)));

	KUNIT_ASSERT_EQ(test, zd_dev_migrate_anon(dev, addr, 3, pages), 3UL);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_TRUE(test, is_device_private_page(pages[i]));
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(pages[i]), 1,
				    "page %d: its entry's reference", i);
		KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(pages[i])), 1);
	}
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 3,
			    "one pgmap reference per page on the device");

	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)(addr + i * PAGE_SIZE)), 0);
		KUNIT_EXPECT_EQ_MSG(test, val, 0, "page %d came back with contents", i);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 3);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base,
			    "the pages' frees did not give their pgmap references back");
}

/*
 * Another driver's migration from device memory (its own pgmap owner)
 * does not collect the device's page: no reference taken, the entry left
 * as it is.
 */
static void other_owner_does_not_collect(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.src = &src,
		.dst = &dst,
		.pgmap_owner = test,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct page *page;
	int ret;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	args.start = zd_migrate_page(dev, &page);
	args.end = args.start + PAGE_SIZE;
	mmap_read_lock(current->mm);
	args.vma = vma_lookup(current->mm, args.start);
	ret = migrate_vma_setup(&args);
	if (!ret)
		migrate_vma_finalize(&args);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, args.cpages, 0UL,
			    "another owner's migration collected the page");
	KUNIT_EXPECT_FALSE(test, src & MIGRATE_PFN_MIGRATE);
	zd_expect_on_device(test, dev, page, base);
	KUNIT_EXPECT_TRUE(test, zd_pte_device_private_write(zd_pte_at(current->mm,
								      args.start)));
}

/* What a migration finds at the address it walks. */
enum zd_mig_found { ZD_FOUND_RAM, ZD_FOUND_ZERO, ZD_FOUND_DEVICE, ZD_FOUND_SHARED_HOLE };

#define ZD_SELECT_DEVICE (MIGRATE_VMA_SELECT_DEVICE_PRIVATE | \
			  MIGRATE_VMA_SELECT_DEVICE_COHERENT)

struct zd_mig_select {
	const char *name;
	enum memory_type type;	/* the device's, and of the page found */
	enum zd_mig_found found;
	unsigned long flags;	/* MIGRATE_VMA_SELECT_* */
};

static const struct zd_mig_select zd_mig_selects[] = {
	{ "RAM page, device pages selected", MEMORY_DEVICE_PRIVATE, ZD_FOUND_RAM,
	  ZD_SELECT_DEVICE },
	{ "zero page, device pages selected", MEMORY_DEVICE_PRIVATE, ZD_FOUND_ZERO,
	  ZD_SELECT_DEVICE },
	{ "PRIVATE page, system selected", MEMORY_DEVICE_PRIVATE, ZD_FOUND_DEVICE,
	  MIGRATE_VMA_SELECT_SYSTEM },
	{ "COHERENT page, system selected", MEMORY_DEVICE_COHERENT, ZD_FOUND_DEVICE,
	  MIGRATE_VMA_SELECT_SYSTEM },
	{ "shared memory hole", MEMORY_DEVICE_PRIVATE, ZD_FOUND_SHARED_HOLE,
	  MIGRATE_VMA_SELECT_SYSTEM },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_select, zd_mig_selects, name);

/*
 * Two pages of the test's mm, shared or private, the first written so that
 * a migration of the second walks its page table (migrate_vma_collect_pmd())
 * rather than a hole above it.  Return: the second page's address.
 */
static unsigned long zd_mig_second_page(struct kunit *test, bool shared)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
	return addr + PAGE_SIZE;
}

/*
 * A migration collects only what its flags select: a driver's migration
 * of device pages back to RAM passes a RAM page and the zero page by, one
 * to the device passes a PRIVATE or COHERENT page by, and none populates
 * a hole of shared memory.  Nothing is collected: no reference taken, the
 * PTE and every count as they were.
 */
static void migration_collects_only_selected(struct kunit *test)
{
	const struct zd_mig_select *s = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, s->type);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr, collected, moved;
	struct page *page = NULL, *moved_to;
	struct zd_migration m;
	int count = 0, ret;
	pte_t pte;

	zd_rule(test, ZD_RULE_migration_takes_only_selected, s->type);
	addr = zd_mig_second_page(test, s->found == ZD_FOUND_SHARED_HOLE);
	switch (s->found) {
	case ZD_FOUND_RAM:
		KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
		count = zd_mapped_count(test, addr, &page);
		break;
	case ZD_FOUND_ZERO:
		KUNIT_ASSERT_EQ(test, get_user(count, (int __user *)addr), 0);
		KUNIT_ASSERT_TRUE(test, is_zero_pfn(pte_pfn(zd_pte_at(current->mm, addr))));
		break;
	case ZD_FOUND_DEVICE:
		KUNIT_ASSERT_EQ(test, zd_dev_migrate_anon(dev, addr, 1, &page), 1UL);
		count = page_ref_count(page);
		base++;
		break;
	case ZD_FOUND_SHARED_HOLE:
		break;
	}
	pte = zd_pte_at(current->mm, addr);

	ret = zd_dev_migrate_select(dev, &m, addr, 1, s->flags);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "migrate_vma_setup: %d", ret);
	collected = m.args.cpages;
	moved = zd_dev_migrate_finish(&m, &moved_to);

	KUNIT_EXPECT_EQ_MSG(test, collected, 0UL, "a migration of %#lx collected the %s",
			    s->flags, s->name);
	KUNIT_EXPECT_EQ(test, moved, 0UL);
	KUNIT_EXPECT_EQ_MSG(test, pte_val(zd_pte_at(current->mm, addr)), pte_val(pte),
			    "the PTE changed");
	if (page)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), count,
				    "the page's count changed");
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), base);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
}

/*
 * A page of shared memory is collected (it is mapped, with a mapping) and
 * then not moved: only anonymous memory goes to device memory
 * (__migrate_device_pages()).  The device page the driver gave is freed,
 * its pgmap reference given back, and the shared page is mapped again,
 * its count and contents as they were.
 */
static void shared_memory_stays_in_ram(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_mig_second_page(test, true);
	struct page *spage, *page;
	int count, val = -1;

	zd_rule(test, ZD_RULE_migration_frees_unused_page, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	count = zd_mapped_count(test, addr, &spage);
	KUNIT_ASSERT_NOT_NULL(test, folio_mapping(page_folio(spage)));

	KUNIT_EXPECT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 0UL,
			    "a page of shared memory moved to the device");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 1,
			    "the device page given for it was not freed");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base,
			    "the unused device page kept its pgmap reference");
	KUNIT_EXPECT_EQ_MSG(test, zd_mapped_count(test, addr, &page), count,
			    "the shared page's count changed");
	KUNIT_EXPECT_PTR_EQ_MSG(test, page, spage, "another page is mapped");
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, 7, "the shared page lost its contents");
}

/* What a driver gives for a hole: a system page, or a page of another type. */
struct zd_mig_given {
	const char *name;
	enum memory_type type;	/* of the page given, if not a system page */
	bool system;
};

static const struct zd_mig_given zd_mig_givens[] = {
	{ "system page", .system = true },
	{ "GENERIC page", MEMORY_DEVICE_GENERIC },
	{ "FS_DAX page", MEMORY_DEVICE_FS_DAX },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_given, zd_mig_givens, name);

/*
 * A hole takes the page the driver gives when it is one a process may
 * map: a system page (a driver's migration to RAM) is mapped with the
 * mapping's one reference.  Any ZONE_DEVICE page but a device-private or
 * COHERENT one is refused (migrate_vma_insert_page()): the hole stays
 * empty and the page goes back unlocked, unmapped, its count and its
 * pgmap's as before.
 */
static void hole_takes_migratable_page(struct kunit *test)
{
	const struct zd_mig_given *g = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	unsigned long addr = zd_mig_second_page(test, false);
	struct zd_dev *gdev = NULL;
	struct page *given, *page;
	long gbase = 0;
	int count = 0;
	int val = -1;

	zd_rule(test, ZD_RULE_hole_takes_migratable_page, g->system ? ZD_NO_TYPE : g->type);
	if (g->system) {
		given = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, given);
	} else {
		gdev = zd_dev_create(test, g->type);
		gbase = zd_dev_pgmap_refs(gdev);
		given = zd_dev_page(gdev, 0);
		count = page_ref_count(given);
		/* The migration's reference, which it drops when done. */
		if (g->type == MEMORY_DEVICE_FS_DAX)
			zd_fsdax_take(given);
		else
			get_page(given);
	}
	if (zd_dev_migrate_to_page(dev, addr, given, &page) != (g->system ? 1 : 0))
		KUNIT_FAIL(test, "the hole %s the %s", g->system ? "refused" : "took",
			   g->name);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&dev->page_free_calls), 0,
			    "a device page was given for the hole besides the %s", g->name);

	if (g->system) {
		KUNIT_EXPECT_EQ_MSG(test, zd_mapped_count(test, addr, &page), 1,
				    "the mapping's reference");
		KUNIT_EXPECT_PTR_EQ(test, page, given);
		KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(given)), 1);
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
		KUNIT_EXPECT_EQ(test, val, 0);
		return;
	}
	KUNIT_EXPECT_TRUE_MSG(test, pte_none(zd_pte_at(current->mm, addr)),
			      "the %s was mapped", g->name);
	KUNIT_EXPECT_FALSE_MSG(test, PageLocked(given), "the %s was left locked", g->name);
	KUNIT_EXPECT_FALSE(test, folio_mapped(page_folio(given)));
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(given), count,
			    "the %s's count changed", g->name);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(gdev), gbase);
}

/* What another holds the page by: a reference, as a driver or a DMA takes it, or its lock. */
enum zd_mig_hold_by { ZD_HOLD_GET, ZD_HOLD_PIN, ZD_HOLD_LOCK };

struct zd_mig_hold {
	const char *name;
	enum zd_mig_hold_by by;
};

static const struct zd_mig_hold zd_mig_holds[] = {
	{ "get", ZD_HOLD_GET },
	{ "pin", ZD_HOLD_PIN },
	{ "lock", ZD_HOLD_LOCK },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_hold, zd_mig_holds, name);

/*
 * A page with a reference beside its mapping's does not move: the
 * collection sees more references than mappings (migrate_vma_check_page())
 * and the unmap restores it.  Nor does one another holds locked: the
 * collection cannot lock it (folio_trylock()) and skips it.  The device
 * gives no page, and beside the mapping's only the holder's reference is
 * left, if it took one.
 */
static void held_page_stays_in_ram(struct kunit *test)
{
	const struct zd_mig_hold *h = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 1);
	struct page *spage, *page;
	int count, val = -1;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	if (h->by == ZD_HOLD_PIN)
		KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE,
							  &spage), 1);
	else if (h->by == ZD_HOLD_GET)
		KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE,
							  &spage), 1);
	if (h->by == ZD_HOLD_LOCK) {
		count = zd_mapped_count(test, addr, &spage);
		zd_lock_page(test, spage);
	} else {
		count = page_ref_count(spage);
	}

	KUNIT_EXPECT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 0UL,
			    "a page under a %s moved to the device", h->name);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(spage), count,
			    "the failed migration left the count changed");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(spage)), 1);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), base);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 0);
	KUNIT_EXPECT_TRUE_MSG(test, pte_present(zd_pte_at(current->mm, addr)),
			      "the page was left unmapped");
	if (h->by == ZD_HOLD_LOCK)
		zd_unlock_page(test, spage);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ_MSG(test, val, 7, "the page lost its contents");
	if (h->by == ZD_HOLD_PIN)
		unpin_user_page(spage);
	else if (h->by == ZD_HOLD_GET)
		put_page(spage);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
}

/* ---- fork ---- */

/* The entry a fork copies: of a written page, or of a read-only mapping's hole. */
struct zd_mig_fork {
	const char *name;
	bool writable;
};

static const struct zd_mig_fork zd_mig_forks[] = {
	{ "writable entry", true },
	{ "read-only entry", false },
};

KUNIT_ARRAY_PARAM_DESC(zd_mig_fork, zd_mig_forks, name);

/*
 * A fork copies the device-private entry: the child's copy takes a page
 * reference and a mapcount, and no pgmap reference (it is still one page
 * on the device); both entries are read-only after it, as for any COW
 * page (a writable one made so, a read-only one left so).  The child's
 * exit gives both back, and the parent's fault brings the page back as
 * before.
 */
static void fork_copies_private_entry(struct kunit *test)
{
	const struct zd_mig_fork *f = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	struct mm_struct *child;
	unsigned long addr;
	struct page *page;
	int val = -1;

	zd_rule(test, ZD_RULE_private_fork_copies_entry, MEMORY_DEVICE_PRIVATE);
	if (f->writable)
		addr = zd_migrate_page(dev, &page);
	else
		addr = zd_migrate_read_only_hole(dev, &page);
	KUNIT_ASSERT_TRUE(test, zd_pte_device_private(zd_pte_at(current->mm, addr)));
	KUNIT_ASSERT_EQ_MSG(test,
			    zd_pte_device_private_write(zd_pte_at(current->mm, addr)),
			    f->writable, "the migrated page's entry is not %s", f->name);

	child = zd_fork(test);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 2,
			    "the child's entry holds no reference of its own");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 2);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 1,
			    "a fork copies the entry, not the page: one pgmap reference");
	KUNIT_EXPECT_FALSE_MSG(test,
			       zd_pte_device_private_write(zd_pte_at(current->mm, addr)),
			       "the parent's entry is writable after the fork");
	KUNIT_EXPECT_FALSE(test, zd_pte_device_private_write(zd_pte_at(child, addr)));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);

	zd_fork_exit(test, child);
	zd_expect_on_device(test, dev, page, base);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/*
 * A page a fork shares (read-only, not anon-exclusive) migrates to the
 * device for both: the collection leaves a readable migration entry, the
 * unmap (try_to_migrate()) takes the child's mapping too, and both get a
 * read-only device-private entry: one page reference and one mapcount
 * each, one pgmap reference.  The child's exit and the parent's fault
 * then give them back.
 */
static void shared_page_migrates_for_both(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 1);
	struct page *spage, *page;
	struct mm_struct *child;
	int val = -1;

	zd_rule(test, ZD_RULE_private_fork_copies_entry, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	child = zd_fork(test);
	KUNIT_ASSERT_EQ(test, zd_mapped_count(test, addr, &spage), 2);
	KUNIT_ASSERT_EQ(test, folio_mapcount(page_folio(spage)), 2);

	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_anon(dev, addr, 1, &page), 1UL,
			    "the page a fork shares did not move");
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_device_private(zd_pte_at(child, addr)),
			      "the child's mapping did not move with the page");
	KUNIT_EXPECT_FALSE(test, zd_pte_device_private_write(zd_pte_at(child, addr)));
	KUNIT_EXPECT_TRUE(test, zd_pte_device_private(zd_pte_at(current->mm, addr)));
	KUNIT_EXPECT_FALSE_MSG(test,
			       zd_pte_device_private_write(zd_pte_at(current->mm, addr)),
			       "a shared page became writable on the device");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), 2, "one reference per entry");
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 2);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(dev), base + 1,
			    "one page on the device: one pgmap reference");

	zd_fork_exit(test, child);
	zd_expect_on_device(test, dev, page, base);
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/* ---- hmm_range_fault() ---- */

struct zd_hmm_owner {
	const char *name;
	bool ours;	/* the device's own pages are what the caller asks for */
	bool read_only;	/* the page is mapped by a read-only entry */
};

static const struct zd_hmm_owner zd_hmm_owners[] = {
	{ "own device", true },
	{ "own device, read-only entry", true, true },
	{ "another owner", false },
};

KUNIT_ARRAY_PARAM_DESC(zd_hmm_owner, zd_hmm_owners, name);

/*
 * hmm_range_fault() of a page on the device: for the device itself (its
 * pgmap's owner) the device pfn, writable as its entry is, no fault, no
 * reference taken; for another owner it faults the page back to RAM and
 * reports that.
 */
static void hmm_range_fault_reads_device_page(struct kunit *test)
{
	const struct zd_hmm_owner *o = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr, pfn = 0;
	struct page *page;

	zd_rule(test, ZD_RULE_private_fault_brings_page_back, MEMORY_DEVICE_PRIVATE);
	if (o->read_only)
		addr = zd_migrate_read_only_hole(dev, &page);
	else
		addr = zd_migrate_page(dev, &page);
	KUNIT_ASSERT_EQ(test, zd_hmm_range_fault(zd_hmm_notifier(test, addr),
						 o->ours ? dev : NULL,
						 HMM_PFN_REQ_FAULT, &pfn), 0);
	KUNIT_ASSERT_TRUE(test, pfn & HMM_PFN_VALID);
	if (o->ours) {
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfn), page);
		KUNIT_EXPECT_EQ_MSG(test, !!(pfn & HMM_PFN_WRITE), !o->read_only,
				    "the device's page reported %s",
				    pfn & HMM_PFN_WRITE ? "writable" : "read-only");
		KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
		/* A snapshot: no reference taken, none dropped. */
		zd_expect_on_device(test, dev, page, base);
		return;
	}
	KUNIT_EXPECT_FALSE_MSG(test, is_zone_device_page(hmm_pfn_to_page(pfn)),
			       "another owner was given the device page");
	zd_expect_back_in_ram(test, dev, page, base, 1);
}

/* What hmm_range_fault() finds at the address, and what it is asked for. */
enum zd_hmm_found {
	ZD_HMM_PRESENT,		/* a written anonymous page */
	ZD_HMM_EMPTY,		/* a none PTE beside a written page */
	ZD_HMM_ZERO,		/* the zero page, after a read */
	ZD_HMM_SHARED,		/* a written page a fork shares, read-only */
	ZD_HMM_DEVICE,		/* the device's page, not the caller's */
};

struct zd_hmm_walk {
	const char *name;
	enum zd_hmm_found found;
	unsigned long flags;
};

static const struct zd_hmm_walk zd_hmm_walks[] = {
	{ "present page, snapshot", ZD_HMM_PRESENT, 0 },
	{ "empty PTE, snapshot", ZD_HMM_EMPTY, 0 },
	{ "empty PTE, fault", ZD_HMM_EMPTY, HMM_PFN_REQ_FAULT },
	{ "zero page, write fault", ZD_HMM_ZERO,
	  HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE },
	{ "shared page, write fault", ZD_HMM_SHARED,
	  HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE },
	{ "another's device page, snapshot", ZD_HMM_DEVICE, 0 },
};

KUNIT_ARRAY_PARAM_DESC(zd_hmm_walk, zd_hmm_walks, name);

/*
 * hmm_range_fault() on what a driver's range may hold beside device
 * pages: it reports a present page as it is, reports an empty PTE or
 * another's device page as nothing when not asked to fault, faults in
 * what it is asked for (a read maps the zero page; a write to the zero
 * page or to a page a fork shares breaks it into a page of the
 * process's own), and takes no page reference in any of it.
 */
static void hmm_range_fault_takes_no_reference(struct kunit *test)
{
	const struct zd_hmm_walk *w = test->param_value;
	struct zd_dev *dev = NULL;
	struct page *page = NULL, *now;
	unsigned long addr, at, pfn = 0;
	int count = 0, val = -1;
	long base = 0;

	zd_rule(test, ZD_RULE_hmm_takes_no_reference,
		w->found == ZD_HMM_DEVICE ? MEMORY_DEVICE_PRIVATE : ZD_NO_TYPE);
	if (w->found == ZD_HMM_DEVICE) {
		dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
		base = zd_dev_pgmap_refs(dev);
		addr = zd_migrate_page(dev, &page);
	} else {
		addr = zd_anon_map(test, 2);
		KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	}
	at = w->found == ZD_HMM_EMPTY || w->found == ZD_HMM_ZERO ?
	     addr + PAGE_SIZE : addr;
	if (w->found == ZD_HMM_ZERO)
		KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)at), 0);
	if (w->found == ZD_HMM_SHARED)
		zd_fork(test);
	if (w->found != ZD_HMM_EMPTY && w->found != ZD_HMM_DEVICE)
		count = zd_mapped_count(test, at, &page);

	KUNIT_ASSERT_EQ(test, zd_hmm_range_fault(zd_hmm_notifier(test, at), NULL,
						 w->flags, &pfn), 0);

	switch (w->found) {
	case ZD_HMM_PRESENT:
		KUNIT_EXPECT_EQ(test, pfn & (HMM_PFN_VALID | HMM_PFN_WRITE),
				HMM_PFN_VALID | HMM_PFN_WRITE);
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfn), page);
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), count,
				    "the snapshot took a reference");
		break;
	case ZD_HMM_EMPTY:
		if (!w->flags) {
			KUNIT_EXPECT_FALSE(test, pfn & HMM_PFN_VALID);
			KUNIT_EXPECT_TRUE_MSG(test, pte_none(zd_pte_at(current->mm, at)),
					      "a snapshot faulted the page in");
			break;
		}
		KUNIT_EXPECT_TRUE(test, pfn & HMM_PFN_VALID);
		KUNIT_EXPECT_TRUE_MSG(test, is_zero_pfn(page_to_pfn(hmm_pfn_to_page(pfn))),
				      "a read fault did not map the zero page");
		break;
	case ZD_HMM_ZERO:
	case ZD_HMM_SHARED:
		KUNIT_EXPECT_EQ(test, pfn & (HMM_PFN_VALID | HMM_PFN_WRITE),
				HMM_PFN_VALID | HMM_PFN_WRITE);
		KUNIT_EXPECT_EQ_MSG(test, zd_mapped_count(test, at, &now), 1,
				    "the page the write fault mapped: its mapping's");
		KUNIT_EXPECT_PTR_EQ(test, hmm_pfn_to_page(pfn), now);
		KUNIT_EXPECT_PTR_NE_MSG(test, now, page,
					"the write did not break the %s",
					w->found == ZD_HMM_ZERO ? "zero page" :
					"shared page");
		if (w->found == ZD_HMM_SHARED)
			KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), count - 1,
					    "the old page kept the parent's mapping's reference");
		break;
	case ZD_HMM_DEVICE:
		KUNIT_EXPECT_FALSE(test, pfn & HMM_PFN_VALID);
		zd_expect_on_device(test, dev, page, base);
		KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
		break;
	}
}

/*
 * hmm_range_fault() asked to fault a page that is migrating to the device
 * meets its migration entry: it waits for the migration to end
 * (migration_entry_wait()) holding no reference, then walks again and
 * reports the device page to the device that owns it.
 */
static void hmm_range_fault_waits_for_migration(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	long base = zd_dev_pgmap_refs(dev);
	unsigned long addr = zd_anon_map(test, 1);
	struct zd_migration m;
	struct page *spage, *page;
	struct zd_touch *t;
	int held;

	zd_rule(test, ZD_RULE_hmm_takes_no_reference, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_EQ(test, put_user(7, (int __user *)addr), 0);
	zd_mapped_count(test, addr, &spage);
	t = zd_touch_prepare(test, addr);
	t->mni = zd_hmm_notifier(test, addr);
	t->owner = dev;

	KUNIT_ASSERT_EQ(test, zd_dev_migrate_setup(dev, &m, addr, 1), 0);
	/* Nothing may end the case before the finish: the mmap lock is held. */
	KUNIT_EXPECT_TRUE_MSG(test, m.src[0] & MIGRATE_PFN_MIGRATE, "the page was not collected");
	KUNIT_EXPECT_TRUE_MSG(test, zd_pte_migration(zd_pte_at_locked(current->mm, addr)),
			      "no migration entry maps the page");
	held = page_ref_count(spage);
	zd_touch_go(t);
	KUNIT_EXPECT_TRUE_MSG(test, zd_touch_blocked(t),
			      "hmm_range_fault() did not wait for the migration entry");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(spage), held,
			    "the waiting hmm_range_fault() took a reference");
	KUNIT_ASSERT_EQ_MSG(test, zd_dev_migrate_finish(&m, &page), 1UL,
			    "the page did not move to the device");

	KUNIT_EXPECT_EQ(test, zd_touch_end(test, t), 0);
	KUNIT_EXPECT_TRUE(test, t->pfn & HMM_PFN_VALID);
	KUNIT_EXPECT_PTR_EQ_MSG(test, hmm_pfn_to_page(t->pfn), page,
				"not the device page the migration made");
	zd_expect_on_device(test, dev, page, base);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram), 0);
}

/* What hmm_range_fault() meets that it may not report as a page. */
struct zd_hmm_refusal {
	const char *name;
	bool pfn_map;	/* a page mapped by its pfn alone, else a guard region */
	unsigned long flags;
	int ret;
	unsigned long reported;
};

static const struct zd_hmm_refusal zd_hmm_refusals[] = {
	{ "guard region, snapshot", false, 0, 0, 0 },
	{ "guard region, fault", false, HMM_PFN_REQ_FAULT, -EFAULT },
	{ "pfn map, snapshot", true, 0, 0, HMM_PFN_ERROR },
	{ "pfn map, fault", true, HMM_PFN_REQ_FAULT, -EFAULT },
};

KUNIT_ARRAY_PARAM_DESC(zd_hmm_refusal, zd_hmm_refusals, name);

/*
 * hmm_range_fault() over a guard region (MADV_GUARD_INSTALL's PTE
 * marker), or over a page a driver mapped by its pfn alone (a special
 * PTE: no struct page to report): a snapshot reports nothing, or an
 * error, there; a fault fails with -EFAULT.  The PTE stays as it was,
 * and the pfn-mapped page's count too.
 */
static void hmm_range_fault_refuses(struct kunit *test)
{
	const struct zd_hmm_refusal *r = test->param_value;
	/* Flags hmm_range_fault() must clear, to see that it reported. */
	unsigned long addr, pfn = HMM_PFN_VALID | HMM_PFN_ERROR;
	struct page *page = NULL;
	int count = 0;
	pte_t pte;

	zd_rule(test, ZD_RULE_hmm_takes_no_reference, ZD_NO_TYPE);
	if (r->pfn_map) {
		addr = zd_pfn_map(test, &page);
		count = page_ref_count(page);
		KUNIT_EXPECT_EQ_MSG(test, count, 1, "the pfn mapping took a reference");
	} else {
		ZD_REQUIRE(test, ZD_GUARD_REGIONS);
		addr = zd_anon_map(test, 1);
		KUNIT_ASSERT_EQ(test, zd_guard_install(addr, PAGE_SIZE), 0);
	}
	pte = zd_pte_at(current->mm, addr);
	KUNIT_ASSERT_FALSE(test, pte_none(pte));
	KUNIT_ASSERT_EQ_MSG(test, pte_present(pte), r->pfn_map,
			    "no %s in the PTE", r->pfn_map ? "pfn" : "guard marker");

	KUNIT_EXPECT_EQ(test, zd_hmm_range_fault(zd_hmm_notifier(test, addr), NULL,
						 r->flags, &pfn), r->ret);
	if (!r->ret)
		KUNIT_EXPECT_EQ_MSG(test, pfn & (HMM_PFN_VALID | HMM_PFN_ERROR), r->reported,
				    "what the snapshot reported");
	KUNIT_EXPECT_TRUE_MSG(test, pte_same(zd_pte_at(current->mm, addr), pte),
			      "the PTE changed");
	if (page)
		KUNIT_EXPECT_EQ(test, page_ref_count(page), count);
}

/* ---- bringing the page back, raced against memunmap_pages() ---- */

enum { ZD_MIG_TEARDOWN, ZD_MIG_BACK };

/*
 * How the page comes back: the CPU faults on it, the driver evicts it, or
 * another driver's hmm_range_fault() faults it back.
 */
enum zd_mig_way { ZD_BACK_FAULT, ZD_BACK_EVICT, ZD_BACK_HMM };

struct zd_mig_back {
	const char *name;
	enum zd_mig_way way;
	bool forked;	/* a child's copy of the entry shares the page */
};

static const struct zd_mig_back zd_mig_back_cases[] = {
	{ "fault", ZD_BACK_FAULT },
	{ "eviction", ZD_BACK_EVICT },
	{ "hmm_range_fault", ZD_BACK_HMM },
	{ "fault after fork", ZD_BACK_FAULT, true },
	{ "eviction after fork", ZD_BACK_EVICT, true },
	{ "hmm_range_fault after fork", ZD_BACK_HMM, true },
};

/* Teardown: each gate up to its wait, and into it. */
static int zd_mig_teardown_steps(void)
{
	return zd_teardown_steps_to(MEMORY_DEVICE_PRIVATE,
				    ZDRACE_FI_memunmap_before_wait) + 1;
}

/* ... and bringing the page back: one step. */
static void zd_mig_back_steps(const struct zd_mig_back *c, u8 *steps)
{
	steps[ZD_MIG_TEARDOWN] = zd_mig_teardown_steps();
	steps[ZD_MIG_BACK] = 1;
}

ZD_ORDER_PARAMS(zd_mig_back, name, zd_mig_back_steps, 2);

struct zd_mig_ctx {
	const struct zd_mig_back *back;
	struct zd_dev *dev;
	struct mm_struct *mm, *child;	/* child: a fork's, if forked */
	struct mmu_interval_notifier *mni;	/* ZD_BACK_HMM's */
	struct page *page;
	unsigned long addr, pfn;
	int ret, val;
};

static void zd_mig_teardown(void *data)
{
	struct zd_mig_ctx *ctx = data;

	zd_dev_unmap(ctx->dev);
}

/*
 * The eviction, or from a thread of the case's mm a read of the page or
 * another owner's hmm_range_fault() of it.
 */
static void zd_mig_bring_back(void *data)
{
	struct zd_mig_ctx *ctx = data;

	if (ctx->back->way == ZD_BACK_EVICT) {
		ctx->ret = zd_dev_evict(ctx->page, NULL);
		return;
	}
	kthread_use_mm(ctx->mm);
	if (ctx->back->way == ZD_BACK_HMM)
		ctx->ret = zd_hmm_range_fault(ctx->mni, NULL, HMM_PFN_REQ_FAULT,
					      &ctx->pfn);
	else
		ctx->ret = get_user(ctx->val, (int __user *)ctx->addr);
	kthread_unuse_mm(ctx->mm);
}

/* After a forked page came back: the child maps the system page too. */
static void zd_expect_child_in_ram(struct kunit *test, struct mm_struct *child,
				   unsigned long addr)
{
	pte_t pte = zd_pte_at(child, addr);

	KUNIT_ASSERT_TRUE_MSG(test, pte_present(pte),
			      "the child's entry was not moved with the page");
	KUNIT_EXPECT_FALSE(test, is_zone_device_page(pte_page(pte)));
}

/*
 * A page on the device, brought back by a CPU fault, by the driver's
 * eviction or by another owner's hmm_range_fault() at every step of the
 * device's teardown: before it, after the kill, before the wait, or once
 * the teardown blocks in its wait; alone, or shared with a fork's child,
 * whose entry moves with it.  It comes back wherever that lands, freed
 * through ops->page_free(); memunmap_pages() ends only after it.
 */
static void back_during_teardown(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	struct zd_mig_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct zdrace_sched *s;
	struct zd_order_ran ran;
	long base;
	int val = -1;

	zd_rule(test, ZD_RULE_private_back_during_teardown, MEMORY_DEVICE_PRIVATE);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->back = p->c;
	ctx->dev = zd_dev_create(test, MEMORY_DEVICE_PRIVATE);
	base = zd_dev_pgmap_refs(ctx->dev);
	ctx->addr = zd_migrate_page(ctx->dev, &ctx->page);
	ctx->mm = current->mm;
	if (ctx->back->way == ZD_BACK_HMM)
		ctx->mni = zd_hmm_notifier(test, ctx->addr);
	if (ctx->back->forked) {
		ctx->child = zd_fork(test);
		KUNIT_ASSERT_EQ(test, folio_mapcount(page_folio(ctx->page)), 2);
	} else {
		zd_expect_on_device(test, ctx->dev, ctx->page, base);
	}

	s = zdrace_sched_new(test);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "teardown", zd_mig_teardown,
						     ctx), ZD_MIG_TEARDOWN);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, ctx->back->name,
						     zd_mig_bring_back, ctx),
			ZD_MIG_BACK);
	zd_gate_teardown(test, s, 0);
	ran = zd_order_run(test, s, p, ZD_MIG_BACK, ZD_MIG_TEARDOWN);
	KUNIT_ASSERT_EQ_MSG(test, ran.ret, 0, "teardown or the %s never ended",
			    ctx->back->name);

	KUNIT_EXPECT_EQ_MSG(test, ctx->ret, 0, "the %s failed", ctx->back->name);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->migrated_to_ram),
			ctx->back->way == ZD_BACK_EVICT ? 0 : 1);
	if (ctx->back->way == ZD_BACK_HMM) {
		KUNIT_EXPECT_TRUE(test, ctx->pfn & HMM_PFN_VALID);
		KUNIT_EXPECT_FALSE_MSG(test,
				       is_zone_device_page(hmm_pfn_to_page(ctx->pfn)),
				       "hmm_range_fault() reported the device page");
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);
	KUNIT_EXPECT_GT_MSG(test, zdrace_sched_done(s, ZD_MIG_TEARDOWN), ran.done,
			    "memunmap_pages() ended before the %s freed the page",
			    ctx->back->name);
	if (ran.before == zd_mig_teardown_steps())
		KUNIT_EXPECT_GE_MSG(test, zdrace_sched_blocked(s, ZD_MIG_TEARDOWN), 0,
				    "teardown did not block in its wait");
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ctx->dev), -1L,
			    "teardown did not exit the pgmap reference");
	if (ctx->child)
		zd_expect_child_in_ram(test, ctx->child, ctx->addr);
	/* The user's page is a system page now, zeroed: no device left. */
	KUNIT_ASSERT_EQ(test, get_user(val, (int __user *)ctx->addr), 0);
	KUNIT_EXPECT_EQ(test, val, 0);
	kunit_info(test, "%s after %d teardown steps: the teardown %s, then ended\n",
		   ctx->back->name, ran.before,
		   zdrace_sched_blocked(s, ZD_MIG_TEARDOWN) >= 0 ?
		   "blocked in its wait until the page was freed" :
		   "ran through");
}

static struct kunit_case zdrace_migrate_cases[] = {
	KUNIT_CASE(migrated_page_holds_one_reference),
	KUNIT_CASE(cpu_fault_brings_page_back),
	KUNIT_CASE(eviction_brings_page_back),
	KUNIT_CASE_PARAM(eviction_leaves_busy_page, zd_mig_busy_gen_params),
	KUNIT_CASE_PARAM(driver_migrates_page_back, zd_mig_home_gen_params),
	KUNIT_CASE_PARAM(fault_waits_for_locked_page, zd_mig_toucher_gen_params),
	KUNIT_CASE(hole_migrates_to_device),
	KUNIT_CASE_PARAM(hole_migrates_as_mapped, zd_mig_hole_gen_params),
	KUNIT_CASE(read_only_page_migrates),
	KUNIT_CASE(hole_filled_during_migration),
	KUNIT_CASE(zero_and_empty_ptes_migrate),
	KUNIT_CASE(other_owner_does_not_collect),
	KUNIT_CASE_PARAM(migration_collects_only_selected, zd_mig_select_gen_params),
	KUNIT_CASE(shared_memory_stays_in_ram),
	KUNIT_CASE_PARAM(hole_takes_migratable_page, zd_mig_given_gen_params),
	KUNIT_CASE_PARAM(held_page_stays_in_ram, zd_mig_hold_gen_params),
	KUNIT_CASE_PARAM(fork_copies_private_entry, zd_mig_fork_gen_params),
	KUNIT_CASE(shared_page_migrates_for_both),
	KUNIT_CASE_PARAM(hmm_range_fault_reads_device_page, zd_hmm_owner_gen_params),
	KUNIT_CASE_PARAM(hmm_range_fault_takes_no_reference, zd_hmm_walk_gen_params),
	KUNIT_CASE(hmm_range_fault_waits_for_migration),
	KUNIT_CASE_PARAM(hmm_range_fault_refuses, zd_hmm_refusal_gen_params),
	KUNIT_CASE_PARAM(back_during_teardown, zd_mig_back_gen_params),
	{}
};

static struct kunit_suite zdrace_migrate_suite = {
	.name = "zdrace_migrate",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_migrate_cases,
};

kunit_test_suite(zdrace_migrate_suite);

MODULE_DESCRIPTION("zdrace: device-private migration, its CPU fault and hmm_range_fault()");
MODULE_LICENSE("GPL");
