// SPDX-License-Identifier: GPL-2.0
// shape: the walk's lock dropped for a reschedule and taken again, the function returning under it once the caller's lock is released: the unlock in the loop is no place for the point, and the last unlock is
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);
	struct page *page = NULL;
	unsigned int scanned = 0;
	void *entry;

	if (!dax_mapping(mapping))
		return NULL;

	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap

	xas_lock_irq(&xas); // close dax_busy_after_unmap
	for (entry = xas_find(&xas, end_idx); entry;
	     entry = xas_next_entry(&xas, end_idx)) {
		entry = wait_entry_unlocked_exclusive(&xas, entry);
		if (entry)
			page = dax_busy_page(entry);
		put_unlocked_entry(&xas, entry, WAKE_NEXT);
		if (page)
			break;
		if (++scanned % XA_CHECK_SCHED)
			continue;
		xas_pause(&xas);
		xas_unlock_irq(&xas);
		cond_resched();
		xas_lock_irq(&xas);
	}
	xas_unlock_irq(&xas); // open dax_busy_after_walk
	trace_dax_layout_busy(mapping, page);
	return page; // close dax_busy_after_walk
}
