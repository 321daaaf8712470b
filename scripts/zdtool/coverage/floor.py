# SPDX-License-Identifier: GPL-2.0
"""coverage/<line>/floor.json: the refcount-path coverage CI holds us to.

Per file of the manifest, the lowest function and line coverage (in
percent) accepted.  It is a ratchet: `make coverage-floor` only ever
raises a value to what the last `make coverage` measured; lowering one
is a hand edit that a reviewer sees in the diff.  Per file rather than
one total, so that code which starts being built (the ZONE_DEVICE port
brings mm/memremap.c in) does not count as a drop elsewhere: a file
without a floor is reported, not checked.
"""

import json
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from zdtool import ZdError

KINDS = ('functions', 'lines')
# A run of the same kernel and suites is not bit-for-bit repeatable
# (timers, RCU and workqueue paths), so the recorded floor sits this
# many percentage points under the measurement.
SLACK = 0.5


@dataclass
class Verdict:
	failures: List[str]
	raised: List[str]	# above the floor by more than the slack
	unrecorded: List[str]

	@property
	def ok(self) -> bool:
		return not self.failures


def load(path: str) -> Dict[str, Dict[str, float]]:
	try:
		with open(path) as f:
			doc = json.load(f)
	except FileNotFoundError:
		return {}
	except (OSError, ValueError) as e:
		raise ZdError(f'{path}: not a coverage floor: {e}')
	files = doc.get('files') if isinstance(doc, dict) else None
	if not isinstance(files, dict):
		raise ZdError(f'{path}: not a coverage floor: no "files" object')
	for name, kinds in files.items():
		if not isinstance(kinds, dict) or not all(
				isinstance(kinds.get(k, 0), (int, float))
				for k in KINDS):
			raise ZdError(f'{path}: {name}: needs numbers for '
				      f'{" and ".join(KINDS)}')
	return files


def measured(report_json: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
	"""File -> {functions, lines} percent, for files that were built."""
	out: Dict[str, Dict[str, float]] = {}
	for f in report_json['files']:
		c = f['coverage']
		if not c['lines']:
			continue
		out[f['path']] = {
			'functions': 100.0 * c['functions_hit'] / c['functions']
			if c['functions'] else 0.0,
			'lines': 100.0 * c['lines_hit'] / c['lines']}
	return out


def check(floor: Dict[str, Dict[str, float]],
	  now: Dict[str, Dict[str, float]]) -> Verdict:
	v = Verdict([], [], [])
	for path, kinds in sorted(floor.items()):
		for kind in KINDS:
			want = float(kinds.get(kind, 0.0))
			got = now.get(path, {}).get(kind)
			if got is None:
				if want > 0:
					v.failures.append(f'{path}: not built any '
							  f'more ({kind} floor '
							  f'{want:.1f}%)')
				continue
			if got < want:
				v.failures.append(f'{path}: {kind} {got:.1f}% < '
						  f'floor {want:.1f}%')
			elif _floor_of(got) > want:
				v.raised.append(f'{path}: {kind} {got:.1f}% '
						f'(floor {want:.1f}%)')
	v.unrecorded = sorted(set(now) - set(floor))
	return v


def _floor_of(value: float) -> float:
	return max(0.0, math.floor((value - SLACK) * 10) / 10)


def ratchet(floor: Dict[str, Dict[str, float]],
	    now: Dict[str, Dict[str, float]]) -> Tuple[Dict[str, Dict[str, float]],
							List[str]]:
	"""Raise every value to the measurement (minus SLACK); never lower."""
	new = {p: dict(k) for p, k in floor.items()}
	changes = []
	for path, kinds in sorted(now.items()):
		for kind in KINDS:
			old = float(new.get(path, {}).get(kind, 0.0))
			value = _floor_of(kinds[kind])
			if value > old:
				new.setdefault(path, {})[kind] = value
				changes.append(f'{path}: {kind} {old:.1f}% -> '
					       f'{value:.1f}%')
			else:
				new.setdefault(path, {}).setdefault(kind, old)
	return new, changes


def dump(floor: Dict[str, Dict[str, float]]) -> str:
	doc = {
		'comment': 'Refcount-path coverage floor, percent per file '
			   '(coverage/<line>/refcount-paths). Raised by `make '
			   'coverage-floor`; lower only by hand, saying why.',
		'files': {p: {k: round(float(floor[p].get(k, 0.0)), 1)
			      for k in KINDS} for p in sorted(floor)}}
	return json.dumps(doc, indent=1) + '\n'
