# SPDX-License-Identifier: GPL-2.0
"""The injection points: their table and their placement by code shape.

fault-inject/include/zdrace/fi_points.h declares every point (name, file,
flags, window); fault-inject/points/*.cocci place them, one Coccinelle
rule a window, anchored on the operation that opens it (the PTE read,
the grab, the xarray load, the wait) rather than on line numbers or the
lines around it.  Every prepared tree gets its points this way (`make`,
`make review`, `KERNEL_SRC=`, mutants): a point whose window a tree or
a series rewrote beyond recognition is reported as not placed, with
where its window was, and the cases that arm it skip with that reason.
The header the points need is included after the file's last
<linux/...> include of its opening block.

spatch lays out the code it adds on one line; wrap_point_lines() breaks
the lines it made longer than 80 columns (after `||` or `&&`, continued
under the open parenthesis), as a kernel developer would have written
them.
patch_text() turns what placing changed into a `git format-patch` mail,
for posting and for checkpatch (`make lint`).
"""

import difflib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from zdtool import ZdError
from zdtool.coverage.cfuncs import FuncRange, find_functions

TABLE = 'fault-inject/include/zdrace/fi_points.h'
SEMANTIC_PATCHES = 'fault-inject/points'
# The host tool and its Debian package.
SPATCH = 'spatch'
# A rule that takes longer than this on one file is a bug of ours (each
# takes about a second on the real files).
SPATCH_TIMEOUT = 120
PACKAGE = 'coccinelle'
WIDTH = 80
# What marks a placed point in an mm/ file, and the header it needs.
_CALL = 'zdrace_fi(ZDRACE_FI_{})'
INCLUDE = '#include <zdrace/fi.h>'
SERIES_CHANGED = 'the series changed its window'
# The mail the placed points make (patch_text()): its subject and body.
MESSAGE = 'fault-inject/points/message'


@dataclass(frozen=True)
class Point:
	"""One entry of the point table, as it reads on one kernel line."""
	name: str
	file: str
	absent: bool		# ZDRACE_FI_ABSENT: the line has no such window
	window: str
	# The files other lines have the window's function in: a tree of
	# this line may have moved it there already, or not yet.
	also: Tuple[str, ...] = ()

	@property
	def files(self) -> Tuple[str, ...]:
		return (self.file,) + self.also

	@property
	def function(self) -> str:
		"""The function the window is in: the window text starts
		"name(): ..."."""
		return self.window.split('(', 1)[0]


def _code(text: str, start: int = 0) -> Iterator[Tuple[int, str]]:
	"""(offset, character) of @text from @start, skipping the insides of
	string literals (their quotes are skipped too)."""
	i, in_string = start, False
	while i < len(text):
		c = text[i]
		if in_string:
			if c == '\\':
				i += 1
			elif c == '"':
				in_string = False
		elif c == '"':
			in_string = True
		else:
			yield i, c
		i += 1


def _arguments(text: str, start: int) -> Tuple[List[str], int]:
	"""Top-level comma-separated arguments of the call whose '(' is at
	@start, and the offset after its ')'."""
	args, depth, begin = [], 0, start + 1
	for i, c in _code(text, start):
		if c == '(':
			depth += 1
		elif c == ')':
			depth -= 1
			if depth == 0:
				args.append(text[begin:i].strip())
				return args, i + 1
		elif c == ',' and depth == 1:
			args.append(text[begin:i].strip())
			begin = i + 1
	raise ZdError(f'{TABLE}: unbalanced parentheses')


def _by_line(arg: str, seven: bool) -> str:
	"""ZDRACE_FI_BY_LINE(six, seven) evaluated for the line; else @arg."""
	m = re.match(r'ZDRACE_FI_BY_LINE\s*\(', arg)
	if not m:
		return arg
	args, _ = _arguments(arg, m.end() - 1)
	return args[1 if seven else 0]


def _string(arg: str) -> str:
	return ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', arg))


def parse_table(text: str, line: str) -> List[Point]:
	"""The points of fi_points.h's text on kernel line @line ('6.12')."""
	seven = int(line.split('.')[0]) >= 7
	text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
	points = []
	for m in re.finditer(r'^ZDRACE_FI_POINT\s*\(', text, re.M):
		args, _ = _arguments(text, m.end() - 1)
		if len(args) != 4:
			raise ZdError(f'{TABLE}: ZDRACE_FI_POINT({args[0]}, ...) '
				      f'has {len(args)} arguments, not 4')
		name, file, flags, window = (_by_line(a, seven) for a in args)
		other = _string(_by_line(args[1], not seven))
		points.append(Point(name, _string(file),
				    'ZDRACE_FI_ABSENT' in flags, _string(window),
				    (other,) if other != _string(file) else ()))
	return points


def load_table(repo: str, line: str) -> List[Point]:
	with open(os.path.join(repo, TABLE)) as f:
		return parse_table(f.read(), line)


@dataclass(frozen=True)
class SemanticPatch:
	path: str
	points: Tuple[str, ...]		# the points its rules place


def semantic_patches(repo: str) -> List[SemanticPatch]:
	"""fault-inject/points/*.cocci, each with the points it places."""
	directory = os.path.join(repo, SEMANTIC_PATCHES)
	out = []
	for name in sorted(os.listdir(directory)):
		if not name.endswith('.cocci'):
			continue
		path = os.path.join(directory, name)
		with open(path) as f:
			added = [l for l in f if l.startswith('+')]
		names = re.findall(r'zdrace_fi\(ZDRACE_FI_(\w+)\)', ''.join(added))
		out.append(SemanticPatch(path, tuple(sorted(set(names)))))
	return out


def digest_inputs(repo: str) -> List[str]:
	"""The files whose contents decide the placement, for a tree stamp."""
	return [os.path.join(repo, TABLE), os.path.join(repo, MESSAGE)] + \
		[sp.path for sp in semantic_patches(repo)] + [__file__]


# Wrapping: kernel style for the lines spatch made.

def _width(text: str) -> int:
	return len(text.expandtabs(8))


def _indent(column: int) -> str:
	return '\t' * (column // 8) + ' ' * (column % 8)


def _pieces(code: str) -> List[str]:
	"""@code cut after each `||` and `&&` outside string literals."""
	pieces, begin = [], 0
	for i, c in _code(code):
		if c in '|&' and i >= begin and code.startswith(c * 2, i):
			pieces.append(code[begin:i + 2].strip())
			begin = i + 2
	pieces.append(code[begin:].strip())
	return [p for p in pieces if p]


def _opens(text: str, column: int, stack: List[int]) -> None:
	"""Push the column after each '(' of @text (starting at @column),
	pop at each ')'."""
	for c in text:
		if c == '(':
			stack.append(column + 1)
		elif c == ')' and stack:
			stack.pop()
		column += 1


def wrap_line(line: str) -> List[str]:
	"""@line broken after `||` or `&&` where it is wider than WIDTH:
	each piece joins the current line while it fits, else starts a line
	aligned one column after the innermost open parenthesis."""
	if _width(line) <= WIDTH:
		return [line]
	lead = line[:len(line) - len(line.lstrip())]
	pieces = _pieces(line.strip())
	out: List[str] = []
	current = lead + pieces[0]
	stack: List[int] = []
	_opens(pieces[0], _width(lead), stack)
	for piece in pieces[1:]:
		if _width(current + ' ' + piece) <= WIDTH or not stack:
			_opens(piece, _width(current) + 1, stack)
			current += ' ' + piece
			continue
		out.append(current)
		current = _indent(stack[-1]) + piece
		_opens(piece, stack[-1], stack)
	out.append(current)
	return out


def wrap_point_lines(text: str) -> str:
	"""Every line that calls zdrace_fi() wrapped by wrap_line()."""
	out = []
	for line in text.split('\n'):
		out += wrap_line(line) if 'zdrace_fi(' in line else [line]
	return '\n'.join(out)


def add_include(text: str) -> str:
	"""@text with INCLUDE after the last `#include <linux/...>` of the
	file's opening block of includes (before its first line of code);
	unchanged if it has INCLUDE already or no such include."""
	lines = text.split('\n')
	if INCLUDE in lines:
		return text
	last, depth = -1, 0
	for i, line in enumerate(lines):
		stripped = line.strip()
		if line.startswith('#if'):
			depth += 1
		elif line.startswith('#endif'):
			depth -= 1
		elif line.startswith('#include <linux/') and depth == 0:
			last = i
		elif stripped and not stripped.startswith(('#', '/*', '*', '//')):
			break
	if last < 0:
		return text
	return '\n'.join(lines[:last + 1] + [INCLUDE] + lines[last + 1:])


# Placement.

def ensure_spatch() -> None:
	"""spatch, installed with apt when missing and allowed."""
	from zdtool.kernel.source import ensure_packages
	ensure_packages({SPATCH: PACKAGE},
			f'placing the injection points needs {SPATCH}')


def line_virtual(line: str) -> str:
	"""The virtual rule a kernel line sets: six or seven, as
	ZDRACE_FI_BY_LINE() tells the lines apart."""
	return 'seven' if int(line.split('.')[0]) >= 7 else 'six'


def spatch(sp: str, source: str, line: str) -> str:
	"""The text of @source with the semantic patch @sp applied."""
	virtual = line_virtual(line)
	with open(sp) as f:
		declared = re.search(rf'^virtual\s+{virtual}\b', f.read(), re.M)
	with tempfile.TemporaryDirectory(prefix='zdrace-spatch-') as tmp:
		out = os.path.join(tmp, os.path.basename(source))
		cmd = [SPATCH, '--very-quiet', '--no-includes', '--no-show-diff',
		       *(['-D', virtual] if declared else []),
		       '--sp-file', sp, source, '-o', out]
		try:
			proc = subprocess.run(cmd, stdout=subprocess.PIPE,
					      stderr=subprocess.STDOUT, text=True,
					      timeout=SPATCH_TIMEOUT)
		except subprocess.TimeoutExpired:
			raise ZdError(f'{os.path.basename(sp)} on {source}: spatch '
				      f'took more than {SPATCH_TIMEOUT} s (a rule '
				      f'of ours too costly for this code): '
				      f'{shlex.join(cmd)}')
		if proc.returncode != 0 and \
		   'there are no modified files' not in proc.stdout:
			lines = proc.stdout.strip().splitlines() or ['?']
			raise ZdError(f'{os.path.basename(sp)} on {source}: spatch '
				      f'failed: {lines[-1].strip()}')
		if not os.path.exists(out):	# nothing matched
			with open(source) as f:
				return f.read()
		with open(out) as f:
			return f.read()


@dataclass
class Placement:
	"""What placing the points on one tree gave."""
	placed: List[str]
	absent: List[str]		# ZDRACE_FI_ABSENT on this line
	unplaced: List[Point]		# no window found
	files: List[str]		# the files that got points
	patch: str = ''			# patch_text() of the placement

	def __post_init__(self) -> None:
		self.placed.sort()
		self.absent.sort()


def _replace_file(path: str, text: str) -> None:
	"""A new inode: @path may be hard-linked to the pristine source."""
	tmp = path + '.zdrace-points'
	with open(tmp, 'w') as f:
		f.write(text)
	shutil.copymode(path, tmp)
	os.replace(tmp, path)


def place(tree: str, repo: str, line: str) -> Placement:
	"""Place every point of @line's table in @tree by its semantic patch."""
	points = load_table(repo, line)
	if any(os.path.isfile(os.path.join(tree, f))
	       for p in points for f in p.files):
		ensure_spatch()
	texts: Dict[str, str] = {}
	before: Dict[str, str] = {}
	for sp in semantic_patches(repo):
		files = sorted({f for p in points if p.name in sp.points
				for f in p.files})
		for rel in files:
			path = os.path.join(tree, rel)
			if not os.path.isfile(path):
				continue
			with open(path) as f:
				before.setdefault(rel, f.read())
			text = wrap_point_lines(spatch(sp.path, path, line))
			if 'zdrace_fi(ZDRACE_FI_' in text:
				text = add_include(text)
			texts[rel] = text
			if text != before[rel]:
				_replace_file(path, text)
	placed, absent, unplaced = [], [], []
	for p in points:
		if any(_CALL.format(p.name) in texts.get(f, '') for f in p.files):
			placed.append(p.name)
		elif p.absent:
			absent.append(p.name)
		else:
			unplaced.append(p)
	files = sorted(rel for rel, text in texts.items()
		       if 'zdrace_fi(ZDRACE_FI_' in text)
	wrong = [m for rel in files
		 for m in misplaced(texts[rel], rel, placed, points)]
	if wrong:
		raise ZdError(f'{wrong[0]}: a rule of {SEMANTIC_PATCHES}/ '
			      f'matched outside its window (a bug of ours)')
	return Placement(placed, absent, unplaced, files,
			 patch_text(before, texts, repo))


# The generated points patch.

AUTHOR = 'zdrace developers <zdrace@localhost>'
DATE = 'Sat, 21 Nov 2026 17:00:00 +0000'


def _diffstat(diffs: List[Tuple[str, int, int]]) -> List[str]:
	"""git's diffstat of (file, insertions, deletions)."""
	width = max(len(name) for name, _, _ in diffs)
	most = max(a + d for _, a, d in diffs)
	scale = min(1.0, 50 / most) if most else 1.0
	out = []
	for name, add, dele in diffs:
		out.append(f' {name:<{width}} | {add + dele:>{len(str(most))}} '
			   f'{"+" * round(add * scale)}{"-" * round(dele * scale)}')
	adds = sum(a for _, a, _ in diffs)
	dels = sum(d for _, _, d in diffs)
	out.append(f' {len(diffs)} file{"s" if len(diffs) > 1 else ""} '
		   f'changed, {adds} insertion{"s" if adds != 1 else ""}(+), '
		   f'{dels} deletion{"s" if dels != 1 else ""}(-)')
	return out


def patch_text(before: Dict[str, str], after: Dict[str, str],
	       repo: str) -> str:
	"""A `git format-patch` mail of what placing the points changed
	(file -> text before and after), with the message in MESSAGE."""
	with open(os.path.join(repo, MESSAGE)) as f:
		subject, _, body = f.read().partition('\n\n')
	stats, hunks = [], []
	for rel in sorted(after):
		old = before[rel].splitlines(keepends=True)
		new = after[rel].splitlines(keepends=True)
		diff = list(difflib.unified_diff(old, new, f'a/{rel}', f'b/{rel}'))
		if not diff:
			continue
		stats.append((rel, sum(1 for d in diff[2:] if d[0] == '+'),
			      sum(1 for d in diff[2:] if d[0] == '-')))
		hunks.append(f'diff --git a/{rel} b/{rel}\n' + ''.join(diff))
	if not hunks:
		return ''
	return ('From 0000000000000000000000000000000000000000 Mon Sep 17 '
		f'00:00:00 2001\nFrom: {AUTHOR}\nDate: {DATE}\n'
		f'Subject: [PATCH] {subject.strip()}\n\n{body.rstrip()}\n---\n'
		+ '\n'.join(_diffstat(stats)) + '\n\n' + ''.join(hunks) +
		'-- \nzdrace\n\n')


@dataclass(frozen=True)
class NotPlaced:
	"""A point its rule found no window for, where that window was (in
	the line numbers of the tree read: the reviewer's, under review),
	and why."""
	point: str
	where: str		# file:line, or file
	why: str = SERIES_CHANGED

	def message(self) -> str:
		return f'point {self.point} not placed: {self.why} ({self.where})'

	def boot_arg(self) -> str:
		"""How the kernel learns it: see zdrace_fi.unplaced=."""
		return f'zdrace_fi.unplaced={self.point}@{self.where}'


def locate(point: Point, tree: str,
	   changed: Optional[Dict[str, List[int]]] = None) -> NotPlaced:
	"""Where @point's window was in @tree: the first line a series
	changed inside its function (@changed: file -> lines, under
	review), else the function, else the file."""
	why = SERIES_CHANGED if changed is not None else \
		f'{point.function}() has no code of its window\'s shape'
	texts = {}
	for rel in point.files:
		try:
			with open(os.path.join(tree, rel), errors='replace') as f:
				texts[rel] = f.read()
		except OSError:
			pass
	if not texts:
		return NotPlaced(point.name, point.file, 'no such file')
	found = {rel: find_functions(text).get(point.function, [])
		 for rel, text in texts.items()}
	rel = next((r for r in point.files if found.get(r)), next(iter(texts)))
	funcs = found[rel]
	lines = (changed or {}).get(rel, [])
	for fn in funcs:
		inside = [n for n in lines if fn.first <= n <= fn.last]
		if inside:
			return NotPlaced(point.name, f'{rel}:{inside[0]}', why)
	if funcs:
		return NotPlaced(point.name, f'{rel}:{funcs[0].name_line}', why)
	gone = f'no function {point.function}()'
	if lines:
		return NotPlaced(point.name, f'{rel}:{lines[0]}', gone)
	return NotPlaced(point.name, rel, gone)


def _helpers(funcs: Dict[str, List[FuncRange]], lines: List[str],
	     name: str) -> List[FuncRange]:
	"""The functions of the same file that @name calls: where a window's
	operation may have moved, and its point with it."""
	called = set()
	for fn in funcs.get(name, []):
		body = '\n'.join(lines[fn.name_line:fn.last])
		called |= set(re.findall(r'\b(\w+)\s*\(', body))
	return [f for callee in sorted(called - {name})
		for f in funcs.get(callee, [])]


def misplaced(text: str, rel: str, names: List[str],
	      table: List[Point]) -> List[str]:
	"""Points of @names whose calls in @text (the file @rel) lie outside
	the function their window is in and the helpers of that file it
	calls: a rule of ours that matched the wrong code, never the tree's
	fault."""
	funcs = find_functions(text)
	lines = text.split('\n')
	out = []
	for p in table:
		if p.name not in names or rel not in p.files:
			continue
		call = _CALL.format(p.name)
		spans = funcs.get(p.function, []) + \
			_helpers(funcs, lines, p.function)
		for n, code in enumerate(lines, 1):
			if call in code and not any(f.first <= n <= f.last
						    for f in spans):
				out.append(f'{rel}:{n}: point {p.name} placed outside '
					   f'{p.function}()')
	return out
