// SPDX-License-Identifier: GPL-2.0
// shape: the get tested for success, the reload check nested in its branch and tested for the folio staying (likely(folio == xas_reload())), one goto repeat at the end for every failure
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
	if (!folio || xa_is_value(folio))
		goto out;

	if (folio_try_get(folio)) { // close filemap_after_load, open filemap_after_tryget
		/* Still in the slot: neither moved nor split. */
		if (likely(folio == xas_reload(&xas))) // close filemap_after_tryget
			goto out;
		folio_put(folio);
	}
	goto repeat;
out:
	rcu_read_unlock();

	return folio;
}
