// SPDX-License-Identifier: GPL-2.0
// shape: the 5.12-5.15 body (willy 2021 "mm/filemap: rename find_get_entry to mapping_get_entry") under today's name: struct page, page_cache_get_speculative(), put_page(), the "moved or split" comment between get and reload
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct page *page;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	page = xas_load(&xas); // open filemap_after_load
	if (xas_retry(&xas, page))
		goto repeat;
	/*
	 * A shadow entry of a recently evicted page, or a swap entry from
	 * shmem/tmpfs.  Return it without attempting to raise page count.
	 */
	if (!page || xa_is_value(page))
		goto out;

	if (!page_cache_get_speculative(page)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;

	/*
	 * Has the page moved or been split?
	 * This is part of the lockless pagecache protocol. See
	 * include/linux/pagemap.h for details.
	 */
	if (unlikely(page != xas_reload(&xas))) { // close filemap_after_tryget
		put_page(page);
		goto repeat;
	}
out:
	rcu_read_unlock();

	return page;
}
