# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.pipeline: counters, lcov availability and the floor verdict."""

import json
import os
import tempfile
import unittest
from unittest import mock

from zdtool import ZdError
from zdtool.coverage import pipeline as coverage, lcovinfo


class CountersTest(unittest.TestCase):

	def test_reset_deletes_only_gcda(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			os.makedirs(os.path.join(d, 'mm'))
			for name in ('mm/gup.gcda', 'mm/gup.gcno', 'mm/gup.o',
				     'init.gcda'):
				open(os.path.join(d, name), 'w').close()
			self.assertEqual(coverage.reset_counters(d), 2)
			self.assertEqual(coverage.gcda_files(d), [])
			self.assertTrue(os.path.exists(os.path.join(d,
								    'mm/gup.gcno')))


FAKE_GENINFO = """#!/bin/sh
# Stands in for lcov's geninfo: one record per .gcda argument.
out=
while [ $# -gt 0 ]; do
	case "$1" in
	--output-filename) out=$2; shift ;;
	*.gcda) [ "$FAIL" ] && { echo "geninfo: ERROR: $1 is bad"; exit 1; }
		printf 'SF:%s\\nDA:1,1\\nend_of_record\\n' "$1" >> "$out" ;;
	esac
	shift
done
"""


class CaptureTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()
		bin_dir = os.path.join(self.tmp.name, 'bin')
		os.makedirs(bin_dir)
		geninfo = os.path.join(bin_dir, 'geninfo')
		with open(geninfo, 'w') as f:
			f.write(FAKE_GENINFO)
		os.chmod(geninfo, 0o755)
		self.env = mock.patch.dict(os.environ, {
			'PATH': bin_dir + os.pathsep + os.environ['PATH']})
		self.env.start()
		self.build = os.path.join(self.tmp.name, 'build')
		os.makedirs(os.path.join(self.build, 'mm'))
		for name in ('a', 'b', 'c'):
			open(os.path.join(self.build, 'mm', name + '.gcda'),
			     'w').close()

	def tearDown(self) -> None:
		self.env.stop()
		self.tmp.cleanup()

	def test_parts_are_joined(self) -> None:
		out = os.path.join(self.tmp.name, 'kernel.info')
		coverage.capture(self.build, out, 't', jobs=2)
		with open(out) as f:
			records = lcovinfo.parse(f.read())
		self.assertEqual(sorted(os.path.basename(p) for p in records),
				 ['a.gcda', 'b.gcda', 'c.gcda'])
		self.assertEqual(sorted(os.listdir(self.tmp.name)),
				 ['bin', 'build', 'kernel.info'])

	def test_failure_is_one_line(self) -> None:
		with mock.patch.dict(os.environ, {'FAIL': '1'}):
			with self.assertRaisesRegex(ZdError, r'^lcov capture \(geninfo'
						    r'\) failed: geninfo: ERROR: '
						    r'.*\.gcda is bad$'):
				coverage.capture(self.build, os.path.join(
					self.tmp.name, 'k.info'), 't', jobs=2)


class EnsureLcovTest(unittest.TestCase):

	def test_missing_without_root_names_the_package(self) -> None:
		with mock.patch('shutil.which', return_value=None), \
		     mock.patch.object(coverage, 'can_install', return_value=False):
			with self.assertRaisesRegex(ZdError, r'^coverage needs lcov; '
						    r'install the Debian packages: '
						    r'gcc lcov'):
				coverage.ensure_lcov()

	def test_missing_as_root_installs(self) -> None:
		with mock.patch('shutil.which', return_value=None), \
		     mock.patch.object(coverage, 'can_install', return_value=True), \
		     mock.patch.object(coverage, '_has_json_xs',
				       return_value=False), \
		     mock.patch.object(coverage, 'apt_install') as apt:
			coverage.ensure_lcov()
		self.assertEqual(apt.call_args_list, [
			mock.call(['gcc', 'lcov']), mock.call([coverage.JSON_XS])])

	def test_json_xs_is_optional(self) -> None:
		def apt(packages: list) -> None:
			raise ZdError('apt-get install failed')
		with mock.patch('shutil.which', return_value='/usr/bin/x'), \
		     mock.patch.object(coverage, 'can_install', return_value=True), \
		     mock.patch.object(coverage, '_has_json_xs',
				       return_value=False), \
		     mock.patch.object(coverage, 'apt_install', side_effect=apt), \
		     mock.patch('sys.stdout'):
			coverage.ensure_lcov()	# no exception


class FloorVerdictTest(unittest.TestCase):

	def _check(self, floor: dict, lines_hit: int) -> tuple:
		with tempfile.TemporaryDirectory() as d:
			report = os.path.join(d, 'refcount.json')
			with open(report, 'w') as f:
				json.dump({'files': [{'path': 'mm/gup.c', 'coverage': {
					'functions_hit': 1, 'functions': 2,
					'lines_hit': lines_hit, 'lines': 10}}]}, f)
			path = os.path.join(d, 'floor.json')
			with open(path, 'w') as f:
				json.dump({'files': floor}, f)
			return coverage.check_floor(report, path,
						    'coverage/floor.json')

	def test_below_floor_says_what_to_do(self) -> None:
		ok, lines = self._check({'mm/gup.c': {'functions': 50,
						      'lines': 60}}, 5)
		self.assertFalse(ok)
		self.assertEqual(lines[0], 'zdrace: coverage below the floor: '
			         'mm/gup.c: lines 50.0% < floor 60.0%')
		self.assertIn('lower the value in coverage/floor.json', lines[1])

	def test_above_floor_says_how_to_raise_it(self) -> None:
		ok, lines = self._check({'mm/gup.c': {'functions': 50,
						      'lines': 40}}, 8)
		self.assertTrue(ok)
		self.assertIn('make coverage-floor', lines[-1])


class CrashTest(unittest.TestCase):
	"""A coverage kernel that crashed says so, with the report and where;
	never that a patch of ours may be missing."""

	def test_the_report_and_where(self) -> None:
		data = os.path.join(os.path.dirname(os.path.abspath(__file__)),
				    'test_data', 'sweep')
		self.assertEqual(coverage.crash_report(
			os.path.join(data, 'bug.log')),
			'kernel BUG in memunmap_pages (bug, in teardown_vs_put '
			'after seed 5)')
		self.assertEqual(coverage.crash_report(
			os.path.join(data, 'pass.log')), '')
		self.assertEqual(coverage.crash_report('/nonexistent'), '')


if __name__ == '__main__':
	unittest.main()
