// SPDX-License-Identifier: GPL-2.0
// shape: the walk under rcu_read_lock() with the xa_lock taken per entry, leaving through a goto to an out label that drops the RCU lock
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t start_idx = start >> PAGE_SHIFT;
	pgoff_t end_idx = end == LLONG_MAX ? ULONG_MAX : end >> PAGE_SHIFT;
	XA_STATE(xas, &mapping->i_pages, start_idx);
	struct page *busy = NULL;
	void *entry;

	if (!dax_mapping(mapping))
		goto out_none;

	unmap_mapping_pages(mapping, start_idx, end_idx - start_idx + 1, 0); // open dax_busy_after_unmap

	rcu_read_lock(); // close dax_busy_after_unmap
	xas_for_each(&xas, entry, end_idx) {
		xas_lock_irq(&xas);
		entry = wait_entry_unlocked_exclusive(&xas, entry);
		if (entry)
			busy = dax_busy_page(entry);
		put_unlocked_entry(&xas, entry, WAKE_NEXT);
		xas_unlock_irq(&xas);
		if (busy)
			goto out;
	}
out:
	rcu_read_unlock(); // open dax_busy_after_walk
	return busy; // close dax_busy_after_walk
out_none:
	return NULL;
}
