# SPDX-License-Identifier: GPL-2.0
"""Sweep progress: a bar with an ETA on a terminal, plain lines otherwise
(at most one every PLAIN_EVERY seconds, plus one per new failure)."""

import shutil
import sys
import time
from typing import Optional, TextIO

PLAIN_EVERY = 30.0


def _hms(s: float) -> str:
	s = int(max(0, s))
	return f'{s // 3600}h{s // 60 % 60:02d}m' if s >= 3600 else \
		f'{s // 60}m{s % 60:02d}s'


class Progress:

	def __init__(self, total: Optional[int], deadline: Optional[float],
		     done: int = 0, stream: Optional[TextIO] = None,
		     tty: Optional[bool] = None) -> None:
		self.total = total		# jobs this run may reach, if bounded
		self.deadline = deadline	# time.monotonic() bound, if any
		self.done = done
		self.session_done = 0
		self.failures = 0
		self.interleavings = 0
		self.stream: TextIO = stream or sys.stdout
		self.tty = self.stream.isatty() if tty is None else tty
		self.start = time.monotonic()
		self._last_plain = self.start
		self._drawn = False

	def eta(self) -> Optional[float]:
		now = time.monotonic()
		left = []
		if self.deadline is not None:
			left.append(self.deadline - now)
		if self.total is not None and self.session_done:
			rate = (now - self.start) / self.session_done
			left.append((self.total - self.done) * rate)
		return max(0.0, min(left)) if left else None

	def line(self) -> str:
		elapsed = max(time.monotonic() - self.start, 1e-6)
		per_min = self.interleavings * 60 / elapsed
		of = f'/{self.total}' if self.total is not None else ''
		eta = self.eta()
		return (f'{self.done}{of} jobs, {self.failures} failing, '
			f'{per_min:.0f} interleavings/min' +
			(f', ETA {_hms(eta)}' if eta is not None else ''))

	def job(self, interleavings: int, failed: bool) -> None:
		self.done += 1
		self.session_done += 1
		self.interleavings += interleavings
		self.failures += failed
		self.tick()

	def tick(self) -> None:
		if self.tty:
			self._draw()
		elif time.monotonic() - self._last_plain >= PLAIN_EVERY:
			self._last_plain = time.monotonic()
			print(f'sweep: {self.line()}', file=self.stream, flush=True)

	def _draw(self) -> None:
		width = shutil.get_terminal_size((80, 24)).columns
		text = self.line()
		bar = max(10, width - len(text) - 4)
		frac = None
		if self.total:
			frac = self.done / self.total
		elif self.deadline is not None:
			span = self.deadline - self.start
			frac = 1 - (self.eta() or 0) / span if span > 0 else 1
		filled = int(bar * min(1.0, max(0.0, frac or 0)))
		self.stream.write(f'\r[{"#" * filled}{"." * (bar - filled)}] '
				  f'{text}'[:width - 1] + '\x1b[K')
		self.stream.flush()
		self._drawn = True

	def say(self, text: str) -> None:
		"""A line of its own, above the bar."""
		if self._drawn:
			self.stream.write('\r\x1b[K')
		print(text, file=self.stream, flush=True)
		if self.tty:
			self._draw()

	def finish(self) -> None:
		if self._drawn:
			self.stream.write('\n')
			self.stream.flush()
			self._drawn = False
