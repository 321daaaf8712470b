// SPDX-License-Identifier: GPL-2.0
// shape: the 6.12 function with the callback and the put/reset split out into a static helper (the points follow the callback into it), the callback's page in a local
// lines: 6.12
// expect: free_before_page_free placed
// expect: free_after_page_free placed

static void zone_device_page_free(struct dev_pagemap *pgmap, struct folio *folio)
{
	struct page *page = folio_page(folio, 0); // open free_before_page_free, open free_after_page_free

	pgmap->ops->page_free(page); // close free_before_page_free

	if (pgmap->type != MEMORY_DEVICE_PRIVATE && // close free_after_page_free
	    pgmap->type != MEMORY_DEVICE_COHERENT)
		folio_set_count(folio, 1);
	else
		put_dev_pagemap(pgmap);
}

void free_zone_device_folio(struct folio *folio)
{
	if (WARN_ON_ONCE(!folio->page.pgmap->ops ||
			!folio->page.pgmap->ops->page_free))
		return;

	mem_cgroup_uncharge(folio);

	if (folio_test_anon(folio)) {
		VM_BUG_ON_FOLIO(folio_test_large(folio), folio);
		__ClearPageAnonExclusive(folio_page(folio, 0));
	}

	folio->mapping = NULL;
	zone_device_page_free(folio->page.pgmap, folio);
}
