// SPDX-License-Identifier: GPL-2.0
// shape: mid folio conversion: the walk loads struct page entries and gets the folio they belong to, through a local page_folio() of the entry
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct page *page = xas_next_entry(xas, end_pgoff); // open fault_around_after_load
	struct folio *folio;
	unsigned long max_idx;

	do {
		if (!page)
			return NULL;
		if (xas_retry(xas, page))
			continue;
		if (xa_is_value(page))
			continue;
		folio = page_folio(page);
		if (folio_test_locked(folio))
			continue;
		if (!folio_try_get_rcu(folio)) // close fault_around_after_load
			continue;
		/* Has the page moved or been split? */
		if (unlikely(page != xas_reload(xas)))
			goto skip;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			goto skip;
		if (!folio_trylock(folio))
			goto skip;
		if (folio->mapping != mapping)
			goto unlock;
		if (!folio_test_uptodate(folio))
			goto unlock;
		max_idx = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
		if (xas->xa_index >= max_idx)
			goto unlock;
		return folio;
unlock:
		folio_unlock(folio);
skip:
		folio_put(folio);
	} while ((page = xas_next_entry(xas, end_pgoff)) != NULL);

	return NULL;
}
