# SPDX-License-Identifier: GPL-2.0
"""The sweep's journal: append-only JSON lines, one fsync per record.

	{"type": "sweep", ...}		first line: the matrix and settings
	{"type": "session", "t": ...}	each start or resume
	{"type": "job", "index": j, ...}	a finished job (JobRecord); "part": n
					for the rest of its block after n
					boots that stopped (a crash or hang)
	{"type": "minimized", ...}	a failure's smallest arm list
	{"type": "replayed", ...}	a concurrent failure's hit rate

A record is written with one write() and fsync()ed before the next job's
result is handled, so a crash, SIGKILL or power cut loses at most the
line being written.  A last line without its newline is that torn write:
it is ignored when read and cut off before the journal is appended to.
"""

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from zdtool import bad_input
from zdtool.sweep.records import (FORMAT, Header, JobRecord, Minimized,
				  Replayed)
from zdtool.sweep.spec import Job

NAME = 'journal.jsonl'


def read(path: str) -> List[Dict[str, Any]]:
	"""Every complete record; a torn last line is dropped."""
	try:
		with open(path, 'rb') as f:
			data = f.read()
	except OSError as e:
		raise bad_input(f'{path}: {str(e.strerror).lower()}') from None
	records = []
	for line in data.split(b'\n')[:-1]:	# [-1]: '' or a torn write
		try:
			rec = json.loads(line)
		except ValueError:
			continue
		if isinstance(rec, dict):
			records.append(rec)
	return records


def _fsync_dir(path: str) -> None:
	fd = os.open(path, os.O_RDONLY)
	try:
		os.fsync(fd)
	finally:
		os.close(fd)


class Journal:
	"""Appends records durably."""

	def __init__(self, path: str) -> None:
		self.path = path
		new = not os.path.exists(path)
		if not new:
			self._cut_torn_tail()
		self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
				   0o644)
		if new:
			_fsync_dir(os.path.dirname(os.path.abspath(path)))

	def _cut_torn_tail(self) -> None:
		with open(self.path, 'rb+') as f:
			data = f.read()
			if data and not data.endswith(b'\n'):
				f.truncate(data.rfind(b'\n') + 1)
				os.fsync(f.fileno())

	def append(self, rec: Dict[str, Any]) -> None:
		rec = dict(rec, t=round(time.time(), 3)) if 't' not in rec else rec
		data = (json.dumps(rec) + '\n').encode()
		while data:
			n = os.write(self._fd, data)
			data = data[n:]
		os.fsync(self._fd)

	def close(self) -> None:
		os.close(self._fd)


@dataclass
class State:
	"""A sweep directory's journal, read back."""
	directory: str
	header: Header
	jobs: Dict[int, JobRecord] = field(default_factory=dict)
	minimized: Dict[str, Minimized] = field(default_factory=dict)
	sessions: List[Tuple[float, float]] = field(default_factory=list)
	replayed: Dict[str, Replayed] = field(default_factory=dict)
	# (index, part) -> the boot that ran the rest of a stopped block
	rests: Dict[Tuple[int, int], JobRecord] = field(default_factory=dict)

	@property
	def elapsed(self) -> float:
		"""Seconds the sweep has spent running jobs, over all sessions
		(each from its start to its last finished job)."""
		return sum(max(0.0, end - start) for start, end in self.sessions)

	def records(self) -> List[JobRecord]:
		"""Every boot's record, by job number, then part."""
		recs = list(self.jobs.values()) + list(self.rests.values())
		return sorted(recs, key=lambda r: (r.index, r.part))

	def rests_due(self) -> List[Job]:
		"""The rests of stopped blocks no boot has run yet."""
		due = []
		for rec in self.records():
			job = rest_job(rec, self.header.spec.concurrent)
			if job and (job.index, job.part) not in self.rests:
				due.append(job)
		return due


def rest_job(rec: JobRecord, concurrent: bool) -> Optional[Job]:
	"""The boot that runs what @rec's block had left (JobRecord.rest()),
	if anything."""
	rest = rec.rest()
	if not rest:
		return None
	return Job(rec.index, rec.case, rest[0], rest[1], list(rec.arm),
		   concurrent, rec.part + 1)


def load(directory: str) -> State:
	path = os.path.join(directory, NAME)
	if not os.path.isfile(path):
		raise bad_input(f'{directory}: no {NAME} (not a sweep output '
				'directory)')
	records = read(path)
	if not records or records[0].get('type') != 'sweep':
		raise bad_input(f'{path}: does not start with a sweep record')
	if records[0].get('format') != FORMAT:
		raise bad_input(f'{path}: journal format '
				f'{records[0].get("format")}, expected {FORMAT}')
	state = State(directory, Header.from_json(records[0]))
	for rec in records[1:]:
		kind, t = rec.get('type'), float(rec.get('t', 0))
		if kind == 'session':
			state.sessions.append((t, t))
		elif kind == 'job' and state.sessions:
			start, end = state.sessions[-1]
			state.sessions[-1] = (start, max(end, t))
		if kind == 'job' and int(rec.get('part', 0)):
			state.rests.setdefault((int(rec['index']), int(rec['part'])),
					       JobRecord.from_json(rec))
		elif kind == 'job' and int(rec['index']) not in state.jobs:
			state.jobs[int(rec['index'])] = JobRecord.from_json(rec)
		elif kind == 'minimized':
			state.minimized.setdefault(rec['title'],
						   Minimized.from_json(rec))
		elif kind == 'replayed':
			state.replayed.setdefault(rec['title'],
						  Replayed.from_json(rec))
	return state
