# SPDX-License-Identifier: GPL-2.0
"""The coverage subcommands refuse bad input in one line, before any build."""

import os
import subprocess
import sys
import tempfile
import unittest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZDRACE = os.path.join(SCRIPTS, 'zdrace.py')


def _zdrace(*args: str) -> subprocess.CompletedProcess:
	return subprocess.run([sys.executable, ZDRACE, '--kernel=6.12', *args],
			      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
			      text=True)


class CoverageCliTest(unittest.TestCase):

	def test_review_without_series(self) -> None:
		proc = _zdrace('review')
		self.assertEqual(proc.returncode, 1)
		self.assertEqual(proc.stderr.splitlines(), [
			'zdrace: error: no series given: make review '
			'SERIES=path/to/series.mbox (or a directory, or base..head '
			'with KERNEL_SRC= a git tree)'])

	def test_review_of_missing_series(self) -> None:
		proc = _zdrace('review', '--series=/nonexistent.mbox')
		self.assertEqual(proc.returncode, 1)
		self.assertEqual(proc.stderr.splitlines(), [
			'zdrace: error: SERIES=/nonexistent.mbox: no such file or '
			'directory'])

	def test_floor_without_report(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			proc = _zdrace(f'--build-root={d}', 'coverage-floor')
		self.assertEqual(proc.returncode, 1)
		self.assertEqual(len(proc.stderr.splitlines()), 1)
		self.assertIn('no coverage report; run `make coverage` first',
			      proc.stderr)


if __name__ == '__main__':
	unittest.main()
