// SPDX-License-Identifier: GPL-2.0
// shape: the get and the moved/split re-check split out into a static helper only it calls, the loaded folio passed in; a false return resets the walk
// lines: 6.12 7.3
// expect: contig_after_load placed

/* A reference on @folio if it is still the entry @xas points at. */
static bool folio_get_stable(struct xa_state *xas, struct folio *folio) // open contig_after_load
{
	if (!folio_try_get(folio)) // close contig_after_load
		return false;
	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		return false;
	}
	return true;
}

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	unsigned long nr;
	struct folio *folio;

	if (*start > end)
		return 0;

	rcu_read_lock();
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) {
		if (xas_retry(&xas, folio))
			continue;
		/*
		 * If the entry has been swapped out, we can stop looking.
		 * No current caller is looking for DAX entries.
		 */
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;

		if (!folio_get_stable(&xas, folio)) {
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
