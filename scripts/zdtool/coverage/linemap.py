# SPDX-License-Identifier: GPL-2.0
"""Coverage of the kernel that ran, in the line numbers of another
version of its files: the reviewer's tree, without our hooks.

A line the hooks left alone maps to itself, moved; a line they rewrote
(`if (!folio_try_get(folio))` became `if (zdrace_fi(...) ||
!folio_try_get(folio))`, or one line became two) maps to the lines it
became, and counts as run if any of them ran.
"""

import difflib
import os
from typing import Dict, Iterable, List

from zdtool.coverage.lcovinfo import FileCoverage


def line_map(old: List[str], new: List[str]) -> Dict[int, List[int]]:
	"""1-based line of @old -> the lines of @new it became."""
	out: Dict[int, List[int]] = {}
	matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
	for tag, i1, i2, j1, j2 in matcher.get_opcodes():
		for i in range(i1, i2):
			if tag == 'equal':
				out[i + 1] = [j1 + (i - i1) + 1]
			elif tag == 'replace':
				out[i + 1] = list(range(j1 + 1, j2 + 1))
	return out


def remap(cov: FileCoverage, mapping: Dict[int, List[int]]) -> FileCoverage:
	"""@cov's line counts moved through @mapping; a line that became
	several has the count of the most run of them."""
	lines = {}
	for old, new in mapping.items():
		counts = [cov.lines[n] for n in new if n in cov.lines]
		if counts:
			lines[old] = max(counts)
	return FileCoverage(cov.path, lines)


def _read(path: str) -> List[str]:
	with open(path, errors='replace') as f:
		return f.read().splitlines()


def to_tree(coverage: Dict[str, FileCoverage], ran: str, target: str,
	    files: Iterable[str]) -> Dict[str, FileCoverage]:
	"""@coverage (of tree @ran) with @files' lines numbered as in tree
	@target; other files as they are."""
	out = dict(coverage)
	for rel in files:
		cov = coverage.get(rel)
		a, b = os.path.join(target, rel), os.path.join(ran, rel)
		if cov is None or not os.path.isfile(a) or not os.path.isfile(b):
			continue
		out[rel] = remap(cov, line_map(_read(a), _read(b)))
	return out
