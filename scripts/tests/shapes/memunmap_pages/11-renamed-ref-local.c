// SPDX-License-Identifier: GPL-2.0
// shape: the pgmap renamed map, the range index range_id, a local for &map->ref used by the kill, the puts and the exit; the unmap loop run backwards as a while loop
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *map)
{
	struct percpu_ref *ref = &map->ref;
	int range_id; // open memunmap_after_kill

	percpu_ref_kill(ref);
	if (map->type != MEMORY_DEVICE_PRIVATE &&
	    map->type != MEMORY_DEVICE_COHERENT)
		for (range_id = 0; range_id < map->nr_range; range_id++) // open memunmap_after_put_initial
			percpu_ref_put_many(ref, pfn_len(map, range_id)); // close memunmap_after_kill, open memunmap_before_wait, open memunmap_after_wait

	wait_for_completion(&map->done); // close memunmap_after_put_initial, close memunmap_before_wait

	range_id = map->nr_range;
	while (range_id--) // open memunmap_before_unmap
		pageunmap_range(map, range_id); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(ref);

	WARN_ONCE(map->altmap.alloc, "failed to free all reserved pages\n");
}
