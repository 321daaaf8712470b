# SPDX-License-Identifier: GPL-2.0
"""Where a kernel that died of a host signal died, from its core dump.

boot.py lets the kernel dump core, up to CORE_LIMIT, and keeps UML's
physical memory file out of the dump (coredump_filter 0x31: it is a
shared mapping of a deleted file, hundreds of MiB, and no host backtrace
needs it).  The limit matters for KASAN kernels whose 16 TiB shadow is not
MADV_DONTDUMP: the host walks it page by page, for hours, while the sweep
waits, unless a limit ends the dump early; the frames up to the fault
(UML's signal stack, below the shadow) are written before that.  With the
shadow left out, a UML core is about 16 MiB and complete.  The host writes the core where
/proc/sys/kernel/core_pattern says: a plain pattern is a file name,
relative to the kernel's working directory, the job's own; a pipe
(`|/usr/lib/systemd/systemd-coredump ...`) hands it to a program we do
not read, which the note then says.

gdb reads the core with the kernel binary.  A UML kernel that faults
panics, and panic() ends in os_dump_core(), which raises SIGABRT, so the
innermost frames are always uml_abort(), os_dump_core(), panic_exit(),
...; where the kernel really faulted is below the outermost
`<signal handler called>` (a second fault in the panic's own stack dump
adds an inner one), e.g.

	#21 <signal handler called>
	#22 0x00000000600741f0 in irq_enter ()
	#23 0x000000006002da5d in do_IRQ ()
	...
	#27 0x0000000060006e59 in main ()
"""

import glob
import os
import re
import resource
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

CORE_PATTERN = '/proc/sys/kernel/core_pattern'
CORE_USES_PID = '/proc/sys/kernel/core_uses_pid'
COREDUMP_FILTER = '0x31'	# anonymous private, ELF headers, hugetlb
CORE_LIMIT = 64 << 20
GDB_TIMEOUT = 60.0
MAX_FRAMES = 64

_FRAME = re.compile(r'^#(\d+)\s+(?:0x[0-9a-f]+ in )?([^\s(]+)')
_SIGNAL_FRAME = '<signal handler called>'


@dataclass
class Death:
	"""How a kernel process ended, when it was not a clean exit."""
	signal: str = ''		# SIGABRT, ...; '' for an exit status
	rc: Optional[int] = None
	core: str = ''			# the core file, if one was found
	backtrace: List[str] = field(default_factory=list)	# gdb's bt
	frames: List[str] = field(default_factory=list)	# where it faulted
	note: str = ''

	@property
	def what(self) -> str:
		"""SIGABRT, or `exit status 1`."""
		return self.signal or f'exit status {self.rc}'

	@property
	def where(self) -> str:
		return self.frames[0] if self.frames else ''


def signame(rc: Optional[int]) -> str:
	"""SIGABRT for a Popen return code of -6; '' unless a signal."""
	if rc is None or rc >= 0:
		return ''
	try:
		return signal.Signals(-rc).name
	except ValueError:
		return f'signal {-rc}'


def allow_core(pid: int) -> None:
	"""Let @pid dump core, without UML's physical memory and up to
	CORE_LIMIT; best effort."""
	try:
		hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
		soft = CORE_LIMIT if hard == resource.RLIM_INFINITY else \
			min(hard, CORE_LIMIT)
		resource.prlimit(pid, resource.RLIMIT_CORE, (soft, hard))
		with open(f'/proc/{pid}/coredump_filter', 'w') as f:
			f.write(COREDUMP_FILTER)
	except (OSError, ValueError):
		pass


def _read(path: str) -> str:
	try:
		with open(path) as f:
			return f.read().strip()
	except OSError:
		return ''


def find_core(workdir: str, pid: int, sig: int) -> Tuple[str, str]:
	"""The core file of @pid (killed by @sig) and, if none, why."""
	pattern = _read(CORE_PATTERN) or 'core'
	if pattern.startswith('|'):
		return '', f'core piped to {pattern[1:].split()[0]}'
	has_pid = '%p' in pattern or '%P' in pattern
	name = re.sub(r'%(.)', lambda m: {'p': str(pid), 'P': str(pid),
					  's': str(sig), '%': '%'}.get(
						  m.group(1), '*'), pattern)
	if not has_pid and _read(CORE_USES_PID) == '1':
		name += f'.{pid}'
	found = glob.glob(os.path.join(workdir, name))
	if not found:
		return '', f'no core file {os.path.join(workdir, name)}'
	return max(found, key=os.path.getmtime), ''


def backtrace(linux: str, core: str) -> Tuple[List[str], str]:
	"""gdb's backtrace of @core, innermost first, and an error, if any."""
	gdb = shutil.which('gdb')
	if gdb is None:
		return [], 'no gdb on the host'
	try:
		out = subprocess.run([gdb, '-batch', '-nx', '-ex',
				      'set pagination off', '-ex',
				      f'bt {MAX_FRAMES}', linux, core],
				     stdin=subprocess.DEVNULL,
				     capture_output=True, text=True,
				     timeout=GDB_TIMEOUT, check=False)
	except (OSError, subprocess.TimeoutExpired) as e:
		return [], f'gdb: {e}'
	lines, seen = [], set()
	for line in out.stdout.splitlines():
		m = _FRAME.match(line)
		if m and m.group(1) not in seen:	# gdb repeats #0
			seen.add(m.group(1))
			lines.append(line.strip())
	return lines, '' if lines else 'gdb printed no backtrace'


def faulting_frames(bt: List[str]) -> List[str]:
	"""The functions below the outermost signal frame of @bt (all of
	them if there is none), without gdb's [cold] and .isra suffixes."""
	start = 0
	for i, line in enumerate(bt):
		if _SIGNAL_FRAME in line:
			start = i + 1
	frames = []
	for line in bt[start:]:
		m = _FRAME.match(line)
		if m and m.group(2) not in ('??', _SIGNAL_FRAME.split()[0]):
			frames.append(re.sub(r'(\[cold\]|\.(isra|constprop|part|'
					     r'cold)\.?\d*)+$', '', m.group(2)))
	return frames


def examine(linux: str, workdir: str, pid: int, rc: Optional[int],
	    dumped: bool) -> Death:
	"""How the kernel @pid, run in @workdir, ended with Popen code @rc."""
	d = Death(signame(rc), rc)
	if rc is None or rc >= 0:
		return d
	if not dumped:
		d.note = 'no core dumped'
		return d
	d.core, d.note = find_core(workdir, pid, -rc)
	if d.core:
		d.backtrace, d.note = backtrace(linux, d.core)
		d.frames = faulting_frames(d.backtrace)
	return d
