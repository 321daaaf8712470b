# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.floor: the coverage ratchet."""

import json
import glob
import os
import tempfile
import unittest

from zdtool import ZdError
from zdtool.coverage import floor

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))


def _report(*files: tuple) -> dict:
	"""(path, functions hit, functions, lines hit, lines) per file."""
	return {'files': [{'path': p, 'coverage': {
		'functions_hit': fh, 'functions': ft, 'lines_hit': lh,
		'lines': lt}} for p, fh, ft, lh, lt in files]}


class FloorTest(unittest.TestCase):

	def test_measured_leaves_out_unbuilt_files(self) -> None:
		now = floor.measured(_report(('mm/gup.c', 3, 4, 50, 100),
					     ('mm/memremap.c', 0, 0, 0, 0)))
		self.assertEqual(now, {'mm/gup.c': {'functions': 75.0,
						    'lines': 50.0}})

	def test_drop_fails_and_names_file_and_kind(self) -> None:
		v = floor.check({'mm/gup.c': {'functions': 75.0, 'lines': 50.0}},
				{'mm/gup.c': {'functions': 75.0, 'lines': 49.0}})
		self.assertFalse(v.ok)
		self.assertEqual(v.failures, ['mm/gup.c: lines 49.0% < floor '
					      '50.0%'])

	def test_file_no_longer_built_fails(self) -> None:
		v = floor.check({'mm/memremap.c': {'functions': 10.0,
						   'lines': 10.0}}, {})
		self.assertEqual(len(v.failures), 2)
		self.assertIn('not built any more', v.failures[0])

	def test_new_file_is_reported_not_checked(self) -> None:
		v = floor.check({}, {'mm/memremap.c': {'functions': 1.0,
						       'lines': 1.0}})
		self.assertTrue(v.ok)
		self.assertEqual(v.unrecorded, ['mm/memremap.c'])

	def test_rise_beyond_slack_is_reported(self) -> None:
		v = floor.check({'a.c': {'functions': 50.0, 'lines': 50.0}},
				{'a.c': {'functions': 50.3, 'lines': 60.0}})
		self.assertTrue(v.ok)
		self.assertEqual(v.raised, ['a.c: lines 60.0% (floor 50.0%)'])

	def test_ratchet_only_raises(self) -> None:
		old = {'a.c': {'functions': 80.0, 'lines': 50.0}}
		new, changes = floor.ratchet(old, {
			'a.c': {'functions': 70.0, 'lines': 60.04},
			'b.c': {'functions': 10.0, 'lines': 0.2}})
		self.assertEqual(new['a.c'], {'functions': 80.0, 'lines': 59.5})
		self.assertEqual(new['b.c'], {'functions': 9.5, 'lines': 0.0})
		self.assertEqual(changes, ['a.c: lines 50.0% -> 59.5%',
					   'b.c: functions 0.0% -> 9.5%'])
		self.assertEqual(old['a.c']['lines'], 50.0)

	def test_dump_load_round_trip(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			path = os.path.join(d, 'floor.json')
			self.assertEqual(floor.load(path), {})
			with open(path, 'w') as f:
				f.write(floor.dump({'a.c': {'functions': 1.25,
							    'lines': 2}}))
			self.assertEqual(floor.load(path),
					 {'a.c': {'functions': 1.2, 'lines': 2.0}})
			with open(path, 'w') as f:
				json.dump({'files': {'a.c': {'lines': 'x'}}}, f)
			with self.assertRaisesRegex(ZdError, 'a.c: needs numbers'):
				floor.load(path)
			with open(path, 'w') as f:
				f.write('[')
			with self.assertRaisesRegex(ZdError, 'not a coverage floor'):
				floor.load(path)

	def test_checked_in_floors_load(self) -> None:
		paths = glob.glob(os.path.join(REPO, 'coverage', '*', 'floor.json'))
		self.assertIn(os.path.join(REPO, 'coverage', '6.12', 'floor.json'),
			      paths)
		for path in paths:
			self.assertTrue(floor.load(path), path)


if __name__ == '__main__':
	unittest.main()
