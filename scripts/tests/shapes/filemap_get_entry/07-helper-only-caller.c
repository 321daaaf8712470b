// SPDX-License-Identifier: GPL-2.0
// shape: the mbox's filemap_try_get_folio() split out for filemap_get_entry() alone (find_get_entry() keeps its own get): both points follow the get and the reload check into the helper
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget placed

/*
 * filemap_try_get_folio - Take a speculative reference on a folio.
 * @xas: The lookup that found @folio, under rcu_read_lock().
 * @folio: The folio it found.
 *
 * Return: true with a reference held, false if the lookup must be
 * retried.
 */
static inline bool filemap_try_get_folio(struct xa_state *xas, // open filemap_after_load
					 struct folio *folio)
{
	if (!folio_try_get(folio)) // close filemap_after_load, open filemap_after_tryget
		return false;
	if (unlikely(folio != xas_reload(xas))) { // close filemap_after_tryget
		folio_put(folio);
		return false;
	}
	return true;
}

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	XA_STATE(xas, &mapping->i_pages, index);
	struct folio *folio;

	rcu_read_lock();
repeat:
	xas_reset(&xas);
	folio = xas_load(&xas);
	if (xas_retry(&xas, folio))
		goto repeat;
	/*
	 * A shadow entry of a recently evicted page, or a swap entry from
	 * shmem/tmpfs.  Return it without attempting to raise page count.
	 */
	if (!folio || xa_is_value(folio))
		goto out;

	if (!filemap_try_get_folio(&xas, folio))
		goto repeat;
out:
	rcu_read_unlock();

	return folio;
}

static inline struct folio *find_get_entry(struct xa_state *xas, pgoff_t max,
		xa_mark_t mark)
{
	struct folio *folio;

retry:
	if (mark == XA_PRESENT)
		folio = xas_find(xas, max);
	else
		folio = xas_find_marked(xas, max, mark);

	if (xas_retry(xas, folio))
		goto retry;
	if (!folio || xa_is_value(folio))
		return folio;

	if (!folio_try_get(folio))
		goto reset;

	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		goto reset;
	}

	return folio;
reset:
	xas_reset(xas);
	goto retry;
}
