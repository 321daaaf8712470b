# SPDX-License-Identifier: GPL-2.0
"""A quilt-style patch series: parse, hash and apply it to a kernel tree."""

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from zdtool import ZdError

SERIES_FILE = 'series'


# After a patch's name in a series file: apply it only where the code it
# changes is there (an older sublevel or line still needs it; a newer one
# has the change upstream, or the code is gone).
OPTIONAL = 'where-it-applies'


@dataclass
class Series:
	"""The patches of one kernel line, in the order they apply; those in
	@optional only where they apply."""
	directory: str
	patches: List[str]
	optional: List[str] = field(default_factory=list)

	def paths(self) -> List[str]:
		return [os.path.join(self.directory, p) for p in self.patches]

	def digest(self) -> str:
		"""Hash of the series file order and every patch's contents."""
		h = hashlib.sha256()
		for name, path in zip(self.patches, self.paths()):
			h.update(name.encode() + b'\0')
			with open(path, 'rb') as f:
				h.update(f.read())
			h.update(b'\0')
		return h.hexdigest()

	def short_id(self) -> str:
		return self.digest()[:12]

	def touched_files(self) -> List[str]:
		"""Tree-relative paths the series creates or modifies."""
		files = set()
		for path in self.paths():
			with open(path, errors='replace') as f:
				for line in f:
					m = re.match(r'^\+\+\+ b/(\S+)', line)
					if m:
						files.add(m.group(1))
		return sorted(files)


def parse_series(text: str) -> List[str]:
	"""Patch names of a quilt series file; '#' starts a comment."""
	return [name for name, _ in parse_series_options(text)]


def parse_series_options(text: str) -> List[Tuple[str, List[str]]]:
	"""(name, options) of each patch of a series file."""
	out = []
	for line in text.splitlines():
		words = line.split('#', 1)[0].split()
		if words:
			out.append((words[0], words[1:]))
	return out


def load_series(patch_dir: str) -> Series:
	"""Load patches/<kernel>/series; a missing directory is an empty series."""
	series_path = os.path.join(patch_dir, SERIES_FILE)
	if not os.path.isdir(patch_dir):
		return Series(patch_dir, [])
	if not os.path.exists(series_path):
		stray = [p for p in os.listdir(patch_dir) if p.endswith('.patch')]
		if stray:
			raise ZdError(f'{series_path}: missing, but {patch_dir} has '
				      f'{len(stray)} patch(es); list them in order there')
		return Series(patch_dir, [])
	with open(series_path) as f:
		entries = parse_series_options(f.read())
	for name, options in entries:
		if not os.path.isfile(os.path.join(patch_dir, name)):
			raise ZdError(f'{series_path}: lists {name}, which does not exist')
		unknown = [o for o in options if o != OPTIONAL]
		if unknown:
			raise ZdError(f'{series_path}: {name}: unknown option '
				      f'{unknown[0]} (only {OPTIONAL})')
	return Series(patch_dir, [n for n, _ in entries],
		      [n for n, o in entries if OPTIONAL in o])


_FAILURE_MARKS = ('FAILED', 'malformed patch', 'No file to patch',
		  "can't find file to patch", 'Reversed (or previously applied)',
		  'Only garbage was found')


def _is_failure(line: str) -> bool:
	return any(mark in line for mark in _FAILURE_MARKS)


def failed_file(patch_output: str) -> Optional[str]:
	"""The file GNU patch was working on when it failed, if any."""
	lines = patch_output.splitlines()
	current = None
	for i, line in enumerate(lines):
		m = re.match(r'^(?:checking|patching) file (.+?)\s*$', line)
		if m:
			current = m.group(1).strip("'")
		elif _is_failure(line):
			if current:
				return current
			# "can't find file to patch" quotes the header after it.
			for later in lines[i + 1:]:
				m = re.match(r'^\|\+\+\+ (?:b/)?(\S+)', later)
				if m:
					return m.group(1)
			return '?'
	return None


def apply_patch(tree: str, patch_path: str, dry_run: bool = False) -> None:
	"""Apply one patch with GNU patch; raise ZdError naming patch and file.

	GNU patch replaces each file it changes with a new inode, so a tree
	hard-linked to a pristine copy never writes through to that copy.
	"""
	cmd = ['patch', '-p1', '--batch', '--forward', '--no-backup-if-mismatch',
	       '--reject-file=-', '-i', os.path.abspath(patch_path)]
	proc = subprocess.run(cmd + ['--dry-run'] * dry_run, cwd=tree,
			      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			      text=True)
	if proc.returncode == 0:
		return
	lines = proc.stdout.splitlines()
	reason = next((l.strip() for l in lines if _is_failure(l)),
		      lines[-1].strip() if lines else f'exit {proc.returncode}')
	where = failed_file(proc.stdout) or '?'
	raise ZdError(f'patch {os.path.basename(patch_path)} does not apply '
		      f'to {where}: {reason}')


def apply_series(tree: str, series: Series) -> List[str]:
	"""Every patch of @series, in order; an optional one only where it
	applies whole (it is tried first), else skipped with a notice.
	Returns the names of the patches skipped."""
	skipped = []
	for name, path in zip(series.patches, series.paths()):
		if name in series.optional:
			try:
				apply_patch(tree, path, dry_run=True)
			except ZdError as e:
				why = str(e).replace(f'patch {name} ', 'it ', 1)
				print(f'zdrace: notice: {name} skipped ({OPTIONAL}): '
				      f'{why}', flush=True)
				skipped.append(name)
				continue
		apply_patch(tree, path)
	return skipped
