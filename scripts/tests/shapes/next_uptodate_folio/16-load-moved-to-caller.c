// SPDX-License-Identifier: GPL-2.0
// shape: the walk moved out to the caller: filemap_map_pages() loads each entry and next_uptodate_folio() only checks and gets the one it is passed, so it has no xarray load of its own
// lines: 6.12 7.3
// expect: fault_around_after_load not-placed

static struct folio *next_uptodate_folio(struct xa_state *xas,
		struct address_space *mapping, struct folio *folio)
{
	unsigned long max_idx;

	if (xas_retry(xas, folio) || xa_is_value(folio))
		return NULL;
	if (!folio_try_get(folio))
		return NULL;
	if (folio_test_locked(folio))
		goto skip;
	/* Has the page moved or been split? */
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
	return NULL;
}

vm_fault_t filemap_map_pages(struct vm_fault *vmf,
			     pgoff_t start_pgoff, pgoff_t end_pgoff)
{
	struct file *file = vmf->vma->vm_file;
	struct address_space *mapping = file->f_mapping;
	XA_STATE(xas, &mapping->i_pages, start_pgoff);
	struct folio *entry, *folio;
	vm_fault_t ret = 0;

	rcu_read_lock();
	xas_for_each(&xas, entry, end_pgoff) {
		folio = next_uptodate_folio(&xas, mapping, entry);
		if (!folio)
			continue;
		ret |= filemap_map_folio(vmf, folio, xas.xa_index);
		folio_unlock(folio);
		folio_put(folio);
	}
	rcu_read_unlock();
	return ret;
}
