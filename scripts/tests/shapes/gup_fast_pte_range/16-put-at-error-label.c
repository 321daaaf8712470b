// SPDX-License-Identifier: GPL-2.0
// shape: 7.3 with the folio puts folded into one error label after the loop (goto put_folio), the re-check reading the PTE again into a local first and comparing with pte_same(); that second ptep_get_lockless(), after the grab, opens no PTE-read window
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,
		unsigned long end, unsigned int flags, struct page **pages,
		int *nr)
{
	struct folio *folio;
	pte_t *ptep, *ptem;
	int ret = 0;

	ptem = ptep = pte_offset_map(&pmd, addr);
	if (!ptep)
		return 0;
	do {
		pte_t pte = ptep_get_lockless(ptep); // open gup_fast_after_pte_read
		struct page *page;
		pte_t cur;

		/*
		 * Always fallback to ordinary GUP on PROT_NONE-mapped pages:
		 * pte_access_permitted() better should reject these pages
		 * either way: otherwise, GUP-fast might succeed in
		 * cases where ordinary GUP would fail due to VMA access
		 * permissions.
		 */
		if (pte_protnone(pte))
			goto pte_unmap;

		if (!pte_access_permitted(pte, flags & FOLL_WRITE))
			goto pte_unmap;

		if (pte_special(pte))
			goto pte_unmap;

		/* If it's not marked as special it must have a valid memmap. */
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);

		folio = try_grab_folio_fast(page, 1, flags); // open gup_fast_after_grab, close gup_fast_after_pte_read
		if (!folio)
			goto pte_unmap;

		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp)))) // close gup_fast_after_grab
			goto put_folio;

		cur = ptep_get_lockless(ptep);
		if (unlikely(!pte_same(pte, cur)))
			goto put_folio;

		if (!gup_fast_folio_allowed(folio, flags))
			goto put_folio;

		if (!pte_write(pte) && gup_must_unshare(NULL, flags, page))
			goto put_folio;

		if ((flags & FOLL_PIN) && arch_make_folio_accessible(folio))
			goto put_folio;

		folio_set_referenced(folio);
		pages[*nr] = page;
		(*nr)++;
	} while (ptep++, addr += PAGE_SIZE, addr != end);

	ret = 1;
	goto pte_unmap;

put_folio:
	gup_put_folio(folio, 1, flags);
pte_unmap:
	pte_unmap(ptem);
	return ret;
}
