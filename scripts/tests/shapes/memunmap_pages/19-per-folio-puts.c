// SPDX-License-Identifier: GPL-2.0
// shape: an initial reference per folio, as compound ZONE_DEVICE folios might hold them, put one at a time in a loop over each range's folios inside the loop over the ranges: the point follows the outer loop, never the inner
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	unsigned long pfn;
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	if (pgmap->type == MEMORY_DEVICE_PRIVATE ||
	    pgmap->type == MEMORY_DEVICE_COHERENT)
		goto wait;

	for (i = 0; i < pgmap->nr_range; i++) {
		for (pfn = pfn_first(pgmap, i); pfn < pfn_end(pgmap, i);
		     pfn += pgmap_vmemmap_nr(pgmap))
			percpu_ref_put(&pgmap->ref); // close memunmap_after_kill
		cond_resched(); // open memunmap_after_put_initial
	} // open memunmap_before_wait, open memunmap_after_wait

wait:
	wait_for_completion(&pgmap->done); // close memunmap_after_put_initial, close memunmap_before_wait

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
