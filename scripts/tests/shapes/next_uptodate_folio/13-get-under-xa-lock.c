// SPDX-License-Identifier: GPL-2.0
// shape: the window removed: the walk holds the xarray lock, under which a page-cache folio cannot be freed, and takes a plain folio_get()
// lines: 6.12 7.3
// expect: fault_around_after_load not-placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *folio;
	unsigned long max_idx;

	xas_lock_irq(xas);
	xas_for_each(xas, folio, end_pgoff) {
		if (xa_is_value(folio) || folio_test_locked(folio))
			continue;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			continue;
		folio_get(folio);
		xas_unlock_irq(xas);
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
		xas_lock_irq(xas);
	}
	xas_unlock_irq(xas);

	return NULL;
}
