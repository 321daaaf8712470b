# SPDX-License-Identifier: GPL-2.0
"""Boot the built UML kernel once: in a directory of its own, stdin from
/dev/null, in a new session (its own process group), console to a log
file.  Whatever happens (exit, timeout, interrupt), the whole group is
killed with SIGKILL before the kernel is reaped, so no UML helper outlives
its boot.  The kernel may dump core (postmortem.allow_core()): a kernel
that dies of a signal after its results is judged by where it died.

BOOT_ARGS mirror what tools/testing/kunit/kunit.py passes for ARCH=um (its
run_kernel() adds kunit.enable=1, UserModeLinuxOperations.start() mem=1G
console=tty kunit_shutdown=halt).
"""

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Set

from zdtool.sweep.postmortem import allow_core

BOOT_ARGS = ['mem=1G', 'console=tty', 'kunit_shutdown=halt', 'kunit.enable=1']
MAX_LOG = 64 << 20		# a console flooding past this is killed


class Procs:
	"""The running kernels' process groups, to kill on an interrupt."""

	def __init__(self) -> None:
		self._lock = threading.Lock()
		self._pids: Set[int] = set()
		self.stopping = threading.Event()

	def add(self, pid: int) -> None:
		with self._lock:
			self._pids.add(pid)
			if self.stopping.is_set():
				_killpg(pid)

	def remove(self, pid: int) -> None:
		with self._lock:
			self._pids.discard(pid)

	def kill_all(self) -> None:
		with self._lock:
			self.stopping.set()
			for pid in self._pids:
				_killpg(pid)


def _killpg(pgid: int) -> None:
	try:
		os.killpg(pgid, signal.SIGKILL)
	except (ProcessLookupError, PermissionError):
		pass


@dataclass
class Boot:
	rc: Optional[int]
	start: float
	duration: float
	timed_out: bool = False
	interrupted: bool = False
	note: str = ''
	pid: int = 0
	dumped: bool = False		# the host wrote a core dump


def boot(cmd: List[str], workdir: str, log_path: str, timeout: float,
	 procs: Procs) -> Boot:
	"""Run @cmd in @workdir until it exits, times out or is stopped."""
	start, t0 = time.time(), time.monotonic()
	with open(log_path, 'wb') as log:
		proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
					stdout=log, stderr=subprocess.STDOUT,
					start_new_session=True)
		procs.add(proc.pid)
		allow_core(proc.pid)
		result = Boot(None, start, 0.0, pid=proc.pid)
		delay = 0.001
		try:
			while True:
				# WNOWAIT: the exited kernel stays a zombie, so its
				# process group id cannot be reused before killpg.
				info = os.waitid(os.P_PID, proc.pid, os.WEXITED |
						 os.WNOHANG | os.WNOWAIT)
				if info:
					result.dumped = info.si_code == \
						os.CLD_DUMPED
					break
				if procs.stopping.is_set():
					result.interrupted = True
					break
				if time.monotonic() - t0 > timeout:
					result.timed_out = True
					break
				if os.fstat(log.fileno()).st_size > MAX_LOG:
					result.note = (f'console log over {MAX_LOG >> 20} '
						       'MiB: killed')
					break
				time.sleep(delay)
				delay = min(delay * 2, 0.05)
		finally:
			_killpg(proc.pid)
			result.rc = proc.wait()
			procs.remove(proc.pid)
	if procs.stopping.is_set() and result.rc == -signal.SIGKILL:
		result.interrupted = True	# killed by Procs.kill_all()
	result.duration = time.monotonic() - t0
	if result.timed_out or result.interrupted or result.note:
		result.rc = None
	return result
