// SPDX-License-Identifier: GPL-2.0
// shape: the do-while turned into a for_each_pte_in_range() iterator (7.3 otherwise), the checks before the grab in an else-if chain, the PTE value renamed ptent and the folio f
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	pte_t *ptep, *ptem;
	int ret = 0;

	ptem = ptep = pte_offset_map(&pmd, addr);
	if (!ptep)
		return 0;

	for_each_pte_in_range(ptep, addr, end) {
		pte_t ptent = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
		struct folio *f;
		struct page *page;

		if (pte_protnone(ptent))
			goto pte_unmap;
		else if (!pte_access_permitted(ptent, flags & FOLL_WRITE))
			goto pte_unmap;
		else if (pte_special(ptent))
			goto pte_unmap;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(ptent)));
		page = pte_page(ptent);

		f = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (!f)
			goto pte_unmap;

		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) || // close gup_fast_after_grab
		    unlikely(pte_val(ptent) != pte_val(ptep_get_lockless(ptep)))) {
			gup_put_folio(f, 1, flags);
			goto pte_unmap;
		}

		if (!gup_fast_folio_allowed(f, flags)) {
			gup_put_folio(f, 1, flags);
			goto pte_unmap;
		}

		if (!pte_write(ptent) && gup_must_unshare(NULL, flags, page)) {
			gup_put_folio(f, 1, flags);
			goto pte_unmap;
		}

		if ((flags & FOLL_PIN) && arch_make_folio_accessible(f)) {
			gup_put_folio(f, 1, flags);
			goto pte_unmap;
		}
		folio_set_referenced(f);
		pages[*nr] = page;
		(*nr)++;
	}

	ret = 1;

pte_unmap:
	pte_unmap(ptem);
	return ret;
}
