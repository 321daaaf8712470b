// SPDX-License-Identifier: GPL-2.0
/*
 * The page cache's speculative gets (linux-mm, Apr 2017 and Sep 2021: the
 * 1 -> 0 transition "should fully interlock with
 * __page_cache_add_speculative()").  Rules: the speculative page-cache
 * gets (filemap_get_entry(), the batched read lookup, the contiguous-range
 * lookup, fault-around) never return or map a folio frozen or replaced
 * under them between the xarray load and the get: the lookups retry until
 * the freeze ends, fault-around skips the folio; a page-cache get hands
 * out one reference, and every file's page cache ends as it began (the
 * ledger, zd_cache.h).  A `call` at the point after each load, for the
 * test's task only, freezes the folio or reuses its slot; the point's
 * calls count the loads.  No device memory: these are the paths the
 * device-page rules share with every page.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <zdrace/fi.h>

#include "zd_fixture.h"
#include "zd_kunit.h"

/* ---- the page cache ---- */

#define ZD_SPEC_FOLIO_BYTE	0x5a
#define ZD_SPEC_OTHER_BYTE	0xa5

/*
 * What a lookup case plays with: slot 0 of a shmem file, frozen for a
 * number of loads as removal freezes a folio before it takes it out, or
 * handed to another folio between the load and the get (removed and the
 * slot reused).
 */
struct zd_spec_cache {
	struct file *file;
	struct folio *folio;	/* in slot 0 */
	struct folio *other;	/* another file's, put in the slot by a reuse */
	int count, other_count;	/* their counts before the lookup */
	int frozen_passes;	/* loads that meet @folio frozen; 0: reuse;
				 * -1: neither, only count the loads
				 */
	int calls;		/* loads the lookup made */
	int seen_frozen;	/* loads that found @folio frozen */
	bool froze;
	void *buf;		/* what a read copied */
};

/*
 * A speculative page-cache get, through the caller that reaches it: the
 * folio it found in slot 0, with the lookup's reference when @holds, or
 * else the folio whose bytes the read returned.
 */
struct zd_spec_lookup {
	const char *name;
	enum zdrace_fi_point point;	/* after its load, before its get */
	bool holds;
	struct folio *(*get)(struct kunit *test, struct zd_spec_cache *c);
};

static struct folio *zd_spec_get_entry(struct kunit *test,
				       struct zd_spec_cache *c)
{
	struct folio *folio = filemap_get_folio(c->file->f_mapping, 0);

	return IS_ERR(folio) ? NULL : folio;
}

static struct folio *zd_spec_get_read(struct kunit *test,
				      struct zd_spec_cache *c)
{
	ssize_t ret = zd_cache_read(c->file, 0, c->buf);

	KUNIT_EXPECT_EQ(test, ret, (ssize_t)PAGE_SIZE);
	if (ret != PAGE_SIZE)
		return NULL;
	if (!memchr_inv(c->buf, ZD_SPEC_FOLIO_BYTE, PAGE_SIZE))
		return c->folio;
	if (c->other && !memchr_inv(c->buf, ZD_SPEC_OTHER_BYTE, PAGE_SIZE))
		return c->other;
	KUNIT_FAIL(test, "the read returned the bytes of neither folio");
	return NULL;
}

static struct folio *zd_spec_get_contig(struct kunit *test,
					struct zd_spec_cache *c)
{
	struct folio *folio;
	pgoff_t next;

	folio = zd_cache_contig_get(c->file->f_mapping, 0, &next);
	KUNIT_EXPECT_NOT_NULL(test, folio);
	if (folio)
		KUNIT_EXPECT_EQ_MSG(test, next, 1UL,
				    "the next lookup would not start past the folio");
	return folio;
}

static const struct zd_spec_lookup zd_spec_lookups[] = {
	{ "filemap_get_entry", ZDRACE_FI_filemap_after_load, true,
	  zd_spec_get_entry },
	{ "filemap_get_read_batch", ZDRACE_FI_read_batch_after_load, false,
	  zd_spec_get_read },
	{ "filemap_get_folios_contig", ZDRACE_FI_contig_after_load, true,
	  zd_spec_get_contig },
};

static void zd_spec_fill(struct folio *folio, int byte)
{
	void *p = kmap_local_folio(folio, 0);

	memset(p, byte, PAGE_SIZE);
	kunmap_local(p);
}

static void zd_spec_set_slot(struct address_space *mapping, struct folio *folio)
{
	unsigned long flags;

	xa_lock_irqsave(&mapping->i_pages, flags);
	__xa_store(&mapping->i_pages, 0, folio, GFP_ATOMIC);
	xa_unlock_irqrestore(&mapping->i_pages, flags);
}

/*
 * At the point after each load.  Freezing: the first load freezes the
 * folio, and the load after @frozen_passes of them unfreezes it (the
 * removal gave up).  Reusing: the first load finds the slot, which then
 * holds @other.
 */
static bool zd_spec_cb(enum zdrace_fi_point point, void *data)
{
	struct zd_spec_cache *c = data;

	c->calls++;
	if (c->frozen_passes < 0)
		return false;
	if (!c->frozen_passes) {
		if (c->calls == 1)
			zd_spec_set_slot(c->file->f_mapping, c->other);
		return false;
	}
	if (c->calls == 1) {
		c->froze = folio_ref_freeze(c->folio, c->count);
		return false;
	}
	if (!folio_ref_count(c->folio))
		c->seen_frozen++;
	if (c->calls == c->frozen_passes + 1 && c->froze)
		folio_ref_unfreeze(c->folio, c->count);
	return false;
}

/*
 * A shmem file of @nr_pages pages whose page 0 a lookup case freezes for
 * @frozen_passes loads, or, with 0, gives to another file's folio, or,
 * with -1, leaves alone.
 */
static struct zd_spec_cache *zd_spec_cache_new(struct kunit *test,
					       unsigned int nr_pages,
					       int frozen_passes)
{
	struct zd_spec_cache *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->buf);
	c->frozen_passes = frozen_passes;
	c->file = zd_shmem_file(test, "zdrace-s6", nr_pages);
	c->folio = zd_shmem_file_folio(test, c->file, 0);
	zd_spec_fill(c->folio, ZD_SPEC_FOLIO_BYTE);
	if (!frozen_passes) {
		c->other = zd_shmem_folio(test, "zdrace-s6-other");
		zd_spec_fill(c->other, ZD_SPEC_OTHER_BYTE);
		c->other_count = folio_ref_count(c->other);
	}
	c->count = folio_ref_count(c->folio);
	return c;
}

/* Arm @point with zd_spec_cb() for this task, run @fn, disarm. */
static void zd_spec_armed(struct kunit *test, struct zd_spec_cache *c,
			  enum zdrace_fi_point point,
			  void (*fn)(struct kunit *test, void *data), void *data)
{
	zd_arm_call(test, point, zd_spec_cb, c, ZD_EVERY_PASS);
	scoped_guard(zd_injected)
		fn(test, data);
	zdrace_fi_disarm(point);
	if (!c->frozen_passes)
		zd_spec_set_slot(c->file->f_mapping, c->folio);
}

struct zd_spec_run {
	const struct zd_spec_lookup *lookup;
	struct zd_spec_cache *c;
	struct folio *got;
};

static void zd_spec_run_lookup(struct kunit *test, void *data)
{
	struct zd_spec_run *r = data;

	r->got = r->lookup->get(test, r->c);
}

/*
 * Run @l against @c: the folio it found.  The lookup's reference, if it
 * returns one, is exactly one and is dropped here; every count is back
 * where it was.
 */
static struct folio *zd_spec_lookup(struct kunit *test,
				    const struct zd_spec_lookup *l,
				    struct zd_spec_cache *c)
{
	struct zd_spec_run r = { .lookup = l, .c = c };
	int before;

	zd_spec_armed(test, c, l->point, zd_spec_run_lookup, &r);
	if (r.got && l->holds) {
		before = r.got == c->folio ? c->count : c->other_count;
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(r.got), before + 1,
				    "the lookup's reference is not exactly one");
		folio_put(r.got);
	}
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(c->folio), c->count,
			    "%s left the folio's count changed", l->name);
	if (c->other)
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(c->other),
				    c->other_count,
				    "%s left the other folio's count changed",
				    l->name);
	return r.got;
}

struct zd_spec_frozen_param {
	const struct zd_spec_lookup *lookup;
	int passes;
};

static const struct zd_spec_frozen_param zd_spec_frozen[] = {
	{ &zd_spec_lookups[0], 1 },
	{ &zd_spec_lookups[0], 2 },
	{ &zd_spec_lookups[0], 5 },
	{ &zd_spec_lookups[1], 1 },
	{ &zd_spec_lookups[1], 2 },
	{ &zd_spec_lookups[1], 5 },
	{ &zd_spec_lookups[2], 1 },
	{ &zd_spec_lookups[2], 2 },
	{ &zd_spec_lookups[2], 5 },
};

static void zd_spec_frozen_desc(const struct zd_spec_frozen_param *p,
				char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s frozen for %d load%s",
		 p->lookup->name, p->passes, p->passes == 1 ? "" : "s");
}

KUNIT_ARRAY_PARAM(zd_spec_frozen, zd_spec_frozen, zd_spec_frozen_desc);

/*
 * The folio is frozen between the lookup's load and its get for a number
 * of loads: the lookup retries until the freeze ends, then returns the
 * folio with one reference of its own.
 */
static void lookup_never_returns_frozen_folio(struct kunit *test)
{
	const struct zd_spec_frozen_param *p = test->param_value;
	struct zd_spec_cache *c = zd_spec_cache_new(test, 1, p->passes);
	struct folio *got;

	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);

	got = zd_spec_lookup(test, p->lookup, c);
	KUNIT_ASSERT_TRUE_MSG(test, c->froze, "the folio could not be frozen");
	KUNIT_EXPECT_EQ_MSG(test, c->calls, p->passes + 1,
			    "the lookup did not retry once per frozen load");
	KUNIT_EXPECT_EQ_MSG(test, c->seen_frozen, p->passes,
			    "the retries did not meet the folio frozen");
	KUNIT_EXPECT_PTR_EQ(test, got, c->folio);
}

KUNIT_ARRAY_PARAM_DESC(zd_spec_lookup, zd_spec_lookups, name);

/*
 * The folio the lookup loaded is taken out of the slot and another put
 * there (removed and the slot reused) before its folio_try_get(), which
 * still succeeds: the xas_reload() re-check must see the change, retry,
 * and return what the slot holds.
 */
static void lookup_rechecks_reused_slot(struct kunit *test)
{
	const struct zd_spec_lookup *l = test->param_value;
	struct zd_spec_cache *c = zd_spec_cache_new(test, 1, 0);
	struct folio *got;

	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);

	got = zd_spec_lookup(test, l, c);
	KUNIT_EXPECT_EQ_MSG(test, c->calls, 2,
			    "the lookup did not retry after the slot changed");
	KUNIT_EXPECT_PTR_EQ_MSG(test, got, c->other,
				"the lookup returned the folio no longer in the slot");
}

/* ---- fault-around ---- */

/* What page 0's folio is in when fault-around meets it, besides frozen. */
enum zd_spec_fault_state {
	ZD_FAULT_READY,		/* uptodate, unlocked, no readahead mark */
	ZD_FAULT_LOCKED,	/* another holds its lock */
	ZD_FAULT_NOT_UPTODATE,	/* being read in */
	ZD_FAULT_READAHEAD,	/* marked for asynchronous readahead */
};

struct zd_spec_fault_param {
	const char *name;
	int frozen_passes;	/* -1: nothing disturbs the slot */
	enum zd_spec_fault_state state;
};

static const struct zd_spec_fault_param zd_spec_faults[] = {
	{ "undisturbed", -1, ZD_FAULT_READY },
	{ "frozen", 1, ZD_FAULT_READY },
	{ "slot reused", 0, ZD_FAULT_READY },
	{ "locked", -1, ZD_FAULT_LOCKED },
	{ "not uptodate", -1, ZD_FAULT_NOT_UPTODATE },
	{ "readahead", -1, ZD_FAULT_READAHEAD },
};

/* Put @folio in @state (@set) or take it back out. */
static void zd_spec_fault_state(struct folio *folio,
				enum zd_spec_fault_state state, bool set)
{
	switch (state) {
	case ZD_FAULT_READY:
		break;
	case ZD_FAULT_LOCKED:
		if (set)
			folio_lock(folio);
		else
			folio_unlock(folio);
		break;
	case ZD_FAULT_NOT_UPTODATE:
		if (set)
			folio_clear_uptodate(folio);
		else
			folio_mark_uptodate(folio);
		break;
	case ZD_FAULT_READAHEAD:
		if (set)
			folio_set_readahead(folio);
		else
			folio_clear_readahead(folio);
		break;
	}
}

KUNIT_ARRAY_PARAM_DESC(zd_spec_fault, zd_spec_faults, name);

struct zd_spec_fault {
	unsigned long addr;
	int ret;
};

static void zd_spec_touch(struct kunit *test, void *data)
{
	struct zd_spec_fault *f = data;
	char v;

	f->ret = get_user(v, (char __user *)f->addr);
}

/*
 * A read fault on page 1 of a two-page shared mapping maps page 0 by
 * fault-around (next_uptodate_folio()), unless page 0's folio is frozen
 * or its slot reused between the load and the get, or it is locked, not
 * uptodate or marked for readahead: then fault-around skips it, maps no
 * folio for it and leaves every count as it was.  A locked folio passes
 * the point only where the get comes first (ZD_FAULT_AROUND_GETS_LOCKED).
 */
static void fault_around_skips_unstable_folio(struct kunit *test)
{
	const struct zd_spec_fault_param *p = test->param_value;
	struct zd_spec_cache *c = zd_spec_cache_new(test, 2, p->frozen_passes);
	struct folio *faulted = zd_shmem_file_folio(test, c->file, 1);
	struct zd_spec_fault f = {
		.addr = zd_cache_map(test, c->file, 2) + PAGE_SIZE,
	};
	int count;

	zd_rule(test, ZD_RULE_lookup_returns_stable_folio, ZD_NO_TYPE);

	zd_spec_fault_state(c->folio, p->state, true);
	zd_spec_armed(test, c, ZDRACE_FI_fault_around_after_load,
		      zd_spec_touch, &f);
	zd_spec_fault_state(c->folio, p->state, false);
	KUNIT_ASSERT_EQ(test, f.ret, 0);
	if (p->state != ZD_FAULT_LOCKED || ZD_FAULT_AROUND_GETS_LOCKED)
		KUNIT_EXPECT_EQ_MSG(test, c->calls, 2,
				    "fault-around did not load both pages");
	else
		KUNIT_EXPECT_EQ(test, c->calls, 1);
	KUNIT_EXPECT_TRUE_MSG(test, folio_mapped(faulted),
			      "the faulting page is not mapped");
	if (p->state == ZD_FAULT_READY && c->frozen_passes < 0) {
		KUNIT_EXPECT_TRUE_MSG(test, folio_mapped(c->folio),
				      "fault-around did not map the other page");
		KUNIT_EXPECT_EQ(test, folio_ref_count(c->folio), c->count + 1);
		return;
	}
	if (c->frozen_passes > 0)
		KUNIT_EXPECT_EQ_MSG(test, c->seen_frozen, 1,
				    "the folio was not frozen at its get");
	KUNIT_EXPECT_FALSE_MSG(test, folio_mapped(c->folio),
			       "fault-around mapped a folio %s under it",
			       p->name);
	KUNIT_EXPECT_EQ(test, folio_ref_count(c->folio), c->count);
	if (c->other) {
		KUNIT_EXPECT_FALSE_MSG(test, folio_mapped(c->other),
				       "fault-around mapped the folio now in the slot");
		KUNIT_EXPECT_EQ(test, folio_ref_count(c->other),
				c->other_count);
	}

	/*
	 * Page 0, back as it was, faulted now: fault-around maps it and
	 * passes page 1, mapped already, giving back the reference it took.
	 */
	count = folio_ref_count(faulted);
	f.addr -= PAGE_SIZE;
	zd_spec_touch(test, &f);
	KUNIT_ASSERT_EQ(test, f.ret, 0);
	KUNIT_EXPECT_TRUE(test, folio_mapped(c->folio));
	KUNIT_EXPECT_EQ(test, folio_ref_count(c->folio), c->count + 1);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(faulted), count,
			    "fault-around kept a reference on a mapped page");
}

/* ---- the references a page-cache get hands out ---- */

struct zd_fgp_param {
	const char *name;
	fgf_t flags;
	bool present;		/* the folio is in the cache before */
	fgf_t made;		/* ... made with these flags too */
	bool held_locked;	/* ... and another holds its lock */
	int error;
	bool dirty;		/* ... and it is dirty */
};

static const struct zd_fgp_param zd_fgp_params[] = {
	{ "create", FGP_LOCK | FGP_CREAT | FGP_ACCESSED, false, 0, false, 0 },
	{ "create for mmap", FGP_CREAT | FGP_FOR_MMAP | FGP_WRITE | FGP_NOFS,
	  false, 0, false, 0 },
	{ "create without waiting", FGP_LOCK | FGP_CREAT | FGP_NOWAIT,
	  false, 0, false, 0 },
	{ "create, drop behind", FGP_LOCK | FGP_CREAT | ZD_FGP_DONTCACHE,
	  false, 0, false, 0 },
	{ "create, present", FGP_LOCK | FGP_CREAT, true, 0, false, 0 },
	{ "lock", FGP_LOCK | FGP_ACCESSED, true, 0, false, 0 },
	{ "lock, stable for writing", FGP_LOCK | FGP_WRITE | FGP_STABLE, true,
	  0, false, 0 },
	{ "lock, made to drop behind", FGP_LOCK, true, ZD_FGP_DONTCACHE, false,
	  0 },
	{ "lock, made to drop behind, dirty", FGP_LOCK, true, ZD_FGP_DONTCACHE,
	  false, 0, true },
	{ "for mmap, present", FGP_CREAT | FGP_FOR_MMAP, true, 0, false, 0 },
	{ "lock without waiting", FGP_LOCK | FGP_NOWAIT, true, 0, false, 0 },
	{ "lock without waiting, locked", FGP_LOCK | FGP_NOWAIT, true, 0, true,
	  -EAGAIN },
};

KUNIT_ARRAY_PARAM_DESC(zd_fgp, zd_fgp_params, name);

/*
 * Put a folio at @index of @mapping, made with @flags besides FGP_LOCK and
 * FGP_CREAT, unlocked, held only by the cache.
 */
static struct folio *zd_cache_add(struct kunit *test,
				  struct address_space *mapping, pgoff_t index,
				  fgf_t flags)
{
	struct folio *folio = __filemap_get_folio(mapping, index,
						  FGP_LOCK | FGP_CREAT | flags,
						  GFP_KERNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_unlock(folio);
	folio_put(folio);
	lru_add_drain_all();
	KUNIT_ASSERT_EQ(test, folio_ref_count(folio), 1);
	return folio;
}

/*
 * __filemap_get_folio() under each of its flags: the folio it returns,
 * found or made, carries exactly one reference besides the page cache's,
 * and is locked exactly when FGP_LOCK asked; one locked by another with
 * FGP_NOWAIT is refused at once and keeps its count.
 */
static void page_cache_get_gives_one_reference(struct kunit *test)
{
	const struct zd_fgp_param *p = test->param_value;
	struct address_space *mapping = zd_cache_file(test, "zdrace-cache")->f_mapping;
	struct folio *before = NULL, *folio;

	if (p->present)
		before = zd_cache_add(test, mapping, 0, p->made);
	if (p->dirty)
		folio_mark_dirty(before);
	if (p->held_locked)
		folio_lock(before);
	folio = __filemap_get_folio(mapping, 0, p->flags, GFP_KERNEL);
	if (p->held_locked) {
		KUNIT_EXPECT_EQ(test, folio_ref_count(before), 1);
		folio_unlock(before);
	}
	if (p->error) {
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(folio), (long)p->error);
		return;
	}
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(folio), "%ld", PTR_ERR(folio));
	if (before)
		KUNIT_EXPECT_PTR_EQ(test, folio, before);
	KUNIT_EXPECT_EQ(test, folio->index, 0UL);
	KUNIT_EXPECT_EQ(test, folio_test_locked(folio),
			!!(p->flags & FGP_LOCK));
	/* A new folio waits in a per-CPU LRU batch, with a reference. */
	lru_add_drain_all();
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 2,
			    "not the cache's reference and the lookup's");
	if (folio_test_locked(folio))
		folio_unlock(folio);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
}

/*
 * More folios than a batch holds: the contiguous lookup fills the batch,
 * each folio with one reference of its own, and tells the next call to
 * start after the last; the next call takes the rest up to its end, not
 * the folio past it, and one after that, past its end, takes nothing (the
 * cache's ledger sees any reference kept).
 */
static void contig_lookup_stops_at_full_batch(struct kunit *test)
{
	struct address_space *mapping = zd_cache_file(test, "zdrace-cache")->f_mapping;
	struct folio_batch fbatch;
	unsigned int i, nr, room;
	pgoff_t start = 0;

	folio_batch_init(&fbatch);
	room = folio_batch_space(&fbatch);
	/* One more past the end the lookups ask for. */
	for (i = 0; i < room + 3; i++)
		zd_cache_add(test, mapping, i, 0);

	nr = filemap_get_folios_contig(mapping, &start, room + 1, &fbatch);
	KUNIT_EXPECT_EQ(test, nr, room);
	KUNIT_EXPECT_EQ_MSG(test, start, (pgoff_t)room,
			    "the next lookup would not start after the batch");
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, fbatch.folios[i]->index, (pgoff_t)i);
		KUNIT_EXPECT_EQ(test, folio_ref_count(fbatch.folios[i]), 2);
	}
	folio_batch_release(&fbatch);

	nr = filemap_get_folios_contig(mapping, &start, room + 1, &fbatch);
	KUNIT_EXPECT_EQ(test, nr, 2U);
	KUNIT_EXPECT_EQ(test, start, (pgoff_t)room + 2);
	folio_batch_release(&fbatch);

	/* One that starts past its end takes nothing, not the folio there. */
	nr = filemap_get_folios_contig(mapping, &start, room + 1, &fbatch);
	KUNIT_EXPECT_EQ(test, nr, 0U);
	KUNIT_EXPECT_EQ(test, start, (pgoff_t)room + 2);
}

/* What keeps a read without I/O from copying a cached folio. */
struct zd_unready_param {
	const char *name;
	bool readahead;		/* marked for readahead, else not uptodate */
};

static const struct zd_unready_param zd_unready_params[] = {
	{ "not uptodate", false },
	{ "marked for readahead", true },
};

KUNIT_ARRAY_PARAM_DESC(zd_unready, zd_unready_params, name);

/*
 * The batched read lookup stops at a folio that is not uptodate or is
 * marked for readahead, and a read that may do no I/O (IOCB_NOIO) then
 * returns -EAGAIN: it copies nothing and keeps no reference.
 */
static void read_batch_stops_at_unready_folio(struct kunit *test)
{
	const struct zd_unready_param *p = test->param_value;
	struct zd_spec_cache *c = zd_spec_cache_new(test, 1, -1);

	if (p->readahead)
		folio_set_readahead(c->folio);
	else
		folio_clear_uptodate(c->folio);
	KUNIT_EXPECT_EQ(test, zd_cache_read(c->file, 0, c->buf),
			(ssize_t)-EAGAIN);
	if (p->readahead)
		folio_clear_readahead(c->folio);
	else
		folio_mark_uptodate(c->folio);
	KUNIT_EXPECT_EQ(test, folio_ref_count(c->folio), c->count);
	KUNIT_EXPECT_NULL(test, memchr_inv(c->buf, 0, PAGE_SIZE));
}

/* How the cache is emptied, and what folio 1 is in meanwhile. */
enum zd_inval_kind {
	ZD_INVAL_LOCKED,	/* invalidate_mapping_pages(), folio 1 locked */
	ZD_INVAL_WRITEBACK,	/* ... folio 1 under writeback */
	ZD_INVAL_WAIT,		/* invalidate_inode_pages2(), which locks */
};

struct zd_inval_param {
	const char *name;
	enum zd_inval_kind kind;
};

static const struct zd_inval_param zd_inval_params[] = {
	{ "invalidate_mapping_pages, one folio locked", ZD_INVAL_LOCKED },
	{ "invalidate_mapping_pages, one folio under writeback",
	  ZD_INVAL_WRITEBACK },
	{ "invalidate_inode_pages2", ZD_INVAL_WAIT },
};

KUNIT_ARRAY_PARAM_DESC(zd_inval, zd_inval_params, name);

static void zd_inval_writeback(struct folio *folio, bool start)
{
	folio_lock(folio);
	if (start)
		folio_start_writeback(folio);
	else
		folio_end_writeback(folio);
	folio_unlock(folio);
}

/*
 * invalidate_mapping_pages() takes each folio by a speculative get and a
 * trylock (find_lock_entries()): a folio another holds locked, or one
 * under writeback, is given back untouched and stays; every other clean
 * folio goes.  invalidate_inode_pages2() finds them with
 * find_get_entries() and locks each: every folio goes.
 */
static void invalidation_respects_folio_lock(struct kunit *test)
{
	const struct zd_inval_param *p = test->param_value;
	struct address_space *mapping = zd_cache_file(test, "zdrace-cache")->f_mapping;
	bool stays = p->kind != ZD_INVAL_WAIT;
	struct folio *folios[3], *found;
	unsigned long gone;
	int i;

	for (i = 0; i < ARRAY_SIZE(folios); i++)
		folios[i] = zd_cache_add(test, mapping, i, 0);
	switch (p->kind) {
	case ZD_INVAL_LOCKED:
		folio_lock(folios[1]);
		gone = invalidate_mapping_pages(mapping, 0, -1);
		KUNIT_EXPECT_EQ(test, folio_ref_count(folios[1]), 1);
		folio_unlock(folios[1]);
		KUNIT_EXPECT_EQ(test, gone, 2UL);
		break;
	case ZD_INVAL_WRITEBACK:
		zd_inval_writeback(folios[1], true);
		gone = invalidate_mapping_pages(mapping, 0, -1);
		KUNIT_EXPECT_EQ(test, folio_ref_count(folios[1]), 1);
		KUNIT_EXPECT_FALSE(test, folio_test_locked(folios[1]));
		zd_inval_writeback(folios[1], false);
		KUNIT_EXPECT_EQ(test, gone, 2UL);
		break;
	case ZD_INVAL_WAIT:
		KUNIT_EXPECT_EQ(test, invalidate_inode_pages2(mapping), 0);
		break;
	}
	for (i = 0; i < ARRAY_SIZE(folios); i++) {
		found = filemap_get_folio(mapping, i);
		if (i == 1 && stays) {
			KUNIT_EXPECT_PTR_EQ_MSG(test, found, folios[1],
						"folio 1 did not stay");
		} else {
			KUNIT_EXPECT_PTR_EQ_MSG(test, found, ERR_PTR(-ENOENT),
						"folio %d stayed", i);
		}
		if (!IS_ERR(found))
			folio_put(found);
	}
}

/*
 * The page-cache ledger a case's files are checked with when it ends sees
 * a folio that holds one reference too many, is left locked or frozen.
 */
static void cache_ledger_sees_leaks(struct kunit *test)
{
	struct file *file = zd_cache_file(test, "zdrace-cache");
	struct folio *folio = zd_cache_add(test, file->f_mapping, 0, 0);

	KUNIT_EXPECT_EQ(test, zd_cache_ledger_diffs(test, file), 0);
	folio_get(folio);
	KUNIT_EXPECT_EQ_MSG(test, zd_cache_ledger_diffs(test, file), 1,
			    "a reference left behind went unseen");
	folio_put(folio);
	folio_lock(folio);
	KUNIT_EXPECT_EQ_MSG(test, zd_cache_ledger_diffs(test, file), 1,
			    "a folio left locked went unseen");
	folio_unlock(folio);
	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	KUNIT_EXPECT_EQ_MSG(test, zd_cache_ledger_diffs(test, file), 1,
			    "a folio left frozen went unseen");
	folio_ref_unfreeze(folio, 1);
	KUNIT_EXPECT_EQ(test, zd_cache_ledger_diffs(test, file), 0);
}

static struct kunit_case zdrace_page_cache_cases[] = {
	KUNIT_CASE_PARAM(lookup_rechecks_reused_slot,
			 zd_spec_lookup_gen_params),
	KUNIT_CASE_PARAM(lookup_never_returns_frozen_folio,
			 zd_spec_frozen_gen_params),
	KUNIT_CASE_PARAM(fault_around_skips_unstable_folio,
			 zd_spec_fault_gen_params),
	KUNIT_CASE_PARAM(page_cache_get_gives_one_reference,
			 zd_fgp_gen_params),
	KUNIT_CASE(contig_lookup_stops_at_full_batch),
	KUNIT_CASE_PARAM(read_batch_stops_at_unready_folio,
			 zd_unready_gen_params),
	KUNIT_CASE_PARAM(invalidation_respects_folio_lock, zd_inval_gen_params),
	KUNIT_CASE(cache_ledger_sees_leaks),
	{}
};

static struct kunit_suite zdrace_page_cache_suite = {
	.name = "zdrace_page_cache",
	.init = zdrace_replay_init,
	.exit = zd_suite_exit,
	.test_cases = zdrace_page_cache_cases,
};

kunit_test_suite(zdrace_page_cache_suite);

MODULE_DESCRIPTION("zdrace: the page cache's speculative gets against frozen and reused folios");
MODULE_LICENSE("GPL");
