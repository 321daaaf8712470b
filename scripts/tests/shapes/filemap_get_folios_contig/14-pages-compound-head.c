// SPDX-License-Identifier: GPL-2.0
// shape: the 4.20-5.x find_get_pages_contig() body under today's name (Matthew Wilcox, "page cache: Convert find_get_pages_contig to XArray", v13 26/72, linux-mm 2018-06-11): struct page entries, the speculative get on compound_head() of the entry, the split re-check
// lines: 6.12
// expect: contig_after_load placed

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t index, unsigned int nr_pages, struct page **pages)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct page *page;
	unsigned int ret = 0;

	if (unlikely(!nr_pages))
		return 0;

	rcu_read_lock();
	for (page = xas_load(&xas); page; page = xas_next(&xas)) { // open contig_after_load
		struct page *head;
		if (xas_retry(&xas, page))
			continue;
		/*
		 * If the entry has been swapped out, we can stop looking.
		 * No current caller is looking for DAX entries.
		 */
		if (xa_is_value(page))
			break;

		head = compound_head(page);
		if (!page_cache_get_speculative(head)) // close contig_after_load
			goto retry;

		/* The page was split under us? */
		if (compound_head(page) != head)
			goto put_page;

		/* Has the page moved? */
		if (unlikely(page != xas_reload(&xas)))
			goto put_page;

		/*
		 * must check mapping and index after taking the ref.
		 * otherwise we can get both false positives and false
		 * negatives, which is just confusing to the caller.
		 */
		if (!page->mapping || page_to_pgoff(page) != xas.xa_index) {
			put_page(page);
			break;
		}

		pages[ret] = page;
		if (++ret == nr_pages)
			break;
		continue;
put_page:
		put_page(head);
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();
	return ret;
}
