# SPDX-License-Identifier: GPL-2.0
"""`make review`'s tree: a series written against upstream, with our
patches around it and our injection points placed on the result.

Reviewers review patches written against the upstream tree, and our
points are edits inside exactly the lines such patches change, so the
series is applied first, to the pristine source, and what the review
reads of it is kept in review/upstream (the reviewer's tree: the files
the series touches, the point files and those the caller names, as the
series leaves them; its line numbers are the ones the review reports).
Then comes what every prepared tree gets (zdtool.kernel.tree.build_step):
our patches (the arch/um port, which the series does not touch) and the
points, placed by shape (zdtool.kernel.points):

	pristine -> + series (files read: review/upstream)
		 -> + ours -> points by spatch = review/linux

A point not placed is located in the reviewer's tree: the first line
the series changed in its window's function.
"""

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from zdtool.coverage import patchcov
from zdtool.kernel import points, tree
from zdtool.kernel.series import Series, apply_patch
from zdtool.kernel.source import KernelSource
from zdtool.layout import TreeDirs

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


def from_info(info: tree.TreeInfo, tree_dir: str, upstream: str,
	      base: str) -> ReviewTree:
	"""The ReviewTree of a prepared review tree."""
	return ReviewTree(tree_dir, upstream, base,
			  list(info.placement.get('placed', [])),
			  list(info.placement.get('absent', [])), info.not_placed())


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
	upstream = os.path.join(dirs.root, UPSTREAM)
	staged = upstream + '.new'
	base = tree.extract_pristine(dirs, source)
	touched_theirs = patchcov.touched_files(theirs)

	changed: Dict[str, List[int]] = {}

	def locate(p: points.Point) -> points.NotPlaced:
		# The series' changes, read once for all the points not placed.
		if not changed:
			changed.update(patchcov.changed_lines(base, staged,
							      touched_theirs))
		return points.locate(p, staged, changed)

	def patching(new: str) -> List[str]:
		for path in theirs:
			apply_patch(new, path)
		_keep(new, staged, sorted(set(touched_theirs) | set(reads) |
					  {f for p in points.load_table(repo, line)
					   for f in p.files}))
		ours_touched = tree.build_step(ours, repo, line,
					       locate=locate)(new)
		return sorted(set(ours_touched) | set(touched_theirs))

	stamp = [tree.digest(theirs), *sorted(reads)]
	if not os.path.isdir(upstream):		# never a no-op without it
		with contextlib.suppress(FileNotFoundError):
			os.unlink(os.path.join(dirs.tree, tree.STAMP))
	try:
		info = tree.prepare(dirs, source, ours, repo, line,
				    patching=patching, stamp_extra=stamp)
	except BaseException:
		shutil.rmtree(staged, ignore_errors=True)
		raise
	if os.path.isdir(staged):
		shutil.rmtree(upstream, ignore_errors=True)
		os.rename(staged, upstream)
	return info, from_info(info, dirs.tree, upstream, base)
