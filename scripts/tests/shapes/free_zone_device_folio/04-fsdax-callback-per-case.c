// SPDX-License-Identifier: GPL-2.0
// shape: the next step of that series: the callback moved into the cases (PRIVATE/COHERENT, GENERIC before its count reset, P2PDMA), a local pgmap, FS_DAX waking the idle waiter
// lines: 6.12 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;

	if (WARN_ON_ONCE(!pgmap->ops))
		return;

	if (WARN_ON_ONCE(pgmap->type != MEMORY_DEVICE_FS_DAX &&
			 !pgmap->ops->page_free))
		return;

	mem_cgroup_uncharge(folio);

	if (folio_test_anon(folio)) {
		VM_BUG_ON_FOLIO(folio_test_large(folio), folio);
		__ClearPageAnonExclusive(folio_page(folio, 0));
	}

	folio->mapping = NULL; // open free_before_page_free

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT: // open free_after_page_free
		pgmap->ops->page_free(folio_page(folio, 0)); // close free_before_page_free
		put_dev_pagemap(pgmap);
		break;

	case MEMORY_DEVICE_GENERIC:
		/*
		 * Reset the refcount to 1 to prepare for handing out the page
		 * again.
		 */
		pgmap->ops->page_free(folio_page(folio, 0));
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_FS_DAX:
		wake_up_var(&folio->page);
		break;

	case MEMORY_DEVICE_PCI_P2PDMA:
		pgmap->ops->page_free(folio_page(folio, 0));
		break; // close free_after_page_free
	}
}
