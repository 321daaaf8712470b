# SPDX-License-Identifier: GPL-2.0
"""`make review SERIES=base..head KERNEL_SRC=<git tree>`: a commit range
reviewed as its mails would be.

The range becomes what a reviewer would get from the list, `git
format-patch --stdout base..head`, and the tree it applies to is the one
at base (`git archive`), so the review is the same as that of the
series' mbox on that tree.  The base's archive is made once per commit.
"""

import os
import re
import subprocess
from typing import Tuple

from zdtool import ZdError


def is_range(series: str) -> bool:
	"""'base..head' (commits, branches or tags), not a path."""
	return bool(re.fullmatch(r'[^\s.][^\s]*?\.\.[^\s.][^\s]*', series)) \
		and not os.path.exists(series)


def _git(tree: str, *args: str) -> str:
	proc = subprocess.run(['git', '-C', tree, *args], stdout=subprocess.PIPE,
			      stderr=subprocess.PIPE, text=True, errors='replace')
	if proc.returncode != 0:
		last = (proc.stderr.strip().splitlines() or ['?'])[-1]
		raise ZdError(f'git -C {tree} {" ".join(args)}: {last}')
	return proc.stdout


def export(tree: str, series: str, work: str) -> Tuple[str, str]:
	"""(the mbox of the range @series of the git tree @tree, a tarball
	of the tree at its base), both in @work."""
	if not tree or not os.path.isdir(os.path.join(tree, '.git')) and \
	   not os.path.isfile(os.path.join(tree, '.git')):
		raise ZdError(f'SERIES={series} is a commit range: set KERNEL_SRC= '
			      f'to the git tree it is in')
	base, head = series.split('..', 1)
	base_sha = _git(tree, 'rev-parse', '--verify', f'{base}^{{commit}}').strip()
	_git(tree, 'rev-parse', '--verify', f'{head}^{{commit}}')
	os.makedirs(work, exist_ok=True)
	mbox = os.path.join(work, 'range.mbox')
	text = _git(tree, 'format-patch', '--stdout', f'{base_sha}..{head}')
	if not text.strip():
		raise ZdError(f'SERIES={series}: no commits in the range')
	with open(mbox, 'w') as f:
		f.write(text)
	tarball = os.path.join(work, f'base-{base_sha[:12]}.tar')
	if not os.path.exists(tarball):
		print(f'zdrace: review: the tree at {base} ({base_sha[:12]}), '
		      f'from git archive ...', flush=True)
		tmp = tarball + '.tmp'
		proc = subprocess.run(['git', '-C', tree, 'archive',
				       '--format=tar', '--prefix=linux/',
				       '-o', os.path.abspath(tmp), base_sha],
				      stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True)
		if proc.returncode != 0:
			raise ZdError(f'git archive {base_sha[:12]}: '
				      f'{proc.stdout.strip()}')
		os.replace(tmp, tarball)
	return mbox, tarball
