# SPDX-License-Identifier: GPL-2.0
"""The prepared kernel tree under build/<line>/: extracted, patched, wired.

Every prepared tree is made the same way (build_step()): our port
(patches/<line>/series), then the injection points placed by their
semantic patches (zdtool.kernel.points), then what goes on top (a
mutant); what placing gave is recorded in the tree with the patch it
amounts to, and every run boots with the points not placed named.

Preparation never leaves a half-prepared tree behind: a new tree is built
in linux.new and swapped in with two renames only once every step has
succeeded.  The tree is hard-linked to a pristine copy, so re-preparing
after a patch change takes seconds, and every file keeps its old mtime
unless its contents changed, so the kernel build stays incremental.
"""

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from zdtool import ZdError
from zdtool.layout import TreeDirs
from zdtool.kernel import points
from zdtool.kernel.series import Series, apply_patch, apply_series
from zdtool.kernel.source import KernelSource, kernel_line, \
	tree_version

STAMP = '.zdrace-tree.json'
# In the tree: what placing the points gave, and the patch it amounts to.
POINTS_RECORD = '.zdrace-points.json'
POINTS_PATCH = '.zdrace-points.patch'
SOURCE_STAMP = '.zdrace-source'
# Bump when wire() changes what it writes.
WIRING_VERSION = 3
# Repository directories linked into the tree as zdrace/<dir>/.
WIRED_DIRS = ('fault-inject', 'kunit-tests')
WIRED_FILES = ('Kconfig', 'Kbuild', 'zdrace/Kconfig', 'zdrace/Makefile')
# Headers the hook patches include as <zdrace/...>.
WIRED_INCLUDE = 'fault-inject/include/zdrace'


@dataclass
class TreeInfo:
	"""What a prepared tree is: printed with every run."""
	version: str
	series_id: str
	patches: int
	touched: List[str] = field(default_factory=list)
	stamp: str = ''
	# POINTS_RECORD: placed, absent (names), not_placed (NotPlaced).
	placement: Dict[str, Any] = field(default_factory=dict)
	line: str = ''			# whose series: the nearest line's
	# Files whose mtime is not the pristine one's (keep_mtimes()): the
	# next preparation keeps it, or an object built before this tree
	# (a mutant's, say) would outlive the file's revert.
	kept: List[str] = field(default_factory=list)

	def banner(self) -> str:
		line = self.line or kernel_line(self.version)
		placed = len(self.placement.get('placed', []))
		return (f'zdrace: linux {self.version}, patches {line}@'
			f'{self.series_id} ({self.patches} applied, {placed} '
			f'points placed)')

	def not_placed(self) -> List[points.NotPlaced]:
		return [points.NotPlaced(**n)
			for n in self.placement.get('not_placed', [])]

	def boot_args(self) -> List[str]:
		"""What every boot of the tree's kernel is told: the points
		not placed (their cases skip, saying why)."""
		return [n.boot_arg() for n in self.not_placed()]

	def placement_lines(self) -> List[str]:
		"""The points placed, absent and not placed, for the user."""
		absent = self.placement.get('absent', [])
		out = [f'zdrace: {len(self.placement.get("placed", []))} injection '
		       f'points placed' +
		       (f', {len(absent)} absent on this line '
			f'({", ".join(absent)})' if absent else '')]
		return out + [f'zdrace: {n.message()}' for n in self.not_placed()]


def read_info(tree: str) -> Optional[TreeInfo]:
	try:
		with open(os.path.join(tree, STAMP)) as f:
			return TreeInfo(**json.load(f))
	except (OSError, ValueError, TypeError):
		return None


def _read_points(tree: str) -> Dict[str, Any]:
	try:
		with open(os.path.join(tree, POINTS_RECORD)) as f:
			return dict(json.load(f))
	except (OSError, ValueError):
		return {}


def _write_info(tree: str, info: TreeInfo) -> None:
	with open(os.path.join(tree, STAMP), 'w') as f:
		json.dump(info.__dict__, f, indent=1)


def _run(cmd: List[str], what: str) -> None:
	proc = subprocess.run(cmd, stdout=subprocess.PIPE,
			      stderr=subprocess.STDOUT, text=True)
	if proc.returncode != 0:
		tail = proc.stdout.strip().splitlines()[-1:] or ['']
		raise ZdError(f'{what} failed: {tail[0]}')


def _replace_file(path: str, text: str) -> None:
	"""Write a new inode: the old one may be hard-linked to the pristine."""
	if os.path.lexists(path):
		os.unlink(path)
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		f.write(text)


def extract_pristine(layout: TreeDirs, source: KernelSource) -> str:
	"""Unpack the tarball once into build/<line>/pristine; reuse it after."""
	if not source.is_tarball:
		return source.path
	identity = source.identity()
	stamp = os.path.join(layout.pristine, SOURCE_STAMP)
	try:
		with open(stamp) as f:
			if f.read() == identity:
				return layout.pristine
	except OSError:
		pass
	tmp = layout.pristine + '.tmp'
	shutil.rmtree(tmp, ignore_errors=True)
	os.makedirs(tmp)
	print(f'zdrace: extracting {source.path} ...', flush=True)
	start = time.monotonic()
	_run(['tar', '-xf', source.path, '-C', tmp, '--strip-components=1'],
	     f'extracting {source.path}')
	if not os.path.isfile(os.path.join(tmp, 'tools/testing/kunit/kunit.py')):
		shutil.rmtree(tmp, ignore_errors=True)
		raise ZdError(f'{source.path}: not a kernel source archive (no '
			      f'tools/testing/kunit/kunit.py)')
	with open(os.path.join(tmp, SOURCE_STAMP), 'w') as f:
		f.write(identity)
	shutil.rmtree(layout.pristine, ignore_errors=True)
	os.rename(tmp, layout.pristine)
	print(f'zdrace: extracted in {time.monotonic() - start:.1f} s',
	      flush=True)
	return layout.pristine


def _link_copy(src: str, dst: str) -> None:
	"""cp -al where src and dst share a filesystem, a full copy otherwise."""
	proc = subprocess.run(['cp', '-al', src, dst], stdout=subprocess.PIPE,
			      stderr=subprocess.STDOUT, text=True)
	if proc.returncode == 0:
		return
	shutil.rmtree(dst, ignore_errors=True)
	_run(['cp', '-a', src, dst], f'copying {src}')


def wire(tree: str, repo: str, line: str) -> None:
	"""Hook the repository's test and hook sources into Kconfig and Kbuild.

	CONFIG_ZDRACE_LINE names the kernel line whose port the tree carries
	(its own, or the nearest carried): the rules a kernel is judged by
	are that line's.

	zdrace/<dir> are relative symlinks to the repository, so an edit of a
	suite is seen by the next build without re-preparing the tree.
	include/zdrace links to the injection-point headers, so patched mm/
	files can include <zdrace/fi.h>.
	"""
	zd = os.path.join(tree, 'zdrace')
	os.makedirs(zd, exist_ok=True)
	dirs = [d for d in WIRED_DIRS
		if os.path.isfile(os.path.join(repo, d, 'Kconfig'))]
	for d in dirs:
		target = os.path.relpath(os.path.join(repo, d), zd)
		os.symlink(target, os.path.join(zd, d))
	headers = os.path.join(repo, WIRED_INCLUDE)
	if os.path.isdir(headers):
		include = os.path.join(tree, 'include')
		os.makedirs(include, exist_ok=True)
		os.symlink(os.path.relpath(headers, include),
			   os.path.join(include, 'zdrace'))
	kconfig = ''.join(f'source "zdrace/{d}/Kconfig"\n' for d in dirs)
	_replace_file(os.path.join(zd, 'Kconfig'),
		      '# SPDX-License-Identifier: GPL-2.0\n'
		      '# Generated by zdrace: its suites and hooks.\n'
		      'menu "zdrace: ZONE_DEVICE refcount race testing"\n'
		      '\nconfig ZDRACE_LINE\n\tstring\n'
		      f'\tdefault "{line}"\n\thelp\n'
		      '\t  The zdrace kernel line whose port this tree carries.\n\n'
		      f'{kconfig}endmenu\n')
	_replace_file(os.path.join(zd, 'Makefile'),
		      '# SPDX-License-Identifier: GPL-2.0\n'
		      + ''.join(f'obj-y += {d}/\n' for d in dirs))
	for name, line in (('Kconfig', 'source "zdrace/Kconfig"\n'),
			   ('Kbuild', 'obj-y\t\t\t+= zdrace/\n')):
		path = os.path.join(tree, name)
		with open(path) as f:
			text = f.read()
		_replace_file(path, text + '\n' + line)


def _same_content(a: str, b: str) -> bool:
	try:
		with open(a, 'rb') as fa, open(b, 'rb') as fb:
			return fa.read() == fb.read()
	except OSError:
		return False


def _own_inode(path: str) -> None:
	"""@path as an inode of its own: a file still hard-linked to the
	pristine copy (and through it to every other tree made from it)
	must not have its mtime changed there."""
	if os.stat(path).st_nlink == 1:
		return
	tmp = path + '.zdrace-own'
	shutil.copy2(path, tmp)
	os.replace(tmp, path)


def keep_mtimes(new: str, old: str, files: List[str]) -> List[str]:
	"""Unchanged files keep the old tree's mtime; changed ones get 'now'.

	Without this every re-preparation would rebuild all that a patched
	header reaches, and a dropped patch (file back to its pristine,
	older mtime) would leave stale objects behind.  A file whose mtime
	is set gets an inode of its own first, so no other tree sees it.
	@files must hold every file the old tree changed the mtime of (its
	TreeInfo.kept): a revert's 'now' lasts until a build has seen it.

	Return: those of @files whose mtime is now the tree's own.
	"""
	now = time.time()
	for rel in files:
		n, o = os.path.join(new, rel), os.path.join(old, rel)
		if not os.path.exists(n):
			continue
		if _same_content(n, o):
			st = os.stat(o)
			if os.stat(n).st_mtime_ns != st.st_mtime_ns:
				_own_inode(n)
				os.utime(n, ns=(st.st_atime_ns, st.st_mtime_ns))
		else:
			_own_inode(n)
			os.utime(n, (now, now))
	return [rel for rel in files
		if os.path.exists(os.path.join(new, rel)) and
		os.stat(os.path.join(new, rel)).st_nlink == 1]


def _stamp(source: KernelSource, series: Series,
	   extra: Sequence[str] = ()) -> str:
	h = hashlib.sha256()
	for part in (source.identity(), series.digest(), str(WIRING_VERSION),
		     *extra):
		h.update(part.encode() + b'\0')
	return h.hexdigest()


def build_step(series: Series, repo: str, line: str,
	       top: Sequence[str] = (),
	       locate: Optional[Callable[[points.Point], points.NotPlaced]]
	       = None) -> Callable[[str], List[str]]:
	"""The patching step of every prepared tree: @series, the points of
	@line placed by shape, then @top (a mutant) on the result.  Where a
	point was to go is @locate(point), by default its function in the
	tree itself."""
	def step(new: str) -> List[str]:
		skipped = apply_series(new, series)
		placement = points.place(new, repo, line)
		where = locate or (lambda p: points.locate(p, new))
		record = {'skipped': skipped,
			  'placed': placement.placed, 'absent': placement.absent,
			  'not_placed': [asdict(where(p))
					 for p in placement.unplaced]}
		for path in top:
			apply_patch(new, path)
		with open(os.path.join(new, POINTS_RECORD), 'w') as f:
			json.dump(record, f, indent=1)
		with open(os.path.join(new, POINTS_PATCH), 'w') as f:
			f.write(placement.patch)
		on_top = Series('/', [os.path.abspath(p) for p in top])
		return sorted(set(series.touched_files()) | set(placement.files) |
			      set(on_top.touched_files()) |
			      {POINTS_RECORD, POINTS_PATCH})
	return step


def digest(paths: Sequence[str]) -> str:
	h = hashlib.sha256()
	for path in paths:
		with open(path, 'rb') as f:
			h.update(f.read() + b'\0')
	return h.hexdigest()


def recover(layout: TreeDirs) -> None:
	"""Finish or undo a swap that was interrupted between its renames."""
	if not os.path.isdir(layout.tree) and os.path.isdir(layout.old_tree):
		os.rename(layout.old_tree, layout.tree)
	shutil.rmtree(layout.new_tree, ignore_errors=True)
	shutil.rmtree(layout.old_tree, ignore_errors=True)


def prepare(layout: TreeDirs, source: KernelSource, series: Series,
	    repo: str, line: str, other_line: bool = False,
	    patching: Optional[Callable[[str], List[str]]] = None,
	    stamp_extra: Sequence[str] = (), top: Sequence[str] = ()) -> TreeInfo:
	"""Make build/<line>/linux match source + series + points + @top; a
	no-op if it does.  @other_line: the source is of another line,
	which runs on @line's series (the nearest carried).  @patching:
	what turns the pristine copy into the tree, returning the files it
	touched (default: build_step()); what else it depends on goes into
	@stamp_extra."""
	placing = [digest(points.digest_inputs(repo)),
		   *(digest([p]) for p in top)]
	stamp = _stamp(source, series, [*placing, *stamp_extra])
	# What was tested: the series, the rules that placed the points and
	# what went on top.
	series_id = hashlib.sha256('\0'.join([series.digest(), *placing])
				   .encode()).hexdigest()[:12]
	current = read_info(layout.tree)
	if current and current.stamp == stamp:
		return current

	os.makedirs(layout.root, exist_ok=True)
	recover(layout)
	base = extract_pristine(layout, source)
	version = tree_version(base)
	if kernel_line(version) != line and not other_line:
		raise ZdError(f'{source.path} is linux {version}, but KERNEL='
			      f'{line}: set KERNEL={kernel_line(version)}')

	print(f'zdrace: preparing {layout.tree} ({len(series.patches)} '
	      f'patches) ...', flush=True)
	new = layout.new_tree
	try:
		_link_copy(base, new)
		touched_by = (patching or build_step(series, repo, line, top))(new)
		wire(new, repo, line)
		touched = sorted(set(touched_by) | set(WIRED_FILES))
		old = set(current.touched + current.kept) if current else set()
		kept = keep_mtimes(new, layout.tree, sorted(set(touched) | old))
		placement = _read_points(new)
		info = TreeInfo(version=version, series_id=series_id,
				patches=len(series.patches) -
				len(placement.get('skipped', [])),
				touched=touched, stamp=stamp, placement=placement,
				line=line, kept=kept)
		_write_info(new, info)
	except BaseException:
		shutil.rmtree(new, ignore_errors=True)
		raise

	if os.path.isdir(layout.tree):
		os.rename(layout.tree, layout.old_tree)
	os.rename(new, layout.tree)
	shutil.rmtree(layout.old_tree, ignore_errors=True)
	return info
