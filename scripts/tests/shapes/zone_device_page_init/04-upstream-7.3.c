// SPDX-License-Identifier: GPL-2.0
// shape: as in 7.2 and 7.3 (Matthew Brost's "Reinitialize large zone device private folios"): the pgmap passed in, every page of the folio reset in a loop before the tryget
// lines: 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page, struct dev_pagemap *pgmap,
			   unsigned int order)
{
	struct page *new_page = page;
	unsigned int i;

	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	for (i = 0; i < (1UL << order); ++i, ++new_page) {
		struct folio *new_folio = (struct folio *)new_page;

		/*
		 * new_page could have been part of previous higher order folio
		 * which encodes the order, in page + 1, in the flags bits. We
		 * blindly clear bits which could have set my order field here,
		 * including page head.
		 */
		new_page->flags.f &= ~0xffUL;	/* Clear possible order, page head */

#ifdef NR_PAGES_IN_LARGE_FOLIO
		/*
		 * This pointer math looks odd, but new_page could have been
		 * part of a previous higher order folio, which sets _nr_pages
		 * in page + 1 (new_page). Therefore, we use pointer casting to
		 * correctly locate the _nr_pages bits within new_page which
		 * could have modified by previous higher order folio.
		 */
		((struct folio *)(new_page - 1))->_nr_pages = 0;
#endif

		new_folio->mapping = NULL;
		new_folio->pgmap = pgmap;	/* Also clear compound head */
		new_folio->share = 0;   /* fsdax only, unused for device private */
		VM_WARN_ON_FOLIO(folio_ref_count(new_folio), new_folio);
		VM_WARN_ON_FOLIO(!folio_is_zone_device(new_folio), new_folio);
	} // open page_init_before_tryget

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
