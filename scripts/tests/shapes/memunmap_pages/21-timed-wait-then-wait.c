// SPDX-License-Identifier: GPL-2.0
// shape: a timed wait that warns, then waits on: two calls wait on the done, and the rule cannot tell which ends the window, so the wait points are not placed
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait not-placed
// expect: memunmap_after_wait not-placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i; // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	if (pgmap->type != MEMORY_DEVICE_PRIVATE &&
	    pgmap->type != MEMORY_DEVICE_COHERENT)
		for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
			percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i)); // close memunmap_after_kill

	if (!wait_for_completion_timeout(&pgmap->done, 60 * HZ)) { // close memunmap_after_put_initial
		pr_warn("%s: pgmap %p still referenced after 60s\n", __func__, pgmap);
		wait_for_completion(&pgmap->done);
	}

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
