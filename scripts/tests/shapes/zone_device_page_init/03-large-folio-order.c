// SPDX-License-Identifier: GPL-2.0
// shape: as in 6.19 after Balbir Singh's "mm/zone_device: support large zone device private folios": an order argument, 1 << order references taken by percpu_ref_tryget_many(), a compound page prepared
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page, unsigned int order)
{
	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES); // open page_init_before_tryget

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_many(&page_pgmap(page)->ref, 1 << order)); // close page_init_before_tryget
	set_page_count(page, 1);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
