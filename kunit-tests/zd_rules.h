/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules the race suites assert, each from a linux-mm thread, and the
 * one place that declares which kernel line is known to break which rule.
 * Included with ZD_RULE() and ZD_BREAK() defined:
 *
 *   ZD_RULE(id, thread, statement)
 *   ZD_BREAK(id, line, types, evidence)
 *
 * @types is a mask of BIT(MEMORY_DEVICE_*).  A case that shows a break
 * not declared here fails; a declared break that no case shows fails
 * `make check` (scripts/zdtool/kernel/rules.py): a fix or a regression upstream
 * is noticed the day it lands.
 */
#ifndef ZD_APR_2017
#define ZD_APR_2017 "Apr 2017, get_zone_device_page() in get_page() and page_cache_get_speculative()"
#define ZD_SEP_2021 "Sep 2021, gup-fast's get_dev_pagemap(): \"So lets just delete it!\""
#define ZD_FEB_2022 "Feb 2022, DEVICE_COHERENT pinning (\"the same pinning rules for GUP vs. GUP-fast\")"
#define ZD_SEP_2022_BUSY "Sep 2022, INIT_PAGEMAP_BUSY (page_free() before the refcount reset)"
#define ZD_SEP_2022_DAX "Sep 2022, Fix the DAX-gup mistake (pgmap put after page_free())"
#endif

ZD_RULE(teardown_waits_for_reference, ZD_APR_2017,
	"memunmap_pages() does not pass its wait or free memmap or pgmap under a page reference")
ZD_RULE(gup_fast_page_has_live_pgmap, ZD_SEP_2021,
	"at any teardown step gup-fast returns a referenced page with a live pgmap, or falls back")
ZD_RULE(gup_fast_rechecks_window, ZD_SEP_2021,
	"gup-fast falls back, holding nothing, if PTE, count or fork sequence change in its window")
ZD_RULE(grab_alone_keeps_pgmap, ZD_SEP_2021,
	"the page reference gup-fast grabs keeps page->pgmap valid with no pgmap reference")
ZD_RULE(longterm_pin_parity, ZD_FEB_2022,
	"FOLL_LONGTERM pins agree page by page through pin_user_pages_fast() and pin_user_pages()")
ZD_RULE(mapped_coherent_refcount, ZD_FEB_2022,
	"a mapped COHERENT anon page has count 1, mapcount 1, one pgmap ref; munmap frees it")
ZD_RULE(free_list_page_unreferenced, ZD_SEP_2022_BUSY,
	"a page on the free list carries no reference, in free_zone_device_folio() or after")
ZD_RULE(new_owner_keeps_count, ZD_SEP_2022_BUSY,
	"a page handed out again keeps its new owner's count; pgmap references balance")
ZD_RULE(dma_pinned_tells_foll_pin, ZD_SEP_2022_DAX,
	"folio_maybe_dma_pinned() is true under FOLL_PIN and false under other references")
ZD_RULE(pin_outlives_mapping, ZD_SEP_2022_DAX,
	"a pinned device page stays referenced when its user mapping goes")
ZD_RULE(pgmap_ref_once_per_lifetime, ZD_SEP_2022_DAX,
	"the pgmap is got once and put once per page lifetime, whatever else comes and goes")
ZD_RULE(page_free_holds_pgmap, ZD_SEP_2022_DAX,
	"ops->page_free() runs with a pgmap reference wherever the final put lands in teardown")
ZD_RULE(no_alloc_after_teardown_starts, ZD_SEP_2022_DAX,
	"once memunmap_pages() killed the pgmap, zone_device_page_init() takes no pgmap reference")
ZD_RULE(speculative_get_refuses_free_page, ZD_APR_2017,
	"folio_try_get() and folio_ref_try_add() take no reference on a free device page")
ZD_RULE(fsdax_pin_keeps_busy, ZD_SEP_2022_DAX,
	"a DMA pin keeps an FS_DAX page busy: seen as pinned, no idle wake-up until the unpin")
ZD_RULE(fsdax_unmount_waits_for_pin, ZD_SEP_2022_DAX,
	"unmounting a DAX filesystem waits for a pinned page of its files to go idle")
ZD_RULE(fsdax_cut_waits_for_pin, ZD_SEP_2022_DAX,
	"a truncate or hole punch of a pinned FS_DAX page waits for the unpin, even once unmapped")
ZD_RULE(fsdax_cut_ends_at_unpin, ZD_SEP_2022_DAX,
	"a truncate or hole punch waiting on a pinned FS_DAX page ends at the unpin, faults or not")
ZD_RULE(fsdax_idle_wakeup, ZD_SEP_2022_DAX,
	"the put that brings an FS_DAX page to its idle count wakes whoever waits for it")
ZD_RULE(fsdax_hole_maps_zero_page, ZD_SEP_2022_DAX,
	"a DAX file's hole maps the zero page, nothing busy; a write of it maps its page, one ref")
ZD_RULE(private_fault_brings_page_back, ZD_SEP_2022_BUSY,
	"a device-private page holds a page and a pgmap ref; brought back, it is freed, both back")
ZD_RULE(private_eviction_leaves_busy_page, ZD_APR_2017,
	"an eviction leaves a page locked by another or referenced on the device, counts as before")
ZD_RULE(private_fault_waits_for_lock, ZD_SEP_2022_BUSY,
	"a fault on a device-private page another holds locked waits, with no ref, then moves it")
ZD_RULE(coherent_migrates_back, ZD_FEB_2022,
	"a COHERENT page migrated back by its driver is freed, contents kept; another's skips it")
ZD_RULE(eviction_takes_every_page, ZD_APR_2017,
	"an eviction collects every page in use it covers, whatever the free pages beside it were")
ZD_RULE(large_folio_eviction_keeps_folio, ZD_APR_2017,
	"an eviction leaves a large folio its driver holds whole: unlocked, counts as before")
ZD_RULE(migration_frees_unused_page, ZD_SEP_2022_BUSY,
	"a device page a migration could not use (hole filled, shmem) is freed, its pgmap ref back")
ZD_RULE(migration_takes_only_selected, ZD_SEP_2022_BUSY,
	"a migration takes no ref on what its flags do not select: PTE and counts as they were")
ZD_RULE(hole_takes_migratable_page, ZD_SEP_2022_BUSY,
	"a hole takes a system, device-private or COHERENT page; others are refused, counts kept")
ZD_RULE(private_back_during_teardown, ZD_APR_2017,
	"a device-private page back at any teardown step, forked or not, is freed before it ends")
ZD_RULE(hmm_takes_no_reference, ZD_APR_2017,
	"hmm_range_fault() takes no page reference: it reports, or faults in what it is asked for")
ZD_RULE(private_fork_copies_entry, ZD_SEP_2022_BUSY,
	"a fork's device-private copy takes a page ref and mapcount, no pgmap ref; exit puts both")
ZD_RULE(exclusive_entry_balances, ZD_FEB_2022,
	"a device-exclusive entry holds its page's ref; whatever ends it leaves counts as before")
ZD_RULE(exclusive_page_evicts, ZD_FEB_2022,
	"a device-exclusive device page evicts to RAM, in teardown too, and leaks no page ref")
ZD_RULE(exclusive_end_during_teardown, ZD_APR_2017,
	"a device-exclusive COHERENT page unmapped in a teardown is freed before the teardown ends")
ZD_RULE(lookup_returns_stable_folio, ZD_APR_2017,
	"page-cache lookups never return or map a folio frozen or replaced between load and get")

ZD_BREAK(teardown_waits_for_reference, "6.12",
	 BIT(MEMORY_DEVICE_GENERIC) | BIT(MEMORY_DEVICE_FS_DAX),
	 "plain GENERIC/FS_DAX references hold no pgmap ref: memunmap_pages() returns under them")
ZD_BREAK(gup_fast_page_has_live_pgmap, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "per-page refs put inside gup-fast's window: the pgmap dies under the returned page")
ZD_BREAK(grab_alone_keeps_pgmap, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "without get_dev_pagemap()'s ref the GENERIC pgmap dies under the grabbed page")
ZD_BREAK(free_list_page_unreferenced, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "folio_set_count(1) after ops->page_free() leaves a free GENERIC page at count 1")
ZD_BREAK(new_owner_keeps_count, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "folio_set_count(1) overwrites the count of a GENERIC page handed out in the window")
ZD_BREAK(page_free_holds_pgmap, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "a final put after teardown's per-page puts runs ops->page_free() with the pgmap at 0")
ZD_BREAK(speculative_get_refuses_free_page, "6.12", BIT(MEMORY_DEVICE_GENERIC),
	 "a free GENERIC page sits at count 1 on the free list: the speculative get succeeds")
ZD_BREAK(fsdax_unmount_waits_for_pin, "6.12", BIT(MEMORY_DEVICE_FS_DAX),
	 "eviction drops a pinned page's DAX entry at once: WARN in dax_disassociate_entry")
ZD_BREAK(fsdax_cut_waits_for_pin, "6.12", BIT(MEMORY_DEVICE_FS_DAX),
	 "after the last munmap the busy-page lookup returns at once (!mapping_mapped())")
ZD_BREAK(exclusive_page_evicts, "6.12", BIT(MEMORY_DEVICE_COHERENT),
	 "move fails on the entry's ref; finalize takes the entry for a migration one: ref leaks")

ZD_BREAK(teardown_waits_for_reference, "7.3",
	 BIT(MEMORY_DEVICE_GENERIC) | BIT(MEMORY_DEVICE_FS_DAX),
	 "plain GENERIC/FS_DAX references hold no pgmap ref: memunmap_pages() returns under them")
ZD_BREAK(gup_fast_page_has_live_pgmap, "7.3", BIT(MEMORY_DEVICE_GENERIC),
	 "gup-fast takes no pgmap ref: per-page refs put in its window kill the pgmap under it")
ZD_BREAK(grab_alone_keeps_pgmap, "7.3", BIT(MEMORY_DEVICE_GENERIC),
	 "gup-fast's grab alone, its only reference, does not keep the GENERIC pgmap alive")
ZD_BREAK(speculative_get_refuses_free_page, "7.3", BIT(MEMORY_DEVICE_GENERIC),
	 "a GENERIC page sits at count 1 after its final put: the speculative get succeeds")
ZD_BREAK(fsdax_cut_ends_at_unpin, "7.3", BIT(MEMORY_DEVICE_FS_DAX),
	 "a fault in the break's wait maps the page again: the unpin leaves it at 1, no wakeup")
ZD_BREAK(eviction_takes_every_page, "7.3",
	 BIT(MEMORY_DEVICE_PRIVATE) | BIT(MEMORY_DEVICE_COHERENT),
	 "migrate_device_range() steps a free head's stale order: a reused tail is not evicted")
ZD_BREAK(no_alloc_after_teardown_starts, "7.3",
	 BIT(MEMORY_DEVICE_PRIVATE) | BIT(MEMORY_DEVICE_COHERENT),
	 "percpu_ref_tryget_many() succeeds on the killed pgmap: the late page holds a new ref")
