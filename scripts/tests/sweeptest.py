# SPDX-License-Identifier: GPL-2.0
"""Shared fixture of the sweep's end-to-end tests: a temporary build root
with a fake kernel, a source tree, and scripts/sweep run as a command."""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Any, Dict, List, Tuple

from tests import kunittree, sweepfake
from zdtool.sweep import args as sweepargs

SWEEP = os.path.join(sweepfake.SCRIPTS, 'sweep')


class SweepCase(unittest.TestCase):

	def setUp(self) -> None:
		self.tmp = tempfile.mkdtemp(prefix='zdsweep-test-')
		self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
		self.build = os.path.join(self.tmp, 'build')
		self.calls = os.path.join(self.tmp, 'calls.jsonl')
		self.list_calls = os.path.join(self.tmp, 'list_calls.jsonl')
		kunittree.link_into(self, os.path.join(self.build, '6.12',
						       'linux'))

	def kernel(self, **spec: Any) -> str:
		spec.setdefault('calls', self.calls)
		spec.setdefault('list_calls', self.list_calls)
		return sweepfake.write_kernel(self.build, spec)

	def base(self, out: str = 'out') -> List[str]:
		return ['run', '--kernel', '6.12', '--build-root', self.build,
			'--kernel_args',
			'zone_device_mem=256M', '--out', self.path(out)]

	def path(self, *parts: str) -> str:
		return os.path.join(self.tmp, *parts)

	def env(self) -> Dict[str, str]:
		"""The sweep's environment: a home of its own, to see what UML
		would leave in ~/.uml."""
		return dict(os.environ, HOME=self.path('home'))

	def sweep(self, *args: str, timeout: float = 60) -> Tuple[int, str, str]:
		proc = subprocess.run([sys.executable, SWEEP, *args], env=self.env(),
				      stdout=subprocess.PIPE,
				      stderr=subprocess.PIPE, text=True,
				      timeout=timeout)
		return proc.returncode, proc.stdout, proc.stderr

	def sweep_here(self, *args: str) -> Tuple[int, str, str]:
		"""scripts/sweep's main() in this process (faster)."""
		out, err = io.StringIO(), io.StringIO()
		with contextlib.redirect_stdout(out), \
				contextlib.redirect_stderr(err):
			try:
				rc = sweepargs.main(list(args))
			except SystemExit as e:
				rc = int(e.code or 0)
		return rc, out.getvalue(), err.getvalue()

	def start(self, *args: str) -> 'subprocess.Popen[str]':
		return subprocess.Popen([sys.executable, SWEEP, *args],
					env=self.env(), stdout=subprocess.PIPE,
					stderr=subprocess.PIPE, text=True)

	def report(self, out: str = 'out') -> Dict[str, Any]:
		with open(self.path(out, 'sweep.json')) as f:
			doc: Dict[str, Any] = json.load(f)
		return doc

	def journal_jobs(self, out: str = 'out') -> List[Dict[str, Any]]:
		with open(self.path(out, 'journal.jsonl'), 'rb') as f:
			lines = f.read().split(b'\n')[:-1]
		recs = [json.loads(x) for x in lines]
		return [r for r in recs if r.get('type') == 'job']

	def assert_bad_input(self, args: List[str], start: str) -> None:
		"""One line on stderr starting `sweep: error: <start>`, exit 2,
		and no kernel booted."""
		before = len(sweepfake.calls(self.calls))
		rc, _, err = self.sweep_here(*args)
		self.assertEqual(rc, 2, err)
		lines = err.splitlines()
		self.assertEqual(len(lines), 1, err)
		self.assertTrue(lines[0].startswith('sweep: error: ' + start),
				lines[0])
		self.assertEqual(len(sweepfake.calls(self.calls)), before,
				 'a kernel was booted')


def alive(pid: int) -> bool:
	"""Whether @pid still runs (a zombie does not), waiting up to 2 s."""
	deadline = time.monotonic() + 2
	while time.monotonic() < deadline:
		try:
			with open(f'/proc/{pid}/stat') as f:
				if f.read().rsplit(')', 1)[-1].split()[0] in 'ZX':
					return False
		except OSError:
			return False
		time.sleep(0.05)
	return True
