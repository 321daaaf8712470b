// SPDX-License-Identifier: GPL-2.0
// shape: coverage/examples/6.12/filemap-try-get-folio.mbox: the get and the reload check move into filemap_try_get_folio(), which find_get_entry() calls too; the load point joins the call (the helper's first statement is the get), the reload point has no place outside the shared helper
// lines: 6.12 7.3
// expect: filemap_after_load placed
// expect: filemap_after_tryget not-placed

/*
 * filemap_try_get_folio - Take a speculative reference on a folio.
 * @xas: The lookup that found @folio, under rcu_read_lock().
 * @folio: The folio it found.
 *
 * The folio may be freed or replaced in the page cache at any time
 * before the reference is taken, so check that @xas still finds it.
 *
 * Return: true with a reference held, false if the lookup must be
 * retried.
 */
static inline bool filemap_try_get_folio(struct xa_state *xas,
					 struct folio *folio)
{
	if (!folio_try_get(folio))
		return false;
	if (unlikely(folio != xas_reload(xas))) {
		folio_put(folio);
		return false;
	}
	return true;
}

/**
 * filemap_get_entry - Get a page cache entry.
 * @mapping: the address_space to search
 * @index: The page cache index.
 *
 * Looks up the page cache entry at @mapping & @index.  If it is a folio,
 * it is returned with an increased refcount.  If it is a shadow entry
 * of a previously evicted folio, or a swap entry from shmem/tmpfs,
 * it is returned without further action.
 *
 * Return: The folio, swap or shadow entry, %NULL if nothing is found.
 */
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

	if (!filemap_try_get_folio(&xas, folio)) // close filemap_after_load
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
	/*
	 * A shadow entry of a recently evicted page, a swap
	 * entry from shmem/tmpfs or a DAX entry.  Return it
	 * without attempting to raise page count.
	 */
	if (!folio || xa_is_value(folio))
		return folio;

	if (!filemap_try_get_folio(xas, folio))
		goto reset;

	return folio;
reset:
	xas_reset(xas);
	goto retry;
}
