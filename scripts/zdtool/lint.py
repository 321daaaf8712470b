# SPDX-License-Identifier: GPL-2.0
"""`make lint`: the prepared tree's scripts/checkpatch.pl --strict over
our patches (the points patch its placement made included) and C
sources, and mypy over the tooling.

One result per file (and one for mypy), so that `make check` counts
them; a failure prints what was found and the command that reproduces
it.  checkpatch runs in the kernel tree on absolute paths: a relative
path inside this git checkout makes it report whitespace that is not
there.
"""

import glob
import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List

from zdtool import ZdError
from zdtool.kernel.results import Counts
from zdtool.kernel.source import ensure_packages
from zdtool.kernel.tree import POINTS_PATCH

CHECKPATCH = 'scripts/checkpatch.pl'
# checkpatch warns that every patch adding a file may need a MAINTAINERS
# entry; ours add files only under arch/um/, which MAINTAINERS already
# covers (USER-MODE LINUX), as a submitter would answer on the list.
# And an arch header of ours includes the arch's own <asm/kasan.h> for
# its constants, as arm64's <asm/processor.h> does: <linux/kasan.h>
# would pull mm headers back into <asm/pgtable.h>; checkpatch only
# suggests otherwise (CHECK ARCH_INCLUDE_LINUX).
PATCH_IGNORE = ['--ignore', 'FILE_PATH_CHANGES,ARCH_INCLUDE_LINUX']
C_SOURCES = ('kunit-tests/*.[ch]', 'fault-inject/**/*.[ch]', 'scripts/zdtool/peers/*.c')
MYPY_CONFIG = 'scripts/mypy.ini'
MYPY_PACKAGE = 'mypy'


@dataclass
class Check:
	name: str		# what is checked, relative to the repository
	cmd: List[str]
	cwd: str

	def repro(self) -> str:
		return f'cd {shlex.quote(self.cwd)} && {shlex.join(self.cmd)}'


@dataclass
class Finding:
	check: Check
	output: str


def checks(repo: str, tree: str, line: str) -> List[Check]:
	"""checkpatch on every patch of patches/<line>/ and upstream/<line>/,
	the points patch and every C file; mypy."""
	checkpatch = os.path.join(tree, CHECKPATCH)
	if not os.path.isfile(checkpatch):
		raise ZdError(f'{checkpatch}: no such file; run make prepare')
	patches = {os.path.relpath(path, repo): path
		   for d in ('patches', 'upstream')
		   for path in glob.glob(os.path.join(repo, d, line, '*.patch'))}
	generated = os.path.join(tree, POINTS_PATCH)
	if os.path.isfile(generated):
		patches[f'the points patch ({generated})'] = generated
	out = [Check(name, [CHECKPATCH, '--strict', '--quiet', *PATCH_IGNORE,
			    path], tree) for name, path in sorted(patches.items())]
	for pattern in C_SOURCES:
		for path in sorted(glob.glob(os.path.join(repo, pattern),
					     recursive=True)):
			out.append(Check(os.path.relpath(path, repo),
					 [CHECKPATCH, '--strict', '--quiet', '-f', path],
					 tree))
	scripts = os.path.join(repo, 'scripts')
	out.append(Check('scripts/ (mypy)', ['mypy', '--config-file',
					     os.path.join(repo, MYPY_CONFIG)],
			 scripts))
	return out


def ensure_mypy() -> None:
	ensure_packages({'mypy': MYPY_PACKAGE}, 'lint needs mypy')


def _run(check: Check) -> Finding:
	proc = subprocess.run(check.cmd, cwd=check.cwd, stdout=subprocess.PIPE,
			      stderr=subprocess.STDOUT, text=True,
			      errors='replace')
	return Finding(check, proc.stdout if proc.returncode else '')


def run(repo: str, tree: str, line: str, jobs: int = 1) -> Counts:
	"""Every check of checks()."""
	ensure_mypy()
	todo = checks(repo, tree, line)
	print(f'zdrace: lint: checkpatch --strict on {len(todo) - 1} files, '
	      f'mypy on scripts/', flush=True)
	return execute(todo, jobs)


def execute(todo: List[Check], jobs: int = 1) -> Counts:
	"""Run @todo; the findings are printed with their commands."""
	with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
		found = list(pool.map(_run, todo))
	failed = [f for f in found if f.output]
	for f in failed:
		print(f'zdrace: lint: FAIL: {f.check.name}\n{f.output.rstrip()}\n'
		      f'zdrace: lint: reproduce with: {f.check.repro()}', flush=True)
	counts = Counts(len(found) - len(failed), len(failed))
	print(f'zdrace: lint: {counts.summary()}', flush=True)
	return counts
