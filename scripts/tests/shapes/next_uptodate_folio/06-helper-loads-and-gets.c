// SPDX-License-Identifier: GPL-2.0
// shape: the walk split out: a static helper only it calls loads the next entry, skips retry and value entries, and returns it referenced and re-checked
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct folio *fault_around_next(struct xa_state *xas, pgoff_t end_pgoff)
{
	struct folio *folio;

	while ((folio = xas_next_entry(xas, end_pgoff)) != NULL) { // open fault_around_after_load
		if (xas_retry(xas, folio) || xa_is_value(folio))
			continue;
		if (!folio_try_get(folio)) // close fault_around_after_load
			continue;
		/* Has the page moved or been split? */
		if (likely(folio == xas_reload(xas)))
			return folio;
		folio_put(folio);
	}
	return NULL;
}

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *folio;
	unsigned long max_idx;

	while ((folio = fault_around_next(xas, end_pgoff)) != NULL) {
		if (folio_test_locked(folio))
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
