# SPDX-License-Identifier: GPL-2.0
"""`make peers KERNEL=<line>`: build the peers' kernel and initramfs, boot
twice, report.

The kernel is the line's where it boots with two CPUs (BUILD/<line>/kunit/,
built with configs/peers.config too, booted with smp_kernel_args=, its
suites not run: kunit.enable=0), else kunit.py's build of
configs/zone_device.config,
configs/peers.config and the line's configs/<line>/*.config in
BUILD/<line>/peers/; lib/test_hmm.c and mm/gup_test.c built in.  It
boots with a ZONE_DEVICE window of WINDOW:

1. a probe boot (zdrace_peers.probe: /init powers off at once) reads
   where the kernel put the window;
2. the run boots with test_hmm's DEVICE_COHERENT ranges at the bottom
   of it (spm_addr_dev1, then spm_addr_dev0, CHUNK each; test_hmm
   takes its DEVICE_PRIVATE chunks from the top) and runs the plan.

The console goes to BUILD/<line>/peers/console.log, the results to
BUILD/<line>/results/peers.json (kunit.py's JSON of the KTAP, then the
per-test verdicts) and a table on stdout.
"""

import json
import os
import re
import shlex
import time
from dataclasses import replace
from typing import List, Optional, Tuple

from zdtool import ZdError, write_atomic
from zdtool.kernel import kunitpy
from zdtool.kernel.results import Counts
from zdtool.kernel.runner import KunitRun, build
from zdtool.kernel.source import LineSource
from zdtool.layout import Layout
from zdtool.peers import expect, results
from zdtool.peers.userspace import Userspace
from zdtool.sweep.boot import Procs, boot

CONFIGS = ['configs/zone_device.config', 'configs/peers.config']
# A boot of a kernel built with CONFIGS that runs something else (a line's
# kernel running its suites or a sweep): test_hmm's init, which takes
# 256 MiB chunks of the ZONE_DEVICE window for its devices, is not run.
NOT_PEERS_ARGS = ['initcall_blacklist=hmm_dmirror_init']
WINDOW = '1536M'
CHUNK = 256 << 20		# lib/test_hmm.c's DEVMEM_CHUNK_SIZE
BOOT_ARGS = ['mem=1G', 'console=tty', 'kunit.enable=0']
# The run's console: warnings and worse, not the kernel's chatter around
# the tests' output (the probe keeps all: the window line is pr_info).
RUN_LOGLEVEL = 'loglevel=5'
PROBE_TIMEOUT = 60.0
# The run's bound: every test's own timeout, plus the boots.
RUN_MARGIN = 120.0
_WINDOW = re.compile(r'zone_device_mem: hotplug window \[mem '
		     r'(0x[0-9a-f]+)-(0x[0-9a-f]+)\]')


def not_peers_args(line: LineSource) -> List[str]:
	"""What the line's kernel boots with when it runs something else
	than the peers (on a line with peers it is built with CONFIGS)."""
	return NOT_PEERS_ARGS if line.peers else []


def smp_own_args(line: LineSource) -> List[str]:
	"""The line's boot arguments for its kernel on two CPUs when it runs
	its own suites or a sweep, not the peers."""
	return line.smp_kernel_args.split() + not_peers_args(line)


def kernel_run(base: KunitRun, layout: Layout, repo: str) -> KunitRun:
	"""kunit.py's build of the peers' kernel, from the line's run."""
	return replace(base, configs=[os.path.join(repo, c) for c in CONFIGS],
		       build_dir=layout.peers, filter_glob='', kconfig_add=[])


def boot_line(linux: str, line_args: List[str], initrd: str,
	      extra: List[str]) -> List[str]:
	return [linux, *line_args, *BOOT_ARGS, f'zone_device_mem={WINDOW}',
		f'initrd={initrd}', *extra]


def window(text: str, where: str) -> Tuple[int, int]:
	"""The window the console says the kernel set up: (start, end+1)."""
	m = _WINDOW.search(text)
	if not m:
		raise ZdError(f'{where}: no "zone_device_mem: hotplug window" '
			      'line (a kernel without the ZONE_DEVICE port?)')
	return int(m.group(1), 16), int(m.group(2), 16) + 1


def coherent_args(start: int, end: int) -> List[str]:
	if end - start < 4 * CHUNK:
		raise ZdError(f'zone_device_mem={WINDOW}: a window of '
			      f'{(end - start) >> 20} MiB leaves no room for '
			      'two DEVICE_COHERENT and two DEVICE_PRIVATE chunks')
	return [f'test_hmm.spm_addr_dev1={start:#x}',
		f'test_hmm.spm_addr_dev0={start + CHUNK:#x}']


def _boot(cmd: List[str], workdir: str, log: str,
	  timeout: float) -> Tuple[str, bool]:
	"""The console, and whether the boot was killed at @timeout."""
	b = boot(cmd, workdir, log, timeout, Procs())
	with open(log, errors='replace') as f:
		return f.read(), b.timed_out


def table(run: results.Run) -> List[str]:
	width = max([len(r.name) for r in run.results] + [20])
	out = [f'{"test":{width}}  result  reason']
	for r in run.results:
		out.append(f'{r.name:{width}}  {r.status:6}  {r.reason}'.rstrip())
	return out + [f'problem: {p}' for p in run.problems]


def run(base: KunitRun, layout: Layout, line: str, repo: str,
	line_args: List[str], banner: str, repro: str,
	kernel: Optional[KunitRun] = None) -> Counts:
	"""Build what is stale, boot, print the table; the counts.  @layout
	is kernel line @line's, or a mutant's (its peers/ and results/ are
	used); @kernel, the line's kernel where it boots with two CPUs,
	booted with @line_args; @repro, the command that runs it again."""
	print(banner, flush=True)
	kernel = kernel or kernel_run(base, layout, repo)
	print(f'peers: building the kernel in {kernel.build_dir}', flush=True)
	t0 = time.monotonic()
	if build(kernel)[0] != 0:
		raise ZdError(f'the peers kernel ({kernel.build_dir}) failed to '
			      f'build; see: {shlex.join(kernel.command("build"))}')
	user = Userspace(base.tree, layout.peers_user)
	initrd = user.build()
	linux = os.path.join(kernel.build_dir, 'linux')
	t1 = time.monotonic()
	workdir = os.path.join(layout.peers, 'boot')
	os.makedirs(workdir, exist_ok=True)
	uml = [f'uml_dir={workdir}/uml', 'umid=peers']
	probe = boot_line(linux, line_args, initrd,
			  ['zdrace_peers.probe', *uml])
	probe_log = os.path.join(layout.peers, 'probe.log')
	text, hung = _boot(probe, workdir, probe_log, PROBE_TIMEOUT)
	if hung:
		raise ZdError(f'the probe boot did not finish in {PROBE_TIMEOUT:.0f} '
			      f's (console: {probe_log}); reproduce: '
			      f'{shlex.join(probe)}')
	start, end = window(text, probe_log)
	cmd = boot_line(linux, line_args, initrd,
			[RUN_LOGLEVEL, *coherent_args(start, end), *uml])
	log = os.path.join(layout.peers, 'console.log')
	print(f'peers: window [{start:#x}-{end - 1:#x}]; running '
	      f'{len(user.plan)} tests: {shlex.join(cmd)}', flush=True)
	bound = sum(t.timeout for t in user.plan) + RUN_MARGIN
	text, hung = _boot(cmd, workdir, log, bound)
	t2 = time.monotonic()
	found = results.parse(text, base.tree,
			      expect.load(line),
			      [t.name for t in user.plan])
	if hung:
		found.problems.append(f'the run was killed after {bound:.0f} s')
	for line in table(found):
		print(line)
	_write_json(found, base.tree, layout, cmd, log)
	counts = found.counts
	print(f'peers: {counts.summary()} (build {t1 - t0:.1f} s, boots '
	      f'{t2 - t1:.1f} s); console {log}', flush=True)
	if counts.failed:
		print(f'peers: reproduce: {repro}', flush=True)
	return counts


def _write_json(found: results.Run, tree: str, layout: Layout,
		cmd: List[str], log: str) -> None:
	doc = dict(found.to_json(), command=cmd, console=log)
	if found.test is not None:
		kjson = kunitpy.load(tree, 'kunit_json')
		meta = kjson.Metadata(arch='um', build_dir=layout.peers)
		doc['ktap'] = json.loads(kjson.get_json_result(found.test, meta))
	os.makedirs(layout.results, exist_ok=True)
	write_atomic(os.path.join(layout.results, 'peers.json'),
		     json.dumps(doc, indent=1))
