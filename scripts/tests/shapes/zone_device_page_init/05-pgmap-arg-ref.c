// SPDX-License-Identifier: GPL-2.0
// shape: the 7.3 function with the tryget on the pgmap argument rather than page_pgmap(page) (as Alistair Popple's review of the reinitialisation asked), the reset loop a while loop over a local
// lines: 7.3
// expect: page_init_before_tryget placed

void zone_device_page_init(struct page *page, struct dev_pagemap *pgmap,
			   unsigned int order)
{
	unsigned long nr = 1UL << order;
	struct page *new_page = page;

	VM_WARN_ON_ONCE(order > MAX_ORDER_NR_PAGES);

	while (nr--) {
		struct folio *new_folio = (struct folio *)new_page++;

		new_folio->page.flags.f &= ~0xffUL;
		new_folio->mapping = NULL;
		new_folio->pgmap = pgmap;
		new_folio->share = 0;
		VM_WARN_ON_FOLIO(folio_ref_count(new_folio), new_folio);
	} // open page_init_before_tryget

	/*
	 * Drivers shouldn't be allocating pages after calling
	 * memunmap_pages().
	 */
	WARN_ON_ONCE(!percpu_ref_tryget_many(&pgmap->ref, 1UL << order)); // close page_init_before_tryget
	set_page_count(page, 1);
	lock_page(page);

	if (order)
		prep_compound_page(page, order);
}
