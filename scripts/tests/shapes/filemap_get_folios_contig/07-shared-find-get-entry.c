// SPDX-License-Identifier: GPL-2.0
// shape: rebuilt on find_get_entry(), the helper filemap_get_folios_tag() and the other batch lookups share, stopping at the first gap: the get is there, and a point in it would fire for them all
// lines: 6.12 7.3
// expect: contig_after_load not-placed

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

unsigned filemap_get_folios_tag(struct address_space *mapping, pgoff_t *start,
			pgoff_t end, xa_mark_t tag, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	struct folio *folio;

	rcu_read_lock();
	while ((folio = find_get_entry(&xas, end, tag)) != NULL) {
		if (xa_is_value(folio))
			continue;
		if (!folio_batch_add(fbatch, folio)) {
			*start = folio_next_index(folio);
			goto out;
		}
	}
	*start = end + 1;
out:
	rcu_read_unlock();
	return folio_batch_count(fbatch);
}

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	pgoff_t next = *start;
	unsigned long nr;
	struct folio *folio;

	rcu_read_lock();
	while ((folio = find_get_entry(&xas, end, XA_PRESENT)) != NULL) {
		if (xa_is_value(folio) || xas.xa_index != next) {
			if (!xa_is_value(folio))
				folio_put(folio);
			break;
		}
		if (!folio_batch_add(fbatch, folio))
			break;
		next = folio_next_index(folio);
		xas_advance(&xas, next - 1);
	}
	rcu_read_unlock();

	nr = folio_batch_count(fbatch);
	if (nr) {
		folio = fbatch->folios[nr - 1];
		*start = folio_next_index(folio);
	}
	return nr;
}
