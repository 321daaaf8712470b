# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.bootcheck: judging the console of a boot with bad parameters."""

import os
import unittest

from tests import kunittree
from zdtool.kernel import bootcheck

DATA = os.path.join(os.path.dirname(__file__), 'test_data')


def _read(name: str) -> str:
	with open(os.path.join(DATA, name), errors='replace') as f:
		return f.read()


class EvaluateTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tree = kunittree.needed(self)

	def test_recorded_bad_boot_passes(self) -> None:
		verdict = bootcheck.evaluate(_read('bad_boot.log'), self.tree)
		self.assertEqual(verdict.problems, [])
		# 3 + 2 + 2 + 3 + 3 parameters and 3 plain cases.
		self.assertEqual(verdict.skipped, 16)
		self.assertEqual(verdict.counts().passed, 1)

	def test_missing_message(self) -> None:
		log = _read('bad_boot.log').replace('unknown injection point',
						    'something else')
		verdict = bootcheck.evaluate(log, self.tree)
		self.assertEqual(len(verdict.problems), 1)
		self.assertIn('unknown injection point', verdict.problems[0])
		self.assertEqual(verdict.counts().failed, 1)

	def test_case_that_ran_is_a_problem(self) -> None:
		log = _read('bad_boot.log').replace(
			'# SKIP no ZONE_DEVICE memory window: malformed size', '', 1)
		problems = bootcheck.evaluate(log, self.tree).problems
		self.assertTrue(any('not skipped' in p for p in problems), problems)

	def test_crash_before_the_end(self) -> None:
		log = _read('bad_boot.log')
		cut = log.index('# Subtest: zone_device_smoke')
		problems = bootcheck.evaluate(log[:cut], self.tree).problems
		self.assertTrue(any('never finished' in p for p in problems))


if __name__ == '__main__':
	unittest.main()
