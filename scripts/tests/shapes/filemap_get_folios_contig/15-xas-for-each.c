// SPDX-License-Identifier: GPL-2.0
// shape: the loop turned into xas_for_each(), which skips holes, so contiguity checked by index before the get; the failed get resets and continues
// lines: 6.12 7.3
// expect: contig_after_load placed

unsigned filemap_get_folios_contig(struct address_space *mapping,
		pgoff_t *start, pgoff_t end, struct folio_batch *fbatch)
{
	XA_STATE(xas, &mapping->i_pages, *start);
	pgoff_t next = *start;
	unsigned long nr;
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, end) { // open contig_after_load
		if (xas_retry(&xas, folio))
			continue;
		if (xas.xa_index != next || xa_is_value(folio))
			break;
		if (!folio_try_get(folio)) { // close contig_after_load
			xas_reset(&xas);
			continue;
		}
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			xas_reset(&xas);
			continue;
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
