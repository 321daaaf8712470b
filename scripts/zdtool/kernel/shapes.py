# SPDX-License-Identifier: GPL-2.0
"""The shape corpus: how the functions our points sit in are rewritten
upstream, and where each rule places its point in every rewrite.

scripts/tests/shapes/<function>/*.c each hold one version of a function
that carries points (a refactoring of the kind mm/ sees: a helper split
out, a condition folded or reordered, a declaration moved, a loop turned
into a for_each), with its window marked and the outcome each point must
have:

	// shape: the PTE read moved into a helper
	// lines: 6.12 7.3
	// expect: gup_fast_after_pte_read placed
	// expect: gup_fast_after_grab not-placed

and, at the ends of code lines, `// open <point>` where the operation
that opens the window is and `// close <point>` where the one that ends
it is (one comment may mark several: `// open a, close b`).  A point placed must be in its window (after its open line, up
to and on its close line, where a point joins the condition it guards)
wherever it is placed; a point expected not placed must
not be placed anywhere; a point placed outside its window is never
right.  The variant is placed as the file the point table names for the
line (mm/gup.c, ...), with the rules of that line.
"""

import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from zdtool import ZdError
from zdtool.kernel import points

CORPUS = 'scripts/tests/shapes'
PLACED, NOT_PLACED, MISPLACED = 'placed', 'not-placed', 'MISPLACED'


@dataclass
class Variant:
	path: str
	function: str
	shape: str
	lines: List[str]
	expect: Dict[str, str]			# point -> placed/not-placed
	opens: Dict[str, int] = field(default_factory=dict)	# point -> line
	closes: Dict[str, int] = field(default_factory=dict)

	@property
	def name(self) -> str:
		return f'{self.function}/{os.path.basename(self.path)}'


def parse(path: str) -> Variant:
	"""A variant file: its header and its window marks."""
	with open(path) as f:
		text = f.read()
	head = dict(shape='', lines='')
	expect: Dict[str, str] = {}
	opens: Dict[str, int] = {}
	closes: Dict[str, int] = {}
	for n, line in enumerate(text.splitlines(), 1):
		m = re.match(r'^// (shape|lines): (.*)$', line)
		if m:
			head[m.group(1)] = m.group(2).strip()
		m = re.match(r'^// expect: (\w+) (placed|not-placed)$', line)
		if m:
			expect[m.group(1)] = m.group(2)
		code, mark, comment = line.partition('//')
		if mark and code.strip():
			for kind, point in re.findall(r'\b(open|close) (\w+)',
						      comment):
				(opens if kind == 'open' else closes)[point] = n
	where = os.path.relpath(path)
	if not head['shape'] or not expect:
		raise ZdError(f'{where}: no // shape: or // expect: line')
	for point, outcome in expect.items():
		if outcome == PLACED and (point not in opens or
					  point not in closes):
			raise ZdError(f'{where}: {point} is expected placed but '
				      f'has no // open and // close marks')
	return Variant(path, os.path.basename(os.path.dirname(path)),
		       head['shape'], head['lines'].split() or ['6.12', '7.3'],
		       expect, opens, closes)


def corpus(repo: str) -> List[Variant]:
	root = os.path.join(repo, CORPUS)
	return [parse(os.path.join(root, d, f))
		for d in sorted(os.listdir(root))
		if os.path.isdir(os.path.join(root, d))
		for f in sorted(os.listdir(os.path.join(root, d)))
		if f.endswith('.c')]


def _calls(text: str, point: str) -> List[int]:
	call = f'zdrace_fi(ZDRACE_FI_{point})'
	return [n for n, line in enumerate(text.splitlines(), 1) if call in line]


def check(variant: Variant, repo: str, line: str) -> Dict[str, str]:
	"""point -> PLACED, NOT_PLACED or MISPLACED for @variant on @line."""
	table = {p.name: p for p in points.load_table(repo, line)}
	files = {table[p].file for p in variant.expect}
	if len(files) != 1:
		raise ZdError(f'{variant.name}: its points are in {len(files)} '
			      f'files on {line}')
	rel = files.pop()
	with open(variant.path) as f:
		original = f.read()
	with tempfile.TemporaryDirectory(prefix='zdrace-shape-') as tmp:
		dst = os.path.join(tmp, rel)
		os.makedirs(os.path.dirname(dst))
		shutil.copy(variant.path, dst)
		try:
			points.place(tmp, repo, line)
		except ZdError as e:
			if 'outside its window' not in str(e):
				raise
			return {p: MISPLACED for p in variant.expect}
		with open(dst) as f:
			placed = f.read()
	out = {}
	for point in variant.expect:
		calls = [_original_line(placed, original, n)
			 for n in _calls(placed, point)]
		if not calls:
			out[point] = NOT_PLACED
			continue
		lo, hi = variant.opens.get(point), variant.closes.get(point)
		inside = lo is not None and hi is not None and \
			all(lo < n <= hi for n in calls)
		out[point] = PLACED if inside else MISPLACED
	return out


def _original_line(placed: str, original: str, n: int) -> int:
	"""The line of @original that line @n of @placed stands for: the
	same line; for a line placing added (a point, a brace), the
	original line it went before; for a line it rewrote (a condition a
	point joined, wrapped), the original line of the rewritten block it
	resembles most."""
	def code(text: str) -> List[str]:
		# spatch carries a line's trailing comment (the window marks)
		# onto a line it adds after it: compare code alone.
		return [re.sub(r'\s*//.*$', '', l) for l in text.splitlines()]

	old, new = code(original), code(placed)
	sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
	for tag, i1, i2, j1, j2 in sm.get_opcodes():
		if not j1 < n <= j2:
			continue
		if tag == 'equal':
			return i1 + (n - j1)
		if tag == 'insert' or i1 == i2:
			return i1 + 1
		line = new[n - 1]
		best = max(range(i1, i2), key=lambda i: difflib.SequenceMatcher(
			None, old[i], line).ratio())
		return best + 1
	return len(old) + 1


def table(repo: str) -> Tuple[List[str], int]:
	"""The corpus's Markdown table, and how many outcomes were not the
	expected one (a MISPLACED point always counts)."""
	rows = ['| variant | line | shape | point | outcome | expected |',
		'| --- | --- | --- | --- | --- | --- |']
	wrong = 0
	for v in corpus(repo):
		for line in v.lines:
			got = check(v, repo, line)
			for point, outcome in sorted(got.items()):
				bad = outcome != v.expect[point]
				wrong += bad
				rows.append(f'| {v.name} | {line} | {v.shape} | {point} '
					    f'| {outcome}{" (!)" if bad else ""} | '
					    f'{v.expect[point]} |')
	return rows, wrong
