# SPDX-License-Identifier: GPL-2.0
"""coverage/<line>/unexecuted: the lines of the refcount paths that no case
executes, each with the reason.

	# comment
	[mm/memremap.c memremap_pages] a driver's malformed pgmap: ...
		WARN(1, "Missing owner\\n");
		return ERR_PTR(-EINVAL);

A header names a file of the manifest and a function in it ('-' for
lines outside any function) and says why; the tab-indented lines under it
are source lines of that function as they read, blanks at either end
aside.  A text listed twice stands for two such lines.  Source text
rather than line numbers: a patch that moves a function leaves its
entries valid, one that rewrites a listed line makes the entry stale.

`make coverage` fails on an unexecuted line not listed, and on a listed
line that ran or is no longer there: the list says exactly what stays
unexecuted, no more.  Only a reason that starts "may run:" (a race that
an SMP run can win now and then) lets its lines run unremarked; a
function may have one such entry besides its other.
"""

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from zdtool import ZdError
from zdtool.coverage import lcovinfo, manifest
from zdtool.coverage.cfuncs import FuncRange

# A line outside every selected function (a whole file's globals).
FILE_SCOPE = '-'
# The reason of an entry whose lines a race may run.
MAY_RUN = 'may run:'


@dataclass
class Entry:
	"""One header and the source lines under it."""
	path: str
	function: str
	why: str
	where: str			# list file:line of the header
	texts: List[str] = field(default_factory=list)

	@property
	def may_run(self) -> bool:
		return self.why.startswith(MAY_RUN)


@dataclass(frozen=True)
class Line:
	"""A line of the refcount paths with a count of 0."""
	path: str
	function: str
	number: int
	text: str

	def where(self) -> str:
		return f'{self.path}:{self.number} {self.function}()'


def parse(text: str, name: str = 'unexecuted') -> List[Entry]:
	entries: List[Entry] = []
	seen: Dict[Tuple[str, str, bool], str] = {}
	for number, raw in enumerate(text.splitlines(), 1):
		where = f'{name}:{number}'
		if not raw.strip() or raw.lstrip().startswith('#') and \
		   not raw.startswith('\t'):
			continue
		if raw.startswith('\t'):
			if not entries:
				raise ZdError(f'{where}: a source line before any '
					      f'[file function] header')
			entries[-1].texts.append(raw.strip())
			continue
		if not raw.startswith('[') or ']' not in raw:
			raise ZdError(f'{where}: expected "[file function] why" '
				      f'or a tab-indented source line')
		head, why = raw[1:].split(']', 1)
		words = head.split()
		if len(words) != 2:
			raise ZdError(f'{where}: "[{head}]": name a file and a '
				      f'function ("{FILE_SCOPE}" for file scope)')
		if not why.strip():
			raise ZdError(f'{where}: [{head}] says no reason')
		entry = Entry(os.path.normpath(words[0]), words[1], why.strip(),
			      where)
		key = (entry.path, entry.function, entry.may_run)
		if key in seen:
			raise ZdError(f'{where}: [{head}] already at {seen[key]}')
		seen[key] = where
		entries.append(entry)
	for entry in entries:
		if not entry.texts:
			raise ZdError(f'{entry.where}: [{entry.path} '
				      f'{entry.function}] lists no line')
	return entries


def load(path: str) -> List[Entry]:
	"""The list at @path; none is an empty list (every unexecuted line
	is then unlisted)."""
	if not os.path.exists(path):
		return []
	try:
		with open(path) as f:
			return parse(f.read(), path)
	except OSError as e:
		raise ZdError(f'{path}: {e.strerror}')


def unexecuted(picked: Dict[str, lcovinfo.FileCoverage],
	       funcs: Dict[str, Dict[str, List[FuncRange]]],
	       tree: str) -> List[Line]:
	"""The instrumented lines of @picked that never ran, with their
	function and text in @tree."""
	out: List[Line] = []
	for path in sorted(picked):
		zero = sorted(n for n, c in picked[path].lines.items() if c == 0)
		if not zero:
			continue
		try:
			with open(os.path.join(tree, path),
				  errors='replace') as f:
				source = f.read().splitlines()
		except OSError as e:
			raise ZdError(f'{path}: {e.strerror} in {tree}')
		for n in zero:
			fn = manifest.function_at(funcs.get(path, {}), n)
			text = source[n - 1].strip() if n <= len(source) else ''
			out.append(Line(path, fn or FILE_SCOPE, n, text))
	return out


@dataclass
class Check:
	"""What the list says of one run's unexecuted lines."""
	listed: List[Tuple[Line, Entry]]
	unlisted: List[Line]
	stale: List[Tuple[Entry, str]]	# a listed text with no such line

	def ok(self) -> bool:
		return not self.unlisted and not self.stale


def check(lines: List[Line], entries: List[Entry]) -> Check:
	"""Match @lines to @entries, text by text within each function, an
	entry whose lines must stay unexecuted first."""
	left = [Counter(e.texts) for e in entries]
	order = sorted(range(len(entries)), key=lambda i: entries[i].may_run)
	listed: List[Tuple[Line, Entry]] = []
	unlisted: List[Line] = []
	for line in lines:
		for i in order:
			e = entries[i]
			if (e.path, e.function) == (line.path, line.function) \
			   and left[i][line.text] > 0:
				left[i][line.text] -= 1
				listed.append((line, e))
				break
		else:
			unlisted.append(line)
	stale = [(e, text) for e, texts in zip(entries, left)
		 if not e.may_run
		 for text, n in texts.items() for _ in range(n)]
	return Check(listed, unlisted, stale)


def messages(result: Check, list_name: str) -> List[str]:
	"""One line for each unlisted line and each stale entry."""
	out = [f'zdrace: coverage: {line.where()} never ran and is not in '
	       f'{list_name}: {line.text}' for line in result.unlisted]
	out += [f'zdrace: coverage: {entry.where}: [{entry.path} '
		f'{entry.function}] lists "{text}", which ran or is not '
		f'there: drop it from the list' for entry, text in result.stale]
	return out


def markdown(result: Check, list_name: str) -> str:
	"""A section of refcount.md: what stays unexecuted, and why."""
	rows: Dict[Tuple[str, str, str], List[int]] = {}
	for line, entry in result.listed:
		rows.setdefault((line.path, line.function, entry.why),
				[]).append(line.number)
	out = [f'### Unexecuted on purpose ({list_name})', '',
	       f'- {len(result.listed)} lines listed with their reason, '
	       f'{len(result.unlisted)} unlisted, {len(result.stale)} stale '
	       f'entries', '']
	if rows:
		out += ['| function | lines | why |', '| --- | --- | --- |']
		for (path, fn, why), numbers in sorted(rows.items()):
			name = f'`{fn}`' if fn != FILE_SCOPE else '(file scope)'
			out.append(f'| {path} {name} | '
				   f'{", ".join(map(str, numbers))} | {why} |')
		out.append('')
	return '\n'.join(out) + '\n'
