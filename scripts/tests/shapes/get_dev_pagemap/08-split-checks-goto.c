// SPDX-License-Identifier: GPL-2.0
// shape: the NULL check and the tryget split into two ifs, the first a goto to the unlock, with a comment and a VM_WARN_ON_ONCE() between the lookup and the tryget
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;
	resource_size_t phys = PFN_PHYS(pfn);

	rcu_read_lock();
	pgmap = xa_load(&pgmap_array, PHYS_PFN(phys)); // open get_pgmap_before_tryget
	if (!pgmap)
		goto out;
	VM_WARN_ON_ONCE(phys < pgmap->range.start);
	/* A pgmap being torn down is dead already: its ref is killed first. */
	if (!percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		pgmap = NULL;
out:
	rcu_read_unlock();

	return pgmap;
}
