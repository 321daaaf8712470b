// SPDX-License-Identifier: GPL-2.0
// shape: window removed: the references taken unconditionally with percpu_ref_get_many(), as drivers did with get_page() before 6.1 (no tryget that could fail)
// lines: 6.12 7.3
// expect: page_init_before_tryget not-placed

void zone_device_page_init(struct page *page, unsigned int order)
{
	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	percpu_ref_get_many(&page_pgmap(page)->ref, 1 << order);
	set_page_count(page, 1);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
