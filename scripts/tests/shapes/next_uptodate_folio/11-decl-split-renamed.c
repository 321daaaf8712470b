// SPDX-License-Identifier: GPL-2.0
// shape: the folio renamed f, its declaration split from the first load, max_idx declared where it is computed
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *f;

	f = xas_next_entry(xas, end_pgoff); // open fault_around_after_load
	do {
		unsigned long max_idx;

		if (!f)
			return NULL;
		if (xas_retry(xas, f))
			continue;
		if (xa_is_value(f))
			continue;
		if (!folio_try_get(f)) // close fault_around_after_load
			continue;
		if (folio_test_locked(f))
			goto skip;
		/* Has the page moved or been split? */
		if (unlikely(f != xas_reload(xas)))
			goto skip;
		if (!folio_test_uptodate(f) || folio_test_readahead(f))
			goto skip;
		if (!folio_trylock(f))
			goto skip;
		if (f->mapping != mapping)
			goto unlock;
		if (!folio_test_uptodate(f))
			goto unlock;
		max_idx = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
		if (xas->xa_index >= max_idx)
			goto unlock;
		return f;
unlock:
		folio_unlock(f);
skip:
		folio_put(f);
	} while ((f = xas_next_entry(xas, end_pgoff)) != NULL);

	return NULL;
}
