// SPDX-License-Identifier: GPL-2.0
// shape: the mbox's filemap_try_get_folio() (coverage/examples/6.12/filemap-try-get-folio.mbox) taken up by the read batch too, so filemap_get_entry() shares it: the helper is left alone, the point joins the read batch's call of it (its first statement is the get, failing returns false at once)
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static inline bool filemap_try_get_folio(struct xa_state *xas,
					 struct folio *folio)
{
	if (!folio_try_get(folio))
		return false;
	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		return false;
	}
	return true;
}

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	folio = xas_load(&xas);
	if (xas_retry(&xas, folio))
		goto repeat;
	if (!folio || xa_is_value(folio))
		goto out;

	if (!filemap_try_get_folio(&xas, folio))
		goto repeat;
out:
	rcu_read_unlock();

	return folio;
}

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) { // open read_batch_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xas.xa_index > max || xa_is_value(folio))
			break;
		if (xa_is_sibling(folio))
			break;
		if (!filemap_try_get_folio(&xas, folio)) // close read_batch_after_load
			goto retry;

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		continue;
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
