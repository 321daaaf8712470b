// SPDX-License-Identifier: GPL-2.0
// shape: the unmap moved out to the callers, the function only walks: no unmap left for the first point; the walk's point placed
// lines: 6.12 7.3
// expect: dax_busy_after_unmap not-placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);
	struct page *page = NULL;
	void *entry;

	if (!dax_mapping(mapping))
		return NULL;

	xas_lock_irq(&xas);
	xas_for_each(&xas, entry, end_idx) {
		entry = wait_entry_unlocked_exclusive(&xas, entry);
		if (entry)
			page = dax_busy_page(entry);
		put_unlocked_entry(&xas, entry, WAKE_NEXT);
		if (page)
			break;
	}
	xas_unlock_irq(&xas); // open dax_busy_after_walk
	return page; // close dax_busy_after_walk
}
