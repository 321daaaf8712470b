# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.mutants: result tables, kill detection and series assembly."""

import json
import os
import unittest

from zdtool.kernel import mutants
from zdtool.kernel.series import Series, load_series

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))


class MutantsTest(unittest.TestCase):

	def test_failed_cases(self) -> None:
		doc = {'name': 'KUnit Test Group', 'test_cases': [], 'sub_groups': [
			{'name': 'zone_device_smoke', 'test_cases': [
				{'name': 'map_and_lookup', 'status': 'PASS'},
				{'name': 'leak', 'status': 'FAIL'}], 'sub_groups': [
				{'name': 'unmap', 'sub_groups': [], 'test_cases': [
					{'name': 'generic', 'status': 'ERROR'},
					{'name': 'private', 'status': 'SKIP'}]}]}]}
		self.assertEqual(mutants.failed_cases(json.dumps(doc)), [
			'zone_device_smoke.leak', 'zone_device_smoke.unmap.generic'])

	def test_table(self) -> None:
		rows = [mutants.Outcome('a.patch', True, ['s.c1', 's.c2'], 40, 2.5),
			mutants.Outcome('b.patch', False, [], 35, 2.0)]
		text = mutants.table(rows)
		self.assertIn('| a.patch | killed | s.c1, s.c2 | 40 s | 2.5 s |', text)
		self.assertIn('| b.patch | SURVIVED | - | 35 s | 2.0 s |', text)

	def test_with_mutant_appends_last(self) -> None:
		main = Series('/p', ['0001-x.patch', '0002-y.patch'])
		s = mutants.with_mutant(main, '/m/bug.patch')
		self.assertEqual(s.paths(), ['/p/0001-x.patch', '/p/0002-y.patch',
					     '/m/bug.patch'])
		self.assertEqual(mutants.with_mutant(main, None).paths(),
				 main.paths())

	def test_every_mutant_is_listed_and_cites_its_source(self) -> None:
		d = os.path.join(REPO, mutants.MUTANT_DIR, '6.12')
		listed = load_series(d).patches
		self.assertGreaterEqual(len(listed), 8)
		self.assertEqual(sorted(listed), sorted(
			p for p in os.listdir(d) if p.endswith('.patch')))
		for name in listed:
			with open(os.path.join(d, name)) as f:
				text = f.read()
			self.assertIn('Subject: [PATCH] MUTANT:', text, name)
			self.assertRegex(text, r'seed 00\d_[0-9a-f]{16}|commit [0-9a-f]{12}', name)


if __name__ == '__main__':
	unittest.main()
