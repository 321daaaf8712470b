// SPDX-License-Identifier: GPL-2.0
// shape: the retry folded into the value check's neighbour, unlikely() dropped from the reload check and its operands swapped, the shadow-entry comment moved
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
	/* A shadow or swap entry: returned without a reference. */
	if (!folio || xa_is_value(folio))
		goto out;
	if (xas_retry(&xas, folio) || !folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
		goto repeat;
	if (xas_reload(&xas) != folio) { // close filemap_after_tryget
		folio_put(folio);
		goto repeat;
	}
out:
	rcu_read_unlock();
	return folio;
}
