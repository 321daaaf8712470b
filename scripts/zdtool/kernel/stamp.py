# SPDX-License-Identifier: GPL-2.0
"""Whether a kunit.py build would change anything, without running it.

kunit.py's build of an unchanged tree is make walking every directory
of the kernel: 5 s of a run that boots in one.  After each successful
build the build directory gets a stamp: the build command, the kunitconfig
fragments it named, the .config it left, the compiler and the Kbuild
variables of the environment.  The
next build is skipped when all of those are the same and no file of the
tree (nor of a directory it links to: the suites, the injection points)
is newer than the stamp, as make would find it.  Anything else, or a
failed build (it leaves no stamp), builds as before.
"""

import hashlib
import json
import os
import subprocess
from typing import Dict, List, Optional

STAMP = '.zdrace-built'

# The environment Kbuild reads besides its command line.
_ENV = ('ARCH', 'CC', 'CROSS_COMPILE', 'HOSTCC', 'KCFLAGS', 'KCPPFLAGS',
	'KAFLAGS', 'LLVM', 'KBUILD_BUILD_TIMESTAMP', 'KBUILD_EXTRA_SYMBOLS',
	'KBUILD_CFLAGS', 'KBUILD_AFLAGS')


def _sha(path: str) -> str:
	try:
		with open(path, 'rb') as f:
			return hashlib.sha256(f.read()).hexdigest()
	except OSError:
		return ''


def _compiler(env: Dict[str, str]) -> str:
	cc = env.get('CC') or 'gcc'
	try:
		out = subprocess.run([cc, '--version'], capture_output=True,
				     text=True, check=False).stdout
	except OSError:
		return ''
	return out.splitlines()[0] if out else ''


def facts(build_dir: str, command: List[str],
	  env: Optional[Dict[str, str]] = None) -> Dict[str, object]:
	"""What a build in @build_dir with @command depended on besides the
	tree's files."""
	env = dict(os.environ) if env is None else env
	fragments = [a.split('=', 1)[1] for a in command
		     if a.startswith('--kunitconfig=')]
	return {'command': command,
		'fragments': {f: _sha(f) for f in fragments},
		'config': _sha(os.path.join(build_dir, '.config')),
		'compiler': _compiler(env),
		'env': {k: env[k] for k in _ENV if k in env}}


def _find_newer(args: List[str], stamp: str) -> bool:
	out = subprocess.run(['find', *args, '-newer', stamp, '-print',
			      '-quit'], capture_output=True, text=True,
			     check=False)
	return bool(out.stdout.strip()) or out.returncode != 0


def _outside_links(tree: str) -> List[str]:
	"""The links of @tree to directories or files outside it (the
	suites' and the injection points' directories of the repository)."""
	out = subprocess.run(['find', tree, '-type', 'l'], capture_output=True,
			     text=True, check=False).stdout.split('\n')
	real = os.path.realpath(tree) + os.sep
	return [p for p in out if p and
		not os.path.realpath(p).startswith(real) and
		os.path.exists(p)]


def _newer(tree: str, stamp: str) -> bool:
	"""Is any file of @tree, or of what it links to outside itself,
	newer than @stamp?  find(1): a walk of a kernel tree takes it a
	quarter of a second."""
	if _find_newer([tree], stamp):
		return True
	links = _outside_links(tree)
	return bool(links) and _find_newer(['-L', *links], stamp)


def up_to_date(tree: str, build_dir: str, command: List[str],
	       env: Optional[Dict[str, str]] = None) -> bool:
	"""Would building @tree in @build_dir with @command change nothing?"""
	stamp = os.path.join(build_dir, STAMP)
	try:
		with open(stamp) as f:
			kept = json.load(f)
	except (OSError, ValueError):
		return False
	if not os.path.isfile(os.path.join(build_dir, 'linux')):
		return False
	if kept != facts(build_dir, command, env):
		return False
	return not _newer(tree, stamp)


def forget(build_dir: str) -> None:
	"""Before a build: a build that fails leaves no stamp."""
	try:
		os.unlink(os.path.join(build_dir, STAMP))
	except FileNotFoundError:
		pass


def record(build_dir: str, command: List[str], started: float,
	   env: Optional[Dict[str, str]] = None) -> None:
	"""After a successful build: the stamp, dated @started (the build's
	start), so that a file edited while make ran is still newer."""
	path = os.path.join(build_dir, STAMP)
	with open(path + '.tmp', 'w') as f:
		json.dump(facts(build_dir, command, env), f, indent=1)
	os.utime(path + '.tmp', (started, started))
	os.replace(path + '.tmp', path)
