// SPDX-License-Identifier: GPL-2.0
// shape: the work split out into zone_device_folio_init(), as in Balbir Singh's v6 large-folio series (there zone_device_page_init() became its static inline wrapper in memremap.h; here the wrapper stays in mm/memremap.c)
// lines: 6.12 7.3
// expect: page_init_before_tryget placed

void zone_device_folio_init(struct folio *folio, unsigned int order)
{
	struct page *page = folio_page(folio, 0); // open page_init_before_tryget

	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_many(&page_pgmap(page)->ref, 1 << order)); // close page_init_before_tryget
	folio_set_count(folio, 1);
	lock_page(page);

	if (order > 1) {
		prep_compound_page(page, order);
		folio_set_large_rmappable(folio);
	}
}
EXPORT_SYMBOL_GPL(zone_device_folio_init);

void zone_device_page_init(struct page *page)
{
	zone_device_folio_init(page_folio(page), 0);
}
EXPORT_SYMBOL_GPL(zone_device_page_init);
