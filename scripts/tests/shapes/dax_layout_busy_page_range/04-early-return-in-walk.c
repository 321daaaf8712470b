// SPDX-License-Identifier: GPL-2.0
// shape: the walk returns the busy page from inside the loop, after its own unlock, and NULL after it: the point before the return of the page, not before the NULL
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);
	struct page *page;
	void *entry;

	if (!dax_mapping(mapping))
		return NULL;

	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap
	xas_lock_irq(&xas); // close dax_busy_after_unmap
	xas_for_each(&xas, entry, end_idx) {
		if (WARN_ON_ONCE(!xa_is_value(entry)))
			continue;
		entry = wait_entry_unlocked_exclusive(&xas, entry);
		page = entry ? dax_busy_page(entry) : NULL;
		put_unlocked_entry(&xas, entry, WAKE_NEXT);
		if (page) {
			xas_unlock_irq(&xas); // open dax_busy_after_walk
			return page; // close dax_busy_after_walk
		}
	}
	xas_unlock_irq(&xas);
	return NULL;
}
