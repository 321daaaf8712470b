// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.12: one ops->page_free() for every type, then the count reset (GENERIC, FS_DAX, P2PDMA) or the pgmap put (PRIVATE, COHERENT)
// lines: 6.12
// expect: free_before_page_free placed
// expect: free_after_page_free placed

void free_zone_device_folio(struct folio *folio)
{
	if (WARN_ON_ONCE(!folio->page.pgmap->ops ||
			!folio->page.pgmap->ops->page_free))
		return;

	mem_cgroup_uncharge(folio);

	/*
	 * Note: we don't expect anonymous compound pages yet. Once supported
	 * and we could PTE-map them similar to THP, we'd have to clear
	 * PG_anon_exclusive on all tail pages.
	 */
	if (folio_test_anon(folio)) {
		VM_BUG_ON_FOLIO(folio_test_large(folio), folio);
		__ClearPageAnonExclusive(folio_page(folio, 0));
	}

	/*
	 * When a device managed page is freed, the folio->mapping field
	 * may still contain a (stale) mapping value. For example, the
	 * lower bits of folio->mapping may still identify the folio as an
	 * anonymous folio. Ultimately, this entire field is just stale
	 * and wrong, and it will cause errors if not cleared.
	 *
	 * For other types of ZONE_DEVICE pages, migration is either
	 * handled differently or not done at all, so there is no need
	 * to clear folio->mapping.
	 */
	folio->mapping = NULL; // open free_before_page_free, open free_after_page_free
	folio->page.pgmap->ops->page_free(folio_page(folio, 0)); // close free_before_page_free

	if (folio->page.pgmap->type != MEMORY_DEVICE_PRIVATE && // close free_after_page_free
	    folio->page.pgmap->type != MEMORY_DEVICE_COHERENT)
		/*
		 * Reset the refcount to 1 to prepare for handing out the page
		 * again.
		 */
		folio_set_count(folio, 1);
	else
		put_dev_pagemap(folio->page.pgmap);
}
