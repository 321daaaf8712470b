/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zdrace fault-injection points: the one table that declares them.
 * Included by <zdrace/fi.h> and zdrace_fi.c with ZDRACE_FI_POINT() defined.
 *
 * ZDRACE_FI_POINT(id, file, flags, window): the id is also the point's
 * name on the boot line and in debugfs.  Flags:
 *
 *   ZDRACE_FI_ATOMIC   the window may run with IRQs off, under RCU or a
 *                      spinlock: sleeping actions (yield, a sleeping call)
 *                      are refused there.
 *   ZDRACE_FI_CAN_FAIL the site has a failure branch that `fail` takes.
 *   ZDRACE_FI_RETRIES  that failure branch retries: `fail` needs a bounded
 *                      `times` or it would never return.
 *   ZDRACE_FI_ABSENT   this kernel line has no such window: the point is
 *                      never passed and arming it is refused.
 *
 * ZDRACE_FI_BY_LINE(six, seven) gives an entry that differs between lines.
 *
 * A patch places the calls, zdrace_fi(ZDRACE_FI_<id>), in the mm files.
 */
ZDRACE_FI_POINT(memunmap_after_kill, "mm/memremap.c",
		0,
		"memunmap_pages(): after percpu_ref_kill(), before the per-page puts")
ZDRACE_FI_POINT(memunmap_after_put_initial, "mm/memremap.c",
		0,
		"memunmap_pages(): after putting the per-page refs (not PRIVATE/COHERENT)")
ZDRACE_FI_POINT(memunmap_before_wait, "mm/memremap.c",
		0,
		"memunmap_pages(): before wait_for_completion(&pgmap->done)")
ZDRACE_FI_POINT(memunmap_after_wait, "mm/memremap.c",
		0,
		"memunmap_pages(): after wait_for_completion(&pgmap->done)")
ZDRACE_FI_POINT(memunmap_before_unmap, "mm/memremap.c",
		0,
		"memunmap_pages(): before pageunmap_range() of each range")
ZDRACE_FI_POINT(free_before_page_free, "mm/memremap.c",
		ZDRACE_FI_ATOMIC,
		"free_zone_device_folio(): before ops->page_free()")
ZDRACE_FI_POINT(free_after_page_free, "mm/memremap.c",
		ZDRACE_FI_ATOMIC,
		"free_zone_device_folio(): after page_free(), before the count reset/pgmap put")
ZDRACE_FI_POINT(page_init_before_tryget, "mm/memremap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
		"zone_device_page_init(): before the pgmap tryget; fail: it fails")
ZDRACE_FI_POINT(get_pgmap_before_tryget, "mm/memremap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
		"get_dev_pagemap(): after xa_load(), before the tryget; fail: NULL")
ZDRACE_FI_POINT(gup_fast_after_pte_read, "mm/gup.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
		"gup_fast_pte_range(): after the PTE read; fail: fall back to slow GUP")
ZDRACE_FI_POINT(gup_fast_after_get_pgmap, "mm/gup.c",
		ZDRACE_FI_BY_LINE(ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
				  ZDRACE_FI_ABSENT),
		"gup_fast_pte_range(): after get_dev_pagemap(); fail: as if NULL")
ZDRACE_FI_POINT(gup_fast_after_grab, "mm/gup.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
		"gup_fast_pte_range(): after the grab, before the re-check; fail: it fails")
ZDRACE_FI_POINT(filemap_after_load, "mm/filemap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL | ZDRACE_FI_RETRIES,
		"filemap_get_entry(): after xas_load(); fail: folio_try_get() fails")
ZDRACE_FI_POINT(filemap_after_tryget, "mm/filemap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL | ZDRACE_FI_RETRIES,
		"filemap_get_entry(): before xas_reload(); fail: the reload differs")
ZDRACE_FI_POINT(read_batch_after_load, "mm/filemap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL | ZDRACE_FI_RETRIES,
		"filemap_get_read_batch(): after the xarray load; fail: folio_try_get() fails")
ZDRACE_FI_POINT(fault_around_after_load, "mm/filemap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL,
		"next_uptodate_folio(): after the xarray load; fail: the folio is skipped")
ZDRACE_FI_POINT(contig_after_load, "mm/filemap.c",
		ZDRACE_FI_ATOMIC | ZDRACE_FI_CAN_FAIL | ZDRACE_FI_RETRIES,
		"filemap_get_folios_contig(): after the xarray load; fail: folio_try_get() fails")
ZDRACE_FI_POINT(final_put_zone_device,
		ZDRACE_FI_BY_LINE("mm/swap.c", "mm/folio.c"),
		ZDRACE_FI_ATOMIC,
		"__folio_put(): final put of a ZONE_DEVICE folio, before its free")
ZDRACE_FI_POINT(dax_busy_after_unmap, "fs/dax.c",
		0,
		"dax_layout_busy_page_range(): after the unmap, before the busy-page walk")
ZDRACE_FI_POINT(dax_busy_after_walk, "fs/dax.c",
		0,
		"dax_layout_busy_page_range(): after the busy-page walk, before its return")
