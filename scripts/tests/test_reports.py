# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.reports: a kernel report while a case runs is a verdict
unless the case declared it; a declared report must come, unless once
per boot."""

import unittest

from tests import kunittree
from zdtool.kernel import reports

WARN_612 = ('------------[ cut here ]------------\n'
	    'WARNING: CPU: 0 PID: 81 at mm/memremap.c:310 '
	    'memremap_pages+0xda7/0x16b0\n')
WARN_73 = ('------------[ cut here ]------------\n'
	   'WARNING: mm/memremap.c:284 at memremap_pages+0xdbf/0x1770, '
	   'CPU#1: kunit_try_catch/99\n')
DECLARED = '    # {case}: zdrace: expects report: WARNING in memremap_pages{once}\n'


def _console(cases: str, n: int) -> str:
	return ('KTAP version 1\n1..1\n    KTAP version 1\n'
		'    # Subtest: zone_device_smoke\n'
		f'    # module: zdrace\n    1..{n}\n{cases}'
		'# zone_device_smoke: pass:1\nok 1 zone_device_smoke\n')


def _case(n: int, name: str, body: str) -> str:
	return body + f'    ok {n} {name}\n'


class ReportsTest(unittest.TestCase):

	def check(self, text: str) -> list:
		seen, problems = reports.check(kunittree.needed(self), text)
		return [p.message() for p in problems]

	def test_undeclared_report_fails(self) -> None:
		text = _console(_case(1, 'quiet', '') +
				_case(2, 'warns', WARN_73), 2)
		self.assertEqual(self.check(text), [
			'zone_device_smoke.warns: WARNING in memremap_pages, which '
			'the case does not declare (zd_expect_report())'])

	def test_declared_report_passes(self) -> None:
		decl = DECLARED.format(case='warns', once='')
		self.assertEqual(self.check(_console(
			_case(1, 'warns', decl + WARN_612), 1)), [])

	def test_declared_report_must_come_unless_once(self) -> None:
		must = DECLARED.format(case='silent', once='')
		once = DECLARED.format(case='used_up', once=' (once per boot)')
		self.assertEqual(self.check(_console(
			_case(1, 'silent', must) + _case(2, 'used_up', once), 2)), [
			'zone_device_smoke.silent: declares WARNING in '
			'memremap_pages, which did not come'])

	def test_report_in_a_parameterized_case(self) -> None:
		"""The parameters' lines are the case's log in kunit_parser: a
		report in one is the case's."""
		params = ('        KTAP version 1\n        # Subtest: warns\n'
			  '        ok 1 quiet param\n' + WARN_73 +
			  '        not ok 2 warning param\n    not ok 1 warns\n')
		self.assertEqual(self.check(_console(params, 1)), [
			'zone_device_smoke.warns: WARNING in memremap_pages, which '
			'the case does not declare (zd_expect_report())'])
		decl = DECLARED.format(case='warns', once='')
		self.assertEqual(self.check(_console(params.replace(
			WARN_73, decl + WARN_73), 1)), [])

	def test_expectations(self) -> None:
		self.assertEqual(reports.expectations([
			'# c: zdrace: expects report: WARNING in f (once per boot)',
			'# c: zdrace: expects report: BUG: Bad page state in g']),
			{'WARNING in f': True, 'BUG: Bad page state in g': False})


if __name__ == '__main__':
	unittest.main()
