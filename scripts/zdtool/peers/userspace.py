# SPDX-License-Identifier: GPL-2.0
"""What the peers' UML runs: the plan of tests and the initramfs.

The selftests are built from the prepared tree's
tools/testing/selftests/mm, as static binaries with the host compiler
(the tree's own uapi headers first), and packed with /init (init.c) and
/peers/plan into a newc cpio.  Nothing of the host is in it: the UML
boots it as its root, with devtmpfs, proc, sysfs and debugfs mounted by
/init.  Each step is redone only when its inputs are newer than its
output.
"""

import os
import shlex
import subprocess
from dataclasses import dataclass, field
from typing import List, Sequence

from zdtool import ZdError
from zdtool.peers import cpio

HERE = os.path.dirname(os.path.abspath(__file__))
INIT_C = os.path.join(HERE, 'init.c')
SELFTESTS = 'tools/testing/selftests'
CC = 'gcc'
CFLAGS = ['-static', '-Wall', '-O2', '-U_FORTIFY_SOURCE']
LIBS = ['-lrt', '-lpthread', '-lm']


@dataclass(frozen=True)
class Program:
	"""A selftest binary: its sources under tools/testing/selftests/mm."""
	name: str
	sources: Sequence[str]


PROGRAMS = [
	Program('hmm-tests', ('hmm-tests.c', 'vm_util.c', 'hugepage_settings.c')),
	Program('gup_test', ('gup_test.c', 'vm_util.c', 'hugepage_settings.c')),
]


@dataclass(frozen=True)
class Test:
	"""One line of /peers/plan: a subtest of the run's KTAP."""
	name: str
	program: str
	args: Sequence[str] = ()
	timeout: int = 120

	def plan_line(self) -> str:
		return '\t'.join([self.name, str(self.timeout),
				  f'/bin/{self.program}', *self.args])


def _gup(args: str) -> Test:
	return Test(f'gup_test {args}', 'gup_test', args.split(), 60)


# hmm-tests whole; gup_test as run_vmtests.sh runs it by default, plus
# the slow-path get, pin and longterm pin over the whole buffer.
PLAN = [
	Test('hmm-tests', 'hmm-tests', (), 600),
	_gup('-u -n 1'), _gup('-u -n -1'), _gup('-a -n 1'), _gup('-a -n -1'),
	_gup('-U -n -1'), _gup('-b -n -1'), _gup('-L -n -1'),
	_gup('-ct -F 0x1 0 19 0x1000'),
]

DIRS = ['/bin', '/dev', '/peers', '/proc', '/sys', '/tmp']


@dataclass
class Userspace:
	tree: str		# the prepared kernel tree
	out: str		# BUILD/<line>/peers/user
	plan: List[Test] = field(default_factory=lambda: list(PLAN))

	@property
	def cpio(self) -> str:
		return os.path.join(self.out, 'initramfs.cpio')

	def _stale(self, output: str, inputs: Sequence[str]) -> bool:
		if not os.path.exists(output):
			return True
		built = os.path.getmtime(output)
		return any(os.path.getmtime(i) > built for i in inputs)

	def _cc(self, output: str, sources: Sequence[str]) -> None:
		mm = os.path.join(self.tree, SELFTESTS, 'mm')
		paths = [s if os.path.isabs(s) else os.path.join(mm, s)
			 for s in sources]
		for p in paths:
			if not os.path.isfile(p):
				raise ZdError(f'{p}: no such file (not a {SELFTESTS} '
					      'of this kernel line?)')
		if not self._stale(output, paths):
			return
		cmd = [CC, *CFLAGS, '-I', self.tree, '-I',
		       os.path.join(self.tree, SELFTESTS), '-isystem',
		       os.path.join(self.tree, 'tools/include/uapi'), '-o',
		       output + '.tmp', *paths, *LIBS]
		print(f'peers: cc {os.path.basename(output)}', flush=True)
		proc = subprocess.run(cmd, stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True)
		if proc.returncode:
			raise ZdError(f'building {os.path.basename(output)} failed '
				      f'({shlex.join(cmd)}):\n{proc.stdout.strip()}')
		os.replace(output + '.tmp', output)

	def build(self) -> str:
		"""The initramfs, rebuilt where stale; returns its path."""
		os.makedirs(self.out, exist_ok=True)
		self._cc(os.path.join(self.out, 'init'), [INIT_C])
		for p in PROGRAMS:
			self._cc(os.path.join(self.out, p.name), p.sources)
		plan = ''.join(t.plan_line() + '\n' for t in self.plan)
		entries = [cpio.Entry.directory(d) for d in DIRS]
		entries += [cpio.Entry.node('/dev/console', 'c', 5, 1),
			    cpio.Entry.file('/init', os.path.join(self.out, 'init'),
					    0o755),
			    cpio.Entry.text('/peers/plan', plan)]
		entries += [cpio.Entry.file(f'/bin/{p.name}',
					    os.path.join(self.out, p.name), 0o755)
			    for p in PROGRAMS]
		cpio.write(self.cpio, entries)
		return self.cpio
