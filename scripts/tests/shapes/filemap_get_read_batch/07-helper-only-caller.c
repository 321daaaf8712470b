// SPDX-License-Identifier: GPL-2.0
// shape: the get and the moved/split re-check split out into a static helper only the read batch calls, the loaded folio passed in; the point follows the get there
// lines: 6.12 7.3
// expect: read_batch_after_load placed

/* A reference on @folio if it is still the entry @xas points at. */
static inline bool filemap_read_get(struct xa_state *xas, // open read_batch_after_load
				    struct folio *folio)
{
	if (!folio_try_get(folio)) // close read_batch_after_load
		return false;
	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		return false;
	}
	return true;
}

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) {
		if (xas_retry(&xas, folio))
			continue;
		if (xas.xa_index > max || xa_is_value(folio))
			break;
		if (xa_is_sibling(folio))
			break;
		if (!filemap_read_get(&xas, folio)) {
			xas_reset(&xas);
			continue;
		}

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
	}
	rcu_read_unlock();
}
