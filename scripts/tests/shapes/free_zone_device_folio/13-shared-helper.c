// SPDX-License-Identifier: GPL-2.0
// shape: the callback in a static helper that memunmap_pages() calls too (to free pages the driver still holds): a shared helper never gets the points, so no window is left in free_zone_device_folio()
// lines: 7.3
// expect: free_before_page_free not-placed
// expect: free_after_page_free not-placed

static void pgmap_folio_free(struct dev_pagemap *pgmap, struct folio *folio)
{
	if (WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->folio_free))
		return;
	pgmap->ops->folio_free(folio);
}

void memunmap_pages(struct dev_pagemap *pgmap)
{
	struct folio *folio;

	list_for_each_entry(folio, &pgmap->held, lru)
		pgmap_folio_free(pgmap, folio);
	percpu_ref_kill(&pgmap->ref);
	wait_for_completion(&pgmap->done);
}

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;

	if (WARN_ON_ONCE(!pgmap))
		return;

	mem_cgroup_uncharge(folio);
	folio->mapping = NULL;
	pgmap_folio_free(pgmap, folio);
	percpu_ref_put_many(&pgmap->ref, folio_nr_pages(folio));
}
