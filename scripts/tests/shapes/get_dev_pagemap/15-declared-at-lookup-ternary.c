// SPDX-License-Identifier: GPL-2.0
// shape: under guard(rcu)(), the pgmap declared where it is looked up and the tryget folded into the returned conditional expression
// lines: 6.12 7.3
// expect: get_pgmap_before_tryget placed

struct dev_pagemap *get_dev_pagemap(unsigned long pfn)
{
	guard(rcu)();
	struct dev_pagemap *pgmap = xa_load(&pgmap_array, pfn); // open get_pgmap_before_tryget

	return pgmap && percpu_ref_tryget_live_rcu(&pgmap->ref) ? pgmap : NULL; // close get_pgmap_before_tryget
}
