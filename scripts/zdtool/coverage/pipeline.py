# SPDX-License-Identifier: GPL-2.0
"""`make coverage` and `make review`: a gcov build of the kernel, a run of
the suites, lcov capture and the reports.

A UML kernel built with CONFIG_GCOV writes one .gcda file per object
when it exits (patches 0100 and 0101 make that work with gcc 12).  gcov
adds to .gcda files it finds, so every run first deletes the old ones:
the numbers are always those of this run alone.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from zdtool import ZdError
from zdtool.coverage import report as covreport, floor, lcovinfo, manifest
from zdtool.kernel.results import Counts
from zdtool.kernel.runner import KunitRun, run_suites
from zdtool.kernel.source import apt_install, can_install
from zdtool.kernel.tree import TreeInfo
from zdtool.sweep.title import clean_lines, find_reports

# lcov's Debian package, and the perl module that makes geninfo parse
# gcov's JSON output three times faster.
PACKAGES = {'geninfo': 'lcov', 'genhtml': 'lcov', 'gcov': 'gcc'}
JSON_XS = 'libjson-xs-perl'
LCOV_RC = ['--rc', 'lcov_branch_coverage=1']
REPORTS = ('kernel.info', 'refcount.info', 'refcount.md', 'refcount.json')


def _has_json_xs() -> bool:
	return subprocess.run(['perl', '-MJSON::XS', '-e', '1'],
			      stdout=subprocess.DEVNULL,
			      stderr=subprocess.DEVNULL).returncode == 0


def ensure_lcov() -> None:
	"""lcov and genhtml, installed with apt when missing and root."""
	missing = sorted({pkg for tool, pkg in PACKAGES.items()
			  if shutil.which(tool) is None})
	if missing:
		if not can_install():
			raise ZdError(f'coverage needs lcov; install the Debian '
				      f'packages: {" ".join(missing)} '
				      f'(and {JSON_XS} for speed)')
		apt_install(missing)
	if _has_json_xs():
		return
	if not can_install():
		print(f'zdrace: coverage: installing {JSON_XS} would make the '
		      f'capture three times faster', flush=True)
		return
	try:
		apt_install([JSON_XS])
	except ZdError as e:	# only a speed-up: go on without it
		print(f'zdrace: coverage: {e}', flush=True)


@dataclass
class Outputs:
	"""Where one coverage run writes its reports."""
	root: str

	def path(self, name: str) -> str:
		return os.path.join(self.root, name)


def gcda_files(build_dir: str) -> List[str]:
	found = []
	for root, dirs, files in os.walk(build_dir):
		found += [os.path.join(root, f) for f in files
			  if f.endswith('.gcda')]
	return found


def reset_counters(build_dir: str) -> int:
	"""Delete every .gcda file; gcov would add this run's counts to them."""
	stale = gcda_files(build_dir)
	for path in stale:
		os.unlink(path)
	return len(stale)


def _failure(what: str, output: str) -> ZdError:
	lines = [l for l in output.splitlines() if 'redefined at' not in l]
	return ZdError(f'{what} failed: {(lines or ["?"])[-1].strip()}')


def capture(build_dir: str, output: str, test_name: str,
	    jobs: int = 1) -> float:
	"""lcov's geninfo over every .gcda in @build_dir; returns seconds.

	What `lcov --capture --directory` does, split over @jobs geninfo
	processes (a tracefile may repeat a source file: readers add the
	records up).  --no-markers: the kernel has no LCOV_EXCL markers, and
	not reading every source file for them halves the capture time.
	"""
	start = time.monotonic()
	files = sorted(gcda_files(build_dir))
	groups = [files[i::max(1, jobs)] for i in range(max(1, jobs))]
	groups = [g for g in groups if g]
	procs = []
	for i, group in enumerate(groups):
		part = f'{output}.{i}'
		procs.append((part, subprocess.Popen(
			['geninfo', '--quiet', '--no-markers', '--test-name',
			 test_name, '--output-filename', part] + LCOV_RC + group,
			stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			text=True)))
	failure = None
	with open(output, 'w') as out:
		for part, proc in procs:
			log, _ = proc.communicate()
			if proc.returncode != 0:
				failure = failure or _failure('lcov capture (geninfo)',
							      log)
			elif os.path.exists(part):
				with open(part) as f:
					shutil.copyfileobj(f, out)
			with contextlib.suppress(FileNotFoundError):
				os.unlink(part)
	if failure:
		raise failure
	return time.monotonic() - start


def genhtml(infos: List[str], out_dir: str, title: str, prefix: str,
	    branches: bool = True) -> 'subprocess.Popen[str]':
	"""Start genhtml; finish() waits for it."""
	return subprocess.Popen(
		['genhtml', '--quiet', '--legend', '--title', title,
		 '--prefix', prefix, '--output-directory', out_dir,
		 '--branch-coverage' if branches else '--no-branch-coverage']
		+ infos + LCOV_RC, stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT, text=True)


def finish(proc: 'subprocess.Popen[str]', what: str) -> None:
	log, _ = proc.communicate()
	if proc.returncode != 0:
		raise _failure(what, log)


@dataclass
class Selection:
	"""The manifest resolved against one prepared tree."""
	funcs: Dict[str, Dict[str, List[manifest.FuncRange]]]
	whole: Dict[str, bool]

	def restrict(self, coverage: Dict[str, lcovinfo.FileCoverage]
		     ) -> Dict[str, lcovinfo.FileCoverage]:
		"""The coverage of the selected files, and of a file with
		functions listed, of just those functions' lines."""
		out = {}
		for path, funcs in self.funcs.items():
			cov = coverage.get(path)
			if cov is None:
				continue
			if self.whole.get(path):
				out[path] = cov
			else:
				out[path] = cov.restrict(
					(r.first, r.last) for ranges in funcs.values()
					for r in ranges)
		return out

	@classmethod
	def load(cls, manifest_path: str, tree: str,
		 missing: Optional[List[str]] = None) -> 'Selection':
		entries = manifest.load(manifest_path)
		return cls(manifest.resolve(entries, tree, missing),
			   {e.path: e.whole() for e in entries})


@dataclass
class Captured:
	"""One run of the coverage kernel, captured."""
	counts: Counts
	gcda: int
	info: str
	timings: Dict[str, float] = field(default_factory=dict)


def crash_report(console_log: str) -> str:
	"""The first kernel report of a console (a BUG, an Oops, KASAN, a
	panic), with the innermost test it was in (a suite, or a case of
	parameters) and the last result before it, or ''."""
	try:
		with open(console_log, errors='replace') as f:
			lines = clean_lines(f.read())
	except OSError:
		return ''
	reports = [r for r in find_reports(lines) if r.kind != 'warn']
	if not reports:
		return ''
	first = reports[0]
	suite, last = '', ''
	for line in lines[:first.line]:
		m = re.search(r'# Subtest: (\S+)', line)
		if m:
			suite, last = m.group(1), ''
		m = re.match(r'\s*ok \d+ (?:- )?([^#]*?)\s*(#.*)?$', line)
		if m:
			last = m.group(1)
	where = f'in {suite}' + (f' after {last}' if last else '') \
		if suite else 'before any suite'
	return f'{first.title} ({first.kind}, {where})'


def run_and_capture(kunit: KunitRun, info: TreeInfo, out: Outputs,
		    name: str, check_rules: bool = False) -> Captured:
	"""Reset the counters, build and run the suites (with the rules and
	reports checks: @check_rules), capture.

	The caller holds the build lock.  Building writes only .gcno files,
	so deleting the .gcda files first leaves exactly this run's counts.
	"""
	build_dir = os.path.abspath(kunit.build_dir)
	os.makedirs(out.root, exist_ok=True)
	# A failed run must not leave the last run's reports looking current.
	for report in REPORTS:
		with contextlib.suppress(FileNotFoundError):
			os.unlink(out.path(report))
	reset_counters(build_dir)
	start = time.monotonic()
	counts = run_suites(kunit, info.banner() + ', gcov build', name,
			    check_rules)
	took = time.monotonic() - start
	written = len(gcda_files(build_dir))
	if not written:
		crash = crash_report(kunit.console_log)
		if crash:
			raise ZdError(f'the coverage kernel crashed, so it wrote no '
				      f'coverage data: {crash} (console: '
				      f'{kunit.console_log})')
		if not counts.passed:
			raise ZdError(f'the coverage kernel in {build_dir} did not '
				      f'build or boot (see kunit.py above)')
		raise ZdError(f'the coverage run wrote no .gcda file in '
			      f'{build_dir}: is the .fini_array.* patch '
			      f'(patches/<line>/0101-*) applied?')
	kernel_info = out.path('kernel.info')
	captured = capture(build_dir, kernel_info, name, kunit.jobs)
	print(f'zdrace: coverage: {written} .gcda files captured in '
	      f'{captured:.1f} s', flush=True)
	return Captured(counts, written, kernel_info,
			{'build + run': took, 'capture': captured})


def report(cap: Captured, info: TreeInfo, out: Outputs,
	   selection: Selection, tree: str, html: bool = True,
	   extra: Optional[Dict[str, str]] = None
	   ) -> Tuple[covreport.Report, Dict[str, lcovinfo.FileCoverage]]:
	"""refcount.{md,json,info} and the HTML in @out.

	The whole-kernel HTML (lines and functions; branches are for the
	refcount paths) is written while the rest is worked out.
	"""
	start = time.monotonic()
	kernel = info.banner().split(': ', 1)[1]
	for sub in ('kernel', 'refcount'):
		shutil.rmtree(out.path(f'html/{sub}'), ignore_errors=True)
	whole = genhtml([cap.info], out.path('html/kernel'),
			f'{kernel}: whole kernel', tree,
			branches=False) if html else None
	try:
		try:
			everything = lcovinfo.relative(lcovinfo.read(cap.info),
						       tree)
		except lcovinfo.TracefileError as e:
			raise ZdError(str(e))
		picked = selection.restrict(everything)
		meta = {'kernel': kernel, **(extra or {}),
			'suites': cap.counts.summary(),
			'gcda files': str(cap.gcda)}
		rep = covreport.build(selection.funcs, selection.whole,
				      everything,
				      'zdrace coverage of the refcount paths', meta)
		# The HTML counts functions as the report does.
		for path, records in covreport.function_records(rep).items():
			if path in picked:
				picked[path].functions = records
		with open(out.path('refcount.info'), 'w') as f:
			f.write(lcovinfo.dump(picked.values()))
		with open(out.path('refcount.md'), 'w') as f:
			f.write(covreport.markdown(rep))
		with open(out.path('refcount.json'), 'w') as f:
			f.write(covreport.to_json(rep))
		if html and picked:
			finish(genhtml([out.path('refcount.info')],
				       out.path('html/refcount'),
				       f'{kernel}: refcount paths', tree),
			       'genhtml (refcount paths)')
	except BaseException:
		if whole:
			whole.kill()
			whole.wait()
		raise
	if whole:
		finish(whole, 'genhtml (whole kernel)')
	cap.timings['report + html'] = time.monotonic() - start
	return rep, everything


def check_floor(report_json: str, floor_path: str,
		show: str) -> Tuple[bool, List[str]]:
	"""(passed, lines to print) for the report against the floor."""
	with open(report_json) as f:
		now = floor.measured(json.load(f))
	verdict = floor.check(floor.load(floor_path), now)
	lines = []
	for failure in verdict.failures:
		lines.append(f'zdrace: coverage below the floor: {failure}')
	if verdict.failures:
		lines.append(f'zdrace: add tests that run these lines, or, if '
			     f'the drop is intended, lower the value in '
			     f'{show} by hand and say why in the commit')
	for path in verdict.unrecorded:
		lines.append(f'zdrace: coverage: {path} has no floor yet; '
			     f'`make coverage-floor` records it')
	if verdict.raised:
		lines.append(f'zdrace: coverage rose above the floor ('
			     f'{"; ".join(verdict.raised)}); `make '
			     f'coverage-floor` raises it')
	return verdict.ok, lines


def timing_line(timings: Dict[str, float]) -> str:
	return 'zdrace: coverage took ' + ', '.join(
		f'{k} {v:.1f} s' for k, v in timings.items())


def floor_from_report(report_json: str, floor_path: str) -> List[str]:
	"""Ratchet the floor up to the last report; returns the changes."""
	try:
		with open(report_json) as f:
			now = floor.measured(json.load(f))
	except FileNotFoundError:
		raise ZdError(f'{report_json}: no coverage report; run `make '
			      f'coverage` first')
	new, changes = floor.ratchet(floor.load(floor_path), now)
	with open(floor_path, 'w') as f:
		f.write(floor.dump(new))
	return changes

