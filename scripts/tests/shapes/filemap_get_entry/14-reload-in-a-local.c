// SPDX-License-Identifier: GPL-2.0
// shape: the reload kept in a local and compared on the next line; the load point is placed, the reload point is not: joining the comparison would put it after the reload, outside its window, and the reload's own line has no condition to fail
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget not-placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio, *again;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	folio = xas_load(&xas); // open filemap_after_load
	if (xas_retry(&xas, folio))
		goto repeat;
	if (!folio || xa_is_value(folio))
		goto out;

	if (!folio_try_get(folio)) // close filemap_after_load
		goto repeat;

	again = xas_reload(&xas);
	if (unlikely(again != folio)) {
		folio_put(folio);
		goto repeat;
	}
out:
	rcu_read_unlock();

	return folio;
}
