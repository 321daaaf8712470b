// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.5-6.10, before Yang Shi's "mm: page_ref: remove folio_try_get_rcu()" (2024): the get spelled folio_try_get_rcu()
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	folio = xas_load(&xas); // open filemap_after_load
	if (xas_retry(&xas, folio))
		goto repeat;
	/*
	 * A shadow entry of a recently evicted page, or a swap entry from
	 * shmem/tmpfs.  Return it without attempting to raise page count.
	 */
	if (!folio || xa_is_value(folio))
		goto out;

	if (!folio_try_get_rcu(folio)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;

	if (unlikely(folio != xas_reload(&xas))) { // close filemap_after_tryget
		folio_put(folio);
		goto repeat;
	}
out:
	rcu_read_unlock();

	return folio;
}
