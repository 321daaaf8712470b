// SPDX-License-Identifier: GPL-2.0
// shape: the 4.20-5.11 filemap_map_pages() walk under today's name (Matthew Wilcox, "page cache: Convert filemap_map_pages to XArray", 070e807c690b): xas_for_each(), the speculative get on compound_head() of the entry, the split re-check
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct page *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct page *head, *page;
	unsigned long max_idx;

	xas_for_each(xas, page, end_pgoff) { // open fault_around_after_load
		if (xas_retry(xas, page))
			continue;
		if (xa_is_value(page))
			continue;

		head = compound_head(page);
		if (!page_cache_get_speculative(head)) // close fault_around_after_load
			continue;

		/* The page was split under us? */
		if (compound_head(page) != head)
			goto skip;

		/* Has the page moved? */
		if (unlikely(page != xas_reload(xas)))
			goto skip;

		if (!PageUptodate(page) || PageReadahead(page))
			goto skip;
		if (!trylock_page(page))
			goto skip;
		if (page->mapping != mapping || !PageUptodate(page))
			goto unlock;

		max_idx = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
		if (page->index >= max_idx)
			goto unlock;
		return page;
unlock:
		unlock_page(page);
skip:
		put_page(head);
	}

	return NULL;
}
