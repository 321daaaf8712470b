// SPDX-License-Identifier: GPL-2.0
// shape: the lockless protocol gone: the batch walks the xarray under its lock and takes plain folio_get() references, so nothing can free or move a folio between its load and its get: no window
// lines: 6.12 7.3
// expect: read_batch_after_load not-placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	xas_lock_irq(&xas);
	xas_for_each(&xas, folio, max) {
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;
		folio_get(folio);
		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
	}
	xas_unlock_irq(&xas);
}
