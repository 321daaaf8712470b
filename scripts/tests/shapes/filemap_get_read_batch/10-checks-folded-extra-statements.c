// SPDX-License-Identifier: GPL-2.0
// shape: the value and sibling checks folded into one condition, a VM_WARN_ON_ONCE() and a comment between the load and the get, unlikely() added to the get
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	if (index > max)
		return;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) { // open read_batch_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;
		VM_WARN_ON_ONCE(xas.xa_index > max);
		/*
		 * The folio may be freed and reused under us until we hold a
		 * reference and have seen it still in the slot.
		 */
		if (unlikely(!folio_try_get(folio))) // close read_batch_after_load
			goto retry;

		if (unlikely(folio != xas_reload(&xas)))
			goto put_folio;

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		if (xas.xa_index >= max)
			break;
		continue;
put_folio:
		folio_put(folio);
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
