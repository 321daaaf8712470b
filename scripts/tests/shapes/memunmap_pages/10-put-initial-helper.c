// SPDX-License-Identifier: GPL-2.0
// shape: the initial puts split out into a helper whose type check is inverted into an early return; the point follows the puts into it
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

static void pgmap_put_initial_refs(struct dev_pagemap *pgmap)
{
	int i;

	if (pgmap->type == MEMORY_DEVICE_PRIVATE ||
	    pgmap->type == MEMORY_DEVICE_COHERENT)
		return;
	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
		percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i));
} // close memunmap_after_put_initial

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	pgmap_put_initial_refs(pgmap); // close memunmap_after_kill, open memunmap_before_wait, open memunmap_after_wait
	wait_for_completion(&pgmap->done); // close memunmap_before_wait

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
