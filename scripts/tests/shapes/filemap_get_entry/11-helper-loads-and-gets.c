// SPDX-License-Identifier: GPL-2.0
// shape: the whole lockless lookup split out, as willy's "mm/filemap: Add helper for finding pages" (2020) did for find_get_entries(): a static helper only filemap_get_entry() calls loads, gets and re-checks; both points follow it there
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

static void *filemap_lookup_entry(struct xa_state *xas)
{
	struct folio *folio;

retry:
	folio = xas_load(xas); // open filemap_after_load
	if (xas_retry(xas, folio))
		goto retry;
	if (!folio || xa_is_value(folio))
		return folio;

	if (!folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
		goto reset;

	if (unlikely(folio != xas_reload(xas))) { // close filemap_after_tryget
		folio_put(folio);
		goto reset;
	}
	return folio;
reset:
	xas_reset(xas);
	goto retry;
}

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	void *entry;

	rcu_read_lock();
	entry = filemap_lookup_entry(&xas);
	rcu_read_unlock();

	return entry;
}
