// SPDX-License-Identifier: GPL-2.0
// shape: extra statements inside both windows: a VM_WARN_ON_ONCE() and a tracepoint between the load and the get, a VM_BUG_ON_FOLIO() and a comment between the get and the reload check
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

	VM_WARN_ON_ONCE(xa_is_sibling(folio));
	trace_mm_filemap_get_entry(mapping, index, folio);

	if (!folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;

	VM_BUG_ON_FOLIO(folio_ref_count(folio) < 2, folio);
	/*
	 * The folio may have been freed and reused, or split, between the
	 * load and the get: only the slot still holding it proves it ours.
	 */
	if (unlikely(folio != xas_reload(&xas))) { // close filemap_after_tryget
		folio_put(folio);
		goto repeat;
	}
out:
	rcu_read_unlock();

	return folio;
}
