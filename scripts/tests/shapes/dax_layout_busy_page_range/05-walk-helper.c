// SPDX-License-Identifier: GPL-2.0
// shape: the walk split out into dax_find_busy_page(), which returns what it found: the walk's point follows it into the helper
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

static struct page *dax_find_busy_page(struct address_space *mapping,
				       pgoff_t start_idx, pgoff_t end_idx)
{
	XA_STATE(xas, &mapping->i_pages, start_idx);
	unsigned int scanned = 0;
	struct page *page = NULL;
	void *entry;

	xas_lock_irq(&xas);
	xas_for_each(&xas, entry, end_idx) {
		if (WARN_ON_ONCE(!xa_is_value(entry)))
			continue;
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
	return page; // close dax_busy_after_walk
}

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx;

	if (!dax_mapping(mapping))
		return NULL;

	end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap
	return dax_find_busy_page(mapping, start_idx, end_idx); // close dax_busy_after_unmap
}
