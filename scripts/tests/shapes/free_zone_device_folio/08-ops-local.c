// SPDX-License-Identifier: GPL-2.0
// shape: the ops in a local declared apart from its initialiser, the pgmap renamed, the two WARN_ON_ONCE() checks folded into one before the switch (returning, so the callback ends its case)
// lines: 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *map = folio->pgmap;
	const struct dev_pagemap_ops *ops;
	unsigned long nr = folio_nr_pages(folio);

	if (WARN_ON_ONCE(!map))
		return;
	ops = map->ops;

	mem_cgroup_uncharge(folio);

	if (folio_test_anon(folio))
		folio_clear_anon_exclusive_all(folio, nr);

	if (map->type != MEMORY_DEVICE_FS_DAX &&
	    map->type != MEMORY_DEVICE_GENERIC)
		folio->mapping = NULL;

	if (WARN_ON_ONCE((map->type == MEMORY_DEVICE_PRIVATE || // open free_before_page_free
			  map->type == MEMORY_DEVICE_COHERENT ||
			  map->type == MEMORY_DEVICE_PCI_P2PDMA) &&
			 (!ops || !ops->folio_free)))
		return;

	switch (map->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT: // open free_after_page_free
		ops->folio_free(folio); // close free_before_page_free
		percpu_ref_put_many(&map->ref, nr);
		break;

	case MEMORY_DEVICE_GENERIC:
		folio_set_count(folio, 1);
		break;

	case MEMORY_DEVICE_FS_DAX:
		wake_up_var(&folio->page);
		break;

	case MEMORY_DEVICE_PCI_P2PDMA:
		ops->folio_free(folio);
		break; // close free_after_page_free
	}
}
