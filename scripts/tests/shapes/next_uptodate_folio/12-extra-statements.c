// SPDX-License-Identifier: GPL-2.0
// shape: statements between the load and the get: a VM_WARN_ON_ONCE() on the RCU read lock, a comment block, a tracepoint, a counter
// lines: 6.12 7.3
// expect: fault_around_after_load placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, pgoff_t end_pgoff)
{
	struct folio *folio = xas_next_entry(xas, end_pgoff); // open fault_around_after_load
	unsigned long max_idx;

	VM_WARN_ON_ONCE(!rcu_read_lock_held());
	do {
		if (!folio)
			return NULL;
		if (xas_retry(xas, folio))
			continue;
		if (xa_is_value(folio))
			continue;
		/*
		 * The folio may be freed and reused under us until we hold
		 * a reference: the get fails on a frozen or freed folio, and
		 * the re-check below catches one that moved.
		 */
		trace_mm_filemap_fault_around(mapping, xas->xa_index);
		count_vm_event(FAULT_AROUND_LOOKUP);
		if (!folio_try_get(folio)) // close fault_around_after_load
			continue;
		if (folio_test_locked(folio))
			goto skip;
		if (unlikely(folio != xas_reload(xas)))
			goto skip;
		if (!folio_test_uptodate(folio) || folio_test_readahead(folio))
			goto skip;
		if (!folio_trylock(folio))
			goto skip;
		if (folio->mapping != mapping)
			goto unlock;
		if (!folio_test_uptodate(folio))
			goto unlock;
		max_idx = DIV_ROUND_UP(i_size_read(mapping->host), PAGE_SIZE);
		if (xas->xa_index >= max_idx)
			goto unlock;
		return folio;
unlock:
		folio_unlock(folio);
skip:
		folio_put(folio);
	} while ((folio = xas_next_entry(xas, end_pgoff)) != NULL);

	return NULL;
}
