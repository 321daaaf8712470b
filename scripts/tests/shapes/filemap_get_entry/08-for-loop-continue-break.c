// SPDX-License-Identifier: GPL-2.0
// shape: the repeat: label and its gotos turned into a for (;;) loop: continue retries, break leaves; the reload check turned round into likely(folio == xas_reload()) whose branch keeps the folio
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
	for (;;) {
		xas_reset(&xas);
		folio = xas_load(&xas); // open filemap_after_load
		if (xas_retry(&xas, folio))
			continue;
		/*
		 * A shadow entry of a recently evicted page, or a swap entry
		 * from shmem/tmpfs.  Return it without attempting to raise
		 * page count.
		 */
		if (!folio || xa_is_value(folio))
			break;
		if (!folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
			continue;
		if (likely(folio == xas_reload(&xas))) // close filemap_after_tryget
			break;
		folio_put(folio);
	}
	rcu_read_unlock();

	return folio;
}
