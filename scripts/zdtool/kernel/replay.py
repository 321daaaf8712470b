# SPDX-License-Identifier: GPL-2.0
"""A failed case as the one command that runs it again.

The kernel prints facts, the host writes commands.  A failed case logs its
replay facts (zdtool.kernel.console); the run's goal (what `make` target,
on which line and tree, with which mutant or series and boot parameters)
is the host's.  Together they make one line, pasted at the root of the
checkout:

	make <goal> KERNEL=<line> [KERNEL_SRC=...] [MUTANT=...|SERIES=...]
		FILTER=<suite>.<case> RUN_ARGS='<the run's> <the replay's>'

FILTER selects the case, zdrace_sched.param= its parameter, and
zdrace_sched.seed= with .seeds=1 its schedule.  A goal that builds
something of its own (a mutant, a reviewed series) builds it again.
"""

import shlex
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

from zdtool.kernel import console, kunitpy


@dataclass(frozen=True)
class Goal:
	"""How a run was started, as `make` variables."""
	verb: str			# run, mutants, review, coverage
	line: str
	variables: Tuple[Tuple[str, str], ...] = ()	# KERNEL_SRC, MUTANT, ...
	run_args: Tuple[str, ...] = ()			# RUN_ARGS of the run

	def but(self, verb: str, *variables: Tuple[str, str]) -> 'Goal':
		"""This goal as @verb, with @variables added (replacing those
		of the same names)."""
		names = {k for k, _ in variables}
		kept = tuple((k, v) for k, v in self.variables if k not in names)
		return Goal(verb, self.line, kept + variables, self.run_args)

	def command(self, suite: str, case: str,
		    replay: Optional[console.Replay] = None,
		    boot_args: Tuple[str, ...] = ()) -> str:
		"""The line that runs @suite.@case again, with @replay's
		parameter and seed and @boot_args (the sweep's arming)."""
		words = ['make', self.verb, f'KERNEL={self.line}']
		words += [f'{k}={v}' for k, v in self.variables]
		# A crashed suite names no case: the whole suite again.
		words.append(f'FILTER={suite}.{case}' if case else
			     f'FILTER={suite}')
		args = merge(list(self.run_args), list(boot_args) +
			     (replay.boot_args() if replay else []))
		line = ' '.join(shlex.quote(w) for w in words)
		if args:
			line += f' RUN_ARGS={shlex.quote(" ".join(args))}'
		return line


def merge(args: List[str], more: List[str]) -> List[str]:
	"""@args then @more, a `key=value` of @more replacing the same key's
	(a replayed run's command replays the same parameter once)."""
	keys = {a.split('=', 1)[0] for a in more}
	return [a for a in args if a.split('=', 1)[0] not in keys] + more


@dataclass
class Failure:
	"""A failed (or crashed) case of a run."""
	suite: str
	case: str
	param: str = ''			# the failed parameter's description
	replay: Optional[console.Replay] = None
	status: str = 'FAIL'
	notes: List[str] = field(default_factory=list)

	@property
	def name(self) -> str:
		where = f'{self.suite}.{self.case}'
		return f'{where} [{self.param}]' if self.param else where


def failures(ktap: kunitpy.Ktap) -> List[Failure]:
	"""The failed cases and parameters of a parsed console, in order."""
	out: List[Failure] = []
	for suite in ktap.root.subtests:
		for case in suite.subtests:
			params: List[Any] = case.subtests or [case]
			for p in params:
				status = kunitpy.status(p)
				if status not in ('FAIL', 'ERROR'):
					continue
				facts = console.replay(p.log) or \
					console.replay(case.log)
				f = Failure(suite.name, case.name,
					    p.name if p is not case else '',
					    facts, status)
				if facts is None and p is not case:
					f.notes.append('the kernel logged no '
						       'replay facts: every '
						       'parameter runs')
				out.append(f)
	return out


def lines(goal: Goal, found: List[Failure]) -> List[str]:
	"""What a run prints of its failures: each with its command."""
	out = []
	for f in found:
		out.append(f'zdrace: {f.status.lower()}: {f.name}')
		out += [f'zdrace:   ({n})' for n in f.notes]
		out.append(f'zdrace:   reproduce with: '
			   f'{goal.command(f.suite, f.case, f.replay)}')
	return out
