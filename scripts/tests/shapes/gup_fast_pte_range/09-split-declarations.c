// SPDX-License-Identifier: GPL-2.0
// shape: 7.3 with the locals declared at the top and the PTE read a plain assignment, set_pmd()/pmdp_get() around pte_offset_map() (Samuel Holland, "[PATCH v3 08/22] mm: Allow page table accessors to be non-idempotent", lore, 2025-11-13), a tracepoint after the read, the three checks folded into one condition in another order, a VM_WARN_ON_ONCE_FOLIO() after the grab and the re-check split in a PMD and a PTE check
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	struct folio *folio;
	struct page *page;
	pte_t *ptep, *ptem;
	int ret = 0;
	pte_t pte;

	/* transform pmd as if &pmd pointed to a hardware page table */
	set_pmd(&pmd, pmd);
	ptem = ptep = pte_offset_map(&pmd, addr);
	pmd = pmdp_get(&pmd);
	if (!ptep)
		return 0;
	do {
		pte = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
		trace_gup_fast_pte(addr, pte);

		/* PROT_NONE-mapped pages always take ordinary GUP. */
		if (pte_special(pte) || pte_protnone(pte) ||
		    !pte_access_permitted(pte, flags & FOLL_WRITE))
			goto pte_unmap;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (!folio)
			goto pte_unmap;
		VM_WARN_ON_ONCE_FOLIO(folio_ref_count(folio) <= 0, folio);

		/* The page table may be on its way out: THP collapse. */
		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp)))) { // close gup_fast_after_grab
			gup_put_folio(folio, 1, flags);
			goto pte_unmap;
		}
		if (unlikely(pte_val(pte) != pte_val(ptep_get_lockless(ptep)))) {
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
