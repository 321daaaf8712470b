// SPDX-License-Identifier: GPL-2.0
// shape: the 7.3 loop with the retry label gone: the failed get, marked unlikely(), resets and continues in place; the re-check puts and resets in place
// lines: 6.12 7.3
// expect: contig_after_load placed

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	unsigned long nr;
	struct folio *folio;

	if (*start > end)
		return 0;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) { // open contig_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xa_is_value(folio))
			break;
		if (xa_is_sibling(folio))
			break;

		if (unlikely(!folio_try_get(folio))) { // close contig_after_load
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

		xas_advance(&xas, folio_next_index(folio) - 1);
		if (xas.xa_index >= end)
			break;
	}
	rcu_read_unlock();

	nr = folio_batch_count(fbatch);
	if (nr) {
		folio = fbatch->folios[nr - 1];
		*start = folio_next_index(folio);
	}
	return nr;
}
