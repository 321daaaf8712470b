// SPDX-License-Identifier: GPL-2.0
// shape: a do-while loop whose condition loads the next entry, the first load before it; the failures reset the walk and continue to that load, the exceptional-entry checks folded into one condition, unlikely() dropped from the reload check
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	folio = xas_load(&xas); // open read_batch_after_load
	if (!folio)
		goto out;
	do {
		if (xas_retry(&xas, folio))
			continue;
		if (xas.xa_index > max || xa_is_value(folio) ||
		    xa_is_sibling(folio))
			break;
		if (!folio_try_get(folio)) { // close read_batch_after_load
			xas_reset(&xas);
			continue;
		}
		if (folio != xas_reload(&xas)) {
			folio_put(folio);
			xas_reset(&xas);
			continue;
		}
		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
	} while ((folio = xas_next(&xas)) != NULL);
out:
	rcu_read_unlock();
}
