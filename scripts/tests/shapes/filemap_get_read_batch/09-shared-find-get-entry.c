// SPDX-License-Identifier: GPL-2.0
// shape: the walk rebuilt on find_get_entry(), as willy's "mm/filemap: Add helper for finding pages" (2020) rebuilt find_get_entries() and find_get_pages_range(): load, get and re-check all in the helper the other lookups share; the point cannot follow without firing for them
// lines: 6.12 7.3
// expect: read_batch_after_load not-placed

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

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	while ((folio = find_get_entry(&xas, max, XA_PRESENT))) {
		if (xa_is_value(folio) || xas.xa_index != index) {
			if (!xa_is_value(folio))
				folio_put(folio);
			break;
		}
		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		index = folio_next_index(folio);
		xas_advance(&xas, index - 1);
	}
	rcu_read_unlock();
}
