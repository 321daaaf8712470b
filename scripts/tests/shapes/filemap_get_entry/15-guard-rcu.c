// SPDX-License-Identifier: GPL-2.0
// shape: scope-based cleanup, as mm/ has been taking up since 6.5: guard(rcu)() instead of the rcu_read_lock()/unlock() pair, the out: label gone, returns from inside the retry loop
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	guard(rcu)();
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
		return folio;

	if (!folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;

	if (unlikely(folio != xas_reload(&xas))) { // close filemap_after_tryget
		folio_put(folio);
		goto repeat;
	}
	return folio;
}
