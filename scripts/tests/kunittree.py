# SPDX-License-Identifier: GPL-2.0
"""The prepared kernel tree whose kunit.py the tests use.

The tests parse with the kernel's own tools/testing/kunit/ modules, as
the tooling does, from the tree `make prepare` made: $ZDRACE_TREE, else
build/6.12/linux of this repository.  Without it a test that needs them
is skipped, saying why; under `make check` (ZDRACE_TREE_REQUIRED=1, set
once the tree is prepared) it fails instead.
"""

import os
import unittest

from zdtool.kernel import kunitpy

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)
LINE = '6.12'


def tree() -> str:
	return os.environ.get('ZDRACE_TREE') or \
		os.path.join(REPO, 'build', LINE, 'linux')


def kunit_dir() -> str:
	return kunitpy.kunit_dir(tree())


def needed(case: unittest.TestCase) -> str:
	"""The tree, or skip (fail under `make check`) @case without it."""
	path = os.path.join(kunit_dir(), 'kunit_parser.py')
	if os.path.isfile(path):
		return tree()
	why = f'{path}: no such file (the prepared tree; run make prepare)'
	if os.environ.get('ZDRACE_TREE_REQUIRED'):
		case.fail(why)
	case.skipTest(why)


def link_into(case: unittest.TestCase, tree_dir: str) -> str:
	"""Give the fake tree @tree_dir the real kunit.py modules."""
	real = kunit_dir()
	needed(case)
	link = kunitpy.kunit_dir(tree_dir)
	os.makedirs(os.path.dirname(link), exist_ok=True)
	if not os.path.lexists(link):
		os.symlink(real, link)
	return tree_dir
