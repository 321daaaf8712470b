# SPDX-License-Identifier: GPL-2.0
"""upstream/<line>/: the fixes we post upstream apply, as they are, to the
pristine source of the line they are written against (build/<line>/
pristine).  Without that tree they skip, saying why."""

import glob
import os
import subprocess
import unittest

from tests import kunittree

REPO = kunittree.REPO


class UpstreamPatchesTest(unittest.TestCase):

	def test_each_applies_to_its_pristine_line(self) -> None:
		patches = sorted(glob.glob(os.path.join(REPO, 'upstream', '*',
							'*.patch')))
		self.assertTrue(patches, 'upstream/ has no patch')
		root = os.path.dirname(os.path.dirname(os.path.abspath(
			kunittree.tree())))
		tried = 0
		for path in patches:
			line = os.path.basename(os.path.dirname(path))
			pristine = os.path.join(root, line, 'pristine')
			if not os.path.isfile(os.path.join(pristine, 'Makefile')):
				continue
			with self.subTest(patch=os.path.relpath(path, REPO)):
				proc = subprocess.run(
					['patch', '-p1', '--dry-run', '--batch', '-i',
					 path], cwd=pristine, stdout=subprocess.PIPE,
					stderr=subprocess.STDOUT, text=True)
				self.assertEqual(proc.returncode, 0, proc.stdout)
				self.assertNotIn('offset', proc.stdout)
				self.assertNotIn('fuzz', proc.stdout)
			tried += 1
		if not tried:
			self.skipTest('no pristine tree of their lines (make '
				      'prepare KERNEL=<line>)')


if __name__ == '__main__':
	unittest.main()
