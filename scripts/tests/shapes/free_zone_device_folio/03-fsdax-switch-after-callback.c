// SPDX-License-Identifier: GPL-2.0
// shape: an intermediate of Alistair Popple's fs-dax refcount series (linux-mm, 2024-2025): the if/else after ops->page_free() turned into a switch on the type that only puts or resets; the callback still ahead of it for every type
// lines: 6.12 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

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

	folio->mapping = NULL; // open free_before_page_free, open free_after_page_free
	folio->page.pgmap->ops->page_free(folio_page(folio, 0)); // close free_before_page_free

	switch (folio->page.pgmap->type) { // close free_after_page_free
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		put_dev_pagemap(folio->page.pgmap);
		break;

	case MEMORY_DEVICE_FS_DAX:
	case MEMORY_DEVICE_GENERIC:
		/*
		 * Reset the refcount to 1 to prepare for handing out the page
		 * again.
		 */
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_PCI_P2PDMA:
		break;
	}
}
