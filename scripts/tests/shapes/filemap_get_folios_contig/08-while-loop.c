// SPDX-License-Identifier: GPL-2.0
// shape: the for loop turned into a while loop: the first load an initialised declaration, the next one at a label the other branches goto
// lines: 6.12 7.3
// expect: contig_after_load placed

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	struct folio *folio = xas_load(&xas); // open contig_after_load
	unsigned long nr;

	rcu_read_lock();
	while (folio && xas.xa_index <= end) {
		if (xas_retry(&xas, folio))
			goto next;
		if (xa_is_value(folio) || xa_is_sibling(folio))
			break;
		if (!folio_try_get(folio)) // close contig_after_load
			goto retry;
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			goto retry;
		}
		if (!folio_batch_add(fbatch, folio))
			break;
		xas_advance(&xas, folio_next_index(folio) - 1);
		goto next;
retry:
		xas_reset(&xas);
next:
		folio = xas_next(&xas);
	}
	rcu_read_unlock();

	nr = folio_batch_count(fbatch);
	if (nr) {
		folio = fbatch->folios[nr - 1];
		*start = folio_next_index(folio);
	}
	return nr;
}
