// SPDX-License-Identifier: GPL-2.0
// shape: the tryget's result taken into a local declared apart from it, the WARN_ON_ONCE() on the local after the count is set
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page, unsigned int order)
{
	struct dev_pagemap *pgmap = page_pgmap(page); // open page_init_before_tryget
	bool live;

	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	live = percpu_ref_tryget_many(&pgmap->ref, 1 << order); // close page_init_before_tryget
	set_page_count(page, 1);
	WARN_ON_ONCE(!live);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
