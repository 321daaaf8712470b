// SPDX-License-Identifier: GPL-2.0
// shape: the walk finds a folio (dax_busy_folio()) and returns its page, folio_page(folio, 0) when there is one
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);
	struct folio *folio = NULL;
	void *entry;

	if (!dax_mapping(mapping))
		return NULL;

	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap

	xas_lock_irq(&xas); // close dax_busy_after_unmap
	xas_for_each(&xas, entry, end_idx) {
		entry = wait_entry_unlocked_exclusive(&xas, entry);
		if (entry)
			folio = dax_busy_folio(entry);
		put_unlocked_entry(&xas, entry, WAKE_NEXT);
		if (folio)
			break;
	}
	xas_unlock_irq(&xas); // open dax_busy_after_walk
	return folio ? folio_page(folio, 0) : NULL; // close dax_busy_after_walk
}
