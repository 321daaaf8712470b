# SPDX-License-Identifier: GPL-2.0
"""Find the kernel source (Debian's linux-source-<line> or KERNEL_SRC) and
the host tools a UML build needs, installing them with apt where allowed."""

import glob
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from zdtool import ZdError

DEBIAN_SRC_DIR = '/usr/src'

# Host command -> Debian package providing it.
HOST_TOOLS: Dict[str, str] = {
	'gcc': 'gcc',
	'make': 'make',
	'patch': 'patch',
	'flex': 'flex',
	'bison': 'bison',
	'bc': 'bc',
	'tar': 'tar',
	'xz': 'xz-utils',
	'perl': 'perl',
}


@dataclass
class KernelSource:
	"""Where the unpatched kernel comes from: a tarball or a directory."""
	path: str
	is_tarball: bool

	def identity(self) -> str:
		"""Changes whenever the source does (cheaply: no content hash)."""
		probe = self.path if self.is_tarball else \
			os.path.join(self.path, 'Makefile')
		st = os.stat(probe)
		return f'{os.path.realpath(self.path)}:{st.st_size}:{st.st_mtime_ns}'


def debian_package(kernel: str) -> str:
	return f'linux-source-{kernel}'


def can_install() -> bool:
	return os.geteuid() == 0 and shutil.which('apt-get') is not None


def apt_install(packages: List[str]) -> None:
	"""apt-get update + install, as the root user; progress goes to stdout."""
	print(f'zdrace: installing {" ".join(packages)} with apt-get ...',
	      flush=True)
	env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
	what = ' '.join(packages)
	_apt(['apt-get', 'update', '-q'], f'apt-get update {what}', env=env)
	_apt(['apt-get', 'install', '-y', '-q', '--no-install-recommends',
	      *packages], f'apt-get install {what}', env=env)


def _apt(cmd: List[str], what: str, cwd: Optional[str] = None,
	 env: Optional[Dict[str, str]] = None) -> None:
	"""Run an apt command; its last line of output names a failure."""
	proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
			      stderr=subprocess.STDOUT, text=True)
	if proc.returncode != 0:
		tail = proc.stdout.strip().splitlines()[-1:] or ['']
		raise ZdError(f'{what} failed: {tail[0]}')


def ensure_packages(tools: Dict[str, str], need: str) -> None:
	"""The Debian packages of @tools (command -> package) whose command is
	missing, installed with apt where that is allowed; else a one-line
	error: '@need; install the Debian packages: ...'."""
	missing = sorted({pkg for tool, pkg in tools.items()
			  if shutil.which(tool) is None})
	if not missing:
		return
	if not can_install():
		raise ZdError(f'{need}; install the Debian packages: '
			      f'{" ".join(missing)}')
	apt_install(missing)


def ensure_host_tools() -> None:
	ensure_packages(HOST_TOOLS, 'missing build tools')


@dataclass
class LineSource:
	"""patches/<line>/source: the Debian package of a kernel line, the
	suite it comes from ('' for the machine's own apt sources), the
	version the line's series was tested on, the UML boot arguments the
	line's kernel always needs (space-separated), and whether its UML
	runs user processes, which `make peers` needs ('yes' or '').

	A line whose kernel is SMP boots it a second way, with
	@smp_kernel_args (two CPUs), for the suites of @smp_suites (a kunit
	suite glob), the concurrent sweep and the peers; its boot with
	@kernel_args runs everything else."""
	package: str
	suite: str
	tested: str
	kernel_args: str = ''
	peers: str = ''
	smp_kernel_args: str = ''
	smp_suites: str = ''


LINE_SOURCE = 'source'
# The Debian archive a private suite is fetched from, and the keyring that
# checks its signature.
DEBIAN_MIRROR = 'http://deb.debian.org/debian'
DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'


def load_line_source(patch_dir: str, kernel: str) -> LineSource:
	"""@patch_dir/source, or Debian's default package for @kernel."""
	path = os.path.join(patch_dir, LINE_SOURCE)
	fields = {'package': debian_package(kernel), 'suite': '', 'tested': '',
		  'kernel_args': '', 'peers': '', 'smp_kernel_args': '',
		  'smp_suites': ''}
	try:
		with open(path) as f:
			for n, text in enumerate(f, 1):
				text = text.split('#', 1)[0].strip()
				if not text:
					continue
				key, eq, value = text.partition('=')
				if not eq or key.strip() not in fields:
					raise ZdError(f'{path}:{n}: expected '
						      f'{"=, ".join(fields)}=, not '
						      f'{text!r}')
				fields[key.strip()] = value.strip()
	except FileNotFoundError:
		pass
	except OSError as e:
		raise ZdError(f'{path}: {e.strerror}')
	return LineSource(**fields)


def sublevel_notice(ls: LineSource, version: str, line: str = '') -> str:
	"""A one-line notice when @version is not the one the series of
	@line (default: @version's own) was tested on, else ''."""
	line = line or kernel_line(version)
	if not ls.tested or version == ls.tested:
		return ''
	if kernel_line(version) != line:
		return (f'zdrace: notice: linux {version} runs on the {line} '
			f'series, tested on {ls.tested}')
	return (f'zdrace: notice: linux {version}; the {line} series was '
		f'tested on {ls.tested}')


def _apt_options(root: str) -> List[str]:
	"""apt options that keep every file of a private suite under @root."""
	return ['-o', f'Dir::Etc::SourceList={root}/sources.list',
		'-o', 'Dir::Etc::SourceParts=/dev/null',
		'-o', f'Dir::State::Lists={root}/lists',
		'-o', f'Dir::Cache={root}/cache',
		'-o', 'Debug::NoLocking=1']


def _suites(ls: LineSource) -> List[str]:
	return ls.suite.replace(',', ' ').split()


def _candidate(ls: LineSource, root: str) -> str:
	"""The version apt would fetch of @ls.package, '' if none."""
	proc = subprocess.run(['apt-cache', *_apt_options(root), 'policy',
			       ls.package], stdout=subprocess.PIPE,
			      stderr=subprocess.STDOUT, text=True)
	m = re.search(r'^\s*Candidate:\s*(\S+)', proc.stdout, re.M)
	return m.group(1) if m and m.group(1) != '(none)' else ''


def _gone(ls: LineSource, root: str) -> ZdError:
	"""The error for a package none of the suites has any more: the
	nearest line they do have, and how to run it."""
	suites = ', '.join(_suites(ls))
	proc = subprocess.run(['apt-cache', *_apt_options(root), 'pkgnames',
			       'linux-source-'], stdout=subprocess.PIPE,
			      stderr=subprocess.DEVNULL, text=True)
	have = {kernel_line(n[len('linux-source-'):]): n
		for n in proc.stdout.split()
		if re.fullmatch(r'linux-source-\d+\.\d+', n)}
	if not have:
		return ZdError(f'{ls.package} is in none of Debian {suites}, nor '
			       f'any linux-source-<X.Y>: set KERNEL_SRC= to a '
			       f'kernel tree or tarball')
	line, _ = nearest_line(ls.package[len('linux-source-'):], list(have))
	near = have[line]
	return ZdError(f'{ls.package} is in none of Debian {suites} any '
		       f'more; the nearest there is {near}: fetch it (apt-get '
		       f'download {near}; dpkg-deb -x {near}_*.deb DIR) and run '
		       f'make KERNEL_SRC=DIR/usr/src/{near}.tar.xz')


def fetch_private(ls: LineSource, root: str) -> str:
	"""Fetch @ls.package from Debian's @ls.suite (one suite or several,
	space-separated: apt takes the candidate among them) with a sources
	list of its own under @root (the system's apt configuration is not
	touched; no root needed), unpack it there, and return its tarball.
	A package that none of the suites has any more is an error naming
	the nearest one they have."""
	unpacked = os.path.join(root, 'unpacked')
	found = sorted(glob.glob(os.path.join(unpacked, DEBIAN_SRC_DIR.lstrip('/'),
					      f'{ls.package}.tar.*')))
	if found:
		return found[0]
	if not shutil.which('apt-get') or not shutil.which('dpkg-deb'):
		raise ZdError(f'fetching {ls.package} needs apt-get and dpkg-deb')
	for sub in ('lists/partial', 'cache/archives/partial', 'debs'):
		os.makedirs(os.path.join(root, sub), exist_ok=True)
	with open(os.path.join(root, 'sources.list'), 'w') as f:
		for suite in _suites(ls):
			f.write(f'deb [signed-by={DEBIAN_KEYRING}] {DEBIAN_MIRROR} '
				f'{suite} main\n')
	print(f'zdrace: fetching {ls.package} from Debian {ls.suite} '
	      f'(apt, private to {root}) ...', flush=True)
	debs = os.path.join(root, 'debs')
	_apt(['apt-get', *_apt_options(root), '-q', 'update'],
	     f'apt-get update of {ls.package} from {ls.suite}', cwd=debs)
	if not _candidate(ls, root):
		raise _gone(ls, root)
	_apt(['apt-get', *_apt_options(root), '-q', 'download', ls.package],
	     f'apt-get download of {ls.package} from {ls.suite}', cwd=debs)
	deb = sorted(glob.glob(os.path.join(debs, f'{ls.package}_*.deb')))
	if not deb:
		raise ZdError(f'apt-get download {ls.package}: no .deb in {debs}')
	tmp = unpacked + '.new'
	shutil.rmtree(tmp, ignore_errors=True)
	proc = subprocess.run(['dpkg-deb', '-x', deb[-1], tmp],
			      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			      text=True)
	if proc.returncode != 0:
		raise ZdError(f'dpkg-deb -x {deb[-1]}: {proc.stdout.strip()}')
	shutil.rmtree(unpacked, ignore_errors=True)
	os.rename(tmp, unpacked)
	return fetch_private(ls, root)


def _debian_tarball(package: str) -> Optional[str]:
	pattern = os.path.join(DEBIAN_SRC_DIR, f'{package}.tar.*')
	found = sorted(glob.glob(pattern))
	return found[0] if found else None


def find_source(kernel: str, kernel_src: Optional[str],
		patch_dir: Optional[str] = None,
		fetch_dir: Optional[str] = None) -> KernelSource:
	"""KERNEL_SRC if given (tree or tarball), else Debian's package: from
	the machine's apt sources, or, where patches/<line>/source names a
	suite, fetched into @fetch_dir with apt sources of its own."""
	if kernel_src:
		if not os.path.exists(kernel_src):
			raise ZdError(f'KERNEL_SRC={kernel_src}: no such file or '
				      f'directory')
		if os.path.isdir(kernel_src):
			kunit = os.path.join(kernel_src, 'tools/testing/kunit/kunit.py')
			if not os.path.isfile(kunit):
				raise ZdError(f'KERNEL_SRC={kernel_src}: not a kernel '
					      f'source tree (no tools/testing/kunit/'
					      f'kunit.py)')
			return KernelSource(os.path.abspath(kernel_src), False)
		if not re.search(r'\.tar(\.\w+)?$', kernel_src):
			raise ZdError(f'KERNEL_SRC={kernel_src}: neither a directory '
				      f'nor a .tar.* archive')
		return KernelSource(os.path.abspath(kernel_src), True)

	ls = load_line_source(patch_dir, kernel) if patch_dir else \
		LineSource(debian_package(kernel), '', '')
	tarball = _debian_tarball(ls.package)
	if tarball:
		return KernelSource(tarball, True)
	if ls.suite:
		if not fetch_dir:
			raise ZdError(f'{ls.package} comes from Debian {ls.suite}: '
				      f'no directory to fetch it into')
		return KernelSource(fetch_private(ls, fetch_dir), True)
	package = ls.package
	if not can_install():
		raise ZdError(f'kernel source not found: install the Debian '
			      f'package {package} (as root), or set KERNEL_SRC=')
	apt_install([package])
	tarball = _debian_tarball(package)
	if not tarball:
		raise ZdError(f'{package} installed but no {DEBIAN_SRC_DIR}/'
			      f'{package}.tar.* found')
	return KernelSource(tarball, True)


def tree_version(tree: str) -> str:
	"""'6.12.117' from a tree's top-level Makefile."""
	try:
		with open(os.path.join(tree, 'Makefile')) as f:
			text = f.read(4096)
	except OSError as e:
		raise ZdError(f'{tree}: cannot read Makefile: {e.strerror}')
	return _version_of_makefile(text, f'{tree}/Makefile')


def line_key(line: str) -> List[int]:
	"""'7.3' -> [7, 3], for ordering kernel lines."""
	return [int(x) for x in re.findall(r'\d+', line)[:2]]


def kernel_line(version: str) -> str:
	"""'6.12' from '6.12.117', '7.3' from '7.3.0-rc7' or '7.3~rc7' (the
	key of patches/<line>/)."""
	m = re.match(r'(\d+)\.(\d+)', version)
	return f'{m.group(1)}.{m.group(2)}' if m else version


def _version_of_makefile(text: str, where: str) -> str:
	fields = {}
	for line in text.splitlines():
		m = re.match(r'^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)'
			     r'\s*=\s*(\S*)', line)
		if m:
			fields[m.group(1)] = m.group(2)
		if len(fields) == 4:
			break
	if 'VERSION' not in fields or 'PATCHLEVEL' not in fields:
		raise ZdError(f'{where}: no VERSION/PATCHLEVEL')
	version = f'{fields["VERSION"]}.{fields["PATCHLEVEL"]}'
	if fields.get('SUBLEVEL'):
		version += f'.{fields["SUBLEVEL"]}'
	return version + fields.get('EXTRAVERSION', '')


def source_version(src: KernelSource) -> str:
	"""The kernel version of a tree or tarball, read from its top-level
	Makefile (a tarball's is read without unpacking the rest)."""
	if not src.is_tarball:
		return tree_version(src.path)
	proc = subprocess.run(['tar', '-xOf', src.path, '--wildcards',
			       '--no-wildcards-match-slash', '*/Makefile',
			       '--occurrence=1'], stdout=subprocess.PIPE,
			      stderr=subprocess.PIPE, text=True, errors='replace')
	if proc.returncode != 0 or not proc.stdout:
		raise ZdError(f'{src.path}: not a kernel source archive (no '
			      f'top-level Makefile)')
	return _version_of_makefile(proc.stdout, f'{src.path}: its Makefile')


def nearest_line(version: str, lines: Sequence[str]) -> Tuple[str, str]:
	"""The carried line (of @lines) a kernel @version runs on, and why:
	its own; else of the same major, the nearest older, then the
	nearest newer; else the same among all lines."""
	own = kernel_line(version)
	if own in lines:
		return own, 'its own line'
	key = line_key(own)
	same = [l for l in lines if line_key(l)[0] == key[0]]
	pool = same or list(lines)
	older = [l for l in pool if line_key(l) < key]
	newer = [l for l in pool if line_key(l) > key]
	if older:
		pick, rel = max(older, key=line_key), 'older'
	else:
		pick, rel = min(newer, key=line_key), 'newer'
	major = f'of major {key[0]}' if same else 'carried'
	return pick, (f'no {own} line is carried; {pick} is the nearest '
		      f'{rel} line {major}')


def tree_area(line: str, version: str, src: KernelSource) -> str:
	"""The build area of a KERNEL_SRC tree, under its line's: one of its
	own, so that it never touches the line's default tree or build."""
	tag = hashlib.sha256(os.path.realpath(src.path).encode()).hexdigest()
	return os.path.join(line, 'trees', f'{version}-{tag[:8]}')
