# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.rules: the rule table and verdicts of a recorded run
(zdrace_speculative_get on 6.12, booted with zdrace_rules.list=1)."""

import dataclasses
import os
import tempfile
import unittest
from typing import List

from tests import kunittree
from zdtool.kernel import compare, rules

DATA = os.path.join(os.path.dirname(__file__), 'test_data',
		    'rules_console.log')


def console() -> List[str]:
	with open(DATA) as f:
		return f.readlines()


class RulesTest(unittest.TestCase):

	def results(self, lines: List[str]) -> dict:
		tree = kunittree.needed(self)
		table = rules.read_table(lines)
		got = rules.aggregate(table, rules.read_verdicts(tree, lines))
		return {r.rule: r for r in got}

	def test_table(self) -> None:
		table = rules.read_table(console())
		self.assertEqual(table.line, '6.12')
		self.assertEqual(len(table.rules), 14)
		self.assertEqual(table.rules['gup_fast_page_has_live_pgmap'].thread,
				 'Sep 2021, gup-fast\'s get_dev_pagemap(): "So lets '
				 'just delete it!"')
		self.assertEqual([b.types for b in table.declared(
			'speculative_get_refuses_free_page')], ['generic'])

	def test_declared_break_shown(self) -> None:
		got = self.results(console())
		spec = got['speculative_get_refuses_free_page']
		self.assertEqual((spec.verdict, spec.declared_break, spec.cases),
				 ('breaks', True, 6))
		self.assertTrue(spec.evidence.startswith('folio_try_get took a '
							 'reference on free '
							 'GENERIC page'))
		self.assertEqual(spec.tests[0], 'zdrace_speculative_get.'
				 'speculative_get_on_free_device_page.generic '
				 'folio_try_get')
		self.assertEqual(spec.problem, '')
		lookup = got['lookup_returns_stable_folio']
		self.assertEqual((lookup.verdict, lookup.cases, lookup.problem),
				 ('holds', 4, ''))
		# Rules this suite does not assert.
		self.assertEqual(got['longterm_pin_parity'].verdict, 'n/a')

	def test_declared_break_that_held_is_a_problem(self) -> None:
		lines = [t.replace('breaks expected=breaks',
				   'holds expected=breaks') for t in console()]
		spec = self.results(lines)['speculative_get_refuses_free_page']
		self.assertEqual(spec.verdict, 'holds')
		self.assertIn('declared broken on 6.12', spec.problem)
		self.assertIn('held in all 6 cases', spec.problem)

	def test_undeclared_break_is_a_problem(self) -> None:
		lines = [t.replace('rule lookup_returns_stable_folio holds '
				   'expected=holds',
				   'rule lookup_returns_stable_folio breaks '
				   'expected=holds') for t in console()]
		lookup = self.results(lines)['lookup_returns_stable_folio']
		self.assertEqual(lookup.verdict, 'breaks')
		self.assertIn('does not declare', lookup.problem)

	def test_consoles_of_two_kernels_are_one_line(self) -> None:
		"""A line's kernel and its SMP kernel: the table of the first
		console, the cases of both."""
		tree = kunittree.needed(self)
		with tempfile.TemporaryDirectory() as d:
			full = os.path.join(d, 'test.log')
			cases = os.path.join(d, 'smp.log')
			with open(full, 'w') as f:
				f.writelines(console())
			with open(cases, 'w') as f:
				f.writelines(t for t in console()
					     if 'zdrace_rules: ' not in t)
			self.assertIsNone(rules.from_console(tree, cases))
			both = {r.rule: r for r in
				rules.from_consoles(tree, [full, cases]) or []}
			one = {r.rule: r for r in
			       rules.from_console(tree, full) or []}
		spec = 'speculative_get_refuses_free_page'
		self.assertEqual(one[spec].cases, 6)
		self.assertEqual((both[spec].cases, both[spec].verdict),
				 (12, 'breaks'))


class CompareTest(unittest.TestCase):

	def test_table_has_a_column_per_line(self) -> None:
		tree = kunittree.needed(self)
		lines = console()
		table = rules.read_table(lines)
		got = rules.aggregate(table, rules.read_verdicts(tree, lines))
		later = [dataclasses.replace(r, verdict='holds', evidence='',
					     declared_break=False) for r in got]
		md = compare.markdown([
			compare.LineRun('6.12', 'linux 6.12.117', got),
			compare.LineRun('7.3', 'linux 7.3.4', later)])
		row = next(t for t in md.splitlines()
			   if t.startswith('| `speculative_get_refuses_free_page`'))
		cells = [c.strip() for c in row.split(' | ')]
		self.assertTrue(cells[2].startswith('**breaks upstream**: '
						    'folio_try_get took'), cells[2])
		self.assertEqual(cells[3], 'holds (6 cases) |')
		self.assertIn('| rule | thread | 6.12 | 7.3 |', md)
		self.assertIn(' not applicable', md)

	def test_banner_names_the_cpus(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			log = os.path.join(d, 'test.log')
			with open(log, 'w') as f:
				f.write('smp: Bringing up secondary CPUs ...\n'
					'smp: Brought up 1 node, 2 CPUs\n')
			self.assertEqual(compare.cpus_from_console(log), 2)
			self.assertEqual(compare.cpus_from_console(DATA), 1)
		self.assertEqual(compare.with_cpus('linux 7.3.4', [2]),
				 'linux 7.3.4, 2 CPUs')
		self.assertEqual(compare.with_cpus('linux 6.12.117', [1]),
				 'linux 6.12.117, 1 CPU')
		self.assertEqual(compare.with_cpus('linux 7.3.4', [1, 2]),
				 'linux 7.3.4, 1 CPU; its SMP suites on 2 CPUs')


if __name__ == '__main__':
	unittest.main()
