# SPDX-License-Identifier: GPL-2.0
"""A tiny stand-in for a kernel tree: just what zdtool.kernel.tree looks at."""

import os
import subprocess
import textwrap
from typing import Dict

FILES: Dict[str, str] = {
	'Makefile': 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n'
		    'EXTRAVERSION =\n',
	'Kconfig': 'source "mm/Kconfig"\n',
	'Kbuild': 'obj-y\t\t\t+= mm/\n',
	'mm/memremap.c': 'int a;\nint b;\nint c;\n',
	'mm/gup.c': 'int d;\n',
	'tools/testing/kunit/kunit.py': '#!/usr/bin/env python3\n',
}


def make_tree(root: str, files: Dict[str, str] = FILES) -> str:
	for rel, text in files.items():
		path = os.path.join(root, rel)
		os.makedirs(os.path.dirname(path), exist_ok=True)
		with open(path, 'w') as f:
			f.write(text)
	return root


def make_points(repo: str, table: str, rule: str) -> None:
	"""A point table, its one semantic patch and the points' mail, in
	the fake repository @repo."""
	from zdtool.kernel import points
	make_tree(repo, {points.TABLE: table,
			 os.path.join(points.SEMANTIC_PATCHES, 'p.cocci'): rule,
			 points.MESSAGE: 'mm: add points\n\nThe points.\n\n'
			 'Signed-off-by: zdrace <zdrace@localhost>\n'})


def make_tarball(tree: str, tarball: str) -> str:
	"""A Debian-style archive: one top-level directory."""
	parent, name = os.path.split(tree)
	subprocess.run(['tar', '-cJf', tarball, '-C', parent, name], check=True)
	return tarball


def patch_text(path: str, old: str, new: str, subject: str) -> str:
	"""A git-format-patch-like mail replacing one line of @path."""
	return textwrap.dedent(f'''\
		From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
		From: zdrace <zdrace@localhost>
		Subject: [PATCH] {subject}

		Signed-off-by: zdrace <zdrace@localhost>
		---
		--- a/{path}
		+++ b/{path}
		@@ -1,3 +1,3 @@
		-{old}
		+{new}
		 int b;
		 int c;
		''')


def write_series(patch_dir: str, patches: Dict[str, str]) -> None:
	os.makedirs(patch_dir, exist_ok=True)
	for name, text in patches.items():
		with open(os.path.join(patch_dir, name), 'w') as f:
			f.write(text)
	with open(os.path.join(patch_dir, 'series'), 'w') as f:
		f.write('# applied in order\n' + ''.join(f'{n}\n' for n in patches))
