// SPDX-License-Identifier: GPL-2.0
// shape: the checks moved after the grab, where the folio is held (as Jason Gunthorpe asked for a check on the page in his review of Logan Gunthorpe's FOLL_PCI_P2PDMA patch for gup_pte_range(), lore 2022), each giving the folio back: nothing bails out between the read and the grab, so the PTE-read window has no place for its point (the grab's NULL check must not get it); the grab point joins the first check after the grab
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read not-placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	int ret = 0;
	pte_t *ptep, *ptem;

	ptem = ptep = pte_offset_map(&pmd, addr);
	if (!ptep)
		return 0;
	do {
		pte_t pte = ptep_get_lockless(ptep);
		struct page *page;
		struct folio *folio;

		if (!pfn_valid(pte_pfn(pte)))
			pr_warn_once("gup-fast: PTE of no memmap\n");
		page = pte_page(pte);

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab
		if (!folio)
			goto pte_unmap;

		if (pte_protnone(pte) || pte_special(pte) || // close gup_fast_after_grab
		    !pte_access_permitted(pte, flags & FOLL_WRITE)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) ||
		    unlikely(pte_val(pte) != pte_val(ptep_get_lockless(ptep)))) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if (!gup_fast_folio_allowed(folio, flags)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if (!pte_write(pte) && gup_must_unshare(NULL, flags, page)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}

		if ((flags & FOLL_PIN) && arch_make_folio_accessible(folio)) {
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}
		folio_set_referenced(folio);
		pages[*nr] = page;
		(*nr)++;
	} while (ptep++, addr += PAGE_SIZE, addr != end);

	ret = 1;

pte_unmap:
	pte_unmap(ptem);
	return ret;
}
