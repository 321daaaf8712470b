# SPDX-License-Identifier: GPL-2.0
"""zdtool.coverage.thread: the series to review in a thread as it is saved
from the list (cover letter, replies, v1 and v2 in one mbox)."""

import contextlib
import io
import os
import quopri
import tempfile
import unittest
from typing import List, Tuple

from zdtool import ZdError
from zdtool.coverage import patchcov, thread


def _mail(subject: str, body: str, qp: bool = False) -> str:
	headers = (f'From zdrace Mon Sep 17 00:00:00 2001\n'
		   f'From: A Developer <dev@localhost>\n'
		   f'Date: Mon, 30 Nov 2026 06:20:00 +0000\n'
		   f'Subject: {subject}\n')
	if qp:
		body = quopri.encodestring(body.encode()).decode()
		headers += ('MIME-Version: 1.0\nContent-Type: text/plain; '
			    'charset=UTF-8\n'
			    'Content-Transfer-Encoding: quoted-printable\n')
	return f'{headers}\n{body}\n'


def _patch(n: int, version: int, total: int = 3) -> str:
	"""Patch @n of @total of v@version: one line of mm/f@n.c."""
	body = (f'Change f{n}, v{version}.\n\nSigned-off-by: A Developer '
		f'<dev@localhost>\n---\ndiff --git a/mm/f{n}.c b/mm/f{n}.c\n'
		f'--- a/mm/f{n}.c\n+++ b/mm/f{n}.c\n@@ -1 +1 @@\n-int a;\n'
		f'+int v{version};\n')
	tag = f'PATCH v{version} {n}/{total}' if version > 1 else \
		f'PATCH {n}/{total}'
	return _mail(f'[{tag}] mm: change f{n}', body)


COVER = _mail('[PATCH v2 0/3] mm: change three files',
	      'This series changes three files.\n\n'
	      'A Developer (3):\n  mm: change f1\n')
REPLY = _mail('Re: [PATCH v2 2/3] mm: change f2',
	      '> -int a;\n> +int v2;\n\nReviewed-by: A Reviewer '
	      '<rev@localhost>\n')


class ThreadTest(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.TemporaryDirectory()

	def tearDown(self) -> None:
		self.tmp.cleanup()

	def load(self, *mails: str) -> Tuple[List[str], List[str]]:
		"""(the patches' contents, the notes printed)."""
		path = os.path.join(self.tmp.name, 'thread.mbox')
		with open(path, 'w') as f:
			f.write(''.join(mails))
		out = io.StringIO()
		with contextlib.redirect_stdout(out):
			paths = patchcov.load_review_series(
				path, os.path.join(self.tmp.name, 'work'))
		texts = []
		for p in paths:
			with open(p) as f:
				texts.append(f.read())
		return texts, out.getvalue().splitlines()

	def test_subjects(self) -> None:
		self.assertEqual(thread.parse_subject(
			'Re: [RFC PATCH mm-unstable v2 3/5] mm: x'),
				 (True, 2, 3, 5))
		self.assertEqual(thread.parse_subject('[PATCH 0/2] x'),
				 (False, 1, 0, 2))
		self.assertEqual(thread.parse_subject('[PATCH] mm: x'),
				 (False, 1, 0, 0))
		self.assertEqual(thread.parse_subject('[PATCH v3] mm: x [v2 1/2]'),
				 (False, 3, 0, 0))

	def test_newest_complete_version_in_order(self) -> None:
		texts, notes = self.load(
			_patch(1, 1), _patch(2, 1), _patch(3, 1), COVER,
			_patch(3, 2), _patch(1, 2), REPLY, _patch(2, 2))
		self.assertEqual([t.count('+int v2;') for t in texts], [1, 1, 1])
		self.assertEqual(['mm/f1.c' in texts[0], 'mm/f2.c' in texts[1],
				  'mm/f3.c' in texts[2]], [True] * 3)
		self.assertEqual(notes, [
			"zdrace: review: skipped mail 4 '[PATCH v2 0/3] mm: change "
			"three files': the cover letter",
			"zdrace: review: skipped mail 7 'Re: [PATCH v2 2/3] mm: "
			"change f2': a reply",
			'zdrace: review: skipped v1 (3 patches): v2 is newer'])

	def test_newer_version_with_a_patch_missing(self) -> None:
		texts, notes = self.load(_patch(1, 1), _patch(2, 1), _patch(3, 1),
					 _patch(1, 2), _patch(3, 2))
		self.assertEqual([t.count('+int v1;') for t in texts], [1, 1, 1])
		self.assertEqual(notes, ['zdrace: review: v2 is incomplete: '
					 'patch 2/3 missing'])
		with self.assertRaisesRegex(ZdError, r'thread.mbox: no complete '
					    r'version of the series: v2 is '
					    r'incomplete: patch 2/3 missing'):
			self.load(COVER, _patch(1, 2), _patch(3, 2))

	def test_quoted_printable_patch_is_decoded(self) -> None:
		body = ('x\n---\ndiff --git a/mm/f.c b/mm/f.c\n--- a/mm/f.c\n'
			'+++ b/mm/f.c\n@@ -1 +1 @@\n-int a; /* ' + 'x' * 80 +
			' = */\n+int b;\n')
		texts, _ = self.load(_mail('[PATCH] mm: f', body, qp=True))
		self.assertIn('-int a; /* ' + 'x' * 80 + ' = */\n+int b;\n',
			      texts[0])

	def test_format_patch_directory_with_cover_letter(self) -> None:
		d = os.path.join(self.tmp.name, 'd')
		os.makedirs(d)
		for name, text in (('0000-cover-letter.patch', COVER.replace(
					'v2 ', '')),
				   ('0001-f1.patch', _patch(1, 1, 2)),
				   ('0002-f2.patch', _patch(2, 1, 2))):
			with open(os.path.join(d, name), 'w') as f:
				f.write(text)
		out = io.StringIO()
		with contextlib.redirect_stdout(out):
			paths = patchcov.load_review_series(
				d, os.path.join(self.tmp.name, 'work'))
		self.assertEqual([os.path.basename(p) for p in paths],
				 ['0001-mm-change-f1.patch', '0002-mm-change-f2.patch'])
		self.assertIn('the cover letter', out.getvalue())

	def test_no_patch_at_all(self) -> None:
		with self.assertRaisesRegex(ZdError, 'no diff in it'):
			self.load(COVER, REPLY)


if __name__ == '__main__':
	unittest.main()
