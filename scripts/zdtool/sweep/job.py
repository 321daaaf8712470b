# SPDX-License-Identifier: GPL-2.0
"""One sweep job: boot the built UML kernel once (sweep.boot) and judge
its console.  The command line is kunit.py's for ARCH=um, the sweep's own
parameters, then --kernel_args (the Makefile's KERNEL_ARGS first):

	<linux> mem=1G console=tty kunit_shutdown=halt kunit.enable=1
		kunit.filter_glob=zdrace_sweep.<case>
		zdrace_sched.seed=<S> zdrace_sched.seeds=<K>
		zdrace_sweep.arm=<point>:<action>[,...]
		[zdrace_sweep.concurrent=1] [--kernel_args ...]
		uml_dir=<job dir>/uml umid=<job>

UML keeps its pid file and mconsole socket in uml_dir (by default
~/.uml/<umid>/, left behind by a killed kernel): it is the job's own,
removed after the boot.  So is a core dump, which the job's directory
receives when core_pattern is a plain file name: if the kernel died only
after all its results, gdb reads it first, to say where
(sweep.postmortem).
"""

import os
import shlex
import shutil
from dataclasses import dataclass
from typing import List, Optional

from zdtool import DEFAULT_KERNEL_ARGS, bad_input
from zdtool.kernel.replay import Goal
from zdtool.sweep import console, postmortem
from zdtool.sweep.boot import BOOT_ARGS, Procs, boot
from zdtool.sweep.records import JobRecord
from zdtool.sweep.spec import SUITE, Job

# Parameters the sweep sets itself; --kernel_args may not.
CONTROLLED = {'console', 'kunit_shutdown', 'kunit.enable', 'kunit.filter_glob',
	      'kunit.filter', 'kunit.filter_action', 'zdrace_sched.seed',
	      'zdrace_sched.seeds', 'zdrace_sweep.arm', 'zdrace_sweep.concurrent',
	      'uml_dir', 'umid'}


def check_extra(extra: List[str]) -> None:
	for arg in extra:
		key = arg.split('=', 1)[0]
		if key in CONTROLLED:
			raise bad_input(f'--kernel_args: {key}= is set by the sweep '
					 'itself')


# What makes a boot of the sweep's suite concurrent: it needs two CPUs,
# the line's kernel booted with two where it boots so (zdrace.py routes a
# `make run` with it there).
CONCURRENT_ARG = 'zdrace_sweep.concurrent=1'


def kernel_args(job: Job, extra: List[str]) -> List[str]:
	"""The boot line; an extra `key=value` replaces the sweep's own."""
	args = BOOT_ARGS + [f'kunit.filter_glob={SUITE}.{job.case}',
			    f'zdrace_sched.seed={job.seed}',
			    f'zdrace_sched.seeds={job.seeds}']
	if job.arm:
		args.append('zdrace_sweep.arm=' + ','.join(job.arm))
	if job.concurrent:
		args.append(CONCURRENT_ARG)
	for arg in extra:
		key = arg.split('=', 1)[0] + '='
		same = [i for i, a in enumerate(args) if a.startswith(key)]
		if same:
			args[same[0]] = arg
		elif arg not in args:
			args.append(arg)
	return args


def default_jobs(extra: List[str], host_cpus: int, shared: bool = False) -> int:
	"""Kernels at a time, when --jobs does not say.  A uniprocessor
	kernel keeps its CPU busy (time-travel skips its idle time): one per
	host CPU.  An SMP kernel's vCPUs (ncpus= on the boot line) are host
	threads; in a concurrent sweep whose kernel lists the scenarios that
	need the host's CPUs to themselves (@shared: they boot alone,
	run.Slots), twice as many vCPUs as host CPUs, else as many.  The
	vCPUs sleep through much of a concurrent interleaving (the
	teardown's grace periods, the seeded holds: 40% busy): two 2-vCPU
	kernels on 2 host CPUs swept the teardown scenarios at 13,708
	interleavings/min, one at a time at 6,460."""
	vcpus = 1
	for arg in extra:
		if arg.startswith('ncpus=') and arg[6:].isdigit():
			vcpus = max(1, int(arg[6:]))
	if vcpus > 1 and shared:
		host_cpus *= 2
	return max(1, host_cpus // vcpus)


def repro_command(linux: str, job: Job, extra: List[str]) -> str:
	return shlex.join([linux] + kernel_args(job, extra))


def make_command(line: str, job: Job, extra: List[str],
		 goal: Optional[Goal] = None) -> str:
	"""The same run through `make run` (which builds what is stale, then
	boots), as zdtool.kernel.replay writes every goal's: FILTER= and
	RUN_ARGS=.  @goal: how the sweep was started (its KERNEL_SRC=)."""
	args = [a for a in kernel_args(job, extra)
		if a not in BOOT_ARGS and a not in DEFAULT_KERNEL_ARGS and
		not a.startswith('kunit.')]
	return (goal or Goal('run', line)).but('run').command(
		SUITE, job.case, boot_args=tuple(args))


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
		cmd = [self.linux] + kernel_args(job, self.extra) + \
			[f'uml_dir={uml_dir}', f'umid={os.path.basename(workdir)}']
		try:
			b = boot(cmd, workdir, log, self.timeout, self.procs)
		finally:
			shutil.rmtree(uml_dir, ignore_errors=True)
		with open(log, errors='replace') as f:
			text = f.read()
		con = console.parse(text, self.tree)
		death = None
		if not b.timed_out and console.after_results(con, b.rc):
			death = postmortem.examine(self.linux, workdir, b.pid,
						   b.rc, b.dumped)
		v = console.judge(con, job.case, job.seed, job.seeds, b.rc,
				  b.timed_out, death)
		if b.note:
			v.kind, v.title = 'crash', f'crash in {SUITE}.{job.case}'
			v.note = b.note
		rec = JobRecord(job.index, job.case, job.seed, job.seeds,
				list(job.arm), v.kind, v.title, v.status, b.start,
				round(b.duration, 3), b.rc, v.seed, v.trace, v.repro,
				v.excerpt[-8000:], v.reports, v.note,
				console.interleavings(con), con.armed,
				overlaps=con.overlaps, part=job.part,
				stopped=not con.suite_done and v.seed is not None)
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
