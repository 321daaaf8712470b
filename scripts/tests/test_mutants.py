# SPDX-License-Identifier: GPL-2.0
"""zdtool.kernel.mutants: result tables, kill detection and series assembly."""

import contextlib
import io
import json
import os
import tempfile
import unittest
from typing import Optional, Tuple

from tests import fakekernel
from zdtool.kernel import mutants, source
from zdtool.kernel.runner import KunitRun
from zdtool.kernel.series import Series, load_series
from zdtool.layout import Layout

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
	os.path.abspath(__file__))))


class MutantsTest(unittest.TestCase):

	def test_failed_cases(self) -> None:
		doc = {'name': 'KUnit Test Group', 'test_cases': [], 'sub_groups': [
			{'name': 'zone_device_smoke', 'test_cases': [
				{'name': 'map_and_lookup', 'status': 'PASS'},
				{'name': 'leak', 'status': 'FAIL'}], 'sub_groups': [
				{'name': 'unmap', 'sub_groups': [], 'test_cases': [
					{'name': 'generic', 'status': 'ERROR'},
					{'name': 'private', 'status': 'SKIP'}]}]}]}
		self.assertEqual(mutants.failed_cases(json.dumps(doc)), [
			'zone_device_smoke.leak', 'zone_device_smoke.unmap.generic'])

	def test_table(self) -> None:
		rows = [mutants.Outcome('a.patch', mutants.KILLED, ['s.c1', 's.c2'],
					40, 2.5),
			mutants.Outcome('b.patch', mutants.SURVIVED, [], 35, 2.0),
			mutants.Outcome('c.patch', mutants.INVALID, [], 3, 0,
					'does not build: x.c:1: error: y')]
		text = mutants.table(rows)
		self.assertIn('| a.patch | killed | s.c1, s.c2 | 40 s | 2.5 s |', text)
		self.assertIn('| b.patch | SURVIVED | - | 35 s | 2.0 s |', text)
		self.assertIn('| c.patch | invalid | does not build: x.c:1: error: '
			      'y | 3 s | 0.0 s |', text)

	def test_every_mutant_is_listed_and_cites_its_source(self) -> None:
		d = os.path.join(REPO, mutants.MUTANT_DIR, '6.12')
		listed = load_series(d).patches
		self.assertGreaterEqual(len(listed), 8)
		self.assertEqual(sorted(listed), sorted(
			p for p in os.listdir(d) if p.endswith('.patch')))
		for name in listed:
			with open(os.path.join(d, name)) as f:
				text = f.read()
			self.assertIn('Subject: [PATCH] MUTANT:', text, name)
			self.assertRegex(text, r'seed 00\d_[0-9a-f]{16}|commit [0-9a-f]{12}', name)


class _FakeKunit(KunitRun):
	"""kunit.py as the mutant tree would run it: a build that fails when
	the tree holds BREAKS, a run whose JSON fails a test when it holds
	KILLS."""

	def _tree_has(self, mark: str) -> bool:
		with open(os.path.join(self.tree, 'mm', 'memremap.c')) as f:
			return mark in f.read()

	def capture(self, verb: str) -> Tuple[int, str]:
		if self._tree_has('BREAKS'):
			return 2, ('  CC mm/memremap.o\nmm/memremap.c:1:5: error: '
				   'expected \';\'\nmake: *** Error 2\n')
		return 0, ''

	def invoke(self, verb: str, json_path: Optional[str] = None,
		   quiet: bool = False) -> int:
		status = 'FAIL' if self._tree_has('KILLS') else 'PASS'
		assert json_path
		with open(json_path, 'w') as f:
			json.dump({'name': 'KUnit Test Group', 'sub_groups': [
				{'name': 's', 'sub_groups': [], 'test_cases': [
					{'name': 'c', 'status': status}]}],
				'test_cases': []}, f)
		return 0 if status == 'PASS' else 1


class InvalidMutantTest(unittest.TestCase):
	"""A mutant that does not apply or does not build is invalid: never
	killed, reported with why and how to reproduce, and fails the run."""

	def test_invalid_mutants(self) -> None:
		with tempfile.TemporaryDirectory() as root:
			src = fakekernel.make_tree(os.path.join(root, 'src'))
			repo = os.path.join(root, 'repo')
			fakekernel.make_points(repo, 'ZDRACE_FI_POINT(p, "mm/none.c", '
					       '0, "f(): g")\n', '')
			mutant_dir = os.path.join(repo, mutants.MUTANT_DIR, '6.12')
			fakekernel.write_series(mutant_dir, {
				'killed.patch': fakekernel.patch_text(
					'mm/memremap.c', 'int a;', 'int KILLS;', 'k'),
				'no-apply.patch': fakekernel.patch_text(
					'mm/memremap.c', 'int zz;', 'int y;', 'n'),
				'no-build.patch': fakekernel.patch_text(
					'mm/memremap.c', 'int a;', 'int BREAKS', 'b')})
			dirs = Layout(os.path.join(root, 'build'), '6.12').mutant
			kunit = _FakeKunit(tree='', build_dir='', results='',
					   configs=[])
			mr = mutants.MutantRun(repo, '6.12',
					       source.KernelSource(src, False),
					       Series('', []), [kunit], dirs)
			out = io.StringIO()
			with contextlib.redirect_stdout(out):
				rc = mutants.run(mr)
		text = out.getvalue()
		self.assertEqual(rc, 1, text)
		self.assertIn('| killed.patch | killed | s.c |', text)
		self.assertIn('| no-apply.patch | invalid | does not apply: patch '
			      'no-apply.patch does not apply to mm/memremap.c',
			      text)
		self.assertIn('| no-build.patch | invalid | does not build: '
			      'mm/memremap.c:1:5: error: expected \';\' |', text)
		for name in ('no-apply.patch', 'no-build.patch'):
			self.assertIn(f'zdrace: mutant {name} is invalid: ', text)
			self.assertIn('zdrace:   reproduce with: make mutants '
				      f'KERNEL=6.12 MUTANT={name}\n', text)
		self.assertIn('zdrace: mutants: 1 of 3 killed, 2 invalid', text)


if __name__ == '__main__':
	unittest.main()
