# SPDX-License-Identifier: GPL-2.0
"""Read lcov tracefiles (.info): per source file, line, branch and function
counts.

geninfo writes one record per source file and object, so a header's
static inline functions appear once for every object that includes it;
records of the same file are merged here the way `lcov -a` merges them:
counts add up.
"""

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional, Tuple

# (line, block, branch) -> times taken; None when the block never ran
# (lcov writes '-').
BranchKey = Tuple[int, int, int]


@dataclass
class FileCoverage:
	"""Everything a tracefile says about one source file."""
	path: str
	lines: Dict[int, int] = field(default_factory=dict)
	branches: Dict[BranchKey, Optional[int]] = field(default_factory=dict)
	# function name -> (first line, times called)
	functions: Dict[str, Tuple[int, int]] = field(default_factory=dict)

	def merge(self, other: 'FileCoverage') -> None:
		for line, count in other.lines.items():
			self.lines[line] = self.lines.get(line, 0) + count
		for key, taken in other.branches.items():
			old = self.branches.get(key)
			if old is None:
				self.branches[key] = taken
			elif taken is not None:
				self.branches[key] = old + taken
		for name, (line, count) in other.functions.items():
			old_line, old_count = self.functions.get(name, (line, 0))
			self.functions[name] = (old_line, old_count + count)

	def restrict(self, ranges: Iterable[Tuple[int, int]]) -> 'FileCoverage':
		"""Only what lies inside the (first, last) line ranges."""
		spans = list(ranges)

		def inside(line: int) -> bool:
			return any(a <= line <= b for a, b in spans)
		return FileCoverage(
			self.path,
			{n: c for n, c in self.lines.items() if inside(n)},
			{k: t for k, t in self.branches.items() if inside(k[0])},
			{f: v for f, v in self.functions.items() if inside(v[0])})

	def line_range(self, first: int, last: int) -> Dict[int, int]:
		return {n: c for n, c in self.lines.items() if first <= n <= last}

	def branch_range(self, first: int,
			 last: int) -> Dict[BranchKey, Optional[int]]:
		return {k: t for k, t in self.branches.items()
			if first <= k[0] <= last}


class TracefileError(ValueError):
	pass


def _ints(value: str, n: int, where: str) -> Tuple[int, ...]:
	parts = value.split(',')
	if len(parts) < n:
		raise TracefileError(f'{where}: expected {n} numbers in '
				     f'"{value}"')
	try:
		return tuple(int(p) for p in parts[:n])
	except ValueError:
		raise TracefileError(f'{where}: bad numbers "{value}"')


def parse(text: str, name: str = 'tracefile') -> Dict[str, FileCoverage]:
	"""Source path -> merged coverage of every record in @text."""
	files: Dict[str, FileCoverage] = {}
	cur: Optional[FileCoverage] = None
	fn_lines: Dict[str, int] = {}
	for number, raw in enumerate(text.splitlines(), 1):
		line = raw.strip()
		if not line or line.startswith('TN:'):
			continue
		where = f'{name}:{number}'
		if line.startswith('SF:'):
			cur = FileCoverage(line[3:])
			fn_lines = {}
			continue
		if line == 'end_of_record':
			if cur is None:
				raise TracefileError(f'{where}: end_of_record '
						     f'without SF:')
			if cur.path in files:
				files[cur.path].merge(cur)
			else:
				files[cur.path] = cur
			cur = None
			continue
		if cur is None:
			raise TracefileError(f'{where}: data outside a record: '
					     f'"{line[:40]}"')
		tag, _, value = line.partition(':')
		if tag == 'DA':
			lineno, count = _ints(value, 2, where)
			cur.lines[lineno] = cur.lines.get(lineno, 0) + count
		elif tag == 'BRDA':
			parts = value.split(',')
			if len(parts) != 4:
				raise TracefileError(f'{where}: bad BRDA "{value}"')
			line_no, block, branch = _ints(','.join(parts[:3]), 3,
						       where)
			taken = None if parts[3] == '-' else \
				_ints(parts[3], 1, where)[0]
			key = (line_no, block, branch)
			old = cur.branches.get(key)
			if old is not None:
				taken = old + (taken or 0)
			cur.branches[key] = taken
		elif tag == 'FN':
			first_line, _, fname = value.partition(',')
			fn_lines[fname] = _ints(first_line, 1, where)[0]
			cur.functions.setdefault(fname, (fn_lines[fname], 0))
		elif tag == 'FNDA':
			calls, _, fname = value.partition(',')
			first = fn_lines.get(fname, 0)
			_, called = cur.functions.get(fname, (first, 0))
			cur.functions[fname] = (first, called + _ints(calls, 1,
								      where)[0])
		# LF/LH/BRF/BRH/FNF/FNH are totals we recompute.
	if cur is not None:
		raise TracefileError(f'{name}: last record has no end_of_record')
	return files


def read(path: str) -> Dict[str, FileCoverage]:
	try:
		with open(path, errors='replace') as f:
			return parse(f.read(), path)
	except OSError as e:
		raise TracefileError(f'{path}: {e.strerror}')


def relative(files: Dict[str, FileCoverage],
	     tree: str) -> Dict[str, FileCoverage]:
	"""Key by path relative to @tree; files outside it are left out."""
	roots = {os.path.abspath(tree), os.path.realpath(tree)}
	out: Dict[str, FileCoverage] = {}
	for path, cov in files.items():
		full = os.path.normpath(path)
		for root in roots:
			if full.startswith(root + os.sep):
				rel = full[len(root) + 1:]
				if rel in out:
					out[rel].merge(cov)
				else:
					out[rel] = cov
				break
	return out


def summarise(lines: Dict[int, int],
	      branches: Iterable[Optional[int]]) -> Tuple[int, int, int, int]:
	"""(lines hit, lines, branches taken, branches)."""
	taken = list(branches)
	return (sum(1 for c in lines.values() if c > 0), len(lines),
		sum(1 for t in taken if t), len(taken))


def dump(files: Iterable[FileCoverage], test_name: str = '') -> str:
	"""A tracefile of @files, one merged record each."""
	out = []
	for cov in files:
		out += [f'TN:{test_name}', f'SF:{cov.path}']
		for name, (line, _) in sorted(cov.functions.items(),
					      key=lambda kv: kv[1][0]):
			out.append(f'FN:{line},{name}')
		for name, (_, count) in sorted(cov.functions.items(),
					       key=lambda kv: kv[1][0]):
			out.append(f'FNDA:{count},{name}')
		out.append(f'FNF:{len(cov.functions)}')
		out.append(f'FNH:{sum(1 for _, c in cov.functions.values() if c)}')
		for (line, block, branch), taken in sorted(cov.branches.items()):
			out.append(f'BRDA:{line},{block},{branch},'
				   f'{"-" if taken is None else taken}')
		out.append(f'BRF:{len(cov.branches)}')
		out.append(f'BRH:{sum(1 for t in cov.branches.values() if t)}')
		for line, count in sorted(cov.lines.items()):
			out.append(f'DA:{line},{count}')
		out.append(f'LF:{len(cov.lines)}')
		out.append(f'LH:{sum(1 for c in cov.lines.values() if c)}')
		out.append('end_of_record')
	return '\n'.join(out) + '\n' if out else ''
