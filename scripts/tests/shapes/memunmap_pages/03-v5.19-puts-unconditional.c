// SPDX-License-Identifier: GPL-2.0
// shape: as after Ralph Campbell's "mm: remove extra ZONE_DEVICE struct page refcount" (v5.19): every type's initial refs put with no type check, the put split over two lines, percpu_ref_exit() straight after the wait (before Miaohe Lin's "mm/memremap: fix memunmap_pages() race with get_dev_pagemap()")
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
	for (i = 0; i < pgmap->nr_range; i++)
		percpu_ref_put_many(&pgmap->ref, pfn_end(pgmap, i) - // close memunmap_after_kill, open memunmap_after_put_initial, open memunmap_before_wait, open memunmap_after_wait
						 pfn_first(pgmap, i));
	wait_for_completion(&pgmap->done); // close memunmap_after_put_initial, close memunmap_before_wait
	percpu_ref_exit(&pgmap->ref);

	for (i = 0; i < pgmap->nr_range; i++) // open memunmap_before_unmap
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
	devmap_managed_enable_put(pgmap);
}
