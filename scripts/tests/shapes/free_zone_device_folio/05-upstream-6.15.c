// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.15-6.18 (the fs-dax series merged): ops->page_free(folio_page(folio, 0)) guarded per case, put_dev_pagemap() for PRIVATE/COHERENT, GENERIC without a callback
// lines: 6.12 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;

	if (WARN_ON_ONCE(!pgmap))
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

	if (pgmap->type != MEMORY_DEVICE_FS_DAX &&
	    pgmap->type != MEMORY_DEVICE_GENERIC)
		folio->mapping = NULL; // open free_before_page_free

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		if (WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->page_free))
			break; // open free_after_page_free
		pgmap->ops->page_free(folio_page(folio, 0)); // close free_before_page_free
		put_dev_pagemap(pgmap);
		break;

	case MEMORY_DEVICE_GENERIC:
		/*
		 * Reset the refcount to 1 to prepare for handing out the page
		 * again.
		 */
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_FS_DAX:
		wake_up_var(&folio->page);
		break;

	case MEMORY_DEVICE_PCI_P2PDMA:
		if (WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->page_free))
			break;
		pgmap->ops->page_free(folio_page(folio, 0));
		break; // close free_after_page_free
	}
}
