// SPDX-License-Identifier: GPL-2.0
// shape: device private pagemaps torn down by their own memunmap_device_private_pagemap() (Jordan Niethe, "mm: Remove device private pages from the physical address space", Dec 2025): a WARN_ONCE() first, the type check folded to COHERENT alone; the new function kills and waits too but is no window of ours
// lines: 6.12 7.3
// expect: memunmap_after_kill placed
// expect: memunmap_after_put_initial placed
// expect: memunmap_before_wait placed
// expect: memunmap_after_wait placed
// expect: memunmap_before_unmap placed

void memunmap_pages(struct dev_pagemap *pgmap)
{
	int i;

	WARN_ONCE(pgmap->type == MEMORY_DEVICE_PRIVATE, "Type should not be MEMORY_DEVICE_PRIVATE\n"); // open memunmap_after_kill

	percpu_ref_kill(&pgmap->ref);
	if (pgmap->type != MEMORY_DEVICE_COHERENT)
		for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
			percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i)); // close memunmap_after_kill, open memunmap_before_wait, open memunmap_after_wait

	wait_for_completion(&pgmap->done); // close memunmap_after_put_initial, close memunmap_before_wait

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
EXPORT_SYMBOL_GPL(memunmap_pages);

void memunmap_device_private_pagemap(struct dev_pagemap *pgmap)
{
	percpu_ref_kill(&pgmap->ref);
	wait_for_completion(&pgmap->done);
	percpu_ref_exit(&pgmap->ref);
	kvfree(pgmap->pages);
	mtree_erase(&device_private_pgmap_tree, pgmap->range.start);
}
EXPORT_SYMBOL_GPL(memunmap_device_private_pagemap);
