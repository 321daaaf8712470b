// SPDX-License-Identifier: GPL-2.0
// shape: filemap_get_entry() reduced to a call of find_get_entry(), the helper willy's "mm/filemap: Add helper for finding pages" (2020) shares between find_get_entries() and find_lock_entries(): load, get and re-check all in the shared helper; neither point can follow without firing for the other lookups
// lines: 6.12 7.3
// expect: filemap_after_load not-placed
// expect: filemap_after_tryget not-placed

static inline struct folio *find_get_entry(struct xa_state *xas, pgoff_t max,
		xa_mark_t mark)
{
	struct folio *folio;

retry:
	if (mark == XA_PRESENT)
		folio = xas_find(xas, max);
	else
		folio = xas_find_marked(xas, max, mark);

	if (xas_retry(xas, folio))
		goto retry;
	/*
	 * A shadow entry of a recently evicted page, a swap
	 * entry from shmem/tmpfs or a DAX entry.  Return it
	 * without attempting to raise page count.
	 */
	if (!folio || xa_is_value(folio))
		return folio;

	if (!folio_try_get(folio))
		goto reset;

	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		goto reset;
	}

	return folio;
reset:
	xas_reset(xas);
	goto retry;
}

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	folio = find_get_entry(&xas, index, XA_PRESENT);
	if (folio && xas.xa_index != index) {
		if (!xa_is_value(folio))
			folio_put(folio);
		folio = NULL;
	}
	rcu_read_unlock();

	return folio;
}

unsigned find_get_entries(struct address_space *mapping, pgoff_t *start,
		pgoff_t end, struct folio_batch *fbatch, pgoff_t *indices)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	struct folio *folio;

	rcu_read_lock();
	while ((folio = find_get_entry(&xas, end, XA_PRESENT)) != NULL) {
		indices[fbatch->nr] = xas.xa_index;
		if (!folio_batch_add(fbatch, folio))
			break;
	}
	rcu_read_unlock();

	return folio_batch_count(fbatch);
}
