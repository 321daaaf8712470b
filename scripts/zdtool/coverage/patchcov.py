# SPDX-License-Identifier: GPL-2.0
"""`make review`: which lines a series changes inside the refcount paths,
and whether the suites ran them (patch coverage).

A series is an mbox (git format-patch --stdout, a lore thread, `b4 am`
output) or a directory of patches (in the order of its `series` file,
else the `git format-patch` files' series, as zdtool.coverage.thread
chooses it).
Changed lines are those of `diff` between the pristine source and the
series applied to it (the reviewer's tree), so they are numbered as the
reviewer numbers them, however many patches touched them; their coverage
is carried over from the kernel that ran (zdtool.coverage.linemap).
"""

import json
import mailbox
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

from zdtool import ZdError
from zdtool.coverage import thread
from zdtool.coverage.cfuncs import FuncRange
from zdtool.coverage.lcovinfo import FileCoverage
from zdtool.coverage.manifest import function_at
from zdtool.kernel.series import load_series

def _slug(subject: str) -> str:
	"""`git format-patch` file name from a subject line."""
	subject = re.sub(r'^(\[[^]]*\]\s*)+', '', subject)
	slug = re.sub(r'[^A-Za-z0-9_.]+', '-', subject).strip('-.')
	return slug[:64].rstrip('-.') or 'patch'


def split_mbox(path: str) -> List[thread.Mail]:
	"""Every mail of an mbox; a file with no From_ line is one mail."""
	box = mailbox.mbox(path, create=False)
	try:
		raws = [box.get_bytes(key) for key in box.keys()]
	finally:
		box.close()
	if not raws:
		with open(path, 'rb') as f:
			raws = [f.read()]
	return [thread.read_mail(raw, i)
		for i, raw in enumerate(raws, 1) if raw.strip()]


def _directory_mails(path: str) -> List[thread.Mail]:
	names = sorted(n for n in os.listdir(path)
		       if n.endswith(('.patch', '.diff', '.mbox', '.eml')))
	if not names:
		raise ZdError(f'SERIES={path}: no *.patch files and no '
			      f'series file')
	mails = []
	for name in names:
		mails += split_mbox(os.path.join(path, name))
	for i, mail in enumerate(mails, 1):
		mail.position = i
	return mails


def load_review_series(path: str, work: str) -> List[str]:
	"""Patch files of SERIES= in order, written to @work: a quilt
	directory (its `series` file) as it is; an mbox (a lore thread, `b4
	am` output) or a directory of `git format-patch` files as the
	newest complete version of the series in it (zdtool.coverage.thread),
	every mail left out named on a line of its own."""
	if not os.path.exists(path):
		raise ZdError(f'SERIES={path}: no such file or directory')
	if os.path.isdir(path) and os.path.exists(os.path.join(path, 'series')):
		return [os.path.abspath(p) for p in load_series(path).paths()]
	try:
		mails = _directory_mails(path) if os.path.isdir(path) else \
			split_mbox(path)
	except OSError as e:
		raise ZdError(f'SERIES={path}: {e.strerror}')
	if not any(m.has_diff for m in mails):
		raise ZdError(f'SERIES={path}: no diff in it (not a patch or '
			      f'mbox)')
	series, notes = thread.choose(mails, path)
	for note in notes:
		print(f'zdrace: review: {note}', flush=True)
	os.makedirs(work, exist_ok=True)
	for old in os.listdir(work):
		os.unlink(os.path.join(work, old))
	paths = []
	for n, mail in enumerate(series, 1):
		p = os.path.join(work, f'{n:04d}-{_slug(mail.subject)}.patch')
		with open(p, 'w') as f:
			f.write(mail.text)
		paths.append(p)
	return paths


def touched_files(patch_paths: List[str]) -> List[str]:
	files = set()
	for path in patch_paths:
		with open(path, errors='replace') as f:
			for line in f:
				m = re.match(r'^\+\+\+ (?:b/)?(\S+)', line)
				if m and m.group(1) != '/dev/null':
					files.add(m.group(1))
	return sorted(files)


def parse_unified_zero(text: str) -> List[int]:
	"""New-side numbers of added lines in `diff -U0` output."""
	added = []
	new = 0
	for line in text.splitlines():
		m = re.match(r'^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@', line)
		if m:
			new = int(m.group(1))
			continue
		if line.startswith('+') and not line.startswith('+++'):
			added.append(new)
			new += 1
	return added


def changed_lines(base: str, head: str, files: List[str]) -> Dict[str, List[int]]:
	"""File -> lines of the @head tree that differ from @base."""
	out = {}
	for rel in files:
		b, h = os.path.join(base, rel), os.path.join(head, rel)
		if not os.path.exists(h):
			continue	# deleted by the series
		proc = subprocess.run(['diff', '-U0', b if os.path.exists(b)
				       else '/dev/null', h],
				      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
				      text=True, errors='replace')
		if proc.returncode > 1:
			raise ZdError(f'diff {rel}: {proc.stderr.strip()}')
		lines = parse_unified_zero(proc.stdout)
		if lines:
			out[rel] = lines
	return out


@dataclass
class ChangedLine:
	file: str
	line: int
	function: str
	status: str		# covered, not covered, not code, not built
	hits: Optional[int]
	code: str


@dataclass
class PatchCoverage:
	lines: List[ChangedLine] = field(default_factory=list)
	outside: Dict[str, int] = field(default_factory=dict)
	# "point X not placed: ...", one a point the series left no window for
	not_placed: List[str] = field(default_factory=list)

	def counts(self) -> Dict[str, int]:
		c = {'covered': 0, 'not covered': 0, 'not code': 0,
		     'not built': 0}
		for line in self.lines:
			c[line.status] += 1
		return c


def classify(changed: Dict[str, List[int]],
	     selection: Dict[str, Dict[str, List[FuncRange]]],
	     whole: Dict[str, bool], coverage: Dict[str, FileCoverage],
	     head: str) -> PatchCoverage:
	"""Every changed line inside the refcount paths, with its status."""
	result = PatchCoverage()
	for rel, numbers in sorted(changed.items()):
		funcs = selection.get(rel)
		try:
			with open(os.path.join(head, rel), errors='replace') as f:
				text = f.read().splitlines()
		except OSError:
			text = []
		cov = coverage.get(rel)
		for n in numbers:
			func = function_at(funcs, n) if funcs is not None else None
			if funcs is None or not (whole.get(rel) or func):
				result.outside[rel] = result.outside.get(rel, 0) + 1
				continue
			hits = cov.lines.get(n) if cov else None
			if not cov or not cov.lines:
				status = 'not built'
			elif hits is None:
				status = 'not code'
			else:
				status = 'covered' if hits else 'not covered'
			code = text[n - 1].strip() if n <= len(text) else ''
			result.lines.append(ChangedLine(rel, n, func or '', status,
							hits, code))
	return result


def markdown(pc: PatchCoverage, title: str, meta: Dict[str, str]) -> str:
	c = pc.counts()
	code = c['covered'] + c['not covered']
	out = [f'### {title}', '']
	out += [f'- {k}: {v}' for k, v in meta.items()]
	pct = f' ({100.0 * c["covered"] / code:.1f}%)' if code else ''
	out.append(f'- changed lines in the refcount paths: {len(pc.lines)}; '
		   f'code {code}, covered {c["covered"]}{pct}, not covered '
		   f'{c["not covered"]}; not code {c["not code"]}; '
		   f'not built {c["not built"]}')
	if pc.outside:
		out.append('- changed lines outside the refcount paths: ' +
			   ', '.join(f'{f} ({n})' for f, n in
				     sorted(pc.outside.items())))
	out += [f'- {message}; the cases that arm it skip' for message in
		pc.not_placed]
	out.append('')
	if not pc.lines:
		out.append('The series changes no line of the refcount paths.')
		return '\n'.join(out) + '\n'
	rows = [['line', 'function', 'status', 'code']]
	for line in pc.lines:
		status = line.status + (f' ({line.hits}x)' if line.hits else '')
		text = line.code.replace('|', '\\|')
		if len(text) > 60:
			text = text[:57] + '...'
		rows.append([f'{line.file}:{line.line}', line.function or '-',
			     status, f'`{text}`' if text else ''])
	widths = [max(len(r[i]) for r in rows) for i in range(4)]
	for i, r in enumerate(rows):
		out.append('| ' + ' | '.join(t.ljust(widths[j]) for j, t in
					       enumerate(r)) + ' |')
		if i == 0:
			out.append('|' + '|'.join('-' * (w + 2) for w in widths) +
				   '|')
	return '\n'.join(out) + '\n'


def to_json(pc: PatchCoverage, title: str, meta: Dict[str, str]) -> str:
	return json.dumps({'title': title, 'meta': meta, 'counts': pc.counts(),
			   'lines': [asdict(line) for line in pc.lines],
			   'outside': pc.outside, 'not_placed': pc.not_placed},
			  indent=1) + '\n'
