// SPDX-License-Identifier: GPL-2.0
// shape: the initial references gone, the pgmap refs taken per folio by pgmap_request_folios() instead (Dan Williams, "mm/meremap_pages: Delete put_devmap_managed_page_refs()", v3 24/25, Oct 2022): no window after the initial puts
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial not-placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref); // open memunmap_before_wait, open memunmap_after_wait

	wait_for_completion(&pgmap->done); // close memunmap_after_kill, close memunmap_before_wait

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
	devmap_managed_enable_put(pgmap);
}
