# SPDX-License-Identifier: GPL-2.0
"""zdtool.layout: every build directory named once; `make clean` removes
the build output of its line and nothing else."""

import os
import subprocess
import sys
import tempfile
import unittest

from zdtool.layout import Layout

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)


def _touch(path: str) -> None:
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write('x')


class LayoutTest(unittest.TestCase):

	def test_every_directory_is_below_the_build_root(self) -> None:
		layout = Layout('/b', '6.12')
		self.assertEqual(layout.linux, '/b/6.12/kunit/linux')
		self.assertEqual(layout.review.tree, '/b/6.12/review/linux')
		self.assertEqual(layout.review.pristine, layout.pristine)
		self.assertEqual(layout.mutant.kunit, '/b/6.12/mutant/kunit')
		out = layout.build_output()
		self.assertEqual(len(set(out)), len(out))
		for path in out:
			self.assertTrue(path.startswith('/b/'), path)
		self.assertNotIn(layout.pristine, out)
		self.assertNotIn(layout.tree, out)

	def test_make_clean(self) -> None:
		with tempfile.TemporaryDirectory() as build:
			layout = Layout(build, '6.12')
			for path in layout.build_output():
				_touch(os.path.join(path, 'f') if not
				       path.endswith('.json') else path)
			kept = [os.path.join(layout.pristine, 'Makefile'),
				os.path.join(layout.tree, 'Makefile'),
				os.path.join(build, '7.3', 'kunit', 'linux'),
				os.path.join(layout.sweep, 'night', 'sweep.json'),
				os.path.join(layout.compare, 'rules.md')]
			for path in kept:
				_touch(path)
			proc = subprocess.run(['make', '-s', '-C', REPO, 'clean',
					       f'BUILD={build}', 'KERNEL=6.12'],
					      stdout=subprocess.PIPE,
					      stderr=subprocess.STDOUT, text=True)
			self.assertEqual(proc.returncode, 0, proc.stdout)
			for path in layout.build_output():
				self.assertFalse(os.path.lexists(path), path)
			for path in kept:
				self.assertTrue(os.path.isfile(path), path)


if __name__ == '__main__':
	unittest.main()
