// SPDX-License-Identifier: GPL-2.0
// shape: the wait split out into pgmap_wait_idle() (with a might_sleep() and a comment) and the unmap loop into pgmap_unmap_ranges(): the points follow them into the helpers
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

static void pgmap_wait_idle(struct dev_pagemap *pgmap)
{
	might_sleep(); // open memunmap_before_wait, open memunmap_after_wait
	/* The release callback completes done as the last reference drops. */
	wait_for_completion(&pgmap->done); // close memunmap_before_wait
} // close memunmap_after_wait

static void pgmap_unmap_ranges(struct dev_pagemap *pgmap)
{
	int i;

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_before_unmap
}

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	if (pgmap->type != MEMORY_DEVICE_PRIVATE &&
	    pgmap->type != MEMORY_DEVICE_COHERENT)
		for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
			percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i)); // close memunmap_after_kill

	pgmap_wait_idle(pgmap); // close memunmap_after_put_initial
	pgmap_unmap_ranges(pgmap);
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
