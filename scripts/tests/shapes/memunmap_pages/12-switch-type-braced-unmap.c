// SPDX-License-Identifier: GPL-2.0
// shape: the type check a switch whose default puts the initial refs, the unmap loop braced with a tracepoint and cond_resched() around the call, a VM_WARN_ON_ONCE() between the kill and the puts
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
	VM_WARN_ON_ONCE(!percpu_ref_is_dying(&pgmap->ref));

	switch (pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		/* Their folios took their pgmap references as allocated. */
		break;
	default:
		for (i = 0; i < pgmap->nr_range; i++) // open memunmap_after_put_initial
			percpu_ref_put_many(&pgmap->ref, pfn_len(pgmap, i)); // close memunmap_after_kill, open memunmap_before_wait, open memunmap_after_wait
		break;
	}

	wait_for_completion(&pgmap->done); // close memunmap_after_put_initial, close memunmap_before_wait

	for (i = 0; i < pgmap->nr_range; i++) { // open memunmap_before_unmap
		trace_pgmap_unmap_range(pgmap, i);
		pageunmap_range(pgmap, i); // close memunmap_after_wait, close memunmap_before_unmap
		cond_resched();
	}
	percpu_ref_exit(&pgmap->ref);

	WARN_ONCE(pgmap->altmap.alloc, "failed to free all reserved pages\n");
}
