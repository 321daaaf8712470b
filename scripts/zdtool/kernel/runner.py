# SPDX-License-Identifier: GPL-2.0
"""Drive the prepared tree's own tools/testing/kunit/kunit.py."""

import contextlib
import fcntl
import fnmatch
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Dict, Iterator, List, Optional, Tuple

from zdtool import ZdError
from zdtool.kernel import kunitpy, replay, reports, rules, stamp
from zdtool.kernel.results import Counts, count_kunit_json
from zdtool.kernel.tree import read_info

KUNIT_PY = 'tools/testing/kunit/kunit.py'

# A kernel built with persistent memory (configs/<line>/pmem.config) boots
# with a fresh ext4 image of PMEM_SIZE as it (zone_device_pmem=), which
# the DAX suite mounts -o dax=always.
PMEM_CONFIG = 'CONFIG_UML_PMEM=y'
PMEM_IMAGE = 'pmem.img'
PMEM_SIZE = 64 << 20
MKFS_EXT4 = ['mkfs.ext4', '-F', '-q', '-b', '4096',
	     '-E', 'lazy_itable_init=0,lazy_journal_init=0']


def sets(config: str, line: str) -> bool:
	"""Does kunitconfig fragment @config have the line @line?"""
	try:
		with open(config) as f:
			return any(l.strip() == line for l in f)
	except OSError:
		return False


def make_pmem_image(path: str, size: int = PMEM_SIZE) -> None:
	"""A fresh ext4 image of @size at @path (the guest writes to it)."""
	mkfs = shutil.which(MKFS_EXT4[0]) or \
		shutil.which(MKFS_EXT4[0], path='/usr/sbin:/sbin')
	if not mkfs:
		raise ZdError(f'{MKFS_EXT4[0]}: not found; install e2fsprogs '
			      '(the persistent memory image is an ext4)')
	with contextlib.suppress(FileNotFoundError):
		os.unlink(path)
	with open(path, 'wb') as f:
		f.truncate(size)
	proc = subprocess.run([mkfs] + MKFS_EXT4[1:] + [path],
			      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			      text=True)
	if proc.returncode:
		raise ZdError(f'{shlex.join([mkfs] + MKFS_EXT4[1:] + [path])}: '
			      f'{proc.stdout.strip() or f"exit {proc.returncode}"}')


# Set while this process holds the build lock (its path): a nested
# holder, in-process or a child (make bench's sweep), goes ahead.
HELD_ENV = 'ZDRACE_BUILD_LOCK_HELD'


@contextlib.contextmanager
def build_lock(path: str) -> Iterator[float]:
	"""One kernel build or run at a time per machine (2 cores).

	Yields the seconds spent waiting for another holder.
	"""
	path = os.path.abspath(path)
	if os.environ.get(HELD_ENV) == path:
		yield 0.0
		return
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'a') as f:
		start = time.monotonic()
		try:
			fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
		except BlockingIOError:
			print(f'zdrace: waiting for {path} (another build runs)',
			      flush=True)
			fcntl.flock(f, fcntl.LOCK_EX)
		os.environ[HELD_ENV] = path
		try:
			yield time.monotonic() - start
		finally:
			del os.environ[HELD_ENV]
			fcntl.flock(f, fcntl.LOCK_UN)


@dataclass
class KunitRun:
	"""One kunit.py invocation: the kernel tree it runs in, its build
	directory and where its results' JSON goes."""
	tree: str
	build_dir: str
	results: str
	configs: List[str]
	jobs: int = 0
	filter_glob: str = ''
	kernel_args: List[str] = field(default_factory=list)
	timeout: int = 0
	kconfig_add: List[str] = field(default_factory=list)
	# configs/<line>/*.config: what every kernel of the line needs
	# (its SMP, say), whatever fragments a run picks.
	line_configs: List[str] = field(default_factory=list)
	# How the user started the run: its failures' commands.
	goal: Optional[replay.Goal] = None
	# The file of build_dir a boot's console is kept in ('': kunit.py's
	# test.log): two runs of one build, booted differently, keep theirs
	# apart, wherever the build is.
	console: str = ''

	def _common(self) -> List[str]:
		return [f'--build_dir={os.path.abspath(self.build_dir)}',
			'--arch=um']

	@property
	def console_log(self) -> str:
		"""The console of the last boot, as kunit.py saves it."""
		return os.path.join(self.build_dir, self.console or 'test.log')

	@contextlib.contextmanager
	def own_console(self, verb: str) -> Iterator[None]:
		"""A boot (@verb) whose console is self.console: kunit.py's
		test.log goes there, and the build's test.log (another boot's)
		is left as it was."""
		if verb not in ('run', 'exec') or not self.console:
			yield
			return
		log = os.path.join(self.build_dir, 'test.log')
		kept = f'{log}.kept'
		with contextlib.suppress(FileNotFoundError):
			os.replace(log, kept)
		try:
			yield
		finally:
			try:
				os.replace(log, self.console_log)
			except FileNotFoundError:
				with contextlib.suppress(FileNotFoundError):
					os.unlink(self.console_log)
			with contextlib.suppress(FileNotFoundError):
				os.replace(kept, log)

	def command(self, verb: str, json_path: Optional[str] = None) -> List[str]:
		cmd = [sys.executable, KUNIT_PY, verb, *self._common()]
		if verb in ('run', 'config', 'build'):
			cmd += [f'--kunitconfig={os.path.abspath(c)}'
				for c in self.configs + self.line_configs]
			cmd += [f'--kconfig_add={k}' for k in self.kconfig_add]
		if verb in ('run', 'build') and self.jobs:
			cmd.append(f'--jobs={self.jobs}')
		if verb in ('run', 'exec'):
			cmd += [f'--kernel_args={a}'
				for a in self.kernel_args + self.tree_args()]
			if self.pmem_image:
				cmd.append('--kernel_args=zone_device_pmem='
					   f'{self.pmem_image}')
			# UML's pid file and mconsole socket: in the build
			# directory, not ~/.uml, where a UML kunit.py kills on
			# timeout would leave them.
			cmd.append(f'--kernel_args=uml_dir='
				   f'{os.path.abspath(self.build_dir)}/uml')
			if self.timeout:
				cmd.append(f'--timeout={self.timeout}')
			if json_path:
				cmd.append(f'--json={os.path.abspath(json_path)}')
			if self.filter_glob:
				cmd.append(self.filter_glob)
		return cmd

	@property
	def pmem_image(self) -> str:
		"""The image this run's kernel boots as persistent memory, if
		its configs build it in."""
		if not any(sets(c, PMEM_CONFIG)
			   for c in self.configs + self.line_configs):
			return ''
		return os.path.join(os.path.abspath(self.build_dir), PMEM_IMAGE)

	def boot_files(self, verb: str) -> None:
		"""What a boot needs on the host first: a fresh pmem image."""
		if verb in ('run', 'exec') and self.pmem_image:
			os.makedirs(os.path.dirname(self.pmem_image), exist_ok=True)
			make_pmem_image(self.pmem_image)

	@property
	def smp(self) -> bool:
		"""Is this kernel SMP (configs/<line>/smp.config)?"""
		return any(sets(c, 'CONFIG_SMP=y') for c in self.line_configs)

	def tree_args(self) -> List[str]:
		"""What the tree being booted says of itself: the points not
		placed in it (zdtool.kernel.tree.TreeInfo.boot_args())."""
		info = read_info(self.tree)
		return info.boot_args() if info else []

	def invoke(self, verb: str, json_path: Optional[str] = None,
		   quiet: bool = False) -> int:
		cmd = self.command(verb, json_path)
		self.boot_files(verb)
		out = subprocess.DEVNULL if quiet else None
		with self.own_console(verb):
			return subprocess.run(cmd, cwd=self.tree, stdout=out,
					      stderr=out).returncode

	def capture(self, verb: str) -> Tuple[int, str]:
		"""invoke() with the output kept: (exit status, output)."""
		self.boot_files(verb)
		with self.own_console(verb):
			proc = subprocess.run(self.command(verb), cwd=self.tree,
					      stdout=subprocess.PIPE,
					      stderr=subprocess.STDOUT, text=True,
					      errors='replace')
		return proc.returncode, proc.stdout

	def tee(self, verb: str) -> Tuple[int, str]:
		"""invoke() shown as it runs, its output also kept."""
		self.boot_files(verb)
		kept = []
		with self.own_console(verb), \
		     subprocess.Popen(self.command(verb), cwd=self.tree,
				      stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True,
				      errors='replace') as proc:
			assert proc.stdout
			for line in proc.stdout:
				sys.stdout.write(line)
				kept.append(line)
			sys.stdout.flush()
		return proc.returncode, ''.join(kept)

	def repro(self, verb: str) -> str:
		"""The command that runs @verb again, from anywhere."""
		return f'cd {shlex.quote(self.tree)} && {shlex.join(self.command(verb))}'


_SUITE = re.compile(r'struct kunit_suite\s+(?:__\w+\s+)*\w+\s*=\s*\{[^}]*?'
		    r'\.name\s*=\s*"([^"]+)"', re.S)
_CASE = re.compile(r'\bKUNIT_CASE\w*\(\s*(\w+)')


def _sources(directory: str) -> Iterator[Tuple[str, str]]:
	"""Each C source in @directory (kunit-tests/): (path, text)."""
	for path in sorted(glob.glob(os.path.join(directory, '*.c'))):
		with open(path, errors='replace') as f:
			yield path, f.read()


def suite_cases(directory: str) -> Dict[str, List[str]]:
	"""The KUnit suites the sources in @directory (kunit-tests/) define,
	each with the cases of its file."""
	found: Dict[str, List[str]] = {}
	for _, text in _sources(directory):
		for suite in _SUITE.findall(text):
			found[suite] = _CASE.findall(text)
	return found


def suite_modules(directory: str, suite_glob: str) -> List[str]:
	"""The modules (KBUILD_MODNAME, a source's name) that define the
	suites of @directory that @suite_glob matches."""
	return [os.path.splitext(os.path.basename(path))[0]
		for path, text in _sources(directory)
		if any(fnmatch.fnmatchcase(s, suite_glob)
		       for s in _SUITE.findall(text))]


def not_suites_args(directory: str, suite_glob: str) -> List[str]:
	"""The boot argument that keeps the suites of @suite_glob out of a
	run: KUnit's attribute filter on their modules (a filter glob
	cannot leave a suite out)."""
	modules = suite_modules(directory, suite_glob) if suite_glob else []
	if not modules:
		return []
	return ['kunit.filter=' + ','.join(f'module!={m}' for m in modules)]


def check_filter(filter_glob: str) -> None:
	"""FILTER= is one kunit filter glob, suite_glob[.case_glob]: the
	kernel runs nothing of 'a*:b*' or 'a*,b*' (it reads one glob)."""
	bad = next((c for c in ':, ' if c in filter_glob), '')
	if bad:
		raise ZdError(f'FILTER={filter_glob!r}: one kunit filter glob, '
			      f'suite_glob[.case_glob], is allowed; {bad!r} does '
			      f'not join two (run each on its own, or make one '
			      f'glob match both)')


def split_filter(filter_glob: str, smp_suites: str,
		 cases: Dict[str, List[str]]) -> \
		Tuple[Optional[str], Optional[str]]:
	"""What a line's kernel booted with one CPU and with two each run of
	the cases @filter_glob names ('': all), when the boot with two runs
	the suites of glob @smp_suites (of @cases, every suite there is with
	its cases): the filter of each, None where that boot has none of
	them to run."""
	suite_glob, dot, case_glob = (filter_glob or '*').partition('.')

	def named(suites: List[str]) -> bool:
		return any(fnmatch.fnmatchcase(s, suite_glob) and
			   (not dot or any(fnmatch.fnmatchcase(c, case_glob)
					   for c in cases[s]))
			   for s in suites)
	on_smp = [s for s in cases if fnmatch.fnmatchcase(s, smp_suites)]
	on_smp_named = named(on_smp)
	rest_named = named([s for s in cases if s not in on_smp])
	smp = None
	if on_smp_named:
		smp = smp_suites + dot + case_glob if rest_named else filter_glob
	up = filter_glob if rest_named or not on_smp_named else None
	return up, smp


def first_error(output: str) -> str:
	"""The compiler's (or linker's, or make's) first error in a build's
	@output, with its file:line, else the output's last line."""
	lines = [re.sub(r'^ERROR:root:', '', l.strip())
		 for l in output.splitlines() if l.strip()]
	for pattern in (r'^\S+?:\d+(:\d+)?: (fatal )?error: ',
			r'(^|\s)(error|undefined reference)\b', r'\*\*\* '):
		for line in lines:
			if re.search(pattern, line):
				return line
	return lines[-1] if lines else 'no output'


def build(run: KunitRun, show: bool = True) -> Tuple[int, str]:
	"""kunit.py build, shown as it runs (@show) or only kept, unless the
	stamp of the last build says it would change nothing
	(zdtool.kernel.stamp)."""
	cmd = run.command('build')
	if stamp.up_to_date(run.tree, run.build_dir, cmd):
		if show:
			print('zdrace: kernel up to date, not rebuilt (nothing '
			      'changed since its last build)', flush=True)
		return 0, ''
	stamp.forget(run.build_dir)
	started = time.time()
	rc, output = run.tee('build') if show else run.capture('build')
	if rc == 0:
		stamp.record(run.build_dir, cmd, started)
	return rc, output


def check_configs(configs: List[str]) -> None:
	for c in configs:
		if not os.path.isfile(c):
			raise ZdError(f'kunitconfig {c}: no such file')


def run_suites(run: KunitRun, banner: str, name: str,
	       check_rules: bool = False) -> Counts:
	"""kunit.py run; the results' JSON is run.results/@name.json.
	@banner names the kernel (TreeInfo.banner()).  @check_rules: boot
	with the rule table and count the rules' check as one more result
	(run.results/@name-rules.json)."""
	check_configs(run.configs + run.line_configs)
	if check_rules:
		run = replace(run, kernel_args=run.kernel_args + [rules.LIST_ARG])
	os.makedirs(run.results, exist_ok=True)
	json_path = os.path.join(run.results, f'{name}.json')
	with contextlib.suppress(FileNotFoundError):
		os.unlink(json_path)
	print(banner, flush=True)
	start = time.monotonic()
	rc, output = build(run)
	if rc != 0:
		print(f'zdrace: build failed: {first_error(output)}\n'
		      f'zdrace: rebuild with: {run.repro("build")}', flush=True)
		print(f'{banner}: {Counts(failed=1).summary()} (no kernel)',
		      flush=True)
		return Counts(failed=1)
	rc = run.invoke('exec', json_path)
	try:
		with open(json_path) as f:
			counts = count_kunit_json(f.read())
	except (OSError, ValueError):
		counts = Counts()
	if rc != 0 and counts.failed == 0:
		# A kernel that died before any test line.
		print(f'zdrace: kunit.py run exited {rc} with no failed test '
		      f'recorded; counting the run as one failure', flush=True)
		counts.failed += 1
	print(f'{banner}: {counts.summary()} '
	      f'[{time.monotonic() - start:.1f} s]', flush=True)
	for line in failure_lines(run):
		print(line, flush=True)
	if check_rules:
		counts += check_rule_results(run, name)
		counts += check_report_results(run)
	return counts


def failed_cases(run: KunitRun) -> List[replay.Failure]:
	"""The failed cases of the last boot, with their replay facts."""
	try:
		with open(run.console_log, errors='replace') as f:
			return replay.failures(kunitpy.Ktap(run.tree,
							    f.read().splitlines()))
	except OSError:
		return []


def failure_lines(run: KunitRun) -> List[str]:
	"""Each failed case of the last boot and the command that runs it
	again (none without a goal)."""
	if run.goal is None:
		return []
	return replay.lines(run.goal, failed_cases(run))


def check_report_results(run: KunitRun) -> Counts:
	"""The kernel's reports against what the cases declared: one result
	(zdtool.kernel.reports)."""
	try:
		seen, problems = reports.from_console(run.tree, run.console_log)
	except OSError as e:
		print(f'zdrace: reports: cannot read the console: {e}', flush=True)
		return Counts(failed=1)
	for p in problems:
		print(f'zdrace: reports: {p.message()}', flush=True)
	print(f'zdrace: reports: {seen} kernel reports in the cases, '
	      f'{len(problems)} not as declared', flush=True)
	return Counts(failed=1) if problems else Counts(passed=1)


def forget_results(results: str, name: str) -> None:
	"""Remove run_suites()' files of @name from the directory
	@results."""
	for path in (f'{name}.json', f'{name}-rules.json'):
		with contextlib.suppress(FileNotFoundError):
			os.unlink(os.path.join(results, path))


def check_rule_results(run: KunitRun, name: str) -> Counts:
	"""The declared breaks against what the run showed: one result."""
	try:
		results = rules.from_console(run.tree, run.console_log)
	except OSError as e:
		print(f'zdrace: rules: cannot read the console: {e}', flush=True)
		return Counts(failed=1)
	if results is None:
		print(f'zdrace: rules: the kernel printed no rule table '
		      f'({run.console_log})', flush=True)
		return Counts(failed=1)
	with open(os.path.join(run.results, f'{name}-rules.json'), 'w') as f:
		json.dump([r.to_json() for r in results], f, indent=1)
	problems = [r.problem for r in results if r.problem]
	for p in problems:
		print(f'zdrace: rules: {p}', flush=True)
	broken = sum(r.verdict == 'breaks' for r in results)
	print(f'zdrace: rules: {len(results)} rules, {broken} break as '
	      f'declared, {len(problems)} not as declared', flush=True)
	return Counts(failed=1) if problems else Counts(passed=1)
