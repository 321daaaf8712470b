# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.results: counting kunit.py's JSON output."""

import json
import os
import unittest

from zdtool.kernel import results

DATA = os.path.join(os.path.dirname(__file__), 'test_data')


class CountTest(unittest.TestCase):

	def test_recorded_run(self) -> None:
		with open(os.path.join(DATA, 'page_ref_pass.json')) as f:
			counts = results.count_kunit_json(f.read())
		# 4 plain cases + 2 parameterized cases of 2 parameters each.
		self.assertEqual(counts, results.Counts(8, 0, 0))

	def test_fail_error_skip(self) -> None:
		doc = {'name': 'KUnit Test Group', 'sub_groups': [
			{'name': 's', 'sub_groups': [], 'test_cases': [
				{'name': 'a', 'status': 'PASS'},
				{'name': 'b', 'status': 'FAIL'},
				{'name': 'c', 'status': 'ERROR'},
				{'name': 'd', 'status': 'SKIP'}]}],
			'test_cases': []}
		counts = results.count_kunit_json(json.dumps(doc))
		self.assertEqual(counts, results.Counts(1, 2, 1))
		self.assertEqual(counts.summary(), '1 passed, 2 failed, 1 skipped')
		names = [n for n, _ in results.walk_cases(doc)]
		self.assertEqual(names[0], 'KUnit Test Group.s.a')

	def test_sum(self) -> None:
		self.assertEqual(results.Counts(1, 2, 3) + results.Counts(4, 5, 6),
				 results.Counts(5, 7, 9))


if __name__ == '__main__':
	unittest.main()
