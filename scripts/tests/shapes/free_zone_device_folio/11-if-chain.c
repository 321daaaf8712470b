// SPDX-License-Identifier: GPL-2.0
// shape: the switch written as an if/else-if chain on the type (as the 6.x if/else was extended), the callback guarded by an unbraced if
// lines: 6.12 7.3
// expect: free_before_page_free placed
// expect: free_after_page_free placed

void free_zone_device_folio(struct folio *folio)
{
	struct dev_pagemap *pgmap = folio->pgmap;
	unsigned long nr = folio_nr_pages(folio);

	if (WARN_ON_ONCE(!pgmap))
		return;

	mem_cgroup_uncharge(folio);

	if (pgmap->type != MEMORY_DEVICE_FS_DAX &&
	    pgmap->type != MEMORY_DEVICE_GENERIC)
		folio->mapping = NULL; // open free_before_page_free

	if (pgmap->type == MEMORY_DEVICE_PRIVATE ||
	    pgmap->type == MEMORY_DEVICE_COHERENT) {
		if (!WARN_ON_ONCE(!pgmap->ops || !pgmap->ops->folio_free)) // open free_after_page_free
			pgmap->ops->folio_free(folio); // close free_before_page_free
		percpu_ref_put_many(&pgmap->ref, nr); // close free_after_page_free
	} else if (pgmap->type == MEMORY_DEVICE_GENERIC) {
		folio_set_count(folio, 1);
	} else if (pgmap->type == MEMORY_DEVICE_FS_DAX) {
		wake_up_var(&folio->page);
	}
}
