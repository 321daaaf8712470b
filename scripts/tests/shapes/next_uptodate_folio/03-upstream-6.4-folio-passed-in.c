// SPDX-License-Identifier: GPL-2.0
// shape: as in 5.17-6.4 (Matthew Wilcox, "filemap: Use a folio in filemap_map_pages", 2021), under the name 6.5 gave it (Yin Fengwei, "filemap: add filemap_map_folio_range()"): the folio passed in, loaded by the callers first_map_page()/next_map_page() and at the loop's end, folio_try_get_rcu()
// lines: 6.12
// expect: fault_around_after_load placed

static struct folio *next_uptodate_folio(struct folio *folio, // open fault_around_after_load
		struct address_space *mapping,
		struct xa_state *xas, pgoff_t end_pgoff)
{
	unsigned long max_idx;

	do {
		if (!folio)
			return NULL;
		if (xas_retry(xas, folio))
			continue;
		if (xa_is_value(folio))
			continue;
		if (folio_test_locked(folio))
			continue;
		if (!folio_try_get_rcu(folio)) // close fault_around_after_load
			continue;
		/* Has the page moved or been split? */
		if (unlikely(folio != xas_reload(xas)))
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
	} while ((folio = xas_next_entry(xas, end_pgoff)) != NULL);

	return NULL;
}

static inline struct folio *first_map_page(struct address_space *mapping,
					   struct xa_state *xas,
					   pgoff_t end_pgoff)
{
	return next_uptodate_folio(xas_find(xas, end_pgoff),
				   mapping, xas, end_pgoff);
}

static inline struct folio *next_map_page(struct address_space *mapping,
					  struct xa_state *xas,
					  pgoff_t end_pgoff)
{
	return next_uptodate_folio(xas_next_entry(xas, end_pgoff),
				   mapping, xas, end_pgoff);
}
