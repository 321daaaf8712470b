// SPDX-License-Identifier: GPL-2.0
// shape: as first converted to folios (willy, "[PATCH v14 112/138] mm/filemap: Convert filemap_get_read_batch to use folios", 2021): folio_try_get_rcu(), no sibling check, the index advanced by hand, the page of the folio added to a pagevec
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct pagevec *pvec)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) { // open read_batch_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xas.xa_index > max || xa_is_value(folio))
			break;
		if (!folio_try_get_rcu(folio)) // close read_batch_after_load
			goto retry;

		if (unlikely(folio != xas_reload(&xas)))
			goto put_page;

		if (!pagevec_add(pvec, &folio->page))
			break;
		if (!folio_test_uptodate(folio))
			break;
		if (folio_test_readahead(folio))
			break;
		xas.xa_index = folio->index + folio_nr_pages(folio) - 1;
		xas.xa_offset = (xas.xa_index >> xas.xa_shift) & XA_CHUNK_MASK;
		continue;
put_page:
		folio_put(folio);
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();
}
