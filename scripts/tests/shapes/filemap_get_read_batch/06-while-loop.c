// SPDX-License-Identifier: GPL-2.0
// shape: the for loop rewritten as a while loop: the first load before it, the next load at its bottom, the failures jumping to a label before that load
// lines: 6.12 7.3
// expect: read_batch_after_load placed

static void filemap_get_read_batch(struct address_space *mapping,
		pgoff_t index, pgoff_t max, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	folio = xas_load(&xas); // open read_batch_after_load
	while (folio) {
		if (xas_retry(&xas, folio))
			goto next;
		if (xas.xa_index > max || xa_is_value(folio) ||
		    xa_is_sibling(folio))
			break;
		if (!folio_try_get(folio)) // close read_batch_after_load
			goto reset;
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			goto reset;
		}

		if (!folio_batch_add(fbatch, folio))
			break;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		goto next;
reset:
		xas_reset(&xas);
next:
		folio = xas_next(&xas);
	}
	rcu_read_unlock();
}
