// SPDX-License-Identifier: GPL-2.0
// shape: the 5.3-5.9 find_get_entry() body (XArray conversion, willy 2018-2019) under today's name: the get on compound_head() of the loaded page through a local, a split check between the get and the reload check
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t offset)
{
	XA_STATE(xas, &mapping->i_pages, offset);
	struct page *head, *page;

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

	head = compound_head(page);
	if (!page_cache_get_speculative(head)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;

	/* The page was split under us? */
	if (compound_head(page) != head) {
		put_page(head);
		goto repeat;
	}

	/*
	 * Has the page moved?
	 * This is part of the lockless pagecache protocol. See
	 * include/linux/pagemap.h for details.
	 */
	if (unlikely(page != xas_reload(&xas))) { // close filemap_after_tryget
		put_page(head);
		goto repeat;
	}
	page = find_subpage(page, offset);
out:
	rcu_read_unlock();

	return page;
}
