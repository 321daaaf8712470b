// SPDX-License-Identifier: GPL-2.0
/*
 * A DAX filesystem on persistent memory (linux-mm, Sep 2022: "DAX page
 * references at map time"; upstream since 6.15, "fs/dax: properly
 * refcount fs dax pages").
 *
 * UML's zone_device_pmem=<file> makes a host file persistent memory; the
 * nvdimm e820 driver makes the pmem disk of it, with FS_DAX struct pages
 * (memremap_pages()), and the host formatted the file as ext4.  The suite
 * mounts it with -o dax=always before the cases, as init does, and checks
 * that what the other suites fake is what a filesystem does: a file's
 * page mapped into a user mm is an FS_DAX device page of the disk's
 * pgmap, idle once unmapped (7.x: FS_DAX folios count from 0 and a
 * mapping takes a real reference; 6.12: they are idle at 1 and a mapping
 * takes none); a hole read maps the zero page, its write the block's
 * page; a DMA pin holds a truncate or a hole punch of its block
 * until the unpin; a FOLL_LONGTERM pin is refused; an unmount with a page
 * pinned waits for it (7.x; 6.12 evicts the busy entry, with a warning).
 */

#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init_syscalls.h>
#include <linux/kthread.h>
#include <linux/kdev_t.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/fs_struct.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>

#include "zd_kunit.h"
#include "zd_user.h"

#define ZD_DAX_DISK	"pmem0"
#define ZD_DAX_NODE	"/zd-pmem0"
/* How long the suite waits for the nvdimm bus to probe the disk. */
#define ZD_DAX_PROBE_MS	5000

static dev_t __init zd_dax_disk(void)
{
	int waited;

	for (waited = 0; waited < ZD_DAX_PROBE_MS; waited += 20) {
		struct device *dev = class_find_device_by_name(&block_class,
							       ZD_DAX_DISK);

		if (dev) {
			dev_t devt = dev->devt;

			put_device(dev);
			return devt;
		}
		msleep(20);
	}
	return 0;
}

/* Mount the pmem disk on ZD_DAX_MNT, ext4, -o dax=always. */
static int __init zd_dax_mount(void)
{
	/* Mount options are a page of their own, which the mount edits. */
	char *options = (char *)get_zeroed_page(GFP_KERNEL);
	int err;

	if (!options)
		return -ENOMEM;
	strscpy(options, "dax=always", PAGE_SIZE);
	err = init_mount(ZD_DAX_NODE, ZD_DAX_MNT, "ext4", 0, options);
	free_page((unsigned long)options);
	return err;
}

/* Mount the pmem disk as init would: /zd-dax, ext4, -o dax=always. */
static int __init zd_dax_suite_init(struct kunit_suite *suite)
{
	dev_t devt = zd_dax_disk();
	struct path root;
	int err;

	if (!devt) {
		zd_dax_set_missing("no " ZD_DAX_DISK " disk: zone_device_pmem= was not given");
		return 0;
	}
	err = init_mknod(ZD_DAX_NODE, S_IFBLK | 0600, new_encode_dev(devt));
	if (!err || err == -EEXIST)
		err = init_mkdir(ZD_DAX_MNT, 0755);
	if (!err || err == -EEXIST)
		err = zd_dax_mount();
	if (err) {
		pr_err("zdrace_dax_fs: cannot mount %s on %s: %d\n", ZD_DAX_NODE,
		       ZD_DAX_MNT, err);
		zd_dax_set_missing("the pmem disk did not mount as ext4 -o dax=always");
		return 0;
	}
	err = init_mkdir("/proc", 0555);
	if (!err || err == -EEXIST)
		init_mount("proc", "/proc", "proc", 0, NULL);
	get_fs_root(current->fs, &root);
	zd_dax_set_mounted(&root);
	path_put(&root);
	return 0;
}

static int zd_dax_init(struct kunit *test)
{
	if (zd_dax_missing())
		kunit_skip(test, "%s", zd_dax_missing());
	return zdrace_replay_init(test);
}

/* /proc/mounts says the disk is mounted ext4 with dax=always. */
static void mount_is_dax_always(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL), *line;
	struct file *mounts;
	loff_t pos = 0;
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* What /proc/mounts shows init (this thread's may show nothing). */
	mounts = file_open_root(zd_dax_root(), "/proc/1/mounts", O_RDONLY, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mounts), "/proc/1/mounts: %pe",
			       mounts);
	len = kernel_read(mounts, buf, PAGE_SIZE - 1, &pos);
	fput(mounts);
	KUNIT_ASSERT_GT(test, len, 0);
	line = strstr(buf, ZD_DAX_NODE " " ZD_DAX_MNT " ");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "%s is not mounted:\n%s",
				  ZD_DAX_NODE, buf);
	*strchrnul(line, '\n') = '\0';
	kunit_info(test, "/proc/mounts: %s\n", line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, " ext4 "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "dax=always"));
}

/*
 * A file of the filesystem is a DAX file: no page cache.  Never mapped,
 * no page of it is busy: its truncate breaks the layout at once.
 */
static void file_on_it_is_dax(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);

	KUNIT_EXPECT_TRUE(test, IS_DAX(file_inode(file)));
	KUNIT_EXPECT_EQ(test, file->f_mapping->nrpages, 0UL);
	KUNIT_EXPECT_NULL(test, dax_layout_busy_page(file->f_mapping));
	KUNIT_EXPECT_EQ(test, vfs_truncate(&file->f_path, 0), 0);
}

/*
 * A file page mapped into a user mm is an FS_DAX device page of the pmem
 * disk's pgmap, with the file's data; the mapping holds a reference; a
 * reference makes it busy to a layout break of its block (which zaps the
 * mapping); the unmap leaves the page idle.
 */
static void mapped_file_page_is_fs_dax(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);
	struct dev_pagemap *pgmap;
	struct page *page;
	unsigned long addr;
	char c = 0;

	addr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "cannot map the file");
	KUNIT_ASSERT_EQ(test, get_user(c, (char __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, c, 'a');
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE, &page), 1);

	KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
	pgmap = zd_page_pgmap(page);
	KUNIT_ASSERT_NOT_NULL(test, pgmap);
	kunit_info(test, "file page %#lx: pgmap type %d (MEMORY_DEVICE_FS_DAX %d), count %d\n",
		   page_to_pfn(page), pgmap->type, MEMORY_DEVICE_FS_DAX,
		   page_ref_count(page));
	KUNIT_EXPECT_EQ(test, pgmap->type, MEMORY_DEVICE_FS_DAX);
	/* Ours and, on 7.x, the mapping's, above the line's idle count. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			ZD_FSDAX_IDLE + 1 + ZD_USER_MAPPING_HOLDS_REF);
	/* Our reference makes it busy to a break of its block's layout. */
	KUNIT_EXPECT_PTR_EQ_MSG(test, dax_layout_busy_page_range(file->f_mapping,
								 0, PAGE_SIZE - 1),
				page, "a referenced page is not busy to a layout break");
	put_page(page);

	unmap_mapping_range(file->f_mapping, 0, 0, 1);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle once unmapped");
}

/*
 * A hole of a DAX file, read through a mapping, maps the zero page: no
 * block, no DAX page referenced, nothing busy to a layout break.  A write
 * of it allocates the block and maps the block's FS_DAX page in the zero
 * page's place, with the mapping's reference (7.x), idle once unmapped.
 */
static void hole_maps_zero_page(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);
	struct page *page;
	unsigned long addr;
	pte_t pte;
	char c = 1;

	zd_rule(test, ZD_RULE_fsdax_hole_maps_zero_page, MEMORY_DEVICE_FS_DAX);
	KUNIT_ASSERT_EQ(test, vfs_truncate(&file->f_path, 2 * PAGE_SIZE), 0);
	addr = kunit_vm_mmap(test, file, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "cannot map the file");
	addr += PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, get_user(c, (char __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, c, 0);
	pte = zd_pte_at(current->mm, addr);
	KUNIT_ASSERT_TRUE(test, pte_present(pte));
	KUNIT_EXPECT_TRUE_MSG(test, is_zero_pfn(pte_pfn(pte)),
			      "the hole's read mapped pfn %#lx, not the zero page",
			      pte_pfn(pte));
	KUNIT_EXPECT_NULL_MSG(test, dax_layout_busy_page_range(file->f_mapping, PAGE_SIZE,
							       2 * PAGE_SIZE - 1),
			      "the hole is busy to a layout break");

	KUNIT_ASSERT_EQ(test, put_user('q', (char __user *)addr), 0);
	pte = zd_pte_at(current->mm, addr);
	KUNIT_ASSERT_TRUE(test, pte_present(pte));
	page = pte_page(pte);
	KUNIT_ASSERT_TRUE_MSG(test, is_zone_device_page(page),
			      "the write mapped pfn %#lx, no DAX page", pte_pfn(pte));
	KUNIT_EXPECT_EQ(test, zd_page_pgmap(page)->type, MEMORY_DEVICE_FS_DAX);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page),
			    ZD_FSDAX_IDLE + ZD_USER_MAPPING_HOLDS_REF,
			    "the mapping's reference");
	unmap_mapping_range(file->f_mapping, 0, 0, 1);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle once unmapped");
}

/*
 * A file that is not DAX (shmem) is never busy to a layout break, not
 * even with a page of it pinned for DMA: fs/dax.c's busy lookup finds
 * nothing and its break returns at once, so a truncate of a page-cache
 * file never waits on a pin there.
 */
static void non_dax_file_is_never_busy(struct kunit *test)
{
	struct file *file = zd_shmem_file(test, "zdrace-not-dax", 1);
	unsigned long addr = zd_cache_map(test, file, 1);
	struct page *page;

	zd_rule(test, ZD_RULE_fsdax_pin_keeps_busy, ZD_NO_TYPE);
	KUNIT_ASSERT_FALSE(test, IS_DAX(file_inode(file)));
	/* A pin to read from: the mapping is read-only. */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, 0, &page), 1);
	KUNIT_EXPECT_NULL_MSG(test, dax_layout_busy_page(file->f_mapping),
			      "a page-cache page is busy to a DAX layout break");
	KUNIT_EXPECT_EQ(test, zd_dax_break_layout(file_inode(file)), 0);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	unpin_user_page(page);
}

/* A FOLL_LONGTERM pin of a DAX file page is refused, fast or slow. */
static void longterm_pin_refused(struct kunit *test)
{
	unsigned long addr = zd_dax_map(test, zd_dax_file(test, 1));
	struct page *page = NULL;
	long ret;

	ret = pin_user_pages_fast(addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	KUNIT_EXPECT_LE_MSG(test, ret, 0L,
			    "a FOLL_LONGTERM pin of a DAX page was taken");
	if (ret > 0)
		unpin_user_page(page);
}

/* How the layout of a pinned block is broken. */
struct zd_dax_cut {
	const char *name;
	int (*cut)(struct file *file);
};

static int zd_dax_truncate(struct file *file)
{
	return vfs_truncate(&file->f_path, 0);
}

static int zd_dax_punch(struct file *file)
{
	return vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     0, PAGE_SIZE);
}

static const struct zd_dax_cut zd_dax_cuts[] = {
	{ "truncate", zd_dax_truncate },
	{ "punch hole", zd_dax_punch },
};

KUNIT_ARRAY_PARAM_DESC(zd_dax_cut, zd_dax_cuts, name);

/*
 * A cut or an unmount waiting on a pin: asleep, not run, for
 * ZD_DAX_BLOCKED_MS; how long it may take to block, or to finish after
 * the unpin.
 */
#define ZD_DAX_BLOCKED_MS	20
#define ZD_DAX_CUT_MS		2000

struct zd_dax_cutter {
	const struct zd_dax_cut *cut;
	struct file *file;
	int ret;
};

static int zd_dax_cutter(void *data)
{
	struct zd_dax_cutter *c = data;

	c->ret = c->cut->cut(c->file);
	return 0;
}

/*
 * A FOLL_PIN of a mapped DAX page (as a DMA would take it) holds a
 * truncate or a hole punch of its block in dax_break_layout() until the
 * unpin: the page is neither freed nor reused meanwhile; then the cut
 * completes and the page is idle.
 */
static void cut_waits_for_pin(struct kunit *test)
{
	const struct zd_dax_cut *cut = test->param_value;
	struct zd_dax_cutter c = { .cut = cut };
	struct zd_cpu_thread *t;
	struct page *page;
	unsigned long addr;
	int count;

	zd_rule(test, ZD_RULE_fsdax_pin_keeps_busy, MEMORY_DEVICE_FS_DAX);
	c.file = zd_dax_file(test, 1);
	addr = zd_dax_map(test, c.file);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page),
			1);
	KUNIT_ASSERT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	count = page_ref_count(page);

	t = zd_cpu_thread_start(test, raw_smp_processor_id(), zd_dax_cutter, &c,
				"dax_cut");
	KUNIT_EXPECT_TRUE_MSG(test, zd_cpu_thread_blocked(t, ZD_DAX_BLOCKED_MS,
							  ZD_DAX_CUT_MS),
			      "%s did not block on the DMA pin", cut->name);
	/* The mapping was zapped; the pin holds the page, nothing frees it. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page),
			count - ZD_USER_MAPPING_HOLDS_REF);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_EQ(test, zd_page_pgmap(page)->type, MEMORY_DEVICE_FS_DAX);

	unpin_user_page(page);
	KUNIT_ASSERT_TRUE_MSG(test, zd_cpu_thread_wait(t, ZD_DAX_CUT_MS),
			      "%s still waits %d ms after the unpin", cut->name,
			      ZD_DAX_CUT_MS);
	KUNIT_EXPECT_EQ(test, c.ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle after the %s", cut->name);
}

/*
 * Whoever waits for @page to go idle waits on its variable's wait queue
 * (dax_wait_page_idle()).
 */
static bool zd_dax_page_waited(struct page *page)
{
	/* A look from outside, polled: a missed waiter is seen next time. */
	return waitqueue_active(__var_waitqueue(page));
}

/* ---- the busy-page lookup raced: unpin, munmap or fault against a cut ---- */

/* What the other actor does, once, while a cut of a pinned page runs. */
enum zd_dax_move {
	ZD_DAX_UNPIN,	/* drops the DMA pin */
	ZD_DAX_MUNMAP,	/* unmaps the file's last mapping */
	ZD_DAX_FAULT,	/* writes through the mapping */
};

/*
 * The rule a race checks: that the cut waits for the pin (an unpin, a
 * munmap), or that it ends at the unpin although a fault came in.
 */
struct zd_dax_race {
	const char *name;
	const struct zd_dax_cut *cut;
	enum zd_dax_move move;
	enum zd_rule rule;
};

static const struct zd_dax_race zd_dax_race_cases[] = {
	{ "truncate vs unpin", &zd_dax_cuts[0], ZD_DAX_UNPIN,
	  ZD_RULE_fsdax_cut_waits_for_pin },
	{ "punch hole vs unpin", &zd_dax_cuts[1], ZD_DAX_UNPIN,
	  ZD_RULE_fsdax_cut_waits_for_pin },
	{ "truncate vs munmap", &zd_dax_cuts[0], ZD_DAX_MUNMAP,
	  ZD_RULE_fsdax_cut_waits_for_pin },
	{ "punch hole vs munmap", &zd_dax_cuts[1], ZD_DAX_MUNMAP,
	  ZD_RULE_fsdax_cut_waits_for_pin },
	{ "truncate vs fault", &zd_dax_cuts[0], ZD_DAX_FAULT,
	  ZD_RULE_fsdax_cut_ends_at_unpin },
	{ "punch hole vs fault", &zd_dax_cuts[1], ZD_DAX_FAULT,
	  ZD_RULE_fsdax_cut_ends_at_unpin },
};

enum { ZD_DAX_CUTTER, ZD_DAX_OTHER };

/*
 * The cut's steps: to the busy-page walk (after the unmap), and past it
 * to the return of what it found; the other actor's move is one step,
 * before, between or after them.
 */
static void zd_dax_race_steps(const struct zd_dax_race *c, u8 *steps)
{
	steps[ZD_DAX_CUTTER] = 2;
	steps[ZD_DAX_OTHER] = 1;
}

ZD_ORDER_PARAMS(zd_dax_race, name, zd_dax_race_steps, 2);

struct zd_dax_race_ctx {
	const struct zd_dax_race *race;
	struct zd_dax_cutter cutter;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *page;
	bool pinned;
	int moved;	/* what the move returned */
};

static void zd_dax_race_cut(void *data)
{
	struct zd_dax_race_ctx *ctx = data;

	zd_dax_cutter(&ctx->cutter);
}

static void zd_dax_race_move(void *data)
{
	struct zd_dax_race_ctx *ctx = data;

	switch (ctx->race->move) {
	case ZD_DAX_UNPIN:
		unpin_user_page(ctx->page);
		WRITE_ONCE(ctx->pinned, false);
		break;
	case ZD_DAX_MUNMAP:
		kthread_use_mm(ctx->mm);
		ctx->moved = vm_munmap(ctx->addr, PAGE_SIZE);
		kthread_unuse_mm(ctx->mm);
		break;
	case ZD_DAX_FAULT:
		kthread_use_mm(ctx->mm);
		ctx->moved = put_user('f', (char __user *)ctx->addr);
		kthread_unuse_mm(ctx->mm);
		break;
	}
}

/* Return: the trace index of @actor's first return or block, or -1. */
static int zd_dax_race_stopped(struct zdrace_sched *s, int actor)
{
	int done = zdrace_sched_done(s, actor);
	int blocked = zdrace_sched_blocked(s, actor);

	if (done < 0 || (blocked >= 0 && blocked < done))
		return blocked;
	return done;
}

/* Return: how many times the cut walked for a busy page. */
static int zd_dax_race_walks(struct zdrace_sched *s)
{
	int i, walks = 0;

	for (i = 0; i < zdrace_sched_nr_events(s); i++) {
		const struct zdrace_sched_event *e = zdrace_sched_event(s, i);

		walks += e->actor == ZD_DAX_CUTTER &&
			 e->kind == ZDRACE_SCHED_EV_GATE &&
			 e->point == ZDRACE_FI_dax_busy_after_unmap;
	}
	return walks;
}

/*
 * A truncate or a hole punch of a pinned, mapped DAX page, with the
 * other actor's move placed before the cut, between its unmap and its
 * walk for a busy page (dax_busy_after_unmap), or between the walk and
 * the wait for what it found (dax_busy_after_walk).  The cut completes
 * only after the unpin, and then does: an unpin anywhere lets it through
 * (its wait misses no wakeup); after a munmap or a fault it waits for
 * the pin, the page still in the file.  A fault held off by the break
 * gets in while the cut waits (the filesystem drops its invalidate lock
 * there) and maps the page again; the unpin must still end the wait.
 */
static void cut_races_pin(struct kunit *test)
{
	const struct zd_order_param *p = test->param_value;
	const struct zd_dax_race *race = p->c;
	struct zd_dax_race_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						   GFP_KERNEL);
	bool early, refaulted = false, stuck = false;
	u8 order[ZDRACE_SCHED_MAX_STEPS];
	int len, before, moved, cut_done, ret, count = 0;
	struct zdrace_sched *s;
	struct folio *folio;

	zd_rule(test, race->rule, MEMORY_DEVICE_FS_DAX);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->race = race;
	ctx->cutter.cut = race->cut;
	ctx->cutter.file = zd_dax_file(test, 1);
	ctx->addr = zd_dax_map(test, ctx->cutter.file);
	/* kunit_vm_mmap() gave the case an mm: the actors work in it. */
	ctx->mm = current->mm;
	KUNIT_ASSERT_NOT_NULL(test, ctx->mm);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(ctx->addr, 1, FOLL_WRITE,
						  &ctx->page), 1);
	ctx->pinned = true;
	folio = page_folio(ctx->page);

	s = zdrace_sched_new(test);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "cut", zd_dax_race_cut,
						     ctx), ZD_DAX_CUTTER);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(s, "move", zd_dax_race_move,
						     ctx), ZD_DAX_OTHER);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_dax_busy_after_unmap),
			0);
	KUNIT_ASSERT_EQ(test, zdrace_sched_gate(s, ZDRACE_FI_dax_busy_after_walk),
			0);
	len = zd_order_get(test, p, order);
	before = zd_order_first(order, len, ZD_DAX_OTHER);
	zdrace_sched_set_order(s, order, len);
	ret = zdrace_sched_run(s);
	KUNIT_ASSERT_NE_MSG(test, ret, -ETIMEDOUT, "an actor ran away");

	/* The move came where the order put it. */
	moved = zd_dax_race_stopped(s, ZD_DAX_OTHER);
	KUNIT_ASSERT_GE_MSG(test, moved, 0, "the %s never ran", race->name);
	cut_done = zdrace_sched_done(s, ZD_DAX_CUTTER);
	if (cut_done < 0 || cut_done > moved)
		KUNIT_EXPECT_EQ_MSG(test,
				    zdrace_sched_count_before(s, ZD_DAX_CUTTER, moved),
				    before, "the move did not come after %d cut steps",
				    before);

	/* The cut completed under the pin: a break, reported below. */
	early = cut_done >= 0 &&
		(race->move != ZD_DAX_UNPIN || cut_done < moved);
	if (ctx->pinned) {
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
		if (!early) {
			KUNIT_EXPECT_EQ(test, ret, -EDEADLK);
			KUNIT_EXPECT_GE_MSG(test, zdrace_sched_blocked(s, ZD_DAX_CUTTER),
					    0, "the cut neither ended nor blocked");
			KUNIT_EXPECT_NOT_NULL_MSG(test, READ_ONCE(folio->mapping),
						  "the pinned page left the file");
		}
		refaulted = race->move == ZD_DAX_FAULT && before > 0 &&
			    zdrace_sched_done(s, ZD_DAX_OTHER) >= 0;
		unpin_user_page(ctx->page);
		ctx->pinned = false;
		/*
		 * Only a put to the idle count wakes the cut: at another
		 * count, with the cut on the page's wait queue, nothing will.
		 */
		count = page_ref_count(ctx->page);
		stuck = !early && count != ZD_FSDAX_IDLE &&
			zdrace_sched_done(s, ZD_DAX_CUTTER) < 0 &&
			zd_dax_page_waited(ctx->page);
		if (stuck)
			KUNIT_ASSERT_EQ(test, vm_munmap(ctx->addr, PAGE_SIZE), 0);
		KUNIT_ASSERT_EQ(test, zdrace_sched_finish(s), 0);
	} else {
		KUNIT_EXPECT_EQ(test, ret, 0);
	}
	KUNIT_ASSERT_GE_MSG(test, zdrace_sched_done(s, ZD_DAX_CUTTER), 0,
			    "the %s never completed", race->cut->name);
	KUNIT_EXPECT_EQ(test, ctx->cutter.ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(ctx->page), ZD_FSDAX_IDLE,
			    "the page is not idle after the %s", race->name);
	/* A fault after the truncate finds no block: SIGBUS, -EFAULT here. */
	KUNIT_EXPECT_TRUE_MSG(test, !ctx->moved ||
			      (ctx->moved == -EFAULT && race->move == ZD_DAX_FAULT &&
			       race->cut->cut == zd_dax_truncate),
			      "the move returned %d", ctx->moved);

	kunit_info(test, "%s, the move after %d cut steps: the cut walked %d times%s%s\n",
		   race->name, before, zd_dax_race_walks(s),
		   early ? ", completed under the pin" : ", waited for the unpin",
		   refaulted ? ", the fault mapped the page again in its wait" : "");
	/*
	 * The move between walk and wait: the cut saw the page busy; it
	 * waited, or found it idle at once and walked again.
	 */
	if (before == 2 && !early)
		KUNIT_EXPECT_TRUE_MSG(test, zd_dax_race_walks(s) >= 2 ||
				      zdrace_sched_blocked(s, ZD_DAX_CUTTER) >= 0,
				      "the cut did not see the page busy");

	/*
	 * Each way to break is its rule's, and the cut skipping the wait
	 * only after a munmap: any other fails the case.
	 */
	if (early && race->move == ZD_DAX_MUNMAP) {
		/* 6.12's truncation warns that it drops a busy entry. */
		zd_expect_report(test, "WARNING in dax_disassociate_entry", true);
		zd_breaks(test,
			  "the %s after the file's last munmap skipped the busy-page walk and freed the block under a DMA pin of its page (count %d)",
			  race->cut->name, ZD_FSDAX_IDLE + GUP_PIN_COUNTING_BIAS);
	}
	KUNIT_EXPECT_FALSE_MSG(test, early, "the %s completed under the DMA pin",
			       race->cut->name);
	if (stuck && race->rule == ZD_RULE_fsdax_cut_ends_at_unpin)
		zd_breaks(test,
			  "the unpin left the page at count %d, mapped again by the fault that got in while the %s waited: only a put to %d wakes the wait, which went on until the test unmapped the page",
			  count, race->cut->name, ZD_FSDAX_IDLE);
	KUNIT_EXPECT_FALSE_MSG(test, stuck,
			       "the %s still waited after the unpin, the page at count %d",
			       race->cut->name, count);
}

/*
 * A kernel thread's root may be an empty one (7.x), and is shared: give
 * the calling thread an fs_struct of its own at the suite's root.
 */
static int zd_dax_enter_root(void)
{
	int err = unshare_fs_struct();

	if (!err) {
		set_fs_root(current->fs, zd_dax_root());
		set_fs_pwd(current->fs, zd_dax_root());
	}
	return err;
}

/*
 * An unmount with a file's page still pinned, the file closed and
 * unmapped: evicting the inode waits for the page to go idle
 * (dax_break_layout_final(), upstream since 6.15), the page staying in
 * the file meanwhile; the unpin lets the eviction complete.  A kernel
 * thread's unmount leaves the superblock's shutdown to a worker, which
 * is the one that waits.
 */
static void __init unmount_waits_for_pin(struct kunit *test)
{
	struct file *file = zd_dax_file(test, 1);
	unsigned long addr = zd_dax_map(test, file);
	struct folio *folio;
	struct page *page;
	bool waited, kept;
	int err;

	zd_rule(test, ZD_RULE_fsdax_unmount_waits_for_pin, MEMORY_DEVICE_FS_DAX);
	KUNIT_ASSERT_EQ(test, zd_dax_enter_root(), 0);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page),
			1);
	folio = page_folio(page);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	kunit_release_action(test, zd_dax_fput, file);
	flush_delayed_fput();

	err = init_umount(ZD_DAX_MNT, 0);
	if (err)
		zd_dax_set_missing("the unmount case could not unmount");
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "umount: %d", err);
	zd_wait_until(zd_dax_page_waited(page) || !READ_ONCE(folio->mapping),
		      (u64)ZD_DAX_CUT_MS * NSEC_PER_MSEC, usleep_range(50, 100));
	waited = zd_dax_page_waited(page);
	kept = READ_ONCE(folio->mapping);
	kunit_info(test, "unmount with the page pinned (count %d): %s, the page %s the file\n",
		   page_ref_count(page),
		   waited ? "its eviction waits for the page" : "nothing waits",
		   kept ? "still in" : "gone from");
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	unpin_user_page(page);

	/* The eviction completes: the page leaves the file, idle. */
	KUNIT_EXPECT_TRUE_MSG(test, zd_wait_until(!READ_ONCE(folio->mapping),
						  (u64)ZD_DAX_CUT_MS * NSEC_PER_MSEC,
						  usleep_range(50, 100)),
			      "the page is still in the file %d ms after the unpin",
			      ZD_DAX_CUT_MS);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page), ZD_FSDAX_IDLE,
			    "the page is not idle after the unmount");
	/* Mounting again waits for the old superblock's end. */
	err = zd_dax_mount();
	if (err)
		zd_dax_set_missing("the pmem disk did not mount again after the unmount case");
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "mounting again: %d", err);

	if (!waited && !kept) {
		/* 6.12's eviction warns that it drops a busy entry. */
		zd_expect_report(test, "WARNING in dax_disassociate_entry", true);
		zd_breaks(test,
			  "the unmount evicted the file under a DMA pin of its page (count %d while pinned): its block was free while the DMA could still write it",
			  ZD_FSDAX_IDLE + GUP_PIN_COUNTING_BIAS);
	}
	KUNIT_EXPECT_TRUE_MSG(test, waited, "nothing waited for the pinned page");
	KUNIT_EXPECT_TRUE_MSG(test, kept, "the pinned page left the file before the unpin");
}

static struct kunit_case __refdata zdrace_dax_fs_cases[] = {
	KUNIT_CASE(mount_is_dax_always),
	KUNIT_CASE(file_on_it_is_dax),
	KUNIT_CASE(mapped_file_page_is_fs_dax),
	KUNIT_CASE(hole_maps_zero_page),
	KUNIT_CASE(non_dax_file_is_never_busy),
	KUNIT_CASE(longterm_pin_refused),
	KUNIT_CASE_PARAM(cut_waits_for_pin, zd_dax_cut_gen_params),
	KUNIT_CASE_PARAM(cut_races_pin, zd_dax_race_gen_params),
	/* Last: it unmounts, and mounts again. */
	KUNIT_CASE(unmount_waits_for_pin),
	{}
};

/* Its suite_init mounts with init's helpers, which are __init. */
static struct kunit_suite __refdata zdrace_dax_fs_suite = {
	.name = "zdrace_dax_fs",
	.suite_init = zd_dax_suite_init,
	.init = zd_dax_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_dax_fs_cases,
};

kunit_test_init_section_suites(&zdrace_dax_fs_suite);

MODULE_DESCRIPTION("zdrace: a DAX filesystem on UML's persistent memory");
MODULE_LICENSE("GPL");
