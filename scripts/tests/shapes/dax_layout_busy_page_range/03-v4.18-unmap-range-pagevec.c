// SPDX-License-Identifier: GPL-2.0
// shape: the first version's walk (v4.18): the whole file unmapped with unmap_mapping_range(), entries looked up in pagevecs, the lock taken and dropped per entry, the page returned after the loop
// lines: 6.12 7.3
// expect: dax_busy_after_unmap placed
// expect: dax_busy_after_walk placed

struct page *dax_layout_busy_page_range(struct address_space *mapping,
					loff_t start, loff_t end)
{
	pgoff_t indices[PAGEVEC_SIZE];
	struct page *page = NULL;
	struct pagevec pvec;
	pgoff_t index = start >> PAGE_SHIFT;
	int i;

	if (!dax_mapping(mapping) || !mapping_mapped(mapping))
		return NULL;

	pagevec_init(&pvec);
	unmap_mapping_range(mapping, start, end - start + 1, 0); // open dax_busy_after_unmap

	while (index < (end >> PAGE_SHIFT) && // close dax_busy_after_unmap
	       pagevec_lookup_entries(&pvec, mapping, index,
				      PAGEVEC_SIZE, indices)) {
		for (i = 0; i < pagevec_count(&pvec); i++) {
			struct page *pvec_ent = pvec.pages[i];
			void *entry;

			index = indices[i];
			if (!radix_tree_exceptional_entry(pvec_ent))
				continue;

			xa_lock_irq(&mapping->i_pages);
			entry = get_unlocked_mapping_entry(mapping, index, NULL);
			if (entry)
				page = dax_busy_page(entry);
			put_unlocked_mapping_entry(mapping, index, entry);
			xa_unlock_irq(&mapping->i_pages); // open dax_busy_after_walk
			if (page)
				break;
		}
		pagevec_remove_exceptionals(&pvec);
		pagevec_release(&pvec);
		index++;

		if (page)
			break;
	}
	return page; // close dax_busy_after_walk
}
