// SPDX-License-Identifier: GPL-2.0
// shape: the get and the moved/split re-check split out into a static helper only it calls, the loaded folio passed in
// lines: 6.12 7.3
// expect: fault_around_after_load placed

/* A reference on @folio if it is still the entry @xas points at. */
static inline bool fault_around_get(struct xa_state *xas, // open fault_around_after_load
				    struct folio *folio)
{
	if (!folio_try_get(folio)) // close fault_around_after_load
		return false;
	/* Has the page moved or been split? */
	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		return false;
	}
	return true;
}

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *folio = xas_next_entry(xas, end_pgoff);
	unsigned long max_idx;

	do {
		if (!folio)
			return NULL;
		if (xas_retry(xas, folio))
			continue;
		if (xa_is_value(folio))
			continue;
		if (!fault_around_get(xas, folio))
			continue;
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
	} while ((folio = xas_next_entry(xas, end_pgoff)) != NULL);

	return NULL;
}
