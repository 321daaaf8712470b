// SPDX-License-Identifier: GPL-2.0
// shape: the open-coded walk turned into xas_for_each(&xas, folio, max) (as find_get_pages_range() and filemap_get_folios_contig() walk), which also ends the walk past max; the failures reset inline and continue
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, max) { // open read_batch_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;
		if (!folio_try_get(folio)) { // close read_batch_after_load
			xas_reset(&xas);
			continue;
		}
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
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
