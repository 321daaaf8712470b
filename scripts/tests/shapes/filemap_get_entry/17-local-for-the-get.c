// SPDX-License-Identifier: GPL-2.0
// shape: a local introduced for the get's result, declared apart from the load's variable and tested on its own line; the reload check unlikely()-free
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;
	bool got;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	folio = xas_load(&xas); // open filemap_after_load
	if (xas_retry(&xas, folio))
		goto repeat;
	if (!folio || xa_is_value(folio))
		goto out;

	got = folio_try_get(folio); // close filemap_after_load, open filemap_after_tryget
	if (!got)
		goto repeat;

	if (folio != xas_reload(&xas)) { // close filemap_after_tryget
		folio_put(folio);
		goto repeat;
	}
out:
	rcu_read_unlock();

	return folio;
}
