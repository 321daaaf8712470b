// SPDX-License-Identifier: GPL-2.0
/*
 * memunmap_pages() against gup-fast (linux-mm, Sep 2021, gup-fast's
 * get_dev_pagemap(): "if we succeed at try_grab_compound_head() then
 * page->pgmap is a stable pointer ... So lets just delete it!").  Rule: a
 * page gup-fast returns is referenced with a live pgmap, or gup-fast falls
 * back.  gup-fast runs with IRQs off, so on one CPU it runs whole at each
 * teardown step (enumerated); the teardown's non-sleeping steps also run
 * inline from a `call` at each gup-fast point, and the pgmap is resurrected
 * after.  grab_alone_keeps_pgmap tests the thread's claim with gup-fast's
 * pgmap reference dropped (7.3 takes none: its get_dev_pagemap() windows
 * are not applicable), and on a COHERENT anon page, taken with no lookup.
 * A fork in pin_user_pages_fast()'s window makes it give back its pins.
 */

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <zdrace/fi.h>
#include <zdrace/sched.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

enum { ZD_TEARDOWN, ZD_GUP };

static const enum zdrace_fi_point zd_gup_fast_points[] = {
	ZDRACE_FI_gup_fast_after_pte_read,
	ZDRACE_FI_gup_fast_after_get_pgmap,
	ZDRACE_FI_gup_fast_after_grab,
};

/* The gup-fast points this line passes: some have no pgmap step. */
static bool zd_gup_fast_has_point(enum zdrace_fi_point point)
{
	return point != ZDRACE_FI_gup_fast_after_get_pgmap ||
	       ZD_GUP_FAST_GETS_PGMAP;
}

/* Call @fn(@data) at every gup-fast point this line has, in zd_injected. */
static void zd_gup_fast_arm_points(struct kunit *test, zdrace_fi_call_t fn,
				   void *data)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(zd_gup_fast_points); i++)
		if (zd_gup_fast_has_point(zd_gup_fast_points[i]))
			zd_arm_call(test, zd_gup_fast_points[i], fn, data,
				    ZD_EVERY_PASS);
}

/* gup-fast's count on a GENERIC page it returned: idle, the mapping's, its own. */
#define ZD_GUP_FAST_GENERIC_GOT_COUNT	(2 + ZD_USER_MAPPING_HOLDS_REF)

struct zd_gup_fast_ctx {
	struct kunit *test;
	struct zd_dev *dev;
	struct zdrace_sched *s;
	struct mm_struct *mm;
	unsigned long addr;
	struct page *page;
	long base_refs;		/* pgmap refs before gup-fast */

	/* Inline teardown, run from the call action at point @at. */
	int at;
	bool put_initial;	/* kill and the per-page puts, or kill only */
	bool skip_pgmap;	/* drop gup-fast's pgmap ref as it is taken */
	bool skipped;		/* ... and it was */
	bool killed;
	long refs_at[ZDRACE_FI_NR];	/* pgmap refs seen at each point */

	/* What gup-fast gave. */
	int got;
	struct page *got_page;
	int refcount;
	bool pgmap_ptr_ok;
};

static void zd_gup_fast_kill(struct zd_gup_fast_ctx *ctx)
{
	percpu_ref_kill(&ctx->dev->pgmap.ref);
	if (ctx->put_initial)
		percpu_ref_put_many(&ctx->dev->pgmap.ref, ctx->dev->nr_pages);
	ctx->killed = true;
}

/* The call action at every gup-fast point: IRQs are off, nothing sleeps. */
static bool zd_gup_fast_at_point(enum zdrace_fi_point point, void *data)
{
	struct zd_gup_fast_ctx *ctx = data;

	zdrace_sched_note(ctx->s, point);
	if (!ctx->killed)
		ctx->refs_at[point] = zd_dev_pgmap_refs(ctx->dev);
	if (ctx->skip_pgmap && point == ZDRACE_FI_gup_fast_after_get_pgmap) {
		percpu_ref_put(&ctx->dev->pgmap.ref);
		ctx->skipped = true;
	}
	if (point == ctx->at && !ctx->killed)
		zd_gup_fast_kill(ctx);
	return false;
}

/* A device with page 0 mapped into the test's mm and faulted in. */
static struct zd_gup_fast_ctx *zd_gup_fast_setup(struct kunit *test, enum memory_type type)
{
	struct zd_gup_fast_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->at = -1;
	ctx->dev = zd_dev_create(test, type);
	if (type == MEMORY_DEVICE_GENERIC) {
		ctx->addr = zd_dev_map_user(ctx->dev, 1);
		KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)ctx->addr), 0);
		ctx->page = zd_dev_page(ctx->dev, 0);
	} else {
		ctx->addr = zd_dev_map_anon(ctx->dev, 1, &ctx->page);
	}
	ctx->mm = current->mm;
	ctx->s = zdrace_sched_new(test);
	zd_gup_fast_arm_points(ctx->test, zd_gup_fast_at_point, ctx);
	ctx->base_refs = zd_dev_pgmap_refs(ctx->dev);
	return ctx;
}

/*
 * gup-fast alone, without the slow fallback: the slow path would retry a
 * fault forever on a devmap PTE whose pgmap is dead.  6.12 exports no
 * FOLL_PIN flavour of it; FOLL_GET takes the same path.
 */
static void zd_gup_fast_call(struct zd_gup_fast_ctx *ctx)
{
	struct page *page = NULL;

	scoped_guard(zd_injected)
		ctx->got = get_user_pages_fast_only(ctx->addr, 1, FOLL_WRITE,
						    &page);
	ctx->got_page = ctx->got == 1 ? page : NULL;
	if (ctx->got_page) {
		ctx->refcount = page_ref_count(page);
		ctx->pgmap_ptr_ok = zd_page_pgmap(page) == &ctx->dev->pgmap;
	}
}

/* gup-fast passed @point: a note of the gup actor or of the test. */
static bool zd_gup_fast_passed(struct zd_gup_fast_ctx *ctx, enum zdrace_fi_point point)
{
	return zdrace_sched_find(ctx->s, ZDRACE_SCHED_ANY_ACTOR, ZDRACE_SCHED_EV_NOTE, point) >= 0;
}

/* ---- gup-fast as a whole at every step of memunmap_pages() ---- */

static void zd_gup_fast_teardown(void *data)
{
	struct zd_gup_fast_ctx *ctx = data;

	zd_dev_unmap(ctx->dev);
}

/* The gup actor: gup-fast, then drop what it got before teardown moves. */
static void zd_gup_fast_actor(void *data)
{
	struct zd_gup_fast_ctx *ctx = data;

	kthread_use_mm(ctx->mm);
	zd_gup_fast_call(ctx);
	kthread_unuse_mm(ctx->mm);
	if (ctx->got_page)
		put_page(ctx->got_page);
}

/* A GENERIC device: teardown parks at every gate, then returns. */
struct zd_gup_fast_position {
	const char *name;
};

static const struct zd_gup_fast_position zd_gup_fast_position_cases[] = {
	{ "generic" },
};

/* Teardown: a step to each gate and one to return; gup-fast: one. */
static void zd_gup_fast_position_steps(const struct zd_gup_fast_position *c, u8 *steps)
{
	steps[ZD_TEARDOWN] = ZD_TEARDOWN_NR_GATES + 1;
	steps[ZD_GUP] = 1;
}

ZD_ORDER_PARAMS(zd_gup_fast_position, name, zd_gup_fast_position_steps, 2);

/*
 * Every position of a gup-fast walk among the teardown steps: before the
 * kill it returns the page with a live pgmap; from the kill on it falls
 * back (get_dev_pagemap()'s tryget_live fails, or the lookup finds no
 * pgmap once the range is gone; where the mapping holds page references,
 * zd_dev_unmap() zapped the PTE before memunmap_pages()), and never
 * reaches the grab.
 */
static void gup_fast_between_teardown_steps(struct kunit *test)
{
	struct zd_gup_fast_ctx *ctx = zd_gup_fast_setup(test, MEMORY_DEVICE_GENERIC);
	struct zd_order_ran ran;

	zd_rule(test, ZD_RULE_gup_fast_page_has_live_pgmap, MEMORY_DEVICE_GENERIC);

	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(ctx->s, "teardown",
						     zd_gup_fast_teardown, ctx),
			ZD_TEARDOWN);
	KUNIT_ASSERT_EQ(test, zdrace_sched_add_actor(ctx->s, "gup",
						     zd_gup_fast_actor, ctx), ZD_GUP);
	zd_gate_teardown(test, ctx->s, 0);
	ran = zd_order_run(test, ctx->s, test->param_value, ZD_GUP, ZD_TEARDOWN);
	KUNIT_ASSERT_EQ_MSG(test, ran.ret, 0,
			    "teardown or gup-fast never completed");
	KUNIT_EXPECT_TRUE(test, zd_gup_fast_passed(ctx, ZDRACE_FI_gup_fast_after_pte_read));
	KUNIT_EXPECT_LT(test, zdrace_sched_blocked(ctx->s, ZD_TEARDOWN), 0);

	if (ran.first == ZD_GUP) {
		KUNIT_EXPECT_EQ(test, ctx->got, 1);
		KUNIT_EXPECT_PTR_EQ(test, ctx->got_page, ctx->page);
		KUNIT_EXPECT_EQ_MSG(test, ctx->refcount, ZD_GUP_FAST_GENERIC_GOT_COUNT,
				    "gup-fast returned the page without a reference");
		KUNIT_EXPECT_TRUE(test, ctx->pgmap_ptr_ok);
		/* ... and held a pgmap reference across its grab, if it takes one. */
		KUNIT_EXPECT_EQ(test, ctx->refs_at[ZDRACE_FI_gup_fast_after_grab],
				ctx->base_refs + ZD_GUP_FAST_GETS_PGMAP);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, ctx->got, 0,
				    "gup-fast returned a page of a dying pgmap");
		KUNIT_EXPECT_FALSE(test, zd_gup_fast_passed(ctx, ZDRACE_FI_gup_fast_after_grab));
	}
	KUNIT_EXPECT_FALSE(test, ctx->dev->unmap_timed_out);
	KUNIT_EXPECT_EQ_MSG(test, zd_dev_pgmap_refs(ctx->dev), -1L,
			    "teardown did not exit the pgmap reference");
}

/* ---- teardown steps inside gup-fast's window ---- */

struct zd_gup_fast_window {
	const char *name;
	enum memory_type type;
	enum zdrace_fi_point at;
	bool put_initial;
	bool skip_pgmap;
};

static const struct zd_gup_fast_window zd_gup_fast_windows[] = {
	{ "kill after pte read", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_pte_read, false },
	{ "kill+put after pte read", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_pte_read, true },
	{ "kill after get_dev_pagemap", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_get_pgmap, false },
	{ "kill+put after get_dev_pagemap", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_get_pgmap, true },
	{ "kill after grab", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_grab, false },
	{ "kill+put after grab", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_grab, true },
};

static const struct zd_gup_fast_window zd_gup_fast_claims[] = {
	{ "generic, get_dev_pagemap skipped", MEMORY_DEVICE_GENERIC,
	  ZDRACE_FI_gup_fast_after_grab, true, true },
	{ "coherent, normal PTE", MEMORY_DEVICE_COHERENT,
	  ZDRACE_FI_gup_fast_after_grab, false, false },
};

KUNIT_ARRAY_PARAM_DESC(zd_gup_fast_windows, zd_gup_fast_windows, name);
KUNIT_ARRAY_PARAM_DESC(zd_gup_fast_claims, zd_gup_fast_claims, name);

/*
 * Put the pgmap back as it was before the inline steps: the real teardown
 * runs when the test ends.  Waits for the kill's switch to atomic mode
 * first; returns whether that switch released the pgmap (its count hit 0
 * and completed pgmap->done, which memunmap_pages() waits for).
 */
static bool zd_gup_fast_resurrect(struct zd_gup_fast_ctx *ctx)
{
	struct dev_pagemap *pgmap = &ctx->dev->pgmap;
	bool released;

	rcu_barrier();
	released = completion_done(&pgmap->done);
	percpu_ref_resurrect(&pgmap->ref);
	if (ctx->put_initial)
		percpu_ref_get_many(&pgmap->ref, ctx->dev->nr_pages);
	reinit_completion(&pgmap->done);
	ctx->killed = false;
	return released;
}

/*
 * gup-fast with the inline teardown steps of @w.  The pgmap is left
 * killed and the returned page held: the caller calls zd_gup_fast_resurrect()
 * before anything that may abort the test.
 */
static struct zd_gup_fast_ctx *zd_gup_fast_run_window(struct kunit *test,
						      const struct zd_gup_fast_window *w)
{
	struct zd_gup_fast_ctx *ctx = zd_gup_fast_setup(test, w->type);
	struct dev_pagemap *comp = NULL;

	/*
	 * Keep the percpu counters across the kill's switch to atomic mode,
	 * so percpu_ref_resurrect() can switch back; memunmap_pages() frees
	 * them with percpu_ref_exit() all the same.
	 */
	ctx->dev->pgmap.ref.data->allow_reinit = true;
	ctx->at = w->at;
	ctx->put_initial = w->put_initial;
	/* A gup-fast without a pgmap step takes none to skip. */
	ctx->skip_pgmap = w->skip_pgmap && ZD_GUP_FAST_GETS_PGMAP;
	/* gup-fast's put at its end gives back this one instead. */
	if (ctx->skip_pgmap) {
		comp = zd_get_dev_pagemap(page_to_pfn(ctx->page));
		KUNIT_ASSERT_NOT_NULL(test, comp);
		ctx->base_refs++;
	}
	zd_gup_fast_call(ctx);
	if (comp && !ctx->skipped)
		put_dev_pagemap(comp);
	return ctx;
}

/* The inline steps ran where @w put them; the pgmap is live again. */
static bool zd_gup_fast_window_done(struct zd_gup_fast_ctx *ctx,
				    const struct zd_gup_fast_window *w)
{
	struct kunit *test = ctx->test;
	bool killed = ctx->killed, released = false;

	if (killed)
		released = zd_gup_fast_resurrect(ctx);
	KUNIT_ASSERT_TRUE_MSG(test, zd_gup_fast_passed(ctx, w->at),
			      "gup-fast never reached %s", zdrace_fi_name(w->at));
	KUNIT_ASSERT_TRUE(test, killed);
	return released;
}

/* The page is dropped while the memmap is live, then the pgmap checked. */
static void zd_gup_fast_drop_and_check_live(struct zd_gup_fast_ctx *ctx)
{
	struct kunit *test = ctx->test;
	struct dev_pagemap *pgmap;

	if (ctx->got_page)
		put_page(ctx->got_page);
	pgmap = zd_get_dev_pagemap(page_to_pfn(ctx->page));
	KUNIT_EXPECT_PTR_EQ_MSG(test, pgmap, &ctx->dev->pgmap,
				"the pgmap did not come back to life");
	if (pgmap)
		put_dev_pagemap(pgmap);
}

/*
 * Killed before get_dev_pagemap(): gup-fast falls back.  Killed after it:
 * gup-fast holds a pgmap reference through its grab and returns the page
 * referenced and with page->pgmap intact.  Once gup-fast has put that
 * reference (or, without a pgmap step, from the start), only the per-page
 * references hold the pgmap: with them put too, the pgmap is released
 * under the returned page (GENERIC: known upstream, as in
 * zdrace_teardown_refs).
 */
static void teardown_inside_gup_fast_window(struct kunit *test)
{
	const struct zd_gup_fast_window *w = test->param_value;
	struct zd_gup_fast_ctx *ctx;
	bool released;
	int refcount;

	zd_rule(test, ZD_RULE_gup_fast_page_has_live_pgmap, w->type);
	if (w->at == ZDRACE_FI_gup_fast_after_get_pgmap)
		ZD_REQUIRE(test, ZD_GUP_FAST_GETS_PGMAP);

	ctx = zd_gup_fast_run_window(test, w);
	released = zd_gup_fast_window_done(ctx, w);
	refcount = ctx->refcount;
	if (ZD_GUP_FAST_GETS_PGMAP && w->at == ZDRACE_FI_gup_fast_after_pte_read) {
		KUNIT_EXPECT_EQ_MSG(test, ctx->got, 0,
				    "gup-fast returned a page of a killed pgmap");
		KUNIT_EXPECT_FALSE(test, zd_gup_fast_passed(ctx,
							    ZDRACE_FI_gup_fast_after_get_pgmap));
		KUNIT_EXPECT_FALSE(test, zd_gup_fast_passed(ctx, ZDRACE_FI_gup_fast_after_grab));
		KUNIT_EXPECT_EQ(test, page_ref_count(ctx->page), 1);
		KUNIT_EXPECT_EQ(test, released, w->put_initial);
		zd_gup_fast_drop_and_check_live(ctx);
		return;
	}

	KUNIT_EXPECT_TRUE(test, zd_gup_fast_passed(ctx, ZDRACE_FI_gup_fast_after_grab));
	if (ZD_GUP_FAST_GETS_PGMAP)
		KUNIT_EXPECT_EQ(test, ctx->refs_at[ZDRACE_FI_gup_fast_after_get_pgmap],
				ctx->base_refs + 1);
	KUNIT_EXPECT_EQ(test, ctx->got, 1);
	KUNIT_EXPECT_PTR_EQ(test, ctx->got_page, ctx->page);
	KUNIT_EXPECT_EQ(test, refcount, ZD_GUP_FAST_GENERIC_GOT_COUNT);
	KUNIT_EXPECT_TRUE(test, ctx->pgmap_ptr_ok);
	zd_gup_fast_drop_and_check_live(ctx);
	if (!w->put_initial) {
		KUNIT_EXPECT_FALSE_MSG(test, released,
				       "pgmap released with its per-page references held");
		return;
	}
	KUNIT_ASSERT_TRUE(test, released);
	zd_breaks(test,
		  "gup-fast returned a GENERIC page (count %d) holding no pgmap reference of its own; with the per-page references put at %s, nothing held the pgmap: released under the page, memunmap_pages() would complete",
			  refcount, zdrace_fi_name(w->at));
}

/*
 * The thread's claim: after try_grab_folio_fast() succeeds, the page
 * reference alone keeps page->pgmap valid.
 *
 * GENERIC, with gup-fast's get_dev_pagemap() reference dropped as soon as
 * it is taken (the lookup "skipped") and the teardown's kill and puts
 * done after the grab: the count at the grab shows gup-fast holds no
 * pgmap reference, and the pgmap is released under the page, because
 * 6.12 puts every per-page reference at once: known upstream.  On one CPU
 * the end state is the one "kill+put after grab" reaches too; what this
 * case adds is the count inside the window.  A gup-fast that takes no
 * pgmap reference (7.3) has nothing to skip, and the same claim to meet.
 *
 * COHERENT, where gup-fast takes no pgmap reference at all: the page is
 * unmapped after gup-fast returned, so that the grab is its only
 * reference, and the teardown's kill leaves the pgmap alive until the
 * grab is put: then the pgmap is released, by the page's own free.
 */
static void grab_alone_keeps_pgmap(struct kunit *test)
{
	const struct zd_gup_fast_window *w = test->param_value;
	struct zd_gup_fast_ctx *ctx = zd_gup_fast_run_window(test, w);
	struct completion *done = &ctx->dev->pgmap.done;
	bool held = false, freed = false, released;
	int refcount = ctx->refcount;

	zd_rule(test, ZD_RULE_grab_alone_keeps_pgmap, w->type);

	if (w->type == MEMORY_DEVICE_COHERENT && ctx->got_page) {
		vm_munmap(ctx->addr, PAGE_SIZE);
		rcu_barrier();
		held = !completion_done(done) &&
		       page_ref_count(ctx->got_page) == 1;
		put_page(ctx->got_page);
		ctx->got_page = NULL;
		freed = completion_done(done);
	}
	released = zd_gup_fast_window_done(ctx, w);

	KUNIT_EXPECT_EQ(test, ctx->got, 1);
	KUNIT_EXPECT_EQ(test, refcount, w->type == MEMORY_DEVICE_GENERIC ?
			ZD_GUP_FAST_GENERIC_GOT_COUNT : 2);
	KUNIT_EXPECT_TRUE(test, ctx->pgmap_ptr_ok);
	KUNIT_EXPECT_TRUE(test, zd_gup_fast_passed(ctx, ZDRACE_FI_gup_fast_after_grab));
	/* No pgmap reference of gup-fast's own across the grab. */
	KUNIT_EXPECT_EQ(test, ctx->refs_at[ZDRACE_FI_gup_fast_after_grab],
			ctx->base_refs);

	if (w->type == MEMORY_DEVICE_COHERENT) {
		KUNIT_EXPECT_FALSE(test, zd_gup_fast_passed(ctx,
							    ZDRACE_FI_gup_fast_after_get_pgmap));
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dev->page_free_calls), 1);
		KUNIT_EXPECT_TRUE_MSG(test, held,
				      "pgmap released while the grab alone held the COHERENT page");
		KUNIT_EXPECT_TRUE_MSG(test, freed,
				      "putting the grab did not release the killed pgmap");
		KUNIT_EXPECT_TRUE(test, released);
		zd_gup_fast_drop_and_check_live(ctx);
		return;
	}
	zd_gup_fast_drop_and_check_live(ctx);
	KUNIT_ASSERT_TRUE(test, released);
	zd_breaks(test,
		  "%s, the try_grab_folio_fast() reference alone (count %d) did not keep the GENERIC pgmap: released under the page once teardown put the per-page references",
		  ZD_GUP_FAST_GETS_PGMAP ? "with gup-fast's get_dev_pagemap() skipped" :
		  "gup-fast taking no pgmap reference", refcount);
}

/* ---- the page changes under gup-fast after its PTE read ---- */

/* The test's PTE for @addr, looked up without locks (IRQs are off). */
static pte_t *zd_gup_fast_ptep(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d = p4d_offset(pgd, addr);
	pud_t *pud = pud_offset(p4d, addr);
	pmd_t *pmd = pmd_offset(pud, addr);

	return pte_offset_kernel(pmd, addr);
}

enum zd_gup_fast_change { ZD_GUP_FAST_ZAP, ZD_GUP_FAST_FREEZE };

struct zd_gup_fast_change_param {
	const char *name;
	enum zd_gup_fast_change change;
	enum zdrace_fi_point at;
};

/*
 * ZAP: the PTE is cleared, as munmap() on another CPU clears it before
 * the TLB flush that gup-fast's IRQs-off section holds back; gup-fast's
 * re-check must see it and give the page back.  FREEZE: the page's count
 * drops to 0 (its last reference put), and try_grab_folio_fast() must not
 * resurrect it.
 */
static const struct zd_gup_fast_change_param zd_gup_fast_changes[] = {
	{ "pte cleared after pte read", ZD_GUP_FAST_ZAP,
	  ZDRACE_FI_gup_fast_after_pte_read },
	{ "pte cleared after grab", ZD_GUP_FAST_ZAP, ZDRACE_FI_gup_fast_after_grab },
	{ "count frozen at 0 after pte read", ZD_GUP_FAST_FREEZE,
	  ZDRACE_FI_gup_fast_after_pte_read },
	{ "count frozen at 0 after get_dev_pagemap", ZD_GUP_FAST_FREEZE,
	  ZDRACE_FI_gup_fast_after_get_pgmap },
};

KUNIT_ARRAY_PARAM_DESC(zd_gup_fast_changes, zd_gup_fast_changes, name);

struct zd_gup_fast_change_ctx {
	const struct zd_gup_fast_change_param *c;
	struct zd_gup_fast_ctx *ctx;
	pte_t *ptep;
	pte_t pte;
	int count;
	bool done;
};

static bool zd_gup_fast_change_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_gup_fast_change_ctx *cc = data;

	zdrace_sched_note(cc->ctx->s, point);
	if (point != cc->c->at || cc->done)
		return false;
	cc->done = true;
	if (cc->c->change == ZD_GUP_FAST_ZAP) {
		cc->ptep = zd_gup_fast_ptep(cc->ctx->mm, cc->ctx->addr);
		cc->pte = ptep_get_and_clear(cc->ctx->mm, cc->ctx->addr,
					     cc->ptep);
	} else {
		cc->count = page_ref_count(cc->ctx->page);
		if (!page_ref_freeze(cc->ctx->page, cc->count))
			cc->count = 0;
	}
	return false;
}

/*
 * gup-fast meets a page that changed after it read the PTE: it falls
 * back, takes no reference, and the page's count is what the change left.
 */
static void page_changes_inside_gup_fast_window(struct kunit *test)
{
	const struct zd_gup_fast_change_param *c = test->param_value;
	struct zd_gup_fast_change_ctx cc = { .c = c };
	struct zd_gup_fast_ctx *ctx;
	int before, after;

	zd_rule(test, ZD_RULE_gup_fast_rechecks_window, MEMORY_DEVICE_GENERIC);
	if (c->at == ZDRACE_FI_gup_fast_after_get_pgmap)
		ZD_REQUIRE(test, ZD_GUP_FAST_GETS_PGMAP);

	ctx = zd_gup_fast_setup(test, MEMORY_DEVICE_GENERIC);
	cc.ctx = ctx;
	zd_gup_fast_arm_points(test, zd_gup_fast_change_cb, &cc);
	before = page_ref_count(ctx->page);
	zd_gup_fast_call(ctx);
	zdrace_fi_disarm_all();
	after = page_ref_count(ctx->page);
	if (c->change == ZD_GUP_FAST_ZAP && cc.done)
		set_pte_at(ctx->mm, ctx->addr, cc.ptep, cc.pte);
	else if (c->change == ZD_GUP_FAST_FREEZE && cc.count)
		page_ref_unfreeze(ctx->page, cc.count);

	KUNIT_ASSERT_TRUE_MSG(test, cc.done, "gup-fast never reached %s",
			      zdrace_fi_name(c->at));
	if (c->change == ZD_GUP_FAST_FREEZE)
		KUNIT_ASSERT_NE_MSG(test, cc.count, 0, "the page could not be frozen");
	KUNIT_EXPECT_EQ_MSG(test, ctx->got, 0,
			    "gup-fast returned a page that changed after its PTE read");
	KUNIT_EXPECT_EQ_MSG(test, after, c->change == ZD_GUP_FAST_ZAP ? before : 0,
			    "gup-fast left a reference on the page");
	if (ctx->got_page && c->change == ZD_GUP_FAST_ZAP)
		put_page(ctx->got_page);
}

/* ---- a pgmap lookup that fails on the second page ---- */

/*
 * gup-fast over two devmap pages whose pgmap lookup fails on the second,
 * as when the pgmap dies between the two PTEs: it gives back the first
 * page it took (gup_fast_undo_dev_pagemap()) and returns none, each
 * page's count and the pgmap's as they were.
 */
static void pgmap_lookup_fails_midway(struct kunit *test)
{
	struct zd_dev *dev = zd_dev_create(test, MEMORY_DEVICE_GENERIC);
	struct zdrace_fi_arm arm = {
		.action = ZDRACE_FI_FAIL,
		.probability = 100,
		.interval = 2,
		.times = 1,
		.task_filter = true,
	};
	struct page *pages[2] = {};
	int before[2], i, got;
	unsigned long addr;
	long refs;

	zd_rule(test, ZD_RULE_gup_fast_page_has_live_pgmap,
		MEMORY_DEVICE_GENERIC);
	ZD_REQUIRE(test, ZD_GUP_FAST_GETS_PGMAP);

	addr = zd_dev_map_user(dev, 2);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, put_user(i, (int __user *)(addr + i * PAGE_SIZE)), 0);
		before[i] = page_ref_count(zd_dev_page(dev, i));
	}
	refs = zd_dev_pgmap_refs(dev);

	KUNIT_ASSERT_EQ(test, zdrace_fi_arm(ZDRACE_FI_gup_fast_after_get_pgmap,
					    &arm), 0);
	scoped_guard(zd_injected)
		got = get_user_pages_fast_only(addr, 2, FOLL_WRITE, pages);
	KUNIT_EXPECT_EQ(test, zdrace_fi_hits(ZDRACE_FI_gup_fast_after_get_pgmap),
			2UL);
	KUNIT_EXPECT_EQ(test, zdrace_fi_fired(ZDRACE_FI_gup_fast_after_get_pgmap),
			1UL);
	zdrace_fi_disarm(ZDRACE_FI_gup_fast_after_get_pgmap);

	KUNIT_EXPECT_EQ_MSG(test, got, 0,
			    "gup-fast kept pages of a range it could not finish");
	for (i = 0; i < got; i++)
		put_page(pages[i]);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(zd_dev_page(dev, i)),
				    before[i], "page %d kept a reference", i);
	KUNIT_EXPECT_EQ(test, zd_dev_pgmap_refs(dev), refs);
}

/* ---- a fork inside pin_user_pages_fast()'s window ---- */

struct zd_gup_fast_fork {
	struct mm_struct *mm;
	struct page *page;
	int count;		/* the page's count when the fork came */
	bool forked;
};

/*
 * gup_fast_after_grab, once: a fork write-protects the mm, as
 * copy_page_range() does, moving mm->write_protect_seq.
 */
static bool zd_gup_fast_fork_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_gup_fast_fork *f = data;

	if (f->forked)
		return false;
	f->forked = true;
	f->count = page_ref_count(f->page);
	raw_write_seqcount_begin(&f->mm->write_protect_seq);
	raw_write_seqcount_end(&f->mm->write_protect_seq);
	return false;
}

/*
 * A fork lands in pin_user_pages_fast() after it pinned the page:
 * gup-fast must see mm->write_protect_seq move, give back the pins it
 * took (gup_fast_unpin_user_pages()) and leave the page to the slow
 * path, which pins it afresh: one pin in the end, not two.
 */
static void fork_inside_pin_fast_window(struct kunit *test)
{
	const struct zd_type_param *t = test->param_value;
	struct zd_dev *dev = zd_dev_create(test, t->type);
	struct zd_gup_fast_fork f = {};
	struct page *got = NULL;
	unsigned long addr;
	int before, ret;

	zd_rule(test, ZD_RULE_gup_fast_rechecks_window, t->type);

	if (t->type == MEMORY_DEVICE_GENERIC) {
		addr = zd_dev_map_user(dev, 1);
		KUNIT_ASSERT_EQ(test, put_user(1, (int __user *)addr), 0);
		f.page = zd_dev_page(dev, 0);
	} else {
		addr = zd_dev_map_anon(dev, 1, &f.page);
	}
	/* The test's mm, which KUnit made for the mapping. */
	f.mm = current->mm;
	before = page_ref_count(f.page);

	zd_arm_call(test, ZDRACE_FI_gup_fast_after_grab, zd_gup_fast_fork_cb, &f,
		    ZD_EVERY_PASS);
	scoped_guard(zd_injected)
		ret = pin_user_pages_fast(addr, 1, FOLL_WRITE, &got);
	zdrace_fi_disarm(ZDRACE_FI_gup_fast_after_grab);

	KUNIT_ASSERT_TRUE_MSG(test, f.forked, "gup-fast never reached %s",
			      zdrace_fi_name(ZDRACE_FI_gup_fast_after_grab));
	KUNIT_EXPECT_EQ_MSG(test, f.count, before + GUP_PIN_COUNTING_BIAS,
			    "gup-fast had not pinned the page when the fork came");
	KUNIT_ASSERT_EQ(test, ret, 1);
	KUNIT_EXPECT_PTR_EQ(test, got, f.page);
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(f.page),
			    before + GUP_PIN_COUNTING_BIAS,
			    "%d pins on the page after the fork, not one",
			    (page_ref_count(f.page) - before) /
			    GUP_PIN_COUNTING_BIAS);
	unpin_user_page(got);
	KUNIT_EXPECT_EQ(test, page_ref_count(f.page), before);
}

static struct kunit_case zdrace_gup_fast_teardown_cases[] = {
	KUNIT_CASE_PARAM(gup_fast_between_teardown_steps,
			 zd_gup_fast_position_gen_params),
	KUNIT_CASE_PARAM(teardown_inside_gup_fast_window,
			 zd_gup_fast_windows_gen_params),
	KUNIT_CASE_PARAM(grab_alone_keeps_pgmap, zd_gup_fast_claims_gen_params),
	KUNIT_CASE_PARAM(page_changes_inside_gup_fast_window,
			 zd_gup_fast_changes_gen_params),
	KUNIT_CASE(pgmap_lookup_fails_midway),
	KUNIT_CASE_PARAM(fork_inside_pin_fast_window, zd_mapped_gen_params),
	{}
};

static struct kunit_suite zdrace_gup_fast_teardown_suite = {
	.name = "zdrace_gup_fast_teardown",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_gup_fast_teardown_cases,
};

kunit_test_suite(zdrace_gup_fast_teardown_suite);

MODULE_DESCRIPTION("zdrace: memunmap_pages() against gup-fast");
MODULE_LICENSE("GPL");
