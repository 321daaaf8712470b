# SPDX-License-Identifier: GPL-2.0
"""Per-function coverage of the refcount paths, as a reviewer reads it:
a Markdown table (plain-text aligned, so it survives a mail) and JSON.

Numbers come from line ranges, not from gcov's function records: a
static inline function in a header has no function record in most of
the objects that use it, but its lines are counted in every one of them
and lcov adds them up under the header's name.

One definition of function coverage, the same in refcount.md, .json and
the HTML (whose tracefile gets the function records it implies,
function_records()): a function counts when this kernel has
instrumented lines of it, and ran when gcov saw it called or any of its
lines ran.
"""

import json
import re
import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from zdtool.coverage.cfuncs import FuncRange
from zdtool.coverage.lcovinfo import FileCoverage, summarise


@dataclass
class Numbers:
	lines_hit: int = 0
	lines: int = 0
	branches_hit: int = 0
	branches: int = 0
	functions_hit: int = 0
	functions: int = 0

	def __add__(self, o: 'Numbers') -> 'Numbers':
		return Numbers(*(a + b for a, b in zip(asdict(self).values(),
						      asdict(o).values())))

	def line_pct(self) -> Optional[float]:
		return pct(self.lines_hit, self.lines)

	def function_pct(self) -> Optional[float]:
		return pct(self.functions_hit, self.functions)


def pct(hit: int, total: int) -> Optional[float]:
	return round(100.0 * hit / total, 1) if total else None


# A line that asserts: WARN*(), BUG*(), VM_BUG_ON*(), VM_WARN*().  The
# branch arms gcov counts on it include the assertion firing, which no
# correct run takes.
ASSERTION = re.compile(r'\b(?:VM_)?(?:WARN|BUG)\w*\s*\(')


def assertion_arms(files: Dict[str, FileCoverage],
		   source: Callable[[str], List[str]]) -> Tuple[int, int]:
	"""(taken, total) of the branch arms of @files on asserting lines;
	@source gives the lines of a file of @files."""
	taken = total = 0
	for path, cov in files.items():
		text = source(path)
		for (line, _, _), n in cov.branches.items():
			if 0 < line <= len(text) and \
			   ASSERTION.search(text[line - 1]):
				total += 1
				taken += 1 if n else 0
	return taken, total


@dataclass
class FunctionRow:
	name: str
	line: int
	numbers: Numbers
	runs: int = 0		# calls gcov counted, else its most-run line's count

	@property
	def built(self) -> bool:
		return self.numbers.lines > 0


@dataclass
class FileReport:
	path: str
	whole: bool
	numbers: Numbers
	functions: List[FunctionRow] = field(default_factory=list)

	@property
	def built(self) -> bool:
		return self.numbers.lines > 0


@dataclass
class Report:
	title: str
	files: List[FileReport]
	meta: Dict[str, Any] = field(default_factory=dict)

	def total(self) -> Numbers:
		total = Numbers()
		for f in self.files:
			total = total + f.numbers
		return total


def _function_numbers(cov: FileCoverage,
		      ranges: List[FuncRange]) -> Tuple[Numbers, int]:
	"""The function's numbers, and how many times it ran."""
	lines: Dict[int, int] = {}
	branches: Dict[Any, Optional[int]] = {}
	calls = 0
	for r in ranges:
		lines.update(cov.line_range(r.first, r.last))
		branches.update(cov.branch_range(r.first, r.last))
	lh, lt, bh, bt = summarise(lines, branches.values())
	for first, count in cov.functions.values():
		if any(r.first <= first <= r.last for r in ranges):
			calls += count
	n = Numbers(lh, lt, bh, bt)
	if lt:
		n.functions = 1
		n.functions_hit = 1 if (calls or lh) else 0
	return n, calls or max(lines.values(), default=0)


def function_records(report: 'Report') -> Dict[str, Dict[str, Tuple[int, int]]]:
	"""Per file, the lcov function records (name -> (line, runs)) of the
	report's definition: built functions only."""
	return {f.path: {r.name: (r.line, r.runs) for r in f.functions
			 if r.built}
		for f in report.files}


def build(selection: Dict[str, Dict[str, List[FuncRange]]],
	  whole: Dict[str, bool], coverage: Dict[str, FileCoverage],
	  title: str, meta: Optional[Dict[str, Any]] = None) -> Report:
	"""@selection: file -> function -> ranges (manifest.resolve());
	@coverage: tree-relative file -> its merged tracefile data."""
	files = []
	for path, funcs in selection.items():
		cov = coverage.get(path, FileCoverage(path))
		rows = []
		for name, ranges in sorted(funcs.items(),
					   key=lambda kv: kv[1][0].first):
			numbers, runs = _function_numbers(cov, ranges)
			rows.append(FunctionRow(name, ranges[0].name_line, numbers,
						runs))
		if whole.get(path):
			lh, lt, bh, bt = summarise(cov.lines,
						   cov.branches.values())
			numbers = Numbers(lh, lt, bh, bt)
		else:
			lines: Dict[int, int] = {}
			branches: Dict[Any, Optional[int]] = {}
			for ranges in funcs.values():
				for r in ranges:
					lines.update(cov.line_range(r.first, r.last))
					branches.update(cov.branch_range(r.first,
									 r.last))
			lh, lt, bh, bt = summarise(lines, branches.values())
			numbers = Numbers(lh, lt, bh, bt)
		numbers.functions = sum(r.numbers.functions for r in rows)
		numbers.functions_hit = sum(r.numbers.functions_hit for r in rows)
		files.append(FileReport(path, bool(whole.get(path)), numbers, rows))
	return Report(title, files, dict(meta or {}))


def _ratio(hit: int, total: int) -> str:
	if not total:
		return '-'
	return f'{hit}/{total} {100.0 * hit / total:5.1f}%'


def _summary(hit: int, total: int) -> str:
	value = pct(hit, total)
	return f'{hit}/{total}' + (f' ({value:.1f}%)' if value is not None
				   else '')


def _table(rows: List[List[str]], right: List[bool]) -> List[str]:
	widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

	def cell(i: int, text: str) -> str:
		return text.rjust(widths[i]) if right[i] else text.ljust(widths[i])

	out = ['| ' + ' | '.join(cell(i, t) for i, t in enumerate(rows[0]))
	       + ' |']
	out.append('|' + '|'.join(('-' * (w + 1) + ':') if right[i] else
				  ('-' * (w + 2)) for i, w in enumerate(widths))
		   + '|')
	for r in rows[1:]:
		out.append('| ' + ' | '.join(cell(i, t) for i, t in enumerate(r))
			   + ' |')
	return out


def markdown(report: Report) -> str:
	"""One table: a bold row per file, then the functions that were
	built; the ones that were not are listed under the table."""
	rows = [['function', 'line', 'lines hit', 'branches hit']]
	absent = []
	for f in report.files:
		n = f.numbers
		label = f'**{f.path}**' + (' (whole file)' if f.whole else '')
		if not f.built:
			rows.append([label, '', 'not built', 'not built'])
			continue
		rows.append([label, '', _ratio(n.lines_hit, n.lines),
			     _ratio(n.branches_hit, n.branches)])
		for r in f.functions:
			m = r.numbers
			if r.built:
				rows.append([f'`{r.name}`', str(r.line),
					     _ratio(m.lines_hit, m.lines),
					     _ratio(m.branches_hit, m.branches)])
		missing = [r.name for r in f.functions if not r.built]
		if missing:
			absent.append(textwrap.fill(
				f'- {f.path}: ' + ', '.join(missing), width=72,
				subsequent_indent='  ', break_on_hyphens=False))
	t = report.total()
	rows.append(['**total**', '', _ratio(t.lines_hit, t.lines),
		     _ratio(t.branches_hit, t.branches)])
	out = [f'### {report.title}', '']
	out += [f'- {key}: {value}' for key, value in report.meta.items()]
	out += [f'- functions run: {_summary(t.functions_hit, t.functions)}, '
		f'lines: {_summary(t.lines_hit, t.lines)}, branches: '
		f'{_summary(t.branches_hit, t.branches)}',
		'- a function counts when this kernel has instrumented lines of '
		'it, and ran when any ran (so in the HTML too)', '']
	out += _table(rows, [False, True, True, True])
	if absent:
		out += ['', 'Not built (configured out, or inline with no '
			'caller in this kernel):'] + absent
	out += ['', 'Header functions are counted over every object that '
		'inlines them.']
	return '\n'.join(out) + '\n'


def to_json(report: Report) -> str:
	files = []
	for f in report.files:
		files.append({
			'path': f.path, 'whole_file': f.whole, 'built': f.built,
			'coverage': asdict(f.numbers),
			'functions': [{'name': r.name, 'line': r.line,
				       'built': r.built,
				       'coverage': asdict(r.numbers)}
				      for r in f.functions]})
	doc = {'title': report.title, 'meta': report.meta,
	       'total': asdict(report.total()), 'files': files}
	return json.dumps(doc, indent=1) + '\n'
