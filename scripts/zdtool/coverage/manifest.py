# SPDX-License-Identifier: GPL-2.0
"""coverage/refcount-paths: the files and functions a coverage report is
about.

	# comment
	mm/memremap.c		<- a file on its own: all of it
	mm/gup.c		<- a file followed by indented function names
		try_grab_folio	   (shell globs): only those
		gup_fast*
	mm/memory.c
		do_swap_page@is_device_private_entry(entry)
				<- function@anchor: only the blocks of the
				   function whose `if` condition holds the
				   anchor (a branch of a long function)
"""

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from zdtool import ZdError
from zdtool.coverage.cfuncs import FuncRange, find_block, find_functions


@dataclass
class Entry:
	"""One file of the manifest; no patterns means the whole file."""
	path: str
	patterns: List[str] = field(default_factory=list)

	def whole(self) -> bool:
		return not self.patterns

	def wants(self, function: str) -> bool:
		return self.whole() or any(fnmatch.fnmatchcase(function, p)
					   for p in self.patterns if '@' not in p)


def parse(text: str, name: str = 'manifest') -> List[Entry]:
	entries: List[Entry] = []
	seen: Dict[str, Entry] = {}
	for number, raw in enumerate(text.splitlines(), 1):
		line = raw.split('#', 1)[0].rstrip()
		if not line.strip():
			continue
		where = f'{name}:{number}'
		if line[0].isspace():
			if not entries:
				raise ZdError(f'{where}: function "{line.strip()}" '
					      f'before any file')
			for word in line.split():
				entries[-1].patterns.append(word)
			continue
		path = line.strip()
		if ' ' in path or '\t' in path:
			raise ZdError(f'{where}: "{path}": one file per line; '
				      f'indent its function names below it')
		if os.path.isabs(path) or path.startswith('..'):
			raise ZdError(f'{where}: {path}: must be relative to the '
				      f'kernel tree')
		if path in seen:
			raise ZdError(f'{where}: {path} listed twice')
		entry = Entry(os.path.normpath(path))
		seen[path] = entry
		entries.append(entry)
	if not entries:
		raise ZdError(f'{name}: lists no file')
	return entries


def load(path: str) -> List[Entry]:
	try:
		with open(path) as f:
			return parse(f.read(), path)
	except OSError as e:
		raise ZdError(f'{path}: {e.strerror}')


def resolve(entries: List[Entry], tree: str, missing: Optional[List[str]]
	    = None) -> Dict[str, Dict[str, List[FuncRange]]]:
	"""File -> function -> its definitions in @tree, as the manifest
	selects them.  A file or pattern that matches nothing is an error:
	a renamed function must not drop out of the report unnoticed.  With
	@missing (a series under review may rename one), it is noted there
	instead."""
	out: Dict[str, Dict[str, List[FuncRange]]] = {}
	for entry in entries:
		src = os.path.join(tree, entry.path)
		try:
			with open(src, errors='replace') as f:
				text = f.read()
		except OSError as e:
			raise ZdError(f'coverage manifest: {entry.path}: '
				      f'{e.strerror} in {tree}')
		funcs = find_functions(text)
		blocks: Dict[str, List[FuncRange]] = {}
		for pattern in entry.patterns:
			if '@' in pattern:
				name, anchor = pattern.split('@', 1)
				found = [b for r in funcs.get(name, [])
					 for b in find_block(text, r, anchor)]
				if found:
					blocks[pattern] = found
					continue
				what = (f'no block of {name}() has an if holding '
					f'"{anchor}"')
			elif fnmatch.filter(funcs, pattern):
				continue
			else:
				what = f'no function matches "{pattern}"'
			if missing is None:
				raise ZdError(f'coverage manifest: {entry.path}: {what}')
			missing.append(f'{entry.path}: {pattern}')
		out[entry.path] = {name: ranges for name, ranges in funcs.items()
				   if entry.wants(name)}
		out[entry.path].update(blocks)
	return out


def function_at(funcs: Dict[str, List[FuncRange]],
		line: int) -> Optional[str]:
	"""The selected function whose definition holds @line."""
	for name, ranges in funcs.items():
		if any(r.first <= line <= r.last for r in ranges):
			return name
	return None
