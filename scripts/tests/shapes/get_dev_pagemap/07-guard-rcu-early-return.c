// SPDX-License-Identifier: GPL-2.0
// shape: rcu_read_lock()/unlock() turned into guard(rcu)(), the check inverted into an early return of NULL
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	struct dev_pagemap *pgmap;

	guard(rcu)();
	pgmap = xa_load(&pgmap_array, pfn); // open get_pgmap_before_tryget
	if (!pgmap || !percpu_ref_tryget_live_rcu(&pgmap->ref)) // close get_pgmap_before_tryget
		return NULL;
	return pgmap;
}
