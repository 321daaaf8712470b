# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.stamp: a build is skipped only when nothing changed."""

import os
import tempfile
import time
import unittest
from typing import Dict, List, Optional

from zdtool.kernel import stamp

ENV = {'PATH': os.environ.get('PATH', '')}


def _write(path: str, text: str, when: float) -> None:
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write(text)
	os.utime(path, (when, when))


class StampTest(unittest.TestCase):

	def setUp(self) -> None:
		tmp = tempfile.TemporaryDirectory()
		self.addCleanup(tmp.cleanup)
		self.root = tmp.name
		self.past = time.time() - 100
		self.tree = os.path.join(self.root, 'linux')
		self.build = os.path.join(self.root, 'kunit')
		self.suites = os.path.join(self.root, 'kunit-tests')
		self.fragment = os.path.join(self.root, 'zdrace.config')
		_write(os.path.join(self.tree, 'mm', 'memremap.c'), 'x', self.past)
		_write(os.path.join(self.suites, 'zd_case.c'), 'x', self.past)
		os.makedirs(os.path.join(self.tree, 'zdrace'))
		link = os.path.join(self.tree, 'zdrace', 'kunit-tests')
		os.symlink(self.suites, link)
		os.utime(link, (self.past, self.past), follow_symlinks=False)
		_write(os.path.join(self.build, 'linux'), 'elf', self.past)
		_write(os.path.join(self.build, '.config'), 'CONFIG_X=y\n',
		       self.past)
		_write(self.fragment, 'CONFIG_ZDRACE=y\n', self.past)
		self.cmd = ['kunit.py', 'build', f'--kunitconfig={self.fragment}']
		for top in (self.tree, self.suites):
			for d, _, _ in os.walk(top):
				os.utime(d, (self.past, self.past))
		stamp.record(self.build, self.cmd, self.past + 10, ENV)

	def fresh(self, cmd: Optional[List[str]] = None,
		  env: Optional[Dict[str, str]] = None) -> bool:
		return stamp.up_to_date(self.tree, self.build, cmd or self.cmd,
					env or ENV)

	def test_nothing_changed(self) -> None:
		self.assertTrue(self.fresh())

	def test_no_stamp(self) -> None:
		stamp.forget(self.build)
		self.assertFalse(self.fresh())

	def test_no_kernel(self) -> None:
		os.unlink(os.path.join(self.build, 'linux'))
		self.assertFalse(self.fresh())

	def test_tree_file_edited(self) -> None:
		_write(os.path.join(self.tree, 'mm', 'memremap.c'), 'y',
		       time.time())
		self.assertFalse(self.fresh())

	def test_file_added(self) -> None:
		_write(os.path.join(self.tree, 'mm', 'new.c'), 'y', self.past)
		os.utime(os.path.join(self.tree, 'mm'))
		self.assertFalse(self.fresh())

	def test_linked_suite_edited(self) -> None:
		"""The suites are outside the tree, reached through a link."""
		_write(os.path.join(self.suites, 'zd_case.c'), 'y', time.time())
		self.assertFalse(self.fresh())

	def test_edited_while_building(self) -> None:
		"""A file edited after the build started is newer than the
		stamp, which is dated at the start."""
		_write(os.path.join(self.tree, 'mm', 'memremap.c'), 'y',
		       self.past + 20)
		self.assertFalse(self.fresh())

	def test_fragment_changed(self) -> None:
		_write(self.fragment, 'CONFIG_ZDRACE=n\n', self.past)
		self.assertFalse(self.fresh())

	def test_config_changed(self) -> None:
		_write(os.path.join(self.build, '.config'), 'CONFIG_X=n\n',
		       self.past)
		self.assertFalse(self.fresh())

	def test_command_changed(self) -> None:
		self.assertFalse(self.fresh(self.cmd + ['--jobs=1']))

	def test_kbuild_environment_changed(self) -> None:
		self.assertFalse(self.fresh(env={**ENV, 'KCFLAGS': '-O1'}))


if __name__ == '__main__':
	unittest.main()
