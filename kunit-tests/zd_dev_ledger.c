// SPDX-License-Identifier: GPL-2.0
/*
 * The device's end-of-case ledger: every page back as memremap_pages()
 * left it; see zd_dev_ledger.h.
 */

#include <asm/zone_device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/version.h>
#if LINUX_VERSION_MAJOR < 7
#include <linux/pfn_t.h>
#endif
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <zdrace/sched.h>

#include "zd_dev_ledger.h"
#include "zd_kunit.h"

/*
 * The flags the ledger holds to idle: those the page allocator checks on
 * a page it frees, and the node, zone and section bits.  Referenced,
 * uptodate, dirty and swapbacked, which the page allocator clears without
 * a word, upstream leaves on a freed device page (a written user mapping,
 * a migration), so they are no leak.
 */
#define ZD_LEDGER_FLAGS	(PAGE_FLAGS_CHECK_AT_FREE | ~PAGEFLAGS_MASK)

void zd_page_state(struct page *page, struct zd_page_state *st)
{
	st->count = page_ref_count(page);
	st->mapcount = atomic_read(&page->_mapcount);
	st->flags = zd_page_flags(page) & ZD_LEDGER_FLAGS;
	st->mapping = READ_ONCE(page->mapping);
}

/* Differences the ledger prints in full; the rest are counted. */
#define ZD_LEDGER_SHOWN	4

static void zd_ledger_diff(struct zd_dev *dev, unsigned long idx,
			   const char *field, unsigned long want,
			   unsigned long found, bool report, int *nr)
{
	if (report && (*nr) < ZD_LEDGER_SHOWN)
		KUNIT_FAIL(dev->test,
			   "ledger: page %lu of the device (pfn %#lx): %s expected %#lx, found %#lx",
			   idx, dev->pfn_first + idx, field, want, found);
	(*nr)++;
}

/*
 * Compare every page of @dev, and its pgmap's count, with their idle
 * state; fail the test on the first ZD_LEDGER_SHOWN differences when
 * @report.  Return: the number of differences.
 */
static int zd_dev_ledger_scan(void *data, bool report)
{
	struct zd_dev *dev = data;
	struct zd_page_state st, *idle = &dev->idle;
	unsigned long idx;
	long refs;
	int nr = 0;

	for (idx = 0; idx < dev->nr_pages; idx++) {
		zd_page_state(zd_dev_page(dev, idx), &st);
		if (st.count != idle->count)
			zd_ledger_diff(dev, idx, "refcount", idle->count,
				       st.count, report, &nr);
		if (st.mapcount != idle->mapcount)
			zd_ledger_diff(dev, idx, "mapcount", idle->mapcount + 1,
				       st.mapcount + 1, report, &nr);
		if (st.flags != idle->flags)
			zd_ledger_diff(dev, idx, "flags", idle->flags,
				       st.flags, report, &nr);
		if (st.mapping != idle->mapping)
			zd_ledger_diff(dev, idx, "mapping",
				       (unsigned long)idle->mapping,
				       (unsigned long)st.mapping, report, &nr);
	}
	if (report && nr > ZD_LEDGER_SHOWN)
		KUNIT_FAIL(dev->test, "ledger: %d page differences in all, %d shown",
			   nr, ZD_LEDGER_SHOWN);
	refs = zd_dev_pgmap_refs(dev);
	if (refs != dev->idle_pgmap_refs) {
		if (report)
			KUNIT_FAIL(dev->test,
				   "ledger: the pgmap's reference count: expected %ld, found %ld",
				   dev->idle_pgmap_refs, refs);
		nr++;
	}
	return nr;
}

/**
 * zd_dev_ledger_diffs() - how far @dev is from idle, without failing.
 * @dev: the device, mapped.
 *
 * Return: the number of page fields, and the pgmap count, that differ
 * from the state memremap_pages() left them in.
 */
int zd_dev_ledger_diffs(struct zd_dev *dev)
{
	return zd_dev_ledger_scan(dev, false);
}

/*
 * The end-of-case check, the way the page allocator checks a page it
 * frees: is every page of @dev (mapped, user mappings zapped) back in the
 * state memremap_pages() left it in (count, mapcount, flags, mapping),
 * and the pgmap's count back at its idle value?  A difference fails the
 * case, naming the page, the field, the expected and the found value: a
 * case cannot leak a reference on a path it exercises and pass because
 * its own assertions look elsewhere.  A case that ended skipped (a
 * declared known upstream break) is not judged; what is off is printed.
 */
void zd_dev_ledger(struct zd_dev *dev)
{
	zd_ledger_judge(dev->test, zd_dev_ledger_scan, dev, "ledger");
}

/**
 * zd_ledger_judge() - an end-of-case ledger's verdict on @test.
 * @test: the case that ends.
 * @scan: counts what differs from idle, failing @test on it if asked.
 * @data: what @scan looks at.
 * @what: the ledger's name in the log.
 *
 * A case that ended skipped (a declared known upstream break) is not
 * judged: what is off is printed.  Otherwise what a thread of the case
 * (an mm its exiting thread still unmaps) may still be undoing gets
 * ZD_LEDGER_SETTLE_NS to settle, then every difference fails @test.
 */
void zd_ledger_judge(struct kunit *test, int (*scan)(void *data, bool report),
		     void *data, const char *what)
{
	int nr;

	if (test->status != KUNIT_SKIPPED) {
		zd_wait_until(!scan(data, false), ZD_LEDGER_SETTLE_NS, msleep(5));
		scan(data, true);
		return;
	}
	nr = scan(data, false);
	if (nr)
		kunit_info(test, "%s (case skipped, not judged): %d differences from idle\n",
			   what, nr);
}
