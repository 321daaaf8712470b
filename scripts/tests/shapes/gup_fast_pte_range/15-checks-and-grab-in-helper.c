// SPDX-License-Identifier: GPL-2.0
// shape: the checks on the PTE value and the grab split out together into gup_fast_pte_folio(pte, flags), which returns try_grab_folio_fast()'s folio or NULL; the read stays in the caller, so its window runs from the caller into the helper, which the rule does not follow (not placed); the re-check stays in the caller, where the grab point goes
// lines: 6.12 7.3
// expect: gup_fast_after_pte_read not-placed
// expect: gup_fast_after_get_pgmap not-placed
// expect: gup_fast_after_grab placed

/* The folio GUP-fast grabbed for @pte, or NULL to leave it to ordinary GUP. */
static struct folio *gup_fast_pte_folio(pte_t pte, unsigned int flags)
{
	/*
	 * Always fallback to ordinary GUP on PROT_NONE-mapped pages:
	 * pte_access_permitted() better should reject these pages
	 * either way: otherwise, GUP-fast might succeed in
	 * cases where ordinary GUP would fail due to VMA access
	 * permissions.
	 */
	if (pte_protnone(pte))
		return NULL;

	if (!pte_access_permitted(pte, flags & FOLL_WRITE))
		return NULL;

	if (pte_special(pte))
		return NULL;

	/* If it's not marked as special it must have a valid memmap. */
	VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
	return try_grab_folio_fast(pte_page(pte), 1, flags); // open gup_fast_after_grab
}

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
		struct folio *folio;
		struct page *page;

		folio = gup_fast_pte_folio(pte, flags);
		if (!folio)
			goto pte_unmap;
		page = pte_page(pte);

		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) || // close gup_fast_after_grab
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
