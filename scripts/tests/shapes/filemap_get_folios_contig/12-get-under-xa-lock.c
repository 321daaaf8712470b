// SPDX-License-Identifier: GPL-2.0
// shape: the window removed: the walk holds the xarray lock, under which a page-cache folio cannot be freed, and takes a plain folio_get()
// lines: 6.12 7.3
// expect: contig_after_load not-placed

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	unsigned long nr;
	struct folio *folio;

	if (*start > end)
		return 0;

	xas_lock_irq(&xas);
	for (folio = xas_load(&xas); folio; folio = xas_next(&xas)) {
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;
		folio_get(folio);
		if (!folio_batch_add(fbatch, folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		if (xas.xa_index >= end)
			break;
	}
	xas_unlock_irq(&xas);

	nr = folio_batch_count(fbatch);
	if (nr) {
		folio = fbatch->folios[nr - 1];
		*start = folio_next_index(folio);
	}
	return nr;
}
