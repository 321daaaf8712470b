// SPDX-License-Identifier: GPL-2.0
// shape: the lockless protocol gone: the lookup takes the i_pages lock and a plain folio_get(), nothing can free or move the folio between the load and the get, so neither window exists
// lines: 6.12 7.3
// expect: filemap_after_load not-placed
// expect: filemap_after_tryget not-placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	xas_lock_irq(&xas);
	folio = xas_load(&xas);
	/*
	 * A shadow entry of a recently evicted page, or a swap entry from
	 * shmem/tmpfs.  Return it without raising the page count.
	 */
	if (folio && !xa_is_value(folio))
		folio_get(folio);
	xas_unlock_irq(&xas);

	return folio;
}
