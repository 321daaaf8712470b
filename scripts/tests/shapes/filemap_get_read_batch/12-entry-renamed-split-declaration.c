// SPDX-License-Identifier: GPL-2.0
// shape: the loop walks entries (void *entry), the folio declared inside the loop and assigned from the entry after the exceptional-entry checks; the get on that local
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	void *entry;

	rcu_read_lock();
	for (entry = xas_load(&xas); entry; entry = xas_next(&xas)) { // open read_batch_after_load
		struct folio *folio;

		if (xas_retry(&xas, entry))
			continue;
		if (xas.xa_index > max || xa_is_value(entry))
			break;
		if (xa_is_sibling(entry))
			break;
		folio = entry;
		if (!folio_try_get(folio)) // close read_batch_after_load
			goto retry;

		if (unlikely(folio != xas_reload(&xas)))
			goto put_folio;

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		continue;
put_folio:
		folio_put(folio);
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
