# SPDX-License-Identifier: GPL-2.0
"""The sweep recipes of docs/sweep.md ("Shards, CI, nightly"), run as
written against a fake kernel that skips every seed when it boots without
the ZONE_DEVICE window: the CI matrix and its merge, GNU parallel's shards
and their merge, and the nightly script that cron and systemd run.

The kernel build of `make sweep` / `scripts/zdrace.py sweep` is left out
(the fake kernel is the built one); the sweep's part of each command line
goes to scripts/sweep, whose commands and defaults are zdrace.py's.  Each
boot's budget becomes --runs 4: the recipes' hours are not the point."""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from typing import List

from tests import sweepfake
from tests.sweeptest import SWEEP, SweepCase

DOC = os.path.join(sweepfake.SCRIPTS, '..', 'docs', 'sweep.md')
SECTION = '## Shards, CI, nightly'


def recipe_lines() -> List[str]:
	"""The section's lines that start a sweep command."""
	with open(DOC) as f:
		text = f.read()
	section = text[text.index(SECTION):]
	section = section[:section.find('\n## ', 1) if '\n## ' in section[1:]
			  else len(section)]
	return [line.strip() for line in section.splitlines()
		if re.match(r'(- run: |parallel -j \d+ )?(scripts/zdrace\.py '
			    r'--kernel=\S+ sweep |make sweep SWEEP_ARGS=)',
			    line.strip())]


def sweep_words(line: str) -> List[str]:
	"""The sweep command (run ..., merge ...) a recipe line gives."""
	line = re.sub(r'^- run: ', '', line)
	line = re.sub(r'^parallel -j \d+ ', '', line)
	line = re.sub(r' ::: .*$| \|\| \[ \$\? -eq 1 \]$', '', line)
	line = line.replace('$([ -e $p ] && echo --previous $p)', '')
	line = line.replace('$d', 'night')
	m = re.match(r'make sweep SWEEP_ARGS="(.*)"$', line)
	if m:
		return ['run'] + shlex.split(m.group(1))
	m = re.match(r'\S*zdrace\.py --kernel=\S+ sweep (.*)$', line)
	assert m, line
	return shlex.split(m.group(1))


def bounded(words: List[str]) -> List[str]:
	"""@words with the budget replaced by four jobs."""
	out, skip = [], False
	for w in words:
		if skip:
			skip = False
		elif w in ('--time', '--runs'):
			skip = True
		else:
			out.append(w)
	return out + ['--runs', '4'] if out[0] == 'run' else out


class RecipesTest(SweepCase):

	def run_here(self, cwd: str, words: List[str]) -> None:
		if words[0] == 'run':
			words = ['run', '--kernel', '6.12', '--build-root',
				 self.build] + words[1:]
		os.makedirs(cwd, exist_ok=True)
		words = [x for w in words for x in (sorted(glob.glob(
			os.path.join(cwd, w))) if '*' in w else [w])]
		words = [os.path.relpath(w, cwd) if os.path.isabs(w) and
			 w.startswith(cwd) else w for w in words]
		proc = subprocess.run([sys.executable, SWEEP, *words], cwd=cwd,
				      env=self.env(), stdout=subprocess.PIPE,
				      stderr=subprocess.STDOUT, text=True,
				      timeout=120)
		self.assertEqual(proc.returncode, 0,
				 f'{shlex.join(words)}:\n{proc.stdout}')

	def booted_with_window(self) -> None:
		with open(self.calls) as f:
			argvs = [json.loads(line)['argv'] for line in f]
		self.assertTrue(argvs)
		for argv in argvs:
			self.assertIn('zone_device_mem=256M', argv)

	def test_the_section_has_every_recipe(self) -> None:
		lines = recipe_lines()
		self.assertEqual(len(lines), 5, lines)
		self.assertEqual(sum('${{ matrix.shard }}' in l for l in lines), 1)
		self.assertEqual(sum(l.startswith('parallel ') for l in lines), 1)

	def test_ci_matrix_then_merge(self) -> None:
		self.kernel(needs_window=True)
		run, merge = [l for l in recipe_lines() if 'report out/sweep-' in l
			      or '${{' in l]
		for shard in range(1, 5):
			words = sweep_words(run.replace('${{ matrix.shard }}',
							str(shard)))
			self.run_here(self.path('ci'), bounded(words))
			# upload-artifact sweep-N, download-artifact into out/
			shutil.copytree(self.path('ci', 'out', f'shard{shard}'),
					self.path('merge', 'out', f'sweep-{shard}'))
		self.run_here(self.path('merge'), sweep_words(merge))
		self.assertTrue(os.path.isfile(self.path('merge', 'report',
							 'sweep.json')))
		self.booted_with_window()

	def test_gnu_parallel_then_merge(self) -> None:
		self.kernel(needs_window=True)
		run, merge = [l for l in recipe_lines()
			      if l.startswith('parallel ') or 'out/all' in l]
		for shard in range(1, 9):
			self.run_here(self.path('big'), bounded(sweep_words(
				run.replace('{}', str(shard)))))
		self.run_here(self.path('big'), sweep_words(merge))
		self.assertTrue(os.path.isfile(self.path('big', 'out', 'all',
							 'sweep.json')))
		self.booted_with_window()

	def test_nightly_script(self) -> None:
		"""What cron and the systemd unit run: the script's make sweep."""
		self.kernel(needs_window=True)
		night = next(l for l in recipe_lines() if l.startswith('make '))
		self.run_here(self.path('srv'), bounded(sweep_words(night)))
		self.assertTrue(os.path.isfile(self.path(
			'srv', 'build', 'sweep', 'night', 'sweep.json')))
		self.booted_with_window()


if __name__ == '__main__':
	import unittest
	unittest.main()
