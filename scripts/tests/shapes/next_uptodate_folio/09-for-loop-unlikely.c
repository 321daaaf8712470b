// SPDX-License-Identifier: GPL-2.0
// shape: the do-while turned into a for loop whose header loads; the get's failure marked unlikely(), a NULL entry ends the loop
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *folio;
	unsigned long max_idx;

	for (folio = xas_next_entry(xas, end_pgoff); folio; // open fault_around_after_load
	     folio = xas_next_entry(xas, end_pgoff)) {
		if (xas_retry(xas, folio))
			continue;
		if (xa_is_value(folio))
			continue;
		if (unlikely(!folio_try_get(folio))) // close fault_around_after_load
			continue;
		if (folio_test_locked(folio))
			goto skip;
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
	}

	return NULL;
}
