// SPDX-License-Identifier: GPL-2.0
// shape: the tryget split out into a static helper that returns its result, the caller warning on it
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

static bool pgmap_tryget_pages(struct dev_pagemap *pgmap, unsigned long nr) // open page_init_before_tryget
{
	return percpu_ref_tryget_many(&pgmap->ref, nr); // close page_init_before_tryget
}

void zone_device_page_init(struct page *page, struct dev_pagemap *pgmap,
			   unsigned int order)
{
	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!pgmap_tryget_pages(pgmap, 1UL << order));
	set_page_count(page, 1);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
