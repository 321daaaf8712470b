// SPDX-License-Identifier: GPL-2.0
// shape: each step of the walk split out into a static helper only the read batch calls: it loads the entry at the walk's index, skips retry entries, gets and re-checks, and returns the folio or NULL at the end of the batch; the point follows the get into it
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static struct folio *filemap_read_get(struct xa_state *xas, pgoff_t max)
{
	struct folio *folio;

retry:
	folio = xas_load(xas); // open read_batch_after_load
	if (xas_retry(xas, folio))
		goto retry;
	if (!folio || xas->xa_index > max || xa_is_value(folio) ||
	    xa_is_sibling(folio))
		return NULL;
	if (!folio_try_get(folio)) // close read_batch_after_load
		goto reset;
	if (likely(folio == xas_reload(xas)))
		return folio;
	folio_put(folio);
reset:
	xas_reset(xas);
	goto retry;
}

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	while ((folio = filemap_read_get(&xas, max)) != NULL) {
		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		xas_set(&xas, folio_next_index(folio));
	}
	rcu_read_unlock();
}
