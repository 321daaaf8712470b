# SPDX-License-Identifier: GPL-2.0
"""Find the kernel source (Debian's linux-source-<line> or KERNEL_SRC) and
the host tools a UML build needs, installing them with apt where allowed."""

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional

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
	for cmd in (['apt-get', 'update', '-q'],
		    ['apt-get', 'install', '-y', '-q', '--no-install-recommends',
		     *packages]):
		proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True)
		if proc.returncode != 0:
			tail = proc.stdout.strip().splitlines()[-1:] or ['']
			raise ZdError(f'{" ".join(cmd[:2])} {" ".join(packages)} '
				      f'failed: {tail[0]}')


def ensure_host_tools() -> None:
	missing = sorted({pkg for tool, pkg in HOST_TOOLS.items()
			  if shutil.which(tool) is None})
	if not missing:
		return
	if not can_install():
		raise ZdError(f'missing build tools; install the Debian packages: '
			      f'{" ".join(missing)}')
	apt_install(missing)


def _debian_tarball(kernel: str) -> Optional[str]:
	pattern = os.path.join(DEBIAN_SRC_DIR, f'{debian_package(kernel)}.tar.*')
	found = sorted(glob.glob(pattern))
	return found[0] if found else None


def find_source(kernel: str, kernel_src: Optional[str]) -> KernelSource:
	"""KERNEL_SRC if given (tree or tarball), else Debian's package."""
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

	tarball = _debian_tarball(kernel)
	if tarball:
		return KernelSource(tarball, True)
	package = debian_package(kernel)
	if not can_install():
		raise ZdError(f'kernel source not found: install the Debian '
			      f'package {package} (as root), or set KERNEL_SRC=')
	apt_install([package])
	tarball = _debian_tarball(kernel)
	if not tarball:
		raise ZdError(f'{package} installed but no {DEBIAN_SRC_DIR}/'
			      f'{package}.tar.* found')
	return KernelSource(tarball, True)


def tree_version(tree: str) -> str:
	"""'6.12.117' from a tree's top-level Makefile."""
	fields = {}
	try:
		with open(os.path.join(tree, 'Makefile')) as f:
			for line in f:
				m = re.match(r'^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)'
					     r'\s*=\s*(\S*)', line)
				if m:
					fields[m.group(1)] = m.group(2)
				if len(fields) == 4:
					break
	except OSError as e:
		raise ZdError(f'{tree}: cannot read Makefile: {e.strerror}')
	if 'VERSION' not in fields or 'PATCHLEVEL' not in fields:
		raise ZdError(f'{tree}/Makefile: no VERSION/PATCHLEVEL')
	version = f'{fields["VERSION"]}.{fields["PATCHLEVEL"]}'
	if fields.get('SUBLEVEL'):
		version += f'.{fields["SUBLEVEL"]}'
	return version + fields.get('EXTRAVERSION', '')


def kernel_line(version: str) -> str:
	"""'6.12' from '6.12.117' (the key of patches/<line>/)."""
	return '.'.join(version.split('.')[:2]).split('-')[0]
