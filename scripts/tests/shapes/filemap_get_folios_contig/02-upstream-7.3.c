// SPDX-License-Identifier: GPL-2.0
// shape: as in 7.3-rc7 and 7.3.4: an empty range returns early, the end checked after xas_advance(), every stop a break out of the loop, update_start and out gone
// lines: 7.3
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
		/*
		 * If the entry has been swapped out, we can stop looking.
		 * No current caller is looking for DAX entries.
		 */
		if (xa_is_value(folio))
			break;

		/* If we landed in the middle of a THP, continue at its end. */
		if (xa_is_sibling(folio))
			break;

		if (!folio_try_get(folio)) // close contig_after_load
			goto retry;

		if (unlikely(folio != xas_reload(&xas)))
			goto put_folio;

		if (!folio_batch_add(fbatch, folio))
			break;

		xas_advance(&xas, folio_next_index(folio) - 1);
		if (xas.xa_index >= end)
			break;
		continue;

put_folio:
		folio_put(folio);
retry:
		xas_reset(&xas);
	}
	rcu_read_unlock();

	nr = folio_batch_count(fbatch);
	if (nr) {
		folio = fbatch->folios[nr - 1];
		*start = folio_next_index(folio);
	}
	return nr;
}
