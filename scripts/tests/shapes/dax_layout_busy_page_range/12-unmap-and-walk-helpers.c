// SPDX-License-Identifier: GPL-2.0
// shape: both steps split out, dax_unmap_range() and dax_walk_busy() called in turn: each point follows its step into its helper
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

static void dax_unmap_range(struct address_space *mapping, pgoff_t start_idx,
			    pgoff_t end_idx)
{
	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap
} // close dax_busy_after_unmap

static struct page *dax_walk_busy(struct xa_state *xas, pgoff_t end_idx)
{
	struct page *page = NULL;
	void *entry;

	xas_lock_irq(xas);
	xas_for_each(xas, entry, end_idx) {
		entry = wait_entry_unlocked_exclusive(xas, entry);
		if (entry)
			page = dax_busy_page(entry);
		put_unlocked_entry(xas, entry, WAKE_NEXT);
		if (page)
			break;
	}
	xas_unlock_irq(xas); // open dax_busy_after_walk
	return page; // close dax_busy_after_walk
}

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);

	if (!dax_mapping(mapping))
		return NULL;

	dax_unmap_range(mapping, start_idx, end_idx);
	return dax_walk_busy(&xas, end_idx);
}
