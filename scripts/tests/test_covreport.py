# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.report: per-function numbers, Markdown and JSON."""

import json
import os
import unittest
from typing import Dict, Optional, Tuple

from zdtool.coverage import report as covreport, lcovinfo, manifest
from zdtool.coverage.cfuncs import FuncRange, find_functions

DATA = os.path.join(os.path.dirname(__file__), 'test_data')
TREE = '/work/main/build/6.12/linux'


def _recorded() -> covreport.Report:
	cov = lcovinfo.relative(
		lcovinfo.read(os.path.join(DATA, 'refcount_sample.info')), TREE)
	with open(os.path.join(DATA, 'page_ref.h')) as f:
		page_ref = find_functions(f.read())
	swap = {'__folio_put': [FuncRange('__folio_put', 97, 97, 112)],
		'release_pages': [FuncRange('release_pages', 1012, 1012, 1048)]}
	selection = {'include/linux/page_ref.h': page_ref, 'mm/swap.c': swap,
		     'mm/memremap.c': {'memunmap_pages': [
			     FuncRange('memunmap_pages', 137, 137, 155)]}}
	whole = {'include/linux/page_ref.h': True, 'mm/memremap.c': True}
	return covreport.build(selection, whole, cov, 'title',
			       {'kernel': 'linux 6.12.117'})


class BuildTest(unittest.TestCase):

	def setUp(self) -> None:
		self.report = _recorded()
		self.files = {f.path: f for f in self.report.files}

	def _row(self, path: str, name: str) -> covreport.FunctionRow:
		return next(r for r in self.files[path].functions if r.name == name)

	def test_inlined_header_function_counts_by_lines(self) -> None:
		inc = self._row('include/linux/page_ref.h', 'folio_ref_inc')
		self.assertEqual(inc.line, 158)
		self.assertEqual((inc.numbers.lines_hit, inc.numbers.lines), (2, 2))
		self.assertEqual(inc.numbers.functions_hit, 1)

	def test_function_record_that_never_ran(self) -> None:
		unless = self._row('include/linux/page_ref.h',
				   'page_ref_add_unless')
		self.assertEqual(unless.numbers.lines_hit, 0)
		self.assertEqual(unless.numbers.functions, 1)
		self.assertEqual(unless.numbers.functions_hit, 0)

	def test_c_file_function(self) -> None:
		put = self._row('mm/swap.c', '__folio_put')
		self.assertEqual((put.numbers.lines_hit, put.numbers.lines), (7, 7))
		self.assertTrue(put.built)

	def test_file_without_data_is_not_built(self) -> None:
		memremap = self.files['mm/memremap.c']
		self.assertFalse(memremap.built)
		self.assertFalse(memremap.functions[0].built)

	def test_totals_add_up(self) -> None:
		total = self.report.total()
		self.assertEqual(total.lines, sum(f.numbers.lines
						  for f in self.report.files))
		self.assertEqual(total.functions_hit,
				 sum(r.numbers.functions_hit
				     for f in self.report.files
				     for r in f.functions))


class OutputTest(unittest.TestCase):

	def test_one_function_definition_for_the_html(self) -> None:
		"""The tracefile the HTML is drawn from gets the report's
		function records: the same count as refcount.md."""
		report = _recorded()
		records = covreport.function_records(report)
		t = report.total()
		self.assertEqual(sum(len(r) for r in records.values()),
				 t.functions)
		self.assertEqual(sum(1 for r in records.values()
				     for _, runs in r.values() if runs),
				 t.functions_hit)
		self.assertEqual(records['include/linux/page_ref.h']
				 ['folio_ref_inc'][0], 158)
		self.assertNotIn('memunmap_pages', records['mm/memremap.c'])
		text = lcovinfo.dump([lcovinfo.FileCoverage(
			'x.c', {1: 1}, {}, records['mm/swap.c'])])
		self.assertIn('FNF:2', text)
		self.assertIn('FNH:1', text)	# release_pages never ran

	def test_markdown(self) -> None:
		text = covreport.markdown(_recorded())
		lines = text.splitlines()
		self.assertEqual(lines[0], '### title')
		self.assertIn('- kernel: linux 6.12.117', lines)
		table = [l for l in lines if l.startswith('|')]
		# Aligned for a plain-text mail: every row equally wide.
		self.assertEqual(len({len(l) for l in table}), 1)
		self.assertTrue(any(l.startswith('| `__folio_put`') and
				    '7/7 100.0%' in l for l in table))
		self.assertTrue(any('**mm/memremap.c** (whole file)' in l and
				    'not built' in l for l in table))
		self.assertIn('- include/linux/page_ref.h: __page_ref_set, '
			      '__page_ref_mod,', lines)

	def test_json(self) -> None:
		doc = json.loads(covreport.to_json(_recorded()))
		swap = next(f for f in doc['files'] if f['path'] == 'mm/swap.c')
		self.assertEqual(swap['functions'][0]['name'], '__folio_put')
		self.assertEqual(swap['functions'][0]['coverage']['lines_hit'], 7)
		self.assertEqual(set(doc['total']), {
			'lines_hit', 'lines', 'branches_hit', 'branches',
			'functions_hit', 'functions'})


class AssertionArmsTest(unittest.TestCase):

	SOURCE = ['void f(struct page *page)',
		  '{',
		  '\tif (WARN_ON_ONCE(!page))',
		  '\t\treturn;',
		  '\tVM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);',
		  '\tif (page_ref_dec_and_test(page))',
		  '\t\tpr_warn("freed\\n");',
		  '}']

	def _arms(self, branches: Dict[Tuple[int, int, int], Optional[int]]
		  ) -> Tuple[int, int]:
		cov = lcovinfo.FileCoverage('f.c', branches=branches)
		return covreport.assertion_arms({'f.c': cov},
						lambda path: self.SOURCE)

	def test_arms_on_asserting_lines(self) -> None:
		# WARN_ON_ONCE() on line 3 and VM_BUG_ON_PAGE() on line 5
		# count; the plain if on line 6 and pr_warn() do not.
		taken, total = self._arms({(3, 0, 0): 5, (3, 0, 1): 0,
					   (5, 0, 0): 5, (5, 0, 1): None,
					   (6, 0, 0): 2, (6, 0, 1): 0,
					   (7, 0, 0): 0})
		self.assertEqual((taken, total), (2, 4))

	def test_lines_past_the_source_do_not_count(self) -> None:
		self.assertEqual(self._arms({(99, 0, 0): 1}), (0, 0))


if __name__ == '__main__':
	unittest.main()
