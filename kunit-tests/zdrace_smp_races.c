// SPDX-License-Identifier: GPL-2.0
/*
 * The races of the Sep 2021 (gup-fast's get_dev_pagemap()), Apr 2017
 * (teardown under a page reference; the speculative page-cache get) and
 * Sep 2022 (INIT_PAGEMAP_BUSY) threads on two CPUs at once.  SMP kernels
 * only.  Two threads, each bound to its own CPU: gup-fast in a bounded
 * loop against the zap and memunmap_pages(), a final put against a driver
 * allocator, a page-cache lookup against a truncation that reuses the
 * slot.  Each case forces its overlap once, one side waiting for the
 * other inside its window (bounded), and counts what landed where.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/smp.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* Where the teardown is, as the walker sees it. */
enum zd_smp_phase {
	ZD_SMP_MAPPED,
	ZD_SMP_ZAPPING,		/* the driver zaps the user mapping */
	ZD_SMP_ZAPPED,		/* ... and its flush returned */
	ZD_SMP_KILLED,		/* percpu_ref_kill() */
	ZD_SMP_WAITED,		/* memunmap_pages() passed its wait */
	ZD_SMP_UNMAPPING,	/* the memmap is being removed */
	ZD_SMP_DONE,		/* memunmap_pages() returned */
	ZD_SMP_NR_PHASES
};

static const char * const zd_smp_phase_names[] = {
	"mapped", "zapping", "zapped", "killed", "waited", "unmapping", "done",
};

/* Every wait of one side for the other gives up after this. */
#define ZD_SMP_WAIT_MS		1000
/* How long a held window stays open once the other side reached its step. */
#define ZD_SMP_HOLD_US		20000
/* How long the read-to-grab window stays open once the zap started. */
#define ZD_SMP_MEET_US		5000
/* The walker's bound, whatever the teardown does. */
#define ZD_SMP_MAX_ATTEMPTS	200000
/* A case, both threads included, ends within this. */
#define ZD_SMP_CASE_MS		4000

struct zd_smp_ctx {
	struct kunit *test;
	struct zd_dev *dev;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *page;
	int idle_count;
	unsigned int walker_cpu, teardown_cpu;

	/* What the case asks for. */
	unsigned long pte_delay_us;	/* widen read-to-grab on every attempt */
	bool meet_zap;			/* hold one read-to-grab window over the zap */
	bool hold_page;			/* hold a returned page over the wait */
	bool hold_window;		/* hold one IRQs-off window over the zap */

	atomic_t phase;
	bool walker_started;
	bool teardown_started;

	/* The walker's side. */
	unsigned long attempts[ZD_SMP_NR_PHASES];
	unsigned long grabs[ZD_SMP_NR_PHASES];
	unsigned long returned;
	unsigned long returned_after_zap;	/* grabbed after the zap, yet returned */
	int grab_phase;				/* of the attempt in flight */
	bool holding;				/* a grabbed page not yet put */
	bool met;				/* the forced overlap happened */
	int met_phase;				/* the phase its grab landed in */
	int met_got;				/* what that attempt returned */
	bool held_page;				/* a returned page was held */
	int held_phase_at_drop;

	/* The held IRQs-off window. */
	bool window_held;
	bool zapped_while_held;
	int held_grab_phase, held_got;
	u64 held_ns, released_ns;

	/* The teardown's side. */
	int count_at_kill;
	bool wait_passed_under_ref;
	int count_at_wait;
	bool walker_quiet_at_wait;
	int count_after_wait;
	u64 zap_ns;
};

static int zd_smp_phase(struct zd_smp_ctx *ctx)
{
	return atomic_read(&ctx->phase);
}

static void zd_smp_set_phase(struct zd_smp_ctx *ctx, enum zd_smp_phase phase)
{
	atomic_set(&ctx->phase, phase);
}

/* Up to ZD_SMP_WAIT_MS, spinning: in an IRQs-off window nothing may sleep. */
#define zd_smp_spin_until(cond)						\
	zd_wait_until(cond, ZD_SMP_WAIT_MS * NSEC_PER_MSEC, cpu_relax())

/*
 * The same where sleeping is allowed: the wait must not hold back the RCU
 * grace period that memunmap_pages() waits for, as spinning would.
 */
#define zd_smp_sleep_until(cond)					\
	zd_wait_until(cond, ZD_SMP_WAIT_MS * NSEC_PER_MSEC, usleep_range(20, 50))

/* gup_fast_after_pte_read, on the walker's CPU with IRQs off. */
static bool zd_smp_after_pte_read(enum zdrace_fi_point point, void *data)
{
	struct zd_smp_ctx *ctx = data;

	if (ctx->meet_zap && !ctx->met && READ_ONCE(ctx->teardown_started)) {
		/* Hold this read-to-grab window over the zap's PTE clear. */
		WRITE_ONCE(ctx->met, true);
		zd_smp_spin_until(zd_smp_phase(ctx) >= ZD_SMP_ZAPPING);
		udelay(ZD_SMP_MEET_US);
	}
	if (ctx->hold_window && !ctx->window_held &&
	    READ_ONCE(ctx->teardown_started)) {
		/*
		 * A PTE read before the zap: hold this window a while.  The
		 * zap's flush must not return meanwhile, or memunmap_pages()
		 * could remove the memmap the grab is about to read.
		 */
		ctx->held_ns = ktime_get_ns();
		/* Pairs with the teardown's acquire before its zap. */
		smp_store_release(&ctx->window_held, true);
		ctx->zapped_while_held =
			zd_wait_until(zd_smp_phase(ctx) >= ZD_SMP_ZAPPED,
				      ZD_SMP_HOLD_US * NSEC_PER_USEC,
				      cpu_relax());
		ctx->released_ns = ktime_get_ns();
		/* The teardown may be far ahead: do not grab, fall back. */
		if (ctx->zapped_while_held)
			return true;
	}
	if (ctx->pte_delay_us)
		udelay(ctx->pte_delay_us);
	return false;
}

/* gup_fast_after_grab, on the walker's CPU with IRQs off. */
static bool zd_smp_after_grab(enum zdrace_fi_point point, void *data)
{
	struct zd_smp_ctx *ctx = data;
	int phase = zd_smp_phase(ctx);

	ctx->grab_phase = phase;
	ctx->grabs[phase]++;
	/* Pairs with the teardown's acquire after its wait. */
	smp_store_release(&ctx->holding, true);
	return false;
}

static int zd_smp_walker(void *data)
{
	struct zd_smp_ctx *ctx = data;
	u64 end = ktime_get_ns() + ZD_SMP_CASE_MS * NSEC_PER_MSEC;
	unsigned long n = 0;
	struct page *page;
	int got, phase;

	kthread_use_mm(ctx->mm);
	guard(zd_injected)();
	WRITE_ONCE(ctx->walker_started, true);
	while ((phase = zd_smp_phase(ctx)) < ZD_SMP_DONE &&
	       n++ < ZD_SMP_MAX_ATTEMPTS && ktime_get_ns() < end) {
		bool meeting = ctx->meet_zap && !ctx->met;
		bool holding_window = ctx->hold_window && !ctx->window_held;

		ctx->attempts[phase]++;
		ctx->grab_phase = -1;
		got = get_user_pages_fast_only(ctx->addr, 1, FOLL_WRITE, &page);
		if (meeting && ctx->met) {
			ctx->met_phase = ctx->grab_phase;
			ctx->met_got = got;
		}
		if (holding_window && ctx->window_held) {
			ctx->held_grab_phase = ctx->grab_phase;
			ctx->held_got = got;
		}
		if (got == 1) {
			ctx->returned++;
			if (ctx->grab_phase >= ZD_SMP_ZAPPED)
				ctx->returned_after_zap++;
			if (ctx->hold_page && !ctx->held_page &&
			    READ_ONCE(ctx->teardown_started)) {
				/* Hold it until the teardown passed its wait. */
				WRITE_ONCE(ctx->held_page, true);
				zd_smp_sleep_until(zd_smp_phase(ctx) >= ZD_SMP_WAITED);
				ctx->held_phase_at_drop = zd_smp_phase(ctx);
			}
			put_page(page);
		}
		/* The put is done: pairs with the teardown's acquire. */
		smp_store_release(&ctx->holding, false);
		/* A quiescent state now and then: the teardown waits for one. */
		if (!(n % 64))
			usleep_range(10, 20);
		else
			cond_resched();
	}
	kthread_unuse_mm(ctx->mm);
	return 0;
}

/* memunmap_pages()'s points, in the teardown thread. */
static bool zd_smp_teardown_point(enum zdrace_fi_point point, void *data)
{
	struct zd_smp_ctx *ctx = data;

	switch (point) {
	case ZDRACE_FI_memunmap_after_kill:
		ctx->count_at_kill = page_ref_count(ctx->page);
		zd_smp_set_phase(ctx, ZD_SMP_KILLED);
		break;
	case ZDRACE_FI_memunmap_after_wait:
		/*
		 * The walker may still hold a page it got: the case learns
		 * whether the wait covered it, and the memmap stays until it
		 * is put.
		 */
		ctx->count_at_wait = page_ref_count(ctx->page);
		/* Pairs with the walker's release after its grab. */
		ctx->wait_passed_under_ref = smp_load_acquire(&ctx->holding);
		zd_smp_set_phase(ctx, ZD_SMP_WAITED);
		ctx->walker_quiet_at_wait =
			/* Pairs with the walker's release after its put. */
			zd_smp_sleep_until(!smp_load_acquire(&ctx->holding));
		ctx->count_after_wait = page_ref_count(ctx->page);
		break;
	case ZDRACE_FI_memunmap_before_unmap:
		zd_smp_set_phase(ctx, ZD_SMP_UNMAPPING);
		break;
	default:
		break;
	}
	return false;
}

static int zd_smp_teardown(void *data)
{
	struct zd_smp_ctx *ctx = data;

	guard(zd_injected)();
	/* Both run from here on. */
	zd_smp_sleep_until(READ_ONCE(ctx->walker_started) &&
			   READ_ONCE(ctx->attempts[ZD_SMP_MAPPED]) > 16);
	WRITE_ONCE(ctx->teardown_started, true);
	if (ctx->meet_zap)
		zd_smp_sleep_until(READ_ONCE(ctx->met));
	if (ctx->hold_page)
		zd_smp_sleep_until(READ_ONCE(ctx->held_page));
	if (ctx->hold_window)
		/* Pairs with the walker's release as it holds. */
		zd_smp_sleep_until(smp_load_acquire(&ctx->window_held));
	zd_smp_set_phase(ctx, ZD_SMP_ZAPPING);
	zd_dev_zap(ctx->dev);
	ctx->zap_ns = ktime_get_ns();
	zd_smp_set_phase(ctx, ZD_SMP_ZAPPED);
	zd_dev_unmap(ctx->dev);
	zd_smp_set_phase(ctx, ZD_SMP_DONE);
	return 0;
}

/*
 * Run @a on @cpu_a and @b on @cpu_b at once, both on @data, and wait for
 * both; the case fails if either has not ended within ZD_SMP_CASE_MS.
 */
static void zd_smp_race(struct kunit *test, void *data,
			unsigned int cpu_a, int (*a)(void *), const char *name_a,
			unsigned int cpu_b, int (*b)(void *), const char *name_b)
{
	struct zd_cpu_thread *ta = zd_cpu_thread_start(test, cpu_a, a, data,
						       name_a);
	struct zd_cpu_thread *tb = zd_cpu_thread_start(test, cpu_b, b, data,
						       name_b);

	KUNIT_ASSERT_TRUE_MSG(test, zd_cpu_thread_wait(tb, ZD_SMP_CASE_MS),
			      "the %s on CPU%u did not end in %d ms", name_b,
			      cpu_b, ZD_SMP_CASE_MS);
	KUNIT_ASSERT_TRUE_MSG(test, zd_cpu_thread_wait(ta, ZD_SMP_CASE_MS),
			      "the %s on CPU%u did not end in %d ms", name_a,
			      cpu_a, ZD_SMP_CASE_MS);
}

/* Grabs that landed once the zap had begun: the re-check gives them back. */
static unsigned long zd_smp_grabs_after_zap(const struct zd_smp_ctx *ctx)
{
	return ctx->grabs[ZD_SMP_ZAPPING] + ctx->grabs[ZD_SMP_ZAPPED] +
	       ctx->grabs[ZD_SMP_KILLED] + ctx->grabs[ZD_SMP_WAITED];
}

/* A GENERIC page mapped into the test's mm, and both sides' points armed. */
static struct zd_smp_ctx *zd_smp_setup(struct kunit *test)
{
	struct zd_smp_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->teardown_cpu = raw_smp_processor_id();
	ctx->walker_cpu = zd_other_cpu(test, ctx->teardown_cpu);
	ctx->dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	ctx->page = zd_dev_page(ctx->dev, 0);
	ctx->idle_count = page_ref_count(ctx->page);
	ctx->addr = zd_dev_map_user(ctx->dev, 1);
	KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)ctx->addr), 0);
	ctx->mm = current->mm;
	KUNIT_ASSERT_NOT_NULL(test, ctx->mm);

	zd_arm_call(test, ZDRACE_FI_gup_fast_after_pte_read,
		    zd_smp_after_pte_read, ctx, ZD_EVERY_PASS);
	zd_arm_call(test, ZDRACE_FI_gup_fast_after_grab, zd_smp_after_grab,
		    ctx, ZD_EVERY_PASS);
	zd_arm_call(test, ZDRACE_FI_memunmap_after_kill, zd_smp_teardown_point,
		    ctx, ZD_EVERY_PASS);
	zd_arm_call(test, ZDRACE_FI_memunmap_after_wait, zd_smp_teardown_point,
		    ctx, ZD_EVERY_PASS);
	zd_arm_call(test, ZDRACE_FI_memunmap_before_unmap,
		    zd_smp_teardown_point, ctx, ZD_EVERY_PASS);
	return ctx;
}

/* Run the walker and the teardown at once, each on its CPU, to the end. */
static void zd_smp_run(struct kunit *test, struct zd_smp_ctx *ctx)
{
	u64 start = ktime_get_ns();
	int i;

	zd_smp_race(test, ctx, ctx->walker_cpu, zd_smp_walker, "walker",
		    ctx->teardown_cpu, zd_smp_teardown, "teardown");
	zdrace_fi_disarm_all();

	for (i = 0; i < ZD_SMP_NR_PHASES; i++)
		kunit_info(test, "%-9s attempts %6lu grabs %4lu\n",
			   zd_smp_phase_names[i], ctx->attempts[i],
			   ctx->grabs[i]);
	kunit_info(test,
		   "walker CPU%u, teardown CPU%u: %lu pages returned, %lu grabs given back, %llu us\n",
		   ctx->walker_cpu, ctx->teardown_cpu, ctx->returned,
		   zd_smp_grabs_after_zap(ctx), (ktime_get_ns() - start) / 1000);
	kunit_info(test,
		   "page count idle %d, at the kill %d, at the wait %d, after it %d\n",
		   ctx->idle_count, ctx->count_at_kill, ctx->count_at_wait,
		   ctx->count_after_wait);
	KUNIT_EXPECT_GT_MSG(test, ctx->attempts[ZD_SMP_MAPPED], 0UL,
			    "the walker never ran while the page was mapped");
}

/*
 * The races need every vCPU the kernel is built for: a boot without
 * ncpus= would run them on one CPU and only skip.
 */
static void all_vcpus_online(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, num_online_cpus(), CONFIG_NR_CPUS,
			    "%u of %d vCPUs online: boot with ncpus=%d",
			    num_online_cpus(), CONFIG_NR_CPUS, CONFIG_NR_CPUS);
	kunit_info(test, "%u vCPUs online\n", num_online_cpus());
}

/* Delays widening gup-fast's read-to-grab window on every attempt. */
static const unsigned long zd_smp_delays[] = { 0, 5, 50 };

static void zd_smp_delay_desc(const unsigned long *delay, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "read-to-grab delay %lu us", *delay);
}

KUNIT_ARRAY_PARAM(zd_smp_delay, zd_smp_delays, zd_smp_delay_desc);

/*
 * The walker's gup-fast and the driver's zap and memunmap_pages() at once.
 * One read-to-grab window is held until the zap has happened, so at least
 * one grab lands after it; the re-check must give every such grab back.
 */
static void gup_fast_rechecks_against_teardown(struct kunit *test)
{
	const unsigned long *delay = test->param_value;
	struct zd_smp_ctx *ctx = zd_smp_setup(test);

	zd_rule(test, ZD_RULE_gup_fast_rechecks_window, MEMORY_DEVICE_GENERIC);
	ctx->pte_delay_us = *delay;
	ctx->meet_zap = true;
	zd_smp_run(test, ctx);

	/* The claimed overlap: a PTE read before the zap, its grab after. */
	KUNIT_ASSERT_TRUE_MSG(test, ctx->met,
			      "the walker never read the PTE while the teardown ran");
	KUNIT_ASSERT_GE_MSG(test, ctx->met_phase, (int)ZD_SMP_ZAPPING,
			    "the held window's grab landed %s, not after the zap began",
			    ctx->met_phase < 0 ? "nowhere" :
			    zd_smp_phase_names[ctx->met_phase]);
	KUNIT_EXPECT_GE(test, zd_smp_grabs_after_zap(ctx), 1UL);

	/* The rule: each of those grabs was given back, nothing returned. */
	KUNIT_EXPECT_EQ_MSG(test, ctx->met_got, 0,
			    "gup-fast returned the page it grabbed after the zap");
	KUNIT_EXPECT_EQ_MSG(test, ctx->returned_after_zap, 0UL,
			    "%lu pages grabbed after the zap were returned",
			    ctx->returned_after_zap);
	KUNIT_EXPECT_TRUE_MSG(test, ctx->walker_quiet_at_wait,
			      "the walker still held the page %d ms after the wait",
			      ZD_SMP_WAIT_MS);
	KUNIT_EXPECT_EQ_MSG(test, ctx->count_after_wait, ctx->idle_count,
			    "after the teardown's wait the page has count %d, idle is %d: a grab was not given back",
			    ctx->count_after_wait, ctx->idle_count);
}

/*
 * A page gup-fast returned, held on one CPU while the other runs
 * memunmap_pages(): the teardown must not pass its wait under it.  The
 * teardown's after-wait step waits for the walker's put, so a late put
 * never lands on a removed memmap.
 */
static void teardown_waits_for_held_gup_page(struct kunit *test)
{
	struct zd_smp_ctx *ctx = zd_smp_setup(test);

	zd_rule(test, ZD_RULE_teardown_waits_for_reference, MEMORY_DEVICE_GENERIC);
	ctx->hold_page = true;
	zd_smp_run(test, ctx);

	KUNIT_ASSERT_TRUE_MSG(test, ctx->held_page,
			      "gup-fast returned no page before the zap");
	KUNIT_EXPECT_TRUE(test, ctx->walker_quiet_at_wait);
	KUNIT_EXPECT_EQ(test, ctx->count_after_wait, ctx->idle_count);
	if (ctx->wait_passed_under_ref)
		zd_breaks(test,
			  "memunmap_pages() on CPU%u passed its wait while CPU%u held a page get_user_pages_fast_only() returned (GENERIC, count %d, idle %d): the pgmap was released under it; the put was held back until after the wait",
			  ctx->teardown_cpu, ctx->walker_cpu, ctx->count_at_wait,
			  ctx->idle_count);
	KUNIT_EXPECT_LT_MSG(test, ctx->held_phase_at_drop, (int)ZD_SMP_WAITED,
			    "the walker dropped its page only once the teardown had passed its wait");
}

/*
 * gup-fast's IRQs-off window held open on one CPU, between its PTE read and
 * its grab, while the other CPU's driver zaps the PTE.  The zap's flush
 * must wait for the window, as x86's shootdown IPI does: once the zap
 * returns, memunmap_pages() may remove the memmap the grab reads.  The
 * walker's grab then finds the PTE changed and gives the page back.
 */
static void zap_waits_for_irqs_off_walker(struct kunit *test)
{
	struct zd_smp_ctx *ctx = zd_smp_setup(test);

	ctx->hold_window = true;
	zd_smp_run(test, ctx);

	KUNIT_ASSERT_TRUE_MSG(test, ctx->window_held,
			      "the walker never read the PTE while the teardown ran");
	KUNIT_EXPECT_FALSE_MSG(test, ctx->zapped_while_held,
			       "the zap on CPU%u returned while CPU%u sat in gup-fast's IRQs-off window",
			       ctx->teardown_cpu, ctx->walker_cpu);
	KUNIT_EXPECT_GT_MSG(test, ctx->zap_ns, ctx->released_ns,
			    "the zap returned before the walker let go");
	KUNIT_EXPECT_EQ_MSG(test, ctx->held_got, 0,
			    "gup-fast returned the page whose PTE the zap cleared");
	KUNIT_EXPECT_EQ(test, ctx->count_after_wait, ctx->idle_count);
	kunit_info(test, "window held %llu us, its grab landed %s; the zap returned %llu us after the release\n",
		   (ctx->released_ns - ctx->held_ns) / 1000,
		   ctx->held_grab_phase < 0 ? "nowhere" :
		   zd_smp_phase_names[ctx->held_grab_phase],
		   ctx->zap_ns > ctx->released_ns ?
		   (ctx->zap_ns - ctx->released_ns) / 1000 : 0);
}

/* A freer and a driver allocator, each on its CPU. */
struct zd_smp_free_ctx {
	struct zd_dev *dev;
	struct page *page;
	bool window_open;	/* the freer sits in its free window */
	bool allocated;		/* the allocator is done */
	bool held_over_alloc;	/* ... while the freer sat there */
	struct page *got;
	int count_in_window;
	int count_after_alloc;
};

/* free_after_page_free, in the freer: hold the window for the allocator. */
static bool zd_smp_free_window(enum zdrace_fi_point point, void *data)
{
	struct zd_smp_free_ctx *ctx = data;

	ctx->count_in_window = page_ref_count(ctx->page);
	/* Pairs with the allocator's acquire. */
	smp_store_release(&ctx->window_open, true);
	/* Pairs with the allocator's release once it is done. */
	ctx->held_over_alloc = zd_smp_spin_until(smp_load_acquire(&ctx->allocated));
	return false;
}

static int zd_smp_freer(void *data)
{
	struct zd_smp_free_ctx *ctx = data;

	scoped_guard(zd_injected)
		put_page(ctx->page);
	return 0;
}

static int zd_smp_allocator(void *data)
{
	struct zd_smp_free_ctx *ctx = data;

	/* Pairs with the freer's release in its window. */
	if (!zd_smp_sleep_until(smp_load_acquire(&ctx->window_open)))
		return 0;
	ctx->got = zd_dev_alloc_page(ctx->dev);
	if (ctx->got)
		ctx->count_after_alloc = page_ref_count(ctx->got);
	/* Pairs with the freer's acquire in its window. */
	smp_store_release(&ctx->allocated, true);
	return 0;
}

/*
 * The final put of a PRIVATE or COHERENT page on one CPU, held between
 * ops->page_free() and the rest of free_zone_device_folio(), while a
 * lib/test_hmm.c-style allocator on the other CPU takes the page off the
 * free list (Sep 2022, INIT_PAGEMAP_BUSY).  The new owner keeps its count
 * and the pgmap references balance when the free completes after it.
 */
static void allocator_in_free_window(struct kunit *test)
{
	const struct zd_type_param *p = test->param_value;
	struct zd_smp_free_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int cpu = raw_smp_processor_id(), other = zd_other_cpu(test, cpu);
	long idle_refs;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	zd_rule(test, ZD_RULE_new_owner_keeps_count, p->type);
	ctx->dev = zd_dev_create(test, p->type);
	idle_refs = zd_dev_pgmap_refs(ctx->dev);
	ctx->page = zd_dev_alloc_page(ctx->dev);
	KUNIT_ASSERT_NOT_NULL(test, ctx->page);
	zd_arm_call(test, ZDRACE_FI_free_after_page_free, zd_smp_free_window,
		    ctx, 1);

	zd_smp_race(test, ctx, other, zd_smp_allocator, "allocator",
		    cpu, zd_smp_freer, "freer");
	zdrace_fi_disarm(ZDRACE_FI_free_after_page_free);

	/* The claimed overlap: the allocation ran inside the free window. */
	KUNIT_ASSERT_TRUE_MSG(test, ctx->window_open,
			      "the final put never reached free_after_page_free");
	KUNIT_ASSERT_TRUE_MSG(test, ctx->held_over_alloc,
			      "the allocator did not run while the freer sat in its window");
	KUNIT_ASSERT_PTR_EQ_MSG(test, ctx->got, ctx->page,
				"the allocator did not get the page being freed");
	kunit_info(test, "count %d in the window, %d after the allocation, %d once the free completed\n",
		   ctx->count_in_window, ctx->count_after_alloc,
		   page_ref_count(ctx->got));

	KUNIT_EXPECT_EQ_MSG(test, ctx->count_in_window, 0,
			    "a page on the free list had count %d",
			    ctx->count_in_window);
	if (page_ref_count(ctx->got) != 1)
		zd_breaks(test,
			  "%s page %#lx allocated on CPU%u inside the free window of CPU%u: its owner holds 1 reference, the free left page_ref_count=%d",
			  p->name, page_to_pfn(ctx->got), other, cpu,
			  page_ref_count(ctx->got));
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ctx->dev), idle_refs + 1,
			    "pgmap references with one page allocated: %ld, idle %ld",
			    zd_dev_pgmap_refs(ctx->dev), idle_refs);
	put_page(ctx->got);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(ctx->dev), idle_refs);
}

/* A page-cache lookup and a truncation, each on its CPU. */
struct zd_smp_cache_ctx {
	struct address_space *mapping;
	struct folio *old, *new;
	bool held;		/* the lookup sits between its get and reload */
	bool replaced;		/* the truncation and the new folio are done */
	bool replaced_while_held;
	int passes;		/* filemap_after_tryget passes of the lookup */
	struct folio *got;
};

/* filemap_after_tryget, under RCU in the lookup: hold it once. */
static bool zd_smp_cache_window(enum zdrace_fi_point point, void *data)
{
	struct zd_smp_cache_ctx *ctx = data;

	ctx->passes++;
	if (ctx->held)
		return false;
	/* Pairs with the truncation's acquire. */
	smp_store_release(&ctx->held, true);
	ctx->replaced_while_held =
		/* Pairs with the truncation's release once the slot is reused. */
		zd_smp_spin_until(smp_load_acquire(&ctx->replaced));
	return false;
}

static int zd_smp_lookup(void *data)
{
	struct zd_smp_cache_ctx *ctx = data;

	scoped_guard(zd_injected)
		ctx->got = filemap_get_folio(ctx->mapping, 0);
	return 0;
}

static int zd_smp_truncate(void *data)
{
	struct zd_smp_cache_ctx *ctx = data;
	struct folio *folio;

	/* Pairs with the lookup's release in its window. */
	if (!zd_smp_sleep_until(smp_load_acquire(&ctx->held)))
		return 0;
	shmem_truncate_range(ctx->mapping->host, 0, (loff_t)-1);
	folio = shmem_read_folio(ctx->mapping, 0);
	if (!IS_ERR(folio)) {
		ctx->new = folio;
		folio_put(folio);
	}
	/* Pairs with the lookup's acquire in its window. */
	smp_store_release(&ctx->replaced, true);
	return 0;
}

KUNIT_DEFINE_ACTION_WRAPPER(zd_smp_folio_put, folio_put, struct folio *);

/*
 * filemap_get_folio() on one CPU, held between its folio_try_get() and its
 * xas_reload(), while the other CPU truncates the file and reads index 0
 * back in, a new folio in the old one's slot.  The lookup must see the
 * slot changed, give the old folio back and return the new one.
 */
static void lookup_against_truncate_and_reuse(struct kunit *test)
{
	struct zd_smp_cache_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned int cpu = raw_smp_processor_id(), other = zd_other_cpu(test, cpu);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);
	ctx->old = zd_shmem_folio(test, "zdrace-smp");
	ctx->mapping = ctx->old->mapping;
	zd_arm_call(test, ZDRACE_FI_filemap_after_tryget, zd_smp_cache_window,
		    ctx, ZD_EVERY_PASS);

	zd_smp_race(test, ctx, cpu, zd_smp_truncate, "truncate",
		    other, zd_smp_lookup, "lookup");
	zdrace_fi_disarm(ZDRACE_FI_filemap_after_tryget);
	if (!IS_ERR_OR_NULL(ctx->got))
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, zd_smp_folio_put,
							  ctx->got));

	/* The claimed overlap: the slot was reused inside the window. */
	KUNIT_ASSERT_TRUE_MSG(test, ctx->held,
			      "the lookup never reached filemap_after_tryget");
	KUNIT_ASSERT_TRUE_MSG(test, ctx->replaced_while_held,
			      "the truncation did not run while the lookup sat in its window");
	KUNIT_ASSERT_NOT_NULL(test, ctx->new);
	kunit_info(test, "the lookup passed its window %d times\n", ctx->passes);

	KUNIT_EXPECT_FALSE_MSG(test, IS_ERR_OR_NULL(ctx->got),
			       "the lookup found nothing at index 0");
	KUNIT_EXPECT_PTR_NE_MSG(test, ctx->got, ctx->old,
				"the lookup returned the truncated folio");
	KUNIT_EXPECT_PTR_EQ_MSG(test, ctx->got, ctx->new,
				"the lookup returned a folio not in the slot");
	KUNIT_EXPECT_GE_MSG(test, ctx->passes, 2,
			    "the lookup did not retry after the slot changed");
}

static struct kunit_case zdrace_smp_races_cases[] = {
	KUNIT_CASE(all_vcpus_online),
	KUNIT_CASE_PARAM(gup_fast_rechecks_against_teardown,
			 zd_smp_delay_gen_params),
	KUNIT_CASE(teardown_waits_for_held_gup_page),
	KUNIT_CASE(zap_waits_for_irqs_off_walker),
	KUNIT_CASE_PARAM(allocator_in_free_window, zd_free_at_zero_gen_params),
	KUNIT_CASE(lookup_against_truncate_and_reuse),
	{}
};

static struct kunit_suite zdrace_smp_races_suite = {
	.name = "zdrace_smp_races",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_smp_races_cases,
};

kunit_test_suite(zdrace_smp_races_suite);

MODULE_DESCRIPTION("zdrace: gup-fast against memunmap_pages() on two CPUs");
MODULE_LICENSE("GPL");
