// SPDX-License-Identifier: GPL-2.0
// shape: once it returns the page count (06), the do-while turned into a for loop and every goto pte_unmap into break; unlikely() moved from the re-check to the grab's NULL check
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

static unsigned long gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages)
{
	unsigned long nr_pages = 0;
	pte_t *ptep, *ptem;

	ptem = ptep = pte_offset_map(&pmd, addr);
	if (!ptep)
		return 0;

	for (; addr != end; ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
		struct page *page;
		struct folio *folio;

		/* PROT_NONE: always the slow path, see pte_access_permitted(). */
		if (pte_protnone(pte))
			break;

		if (!pte_access_permitted(pte, flags & FOLL_WRITE))
			break;

		if (pte_special(pte))
			break;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (unlikely(!folio))
			break;

		if (pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp)) || // close gup_fast_after_grab
		    pte_val(pte) != pte_val(ptep_get_lockless(ptep))) {
			gup_put_folio(folio, 1, flags);
			break;
		}

		if (!gup_fast_folio_allowed(folio, flags)) {
			gup_put_folio(folio, 1, flags);
			break;
		}

		if (!pte_write(pte) && gup_must_unshare(NULL, flags, page)) {
			gup_put_folio(folio, 1, flags);
			break;
		}

		if ((flags & FOLL_PIN) && arch_make_folio_accessible(folio)) {
			gup_put_folio(folio, 1, flags);
			break;
		}
		folio_set_referenced(folio);
		pages[nr_pages++] = page;
	}

	pte_unmap(ptem);
	return nr_pages;
}
