# SPDX-License-Identifier: GPL-2.0
"""`make review`'s tree: a series written against upstream, with our
patches around it and our injection points placed on the result.

Reviewers review patches written against the upstream tree, and our
points are edits inside exactly the lines such patches change, so the
series is applied first, to the pristine source, and what the review
reads of it is kept in review/upstream (the reviewer's tree: the files
the series touches, the point files and those the caller names, as the
series leaves them; its line numbers are the ones the review reports).
Then come our patches before the points patch (the arch/um port, which
the series does not touch), the points, placed by shape
(zdtool.kernel.points), and our patches after it:

	pristine -> + series (files read: review/upstream)
		 -> + ours before 0050 -> points by spatch -> + ours after
		 = review/linux
"""

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from typing import List, Sequence, Tuple

from zdtool import ZdError
from zdtool.coverage import patchcov
from zdtool.kernel import points, tree
from zdtool.kernel.series import Series, apply_patch
from zdtool.kernel.source import KernelSource
from zdtool.layout import TreeDirs

# In the review tree: what placing the points gave, for a no-op prepare.
RECORD = '.zdrace-review.json'
UPSTREAM = 'upstream'


@dataclass
class ReviewTree:
	"""What `make review` runs and reports against."""
	tree: str			# review/linux: the kernel that is built
	upstream: str			# review/upstream: the reviewer's tree
	base: str			# the pristine source
	placed: List[str] = field(default_factory=list)
	absent: List[str] = field(default_factory=list)
	not_placed: List[points.NotPlaced] = field(default_factory=list)

	def boot_args(self) -> List[str]:
		return [n.boot_arg() for n in self.not_placed]


def _adds_points(path: str) -> bool:
	with open(path, errors='replace') as f:
		return any(line.startswith('+') and 'zdrace_fi(ZDRACE_FI_' in line
			   for line in f)


def split_ours(ours: Series) -> Tuple[List[str], str, List[str]]:
	"""(patches before our points patch, the points patch, after it)."""
	paths = ours.paths()
	marks = [i for i, p in enumerate(paths) if _adds_points(p)]
	if len(marks) != 1:
		raise ZdError(f'{ours.directory}/series: {len(marks)} patches add '
			      f'zdrace_fi() calls; make review replaces exactly '
			      f'one points patch')
	i = marks[0]
	return paths[:i], paths[i], paths[i + 1:]


def _digest(paths: List[str]) -> str:
	h = hashlib.sha256()
	for path in paths:
		with open(path, 'rb') as f:
			h.update(f.read() + b'\0')
	return h.hexdigest()


def read_record(path: str, tree: str, upstream: str,
		base: str) -> ReviewTree:
	"""The ReviewTree of @tree, from the record its preparation wrote."""
	with open(path) as f:
		data = json.load(f)
	return ReviewTree(tree, upstream, base, data['placed'], data['absent'],
			  [points.NotPlaced(**n) for n in data['not_placed']])


def _keep(new: str, staged: str, files: Sequence[str]) -> None:
	"""Hard links in @staged to @files of @new: what follows writes
	every file it changes as a new inode, so they keep this state."""
	shutil.rmtree(staged, ignore_errors=True)
	for rel in files:
		src, dst = os.path.join(new, rel), os.path.join(staged, rel)
		if not os.path.isfile(src):
			continue
		os.makedirs(os.path.dirname(dst), exist_ok=True)
		try:
			os.link(src, dst)
		except OSError:
			shutil.copy2(src, dst)


def prepare(dirs: TreeDirs, source: KernelSource, ours: Series,
	    theirs: List[str], repo: str, line: str,
	    reads: Sequence[str] = ()) -> Tuple[tree.TreeInfo, ReviewTree]:
	"""Make review/upstream and review/linux; a no-op if they match.
	@reads: files the review reads in the reviewer's tree, besides
	those the series touches and the points' files."""
	before, points_patch, after = split_ours(ours)
	upstream = os.path.join(dirs.root, UPSTREAM)
	staged = upstream + '.new'
	base = tree.extract_pristine(dirs, source)
	combined = Series('/', [os.path.abspath(p) for p in ours.paths()] +
			  theirs)
	touched_theirs = patchcov.touched_files(theirs)
	result = ReviewTree('', upstream, base)

	def patching(new: str) -> List[str]:
		for path in theirs:
			apply_patch(new, path)
		_keep(new, staged, sorted(set(touched_theirs) | set(reads) |
					  {p.file for p in
					   points.load_table(repo, line)}))
		for path in before:
			apply_patch(new, path)
		placement = points.place(new, repo, line)
		changed = patchcov.changed_lines(base, staged, touched_theirs)
		result.placed = placement.placed
		result.absent = placement.absent
		result.not_placed = [points.locate(p, staged, changed)
				     for p in placement.unplaced]
		for path in after:
			apply_patch(new, path)
		with open(os.path.join(new, RECORD), 'w') as f:
			json.dump({'placed': result.placed, 'absent': result.absent,
				   'not_placed': [asdict(n) for n in
						  result.not_placed]}, f, indent=1)
		ours_touched = Series('/', before + after).touched_files()
		return sorted(set(ours_touched) | set(touched_theirs) |
			      set(placement.files) | {RECORD})

	stamp = [_digest(points.digest_inputs(repo)), points_patch,
		 *sorted(reads)]
	if not os.path.isdir(upstream):		# never a no-op without it
		with contextlib.suppress(FileNotFoundError):
			os.unlink(os.path.join(dirs.tree, tree.STAMP))
	try:
		info = tree.prepare(dirs, source, combined, repo, line,
				    patching=patching, stamp_extra=stamp)
	except BaseException:
		shutil.rmtree(staged, ignore_errors=True)
		raise
	if os.path.isdir(staged):
		shutil.rmtree(upstream, ignore_errors=True)
		os.rename(staged, upstream)
	return info, read_record(os.path.join(dirs.tree, RECORD), dirs.tree,
				 upstream, base)
