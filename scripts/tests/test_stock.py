# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.stock: `make stock` fails only on a test whose result the
series changes, on kunit.py --json output recorded from both kernels."""

import os
import unittest

from tests import kunittree
from zdtool.kernel import kunitpy, stock

DATA = os.path.join(os.path.dirname(__file__), 'test_data')


def _results(name: str) -> dict:
	with open(os.path.join(DATA, name)) as f:
		return stock.results(f.read())


class CompareTest(unittest.TestCase):

	def test_recorded_runs(self) -> None:
		unpatched = _results('stock_unpatched.json')
		patched = _results('stock_patched.json')
		self.assertEqual(unpatched['slub_test.test_clobber_zone'], 'FAIL')
		self.assertEqual(patched['slub_test.test_clobber_zone'], 'FAIL')
		self.assertEqual(patched['param_suite.param_case.p2'], 'SKIP')
		diff = stock.compare(unpatched, patched)
		self.assertEqual([(d.test, d.unpatched, d.patched) for d in diff], [
			('kasan.kmalloc_oob_right', 'PASS', 'FAIL'),
			('list_sort.list_sort_test', 'PASS', 'absent'),
			('param_suite.param_case.p2', 'PASS', 'SKIP'),
			('zone_device_smoke.map_and_lookup', 'absent', 'FAIL')])
		self.assertEqual(stock.table(diff).splitlines()[:3], [
			'| test                             | unpatched | patched |',
			'|----------------------------------|-----------|---------|',
			'| kasan.kmalloc_oob_right          | PASS      | FAIL    |'])

	def test_failing_on_both_is_no_difference(self) -> None:
		unpatched = _results('stock_unpatched.json')
		self.assertEqual(stock.compare(unpatched, dict(unpatched)), [])


class AvailableTest(unittest.TestCase):

	def test_entries_the_unpatched_kernel_lacks(self) -> None:
		kunit_config = kunitpy.load(kunittree.needed(self), 'kunit_config')
		wanted = ('CONFIG_KUNIT=y\nCONFIG_KASAN=y\nCONFIG_ZONE_DEVICE=y\n'
			  'CONFIG_ZDRACE_FI=y\n# CONFIG_GCOV is not set\n')
		dotconfig = ('CONFIG_KUNIT=y\nCONFIG_KASAN=y\n'
			     '# CONFIG_ZONE_DEVICE is not set\n')
		text, dropped = stock.available(wanted, dotconfig, kunit_config)
		self.assertEqual(text, 'CONFIG_KUNIT=y\nCONFIG_KASAN=y\n'
			  '# CONFIG_GCOV is not set\n')
		self.assertEqual(dropped, ['CONFIG_ZONE_DEVICE=y',
					   'CONFIG_ZDRACE_FI=y'])


if __name__ == '__main__':
	unittest.main()
