# SPDX-License-Identifier: GPL-2.0
"""`make stock`: does our series regress any of the kernel's own tests?

The kernel's default KUnit suites (tools/testing/kunit/configs/
default.config) plus our config fragments run twice: on the unpatched
kernel (the pristine source, build dir stock-pristine/) and on the
patched one (the prepared tree, stock/).  A test whose result differs is
a regression of the series; a test that fails on both (as
slub_test.test_clobber_zone does with KASAN) is not.

The unpatched kernel lacks what the series adds (UML memory hotplug,
ZONE_DEVICE on UML, our suites): the entries of the fragments it cannot
have are left out of its kunitconfig, and listed.
"""

import json
import os
import subprocess
from dataclasses import dataclass, replace
from typing import Dict, List, Tuple

from zdtool import ZdError
from zdtool.kernel import kunitpy
from zdtool.kernel.results import walk_cases
from zdtool.kernel.runner import KunitRun, run_suites

DEFAULT_CONFIG = 'tools/testing/kunit/configs/default.config'
STOCK_KUNITCONFIG = 'stock.kunitconfig'
ABSENT = 'absent'
PASSING = ('PASS', 'SKIP')


@dataclass
class Difference:
	test: str
	unpatched: str
	patched: str


def results(json_text: str) -> Dict[str, str]:
	"""suite.case[.param] -> PASS, FAIL, SKIP or ERROR, of kunit.py's
	--json output."""
	out = {}
	for name, status in walk_cases(json.loads(json_text)):
		out[name.split('.', 1)[1] if '.' in name else name] = status
	return out


def compare(unpatched: Dict[str, str],
	    patched: Dict[str, str]) -> List[Difference]:
	"""Every test whose result the series changes.  A test only the
	patched kernel has (our suites) counts when it does not pass."""
	diff = []
	for name in sorted(set(unpatched) | set(patched)):
		before = unpatched.get(name, ABSENT)
		after = patched.get(name, ABSENT)
		if before == after:
			continue
		if before == ABSENT and after in PASSING:
			continue
		diff.append(Difference(name, before, after))
	return diff


def table(diff: List[Difference]) -> str:
	rows = [['test', 'unpatched', 'patched']] + \
		[[d.test, d.unpatched, d.patched] for d in diff]
	widths = [max(len(r[i]) for r in rows) for i in range(3)]
	lines = ['| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |'
		 for r in rows]
	lines.insert(1, '|' + '|'.join('-' * (w + 2) for w in widths) + '|')
	return '\n'.join(lines)


def available(wanted_text: str, dotconfig_text: str,
	      kunit_config: object) -> Tuple[str, List[str]]:
	"""(kunitconfig of the entries of @wanted_text that @dotconfig_text
	has, the entries it does not), both read by kunit.py's kunit_config
	module @kunit_config."""
	parse = getattr(kunit_config, 'parse_from_string')
	wanted, got = parse(wanted_text), parse(dotconfig_text)
	keep: List[str] = []
	dropped: List[str] = []
	for entry in wanted.as_entries():
		one = parse(str(entry))
		(keep if one.is_subset_of(got) else dropped).append(str(entry))
	return ''.join(f'{e}\n' for e in keep), dropped


def satisfiable_kunitconfig(run: KunitRun) -> List[str]:
	"""Write @run's kunitconfig (its configs, less what its tree cannot
	build) into its build dir; returns the entries left out."""
	kunit_config = kunitpy.load(run.tree, 'kunit_config')
	wanted = ''
	for path in run.configs:
		with open(path) as f:
			wanted += f.read() + '\n'
	os.makedirs(run.build_dir, exist_ok=True)
	dotconfig = os.path.join(run.build_dir, '.config')
	with open(dotconfig, 'w') as f:
		f.write(wanted)
	proc = subprocess.run(['make', 'ARCH=um', f'O={run.build_dir}',
			       'olddefconfig'], cwd=run.tree,
			      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			      text=True)
	if proc.returncode != 0:
		raise ZdError(f'make olddefconfig in {run.tree} failed: '
			      f'{proc.stdout.strip().splitlines()[-1:]}')
	with open(dotconfig) as f:
		text, dropped = available(wanted, f.read(), kunit_config)
	with open(os.path.join(run.build_dir, STOCK_KUNITCONFIG), 'w') as f:
		f.write(text)
	return dropped


def _results(run: KunitRun, name: str) -> Dict[str, str]:
	path = os.path.join(run.results, f'{name}.json')
	try:
		with open(path) as f:
			return results(f.read())
	except (OSError, ValueError) as e:
		raise ZdError(f'{path}: no results of kunit.py ({e}); see its '
			      'output above')


def run(patched: KunitRun, pristine: str, build_dir: str,
	banner: str) -> int:
	"""@patched: kunit.py on the prepared tree with default.config and
	our fragments; the same on the unpatched source @pristine, built in
	@build_dir."""
	unpatched = replace(patched, tree=pristine, build_dir=build_dir,
			    configs=[os.path.join(pristine, DEFAULT_CONFIG)] +
			    patched.configs[1:])
	# Each kernel gets what it can have of default.config + ours: the
	# unpatched one none of our options; a kernel default.config makes
	# SMP, say, none of what needs a uniprocessor.
	patched = replace(patched)
	for what, kunit in (('unpatched', unpatched), ('patched', patched)):
		dropped = satisfiable_kunitconfig(kunit)
		if dropped:
			print(f'zdrace: stock: the {what} kernel cannot have '
			      f'{", ".join(dropped)}', flush=True)
		kunit.configs = [os.path.join(kunit.build_dir,
					      STOCK_KUNITCONFIG)]
	unpatched_banner = banner.split(', patches')[0] + ', unpatched'
	run_suites(unpatched, unpatched_banner, 'stock-unpatched')
	run_suites(patched, banner, 'stock-patched')
	diff = compare(_results(unpatched, 'stock-unpatched'),
		       _results(patched, 'stock-patched'))
	if not diff:
		print('zdrace: stock: no test changes its result with the series',
		      flush=True)
		return 0
	print(f'zdrace: stock: {len(diff)} test(s) change their result with '
	      f'the series:\n{table(diff)}', flush=True)
	return 1
