// SPDX-License-Identifier: GPL-2.0
// shape: the wait a timeout loop that warns while references are still held (the completion waited for in the loop's condition), a comment and might_sleep() between the puts and the wait
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	if (pgmap->type != MEMORY_DEVICE_PRIVATE &&
	    pgmap->type != MEMORY_DEVICE_COHERENT)
		for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
			percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i)); // close memunmap_after_kill, open memunmap_before_wait

	/* Wait for the last folio and lookup reference to drop. */
	might_sleep();
	while (!wait_for_completion_timeout(&pgmap->done, 10 * HZ)) // close memunmap_after_put_initial, close memunmap_before_wait, open memunmap_after_wait
		pr_warn("%s: pgmap %p still referenced\n", __func__, pgmap);

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
