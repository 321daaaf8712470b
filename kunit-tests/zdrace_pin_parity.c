// SPDX-License-Identifier: GPL-2.0
/*
 * FOLL_LONGTERM pinning parity of gup-fast and slow GUP (linux-mm, Feb
 * 2022, DEVICE_COHERENT pages: "we really should have the same pinning
 * rules for GUP vs. GUP-fast").  Rule: pin_user_pages_fast() and
 * pin_user_pages() give the same outcome page by page (pinned, migrated
 * then pinned, or refused), and gup-fast itself keeps no page that is not
 * longterm-pinnable (counted by its PTE reads and grabs).  COHERENT
 * and PRIVATE pages are anonymous memory migrated the lib/test_hmm.c way;
 * GENERIC pages are the fake device's file mapped (6.12: devmap PTEs).
 */

#include <kunit/test.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"
#include "zd_user.h"

#define ZD_PIN_PAGES	4
#define ZD_PIN_FLAGS	(FOLL_WRITE | FOLL_LONGTERM)

enum zd_pin_outcome { ZD_PIN_PINNED, ZD_PIN_MIGRATED, ZD_PIN_REFUSED };

static const char * const zd_pin_outcome_names[] = {
	[ZD_PIN_PINNED] = "pinned",
	[ZD_PIN_MIGRATED] = "migrated",
	[ZD_PIN_REFUSED] = "refused",
};

struct zd_pin_case {
	const char *name;
	enum memory_type type;
	enum zd_pin_outcome expect;
};

/*
 * COHERENT memory must stay evictable and PRIVATE memory is not CPU
 * addressable: both end up migrated.  A GENERIC page is in no movable
 * zone and is pinned where it is.
 */
static const struct zd_pin_case zd_pin_cases[] = {
	{ "coherent", MEMORY_DEVICE_COHERENT, ZD_PIN_MIGRATED },
	{ "private", MEMORY_DEVICE_PRIVATE, ZD_PIN_MIGRATED },
	{ "generic", MEMORY_DEVICE_GENERIC, ZD_PIN_PINNED },
};

KUNIT_ARRAY_PARAM_DESC(zd_pin_cases, zd_pin_cases, name);

struct zd_pin_result {
	long ret;
	int pte_reads;		/* PTEs gup-fast read */
	int grabbed_fast;	/* pages gup-fast itself grabbed */
	struct page *pages[ZD_PIN_PAGES];
	enum zd_pin_outcome outcome[ZD_PIN_PAGES];
};

/*
 * User pages backed by @dev, a new mapping for every pin: new anonymous
 * memory migrated to the device, or the device's first GENERIC pages
 * mapped again.
 */
static unsigned long zd_pin_map(struct zd_dev *dev)
{
	struct page *pages[ZD_PIN_PAGES];
	unsigned long addr;
	int i;

	if (dev->pgmap.type != MEMORY_DEVICE_GENERIC)
		return zd_dev_map_anon(dev, ZD_PIN_PAGES, pages);
	addr = zd_dev_map_user(dev, ZD_PIN_PAGES);
	for (i = 0; i < ZD_PIN_PAGES; i++)
		KUNIT_ASSERT_EQ(dev->test, put_user(i, (int __user *)
						    (addr + i * PAGE_SIZE)), 0);
	return addr;
}

/*
 * Pin ZD_PIN_PAGES pages at @addr with @flags, through gup-fast or
 * slow GUP, and unpin them; what became of each: pinned where it is (in
 * @dev, or in RAM when @dev is NULL), migrated, or refused.
 */
static void zd_pin_pages(struct kunit *test, struct zd_dev *dev,
			 unsigned long addr, unsigned int flags, bool fast,
			 struct zd_pin_result *p)
{
	atomic_t pte_reads = ATOMIC_INIT(0), grabbed = ATOMIC_INIT(0);
	int i;

	zd_count_injected(test, ZDRACE_FI_gup_fast_after_pte_read, &pte_reads);
	zd_count_injected(test, ZDRACE_FI_gup_fast_after_grab, &grabbed);
	scoped_guard(zd_injected) {
		if (fast) {
			p->ret = pin_user_pages_fast(addr, ZD_PIN_PAGES, flags,
						     p->pages);
		} else {
			mmap_read_lock(current->mm);
			p->ret = pin_user_pages(addr, ZD_PIN_PAGES, flags,
						p->pages);
			mmap_read_unlock(current->mm);
		}
	}
	zdrace_fi_disarm(ZDRACE_FI_gup_fast_after_pte_read);
	zdrace_fi_disarm(ZDRACE_FI_gup_fast_after_grab);
	p->pte_reads = atomic_read(&pte_reads);
	p->grabbed_fast = atomic_read(&grabbed);

	for (i = 0; i < ZD_PIN_PAGES; i++) {
		if (i >= p->ret)
			p->outcome[i] = ZD_PIN_REFUSED;
		else if (!dev ? !is_zone_device_page(p->pages[i]) :
			 is_zone_device_page(p->pages[i]) &&
			 zd_page_pgmap(p->pages[i]) == &dev->pgmap)
			p->outcome[i] = ZD_PIN_PINNED;
		else
			p->outcome[i] = ZD_PIN_MIGRATED;
	}
	if (p->ret > 0)
		unpin_user_pages(p->pages, p->ret);
}

/*
 * FOLL_LONGTERM through pin_user_pages_fast() and pin_user_pages(): the
 * same outcome for every page, the one the type calls for, and gup-fast
 * kept none of them itself.  gup-fast stops at the first page it refuses,
 * and slow GUP passes none of its points: one PTE read of ZD_PIN_PAGES
 * means it kept none.  A line that grabs before the FOLL_LONGTERM check
 * grabs, and gives back, that first page.
 */
static void longterm_pin_fast_and_slow_agree(struct kunit *test)
{
	const struct zd_pin_case *c = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, c->type);
	struct zd_pin_result fast = {}, slow = {};
	int i;

	zd_rule(test, ZD_RULE_longterm_pin_parity, c->type);

	zd_pin_pages(test, dev, zd_pin_map(dev), ZD_PIN_FLAGS, true, &fast);
	zd_pin_pages(test, dev, zd_pin_map(dev), ZD_PIN_FLAGS, false, &slow);
	kunit_info(test, "%s: fast pinned %ld (gup-fast read %d PTEs, grabbed %d), slow %ld, migrate_to_ram %d\n",
		   c->name, fast.ret, fast.pte_reads, fast.grabbed_fast,
		   slow.ret, atomic_read(&dev->migrated_to_ram));

	KUNIT_EXPECT_EQ_MSG(test, fast.pte_reads, 1,
			    "gup-fast read %d PTEs: it kept %s pages under FOLL_LONGTERM",
			    fast.pte_reads, c->name);
	KUNIT_EXPECT_LE_MSG(test, fast.grabbed_fast,
			    ZD_GUP_FAST_LONGTERM_GRABS_FIRST ? 1 : 0,
			    "gup-fast grabbed %d %s pages under FOLL_LONGTERM",
			    fast.grabbed_fast, c->name);
	for (i = 0; i < ZD_PIN_PAGES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, fast.outcome[i], slow.outcome[i],
				    "page %d: pin_user_pages_fast() %s, pin_user_pages() %s",
				    i, zd_pin_outcome_names[fast.outcome[i]],
				    zd_pin_outcome_names[slow.outcome[i]]);
		KUNIT_EXPECT_EQ_MSG(test, fast.outcome[i], c->expect,
				    "page %d of a %s device: %s, expected %s", i,
				    c->name, zd_pin_outcome_names[fast.outcome[i]],
				    zd_pin_outcome_names[c->expect]);
	}
	if (c->type == MEMORY_DEVICE_PRIVATE)
		KUNIT_EXPECT_EQ(test, atomic_read(&dev->migrated_to_ram),
				2 * ZD_PIN_PAGES);
}

/*
 * RAM the same pins meet: anonymous memory, or a shmem file shared; or
 * anonymous memory whose last page no access may reach (PROT_NONE), or
 * that only was read (the zero page, pinned for reading), or that a fork
 * shares (pinned for reading), or that spans
 * the boundary of a page table (the walk goes on to its next entry at
 * that level; where a level is folded, the one above).
 */
struct zd_pin_ram {
	const char *name;
	bool shmem;
	bool last_none;
	bool read;
	bool forked;	/* written, then shared with a fork's child; pinned for reading */
	unsigned long straddle;	/* a page table's span, whose boundary it spans */
};

static const struct zd_pin_ram zd_pin_rams[] = {
	{ "anon", false },
	{ "shmem", true },
	{ "anon, last page PROT_NONE", false, true },
	{ "anon, zero page read", .read = true },
	{ "anon, shared with a fork, read", .forked = true },
	{ "anon, across a PGDIR boundary", .straddle = PGDIR_SIZE },
	{ "anon, across a PUD boundary", .straddle = PUD_SIZE },
	{ "anon, across a PMD boundary", .straddle = PMD_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(zd_pin_rams, zd_pin_rams, name);

/*
 * Anonymous memory, written, with half its pages below a boundary of
 * @span (PGDIR_SIZE, PUD_SIZE or PMD_SIZE) and half above: at the first
 * such boundary of the address space that is free.
 */
static unsigned long zd_pin_map_straddling(struct kunit *test, unsigned long span)
{
	const unsigned long half = ZD_PIN_PAGES / 2 * PAGE_SIZE;
	unsigned long at, addr;
	int i;

	for (at = span; at + half <= TASK_SIZE; at += span) {
		addr = kunit_vm_mmap(test, NULL, at - half, 2 * half,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0);
		if (addr == at - half)
			break;
	}
	KUNIT_ASSERT_LE_MSG(test, at + half, TASK_SIZE,
			    "no boundary of %#lx with free memory around it", span);
	for (i = 0; i < ZD_PIN_PAGES; i++)
		KUNIT_ASSERT_EQ(test, put_user(i, (int __user *)
					       (addr + i * PAGE_SIZE)), 0);
	return addr;
}

static unsigned long zd_pin_map_ram(struct kunit *test, const struct zd_pin_ram *r)
{
	const unsigned long last = (ZD_PIN_PAGES - 1) * PAGE_SIZE;
	bool shmem = r->shmem;
	struct file *file = NULL;
	unsigned long addr, none;
	int i;

	if (r->straddle)
		return zd_pin_map_straddling(test, r->straddle);
	if (shmem)
		file = zd_shmem_file(test, "zdrace-pin", ZD_PIN_PAGES);
	addr = kunit_vm_mmap(test, file, 0, ZD_PIN_PAGES * PAGE_SIZE,
			     PROT_READ | PROT_WRITE,
			     shmem ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr) || !addr,
			       "kunit_vm_mmap: %ld", (long)addr);
	for (i = 0; i < ZD_PIN_PAGES; i++) {
		int __user *p = (int __user *)(addr + i * PAGE_SIZE);
		int val;

		if (r->read)
			KUNIT_ASSERT_EQ(test, get_user(val, p), 0);
		else
			KUNIT_ASSERT_EQ(test, put_user(i, p), 0);
	}
	if (r->forked)
		zd_fork(test);
	if (r->last_none) {
		none = kunit_vm_mmap(test, NULL, addr + last, PAGE_SIZE, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
		KUNIT_ASSERT_EQ_MSG(test, none, addr + last, "kunit_vm_mmap: %ld",
				    (long)none);
	}
	return addr;
}

/*
 * The control of longterm_pin_fast_and_slow_agree: RAM that FOLL_LONGTERM
 * may pin where it is.  gup-fast reads every PTE and pins every page
 * itself, after gup_fast_folio_allowed() looked at its mapping (a write
 * pin for the long term is refused on file-backed memory but shmem's),
 * and slow GUP pins the same pages.  Where the last page is PROT_NONE,
 * both pin the pages before it and return how many: gup-fast stops
 * there, and the slow GUP it falls back to fails on it.  The zero page,
 * mapped by a special PTE, gup-fast leaves to slow GUP at once, which
 * pins it (with no count of it: it is never freed); a page a fork shares,
 * gup-fast lets go after its grab, and slow GUP pins a copy of it.
 */
static void longterm_pin_of_ram_agrees(struct kunit *test)
{
	const struct zd_pin_ram *r = test->param_value;
	const int pinnable = r->last_none ? ZD_PIN_PAGES - 1 : ZD_PIN_PAGES;
	const unsigned int flags = r->read || r->forked ? FOLL_LONGTERM : ZD_PIN_FLAGS;
	/*
	 * The zero page's PTE is special: gup-fast leaves it all to slow GUP.
	 * A page a fork shares must be unshared for a pin: gup-fast grabs it,
	 * lets it go and leaves the rest to slow GUP, which unshares.
	 */
	const int fast_reads = r->read || r->forked ? 1 : ZD_PIN_PAGES;
	const int fast_grabs = r->read ? 0 : r->forked ? 1 : pinnable;
	struct zd_pin_result fast = {}, slow = {};
	int i;

	zd_rule(test, ZD_RULE_longterm_pin_parity, ZD_NO_TYPE);

	zd_pin_pages(test, NULL, zd_pin_map_ram(test, r), flags, true, &fast);
	zd_pin_pages(test, NULL, zd_pin_map_ram(test, r), flags, false, &slow);
	KUNIT_EXPECT_EQ_MSG(test, fast.pte_reads, fast_reads,
			    "gup-fast did not read every PTE, the one it stops at too");
	KUNIT_EXPECT_EQ_MSG(test, fast.grabbed_fast, fast_grabs,
			    "gup-fast did not pin the %s pages itself", r->name);
	KUNIT_EXPECT_EQ(test, fast.ret, (long)pinnable);
	KUNIT_EXPECT_EQ(test, slow.ret, (long)pinnable);
	for (i = 0; i < ZD_PIN_PAGES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, fast.outcome[i],
				    i < pinnable ? ZD_PIN_PINNED : ZD_PIN_REFUSED,
				    "%s page %d: pin_user_pages_fast() %s",
				    r->name, i,
				    zd_pin_outcome_names[fast.outcome[i]]);
		KUNIT_EXPECT_EQ(test, slow.outcome[i], fast.outcome[i]);
	}
}

/*
 * A COHERENT page migrated into anonymous memory is mapped like any anon
 * page: one reference, one mapping, one pgmap reference while allocated.
 * gup-fast takes it by its normal PTE (no devmap branch, no pgmap
 * lookup); the munmap frees it back to the driver and puts its pgmap
 * reference.
 */
static void mapped_coherent_anon_refcount(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_COHERENT);
	long idle_refs = zd_dev_pgmap_refs(dev);
	atomic_t lookups = ATOMIC_INIT(0), grabs = ATOMIC_INIT(0);
	struct page *page, *got;
	unsigned long addr;
	int ret;

	zd_rule(test, ZD_RULE_mapped_coherent_refcount, MEMORY_DEVICE_COHERENT);

	addr = zd_dev_map_anon(dev, 1, &page);
	KUNIT_EXPECT_TRUE(test, is_device_coherent_page(page));
	KUNIT_EXPECT_TRUE(test, PageAnon(page));
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 1);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), idle_refs + 1);

	zd_count_injected(test, ZDRACE_FI_get_pgmap_before_tryget, &lookups);
	zd_count_injected(test, ZDRACE_FI_gup_fast_after_grab, &grabs);
	scoped_guard(zd_injected)
		ret = get_user_pages_fast_only(addr, 1, FOLL_WRITE, &got);
	KUNIT_ASSERT_EQ(test, ret, 1);
	KUNIT_EXPECT_PTR_EQ(test, got, page);
	KUNIT_EXPECT_EQ(test, atomic_read(&grabs), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&lookups), 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	put_page(got);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->page_free_calls), 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), idle_refs);
}

static struct kunit_case zdrace_pin_parity_cases[] = {
	KUNIT_CASE_PARAM(longterm_pin_fast_and_slow_agree,
			 zd_pin_cases_gen_params),
	KUNIT_CASE_PARAM(longterm_pin_of_ram_agrees, zd_pin_rams_gen_params),
	KUNIT_CASE(mapped_coherent_anon_refcount),
	{}
};

static struct kunit_suite zdrace_pin_parity_suite = {
	.name = "zdrace_pin_parity",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_pin_parity_cases,
};

kunit_test_suite(zdrace_pin_parity_suite);

MODULE_DESCRIPTION("zdrace: FOLL_LONGTERM pinning parity of gup-fast and slow GUP");
MODULE_LICENSE("GPL");
