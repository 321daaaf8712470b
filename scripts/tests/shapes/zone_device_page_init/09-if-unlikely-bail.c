// SPDX-License-Identifier: GPL-2.0
// shape: the WARN_ON_ONCE() turned into an if (unlikely(!tryget)) that warns and leaves the page untouched, the count set after it
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page, unsigned int order)
{
	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES); // open page_init_before_tryget

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	if (unlikely(!percpu_ref_tryget_many(&page_pgmap(page)->ref, 1 << order))) { // close page_init_before_tryget
		WARN_ON_ONCE(1);
		return;
	}
	set_page_count(page, 1);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
