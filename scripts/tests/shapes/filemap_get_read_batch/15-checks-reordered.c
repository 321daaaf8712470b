// SPDX-License-Identifier: GPL-2.0
// shape: checks reordered: the sibling check first, the value check after the retry check, the max check moved after the get and the re-check (the folio given back there), the walk's labels renamed
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) { // open read_batch_after_load
		if (xa_is_sibling(folio))
			break;
		if (xas_retry(&xas, folio))
			continue;
		if (xa_is_value(folio))
			break;
		if (!folio_try_get(folio)) // close read_batch_after_load
			goto again;
		if (unlikely(folio != xas_reload(&xas)))
			goto put_again;
		if (xas.xa_index > max) {
			folio_put(folio);
			break;
		}

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		continue;
put_again:
		folio_put(folio);
again:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
