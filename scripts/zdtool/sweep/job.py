# SPDX-License-Identifier: GPL-2.0
"""One sweep job: boot the built UML kernel once and judge its console.

The command line mirrors what tools/testing/kunit/kunit.py passes for
ARCH=um (its run_kernel() adds kunit.filter_glob= and kunit.enable=1, and
UserModeLinuxOperations.start() mem=1G console=tty kunit_shutdown=halt),
plus the sweep's own parameters:

	<linux> mem=1G console=tty kunit_shutdown=halt kunit.enable=1
		kunit.filter_glob=zdrace_sweep.<case> zone_device_mem=256M
		zdrace_sched.seed=<S> zdrace_sched.seeds=<K>
		zdrace_sweep.arm=<point>:<action>[,...] [--kernel_args ...]
		uml_dir=<job dir>/uml umid=<job>

The kernel runs in a directory of its own, stdin from /dev/null, in a new
session (its own process group), console to a log file.  Whatever happens
(exit, timeout, interrupt), the whole group is killed with SIGKILL before
the kernel is reaped, so no UML helper outlives its job.  UML keeps its
pid file and mconsole socket in uml_dir (by default ~/.uml/<umid>/, left
behind by a killed kernel): it is the job's own, removed after the boot.
"""

import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Set

from zdtool import bad_input
from zdtool.sweep import console
from zdtool.sweep.records import JobRecord
from zdtool.sweep.spec import SUITE, Job

BOOT_ARGS = ['mem=1G', 'console=tty', 'kunit_shutdown=halt', 'kunit.enable=1']
ZONE_DEVICE_ARG = 'zone_device_mem=256M'
# Parameters the sweep sets itself; --kernel_args may not.
CONTROLLED = {'console', 'kunit_shutdown', 'kunit.enable', 'kunit.filter_glob',
	      'kunit.filter', 'kunit.filter_action', 'zdrace_sched.seed',
	      'zdrace_sched.seeds', 'zdrace_sweep.arm', 'uml_dir', 'umid'}
MAX_LOG = 64 << 20		# a console flooding past this is killed


def check_extra(extra: List[str]) -> None:
	for arg in extra:
		key = arg.split('=', 1)[0]
		if key in CONTROLLED:
			raise bad_input(f'--kernel_args: {key}= is set by the sweep '
					 'itself')


def kernel_args(case: str, seed: int, seeds: int, arm: List[str],
		extra: List[str]) -> List[str]:
	"""The boot line; an extra `key=value` replaces the sweep's own."""
	args = BOOT_ARGS + [f'kunit.filter_glob={SUITE}.{case}',
			    ZONE_DEVICE_ARG, f'zdrace_sched.seed={seed}',
			    f'zdrace_sched.seeds={seeds}']
	if arm:
		args.append('zdrace_sweep.arm=' + ','.join(arm))
	for arg in extra:
		key = arg.split('=', 1)[0] + '='
		same = [i for i, a in enumerate(args) if a.startswith(key)]
		if same:
			args[same[0]] = arg
		elif arg not in args:
			args.append(arg)
	return args


def repro_command(linux: str, case: str, seed: int, arm: List[str],
		  extra: List[str], seeds: int = 1) -> str:
	return shlex.join([linux] + kernel_args(case, seed, seeds, arm, extra))


def make_command(line: str, case: str, seed: int, arm: List[str],
		 extra: List[str], seeds: int = 1) -> str:
	"""The same run through `make` (kunit.py builds, then boots)."""
	args = [a for a in kernel_args(case, seed, seeds, arm, extra)
		if a not in BOOT_ARGS and not a.startswith('kunit.')]
	return (f'make KERNEL={line} KERNEL_ARGS={shlex.quote(" ".join(args))} '
		f'ZDRACE_ARGS=--filter_glob={SUITE}.{case}')


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


def boot(cmd: List[str], workdir: str, log_path: str, timeout: float,
	 procs: Procs) -> Boot:
	"""Run @cmd in @workdir until it exits, times out or is stopped."""
	start, t0 = time.time(), time.monotonic()
	with open(log_path, 'wb') as log:
		proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
					stdout=log, stderr=subprocess.STDOUT,
					start_new_session=True)
		procs.add(proc.pid)
		result = Boot(None, start, 0.0)
		delay = 0.001
		try:
			while True:
				# WNOWAIT: the exited kernel stays a zombie, so its
				# process group id cannot be reused before killpg.
				if os.waitid(os.P_PID, proc.pid, os.WEXITED |
					     os.WNOHANG | os.WNOWAIT):
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


@dataclass
class Runner:
	"""What every job of one sweep shares."""
	linux: str
	tree: str		# the prepared tree: kunit.py's KTAP parser
	extra: List[str]
	timeout: float
	workroot: str
	procs: Procs

	def run(self, job: Job, tag: str = '') -> 'Outcome':
		"""Boot @job; the caller keeps or drops the log, then calls
		Outcome.cleanup()."""
		workdir = os.path.join(self.workroot, tag or f'job-{job.index}')
		os.makedirs(workdir, exist_ok=True)
		log = os.path.join(workdir, 'console.log')
		uml_dir = os.path.join(workdir, 'uml')
		cmd = [self.linux] + kernel_args(job.case, job.seed, job.seeds,
						 job.arm, self.extra) + \
			[f'uml_dir={uml_dir}', f'umid={os.path.basename(workdir)}']
		try:
			b = boot(cmd, workdir, log, self.timeout, self.procs)
		finally:
			shutil.rmtree(uml_dir, ignore_errors=True)
		with open(log, errors='replace') as f:
			text = f.read()
		con = console.parse(text, self.tree)
		v = console.judge(con, job.case, job.seed, job.seeds, b.rc,
				  b.timed_out)
		if b.note:
			v.kind, v.title = 'crash', f'crash in {SUITE}.{job.case}'
			v.note = b.note
		rec = JobRecord(job.index, job.case, job.seed, job.seeds,
				list(job.arm), v.kind, v.title, v.status, b.start,
				round(b.duration, 3), b.rc, v.seed, v.trace, v.repro,
				v.excerpt[-8000:], v.reports, v.note,
				console.interleavings(con), con.armed)
		return Outcome(rec, workdir, log, b.interrupted, v.no_tests)


@dataclass
class Outcome:
	record: JobRecord
	workdir: str
	log: str
	interrupted: bool
	no_tests: bool

	def cleanup(self) -> None:
		shutil.rmtree(self.workdir, ignore_errors=True)
