# SPDX-License-Identifier: GPL-2.0
"""Count results: kunit.py's KernelCI JSON and the tooling's unittests."""

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Tuple


@dataclass
class Counts:
	passed: int = 0
	failed: int = 0
	skipped: int = 0

	def __add__(self, other: 'Counts') -> 'Counts':
		return Counts(self.passed + other.passed,
			      self.failed + other.failed,
			      self.skipped + other.skipped)

	def summary(self) -> str:
		return (f'{self.passed} passed, {self.failed} failed, '
			f'{self.skipped} skipped')


def walk_cases(group: Dict[str, Any],
	       prefix: str = '') -> Iterator[Tuple[str, str]]:
	"""(suite.case, status) for every leaf of a kunit_json group."""
	name = group.get('name', '')
	here = prefix + '.' + name if prefix else name
	for case in group.get('test_cases', []):
		yield f'{here}.{case["name"]}', case['status']
	for sub in group.get('sub_groups', []):
		yield from walk_cases(sub, here)


def count_kunit_json(text: str) -> Counts:
	"""PASS/SKIP count as such; FAIL and ERROR (crashed) count as failed."""
	counts = Counts()
	for _, status in walk_cases(json.loads(text)):
		if status == 'PASS':
			counts.passed += 1
		elif status == 'SKIP':
			counts.skipped += 1
		else:
			counts.failed += 1
	return counts
