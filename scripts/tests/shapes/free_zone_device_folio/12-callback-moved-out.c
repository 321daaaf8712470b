// SPDX-License-Identifier: GPL-2.0
// shape: window removed: the per-type free (callback, put, reset, wake-up) moved out of mm/memremap.c into a pgmap_free_folio() of another file; nothing of the window is left here
// lines: 6.12 7.3
// expect: free_before_page_free not-placed
// expect: free_after_page_free not-placed

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;

	if (WARN_ON_ONCE(!pgmap))
		return;

	mem_cgroup_uncharge(folio);

	if (folio_test_anon(folio))
		folio_clear_anon_exclusive_all(folio, folio_nr_pages(folio));

	pgmap_free_folio(pgmap, folio);
}
