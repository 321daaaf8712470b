# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.source: KERNEL_SRC validation and version parsing."""

import os
import tempfile
import unittest

from tests import fakekernel
from zdtool import ZdError
from zdtool.kernel import source


class FindSourceTest(unittest.TestCase):

	def test_nonexistent(self) -> None:
		with self.assertRaisesRegex(ZdError, r'^KERNEL_SRC=/nonexistent: '
					    'no such file or directory$'):
			source.find_source('6.12', '/nonexistent')

	def test_directory_without_kunit(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with self.assertRaisesRegex(ZdError, 'not a kernel source'):
				source.find_source('6.12', d)

	def test_plain_file(self) -> None:
		with tempfile.NamedTemporaryFile(suffix='.txt') as f:
			with self.assertRaisesRegex(ZdError, 'neither a directory'):
				source.find_source('6.12', f.name)

	def test_tree(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			fakekernel.make_tree(d)
			ks = source.find_source('6.12', d)
			self.assertFalse(ks.is_tarball)
			self.assertEqual(source.tree_version(d), '6.12.117')


class VersionTest(unittest.TestCase):

	def test_kernel_line(self) -> None:
		self.assertEqual(source.kernel_line('6.12.117'), '6.12')
		self.assertEqual(source.kernel_line('7.3.0-rc1'), '7.3')

	def test_extraversion(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			files = dict(fakekernel.FILES)
			files['Makefile'] = ('VERSION = 7\nPATCHLEVEL = 3\n'
					     'SUBLEVEL = 0\nEXTRAVERSION = -rc2\n')
			fakekernel.make_tree(d, files)
			self.assertEqual(source.tree_version(d), '7.3.0-rc2')

	def test_no_makefile(self) -> None:
		with tempfile.TemporaryDirectory() as d:
			with self.assertRaisesRegex(ZdError, 'cannot read Makefile'):
				source.tree_version(d)


if __name__ == '__main__':
	unittest.main()
