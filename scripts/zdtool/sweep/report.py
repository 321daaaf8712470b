# SPDX-License-Identifier: GPL-2.0
"""A sweep's results: failures deduplicated by title, per-point hit counts,
throughput, the trend against a previous night, and the output files:

	sweep.json	KCIDB (KernelCI database) v4 report: one test per job
	junit.xml	JUnit XML, one testcase per job
	report.html	one self-contained page (sweep.html)
"""

import json
import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Set, Tuple

from zdtool import bad_input, write_atomic
from zdtool.sweep import html
from zdtool.kernel.replay import Goal
from zdtool.sweep.job import make_command, repro_command
from zdtool.sweep.journal import State
from zdtool.sweep.records import (Failure, Header, JobRecord, Minimized,
				  PointRow, Replayed, Summary, Trend)
from zdtool.sweep.spec import SUITE, Job

KCIDB_VERSION = {'major': 4, 'minor': 5}
ORIGIN = 'zdrace'


def failure_repro(rec: JobRecord, header: Header,
		  arm: Optional[List[str]] = None) -> Tuple[str, str]:
	"""(kernel command line, make command) for one seed of @rec."""
	s = header.settings
	seed, seeds = rec.fail_seed, 1
	if seed is None:		# not pinned to a seed: the whole block
		seed, seeds = rec.seed, rec.seeds
	job = Job(rec.index, rec.case, seed, seeds,
		  rec.arm if arm is None else arm, header.spec.concurrent)
	goal = Goal('run', s.line, tuple((k, v) for k, v in s.make_vars))
	return (repro_command(s.linux, job, s.extra),
		make_command(s.line, job, s.extra, goal))


def _points(summary: Summary) -> List[PointRow]:
	rows: Dict[str, PointRow] = {}
	for h in summary.headers:
		for point in h.spec.pool:
			rows.setdefault(point, PointRow(point))
	actions: Dict[str, Set[str]] = {}
	for rec, _ in summary.jobs:
		seen = {p.point: p for p in rec.points}
		for entry in rec.arm:
			point, _, action = entry.partition(':')
			row = rows.setdefault(point, PointRow(point))
			actions.setdefault(point, set()).add(action)
			row.jobs += 1
			stat = seen.get(point)
			if stat:
				row.hits += stat.hits
				row.fired += stat.fired
				row.hit_jobs += stat.hits > 0
	for point, row in rows.items():
		row.actions = sorted(actions.get(point, ()))
	return list(rows.values())


def summarize(states: List[State],
	      previous: Optional[str] = None) -> Summary:
	"""Fold one sweep directory, or the shards of one, into a summary."""
	summary = Summary([s.header for s in states], [])
	seen: Set[Tuple[int, int]] = set()
	minimized: Dict[str, Minimized] = {}
	replayed: Dict[str, Replayed] = {}
	for n, state in enumerate(states):
		for rec in state.records():
			if (rec.index, rec.part) not in seen:
				seen.add((rec.index, rec.part))
				summary.jobs.append((rec, n))
		for title, mini in state.minimized.items():
			minimized.setdefault(title, mini)
		for title, rep in state.replayed.items():
			replayed.setdefault(title, rep)
		summary.shards.append('{}/{}'.format(*state.header.spec.shard))
		if state.elapsed > 0:
			inter = sum(r.interleavings for r in state.records())
			summary.per_min += inter * 60.0 / state.elapsed
		summary.elapsed = max(summary.elapsed, state.elapsed)
	summary.jobs.sort(key=lambda p: (p[0].index, p[0].part))
	groups: Dict[str, Failure] = {}
	for rec, n in summary.jobs:
		summary.kinds[rec.kind] = summary.kinds.get(rec.kind, 0) + 1
		summary.interleavings += rec.interleavings
		for window, n_met in rec.overlaps.items():
			summary.overlaps[window] = \
				summary.overlaps.get(window, 0) + n_met
		if not rec.failing:
			continue
		f = groups.get(rec.title)
		if f is None:
			repro, make = failure_repro(rec, summary.headers[n])
			groups[rec.title] = Failure(
				rec.title, rec.kind, rec.status, 1, rec, [rec.case],
				repro, make, minimized.get(rec.title),
				replayed.get(rec.title))
		else:
			f.count += 1
			if rec.case not in f.cases:
				f.cases.append(rec.case)
	summary.failures = sorted(groups.values(), key=lambda f: f.first.index)
	summary.points = _points(summary)
	if previous:
		summary.trend = trend([f.title for f in summary.failures],
				      previous_titles(previous))
	return summary


def previous_titles(path: str) -> List[str]:
	"""Failure titles of an earlier sweep.json."""
	try:
		with open(path) as f:
			doc = json.load(f)
		tests = doc['tests']
		return sorted({t['misc']['title'] for t in tests
			       if t.get('status') in ('FAIL', 'ERROR') and
			       t.get('misc', {}).get('title')})
	except OSError as e:
		raise bad_input(f'--previous {path}: '
				f'{str(e.strerror).lower()}') from None
	except (ValueError, KeyError, TypeError, AttributeError):
		raise bad_input(f'--previous {path}: not a sweep.json (KCIDB '
				'report of a sweep)') from None


def trend(now: List[str], before: List[str]) -> Trend:
	return Trend(new=[t for t in now if t not in before],
		     still=[t for t in now if t in before],
		     fixed=[t for t in before if t not in now])


def _iso(t: float) -> str:
	return time.strftime('%Y-%m-%dT%H:%M:%S+00:00', time.gmtime(t))


def _ids(h: Header) -> Tuple[str, str]:
	k = h.kernel
	return (f'{ORIGIN}:{k.version}-{k.series}',
		f'{ORIGIN}:{h.settings.line}-{k.sha256[:16]}')


_MISC = ('index', 'case', 'seed', 'seeds', 'arm', 'kind', 'title',
	 'fail_seed', 'trace', 'repro', 'reports', 'note', 'rc',
	 'interleavings', 'points', 'log', 'overlaps', 'part')


def kcidb(summary: Summary, out: str) -> Dict[str, Any]:
	checkouts: Dict[str, Dict[str, Any]] = {}
	builds: Dict[str, Dict[str, Any]] = {}
	for h in summary.headers:
		checkout, build = _ids(h)
		k = h.kernel
		checkouts.setdefault(checkout, {
			'id': checkout, 'origin': ORIGIN, 'tree_name': 'zdrace',
			'comment': f'linux {k.version}, patches '
				   f'{h.settings.line}@{k.series}',
			'misc': {'linux': k.version, 'series': k.series}})
		builds.setdefault(build, {
			'id': build, 'checkout_id': checkout, 'origin': ORIGIN,
			'architecture': 'um', 'config_name': 'zdrace',
			'valid': True, 'misc': {'linux_sha256': k.sha256,
						'path': h.settings.linux}})
	tests = []
	for rec, n in summary.jobs:
		h = summary.headers[n]
		whole = asdict(rec)
		test: Dict[str, Any] = {
			'id': f'{ORIGIN}:sweep-{h.id}-{rec.index}' +
			      (f'.{rec.part}' if rec.part else ''),
			'build_id': _ids(h)[1], 'origin': ORIGIN,
			'path': f'{SUITE}.{rec.case}', 'status': rec.status,
			'start_time': _iso(rec.start),
			'duration': rec.duration,
			'comment': rec.title or rec.kind,
			'environment': {'comment': 'User-mode Linux (ARCH=um)'},
			'misc': {k: whole[k] for k in _MISC}}
		if rec.log:
			test['log_url'] = 'file://' + os.path.abspath(
				os.path.join(out, rec.log))
		if rec.excerpt:
			test['log_excerpt'] = rec.excerpt[:16384]
		tests.append(test)
	for b in builds.values():
		b['misc']['sweep'] = {
			'interleavings': summary.interleavings,
			'interleavings_per_min': round(summary.per_min, 1),
			'overlaps': summary.overlaps,
			'failures': [{'title': f.title, 'count': f.count,
				      'first_job': f.first.index,
				      'first_seed': f.first.fail_seed,
				      'repro': f.repro, 'make': f.make,
				      'minimized': f.minimized.to_json()
				      if f.minimized else None,
				      'replayed': f.replayed.to_json()
				      if f.replayed else None}
				     for f in summary.failures]}
	return {'version': KCIDB_VERSION, 'checkouts': list(checkouts.values()),
		'builds': list(builds.values()), 'tests': tests}


def _xml_text(s: str) -> str:
	return re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]', '', s)


def junit(summary: Summary) -> str:
	root = ET.Element('testsuites', name='zdrace sweep')
	suites: Dict[str, ET.Element] = {}
	totals: Dict[str, Dict[str, float]] = {}
	for rec, _ in summary.jobs:
		name = f'{SUITE}.{rec.case}'
		if name not in suites:
			suites[name] = ET.SubElement(root, 'testsuite', name=name)
			totals[name] = dict.fromkeys(
				('tests', 'failures', 'errors', 'skipped', 'time'), 0)
		t = totals[name]
		last = rec.seed + rec.seeds - 1
		case = ET.SubElement(
			suites[name], 'testcase', classname=name,
			name=_xml_text(f'job {rec.index}: seeds {rec.seed}-'
				       f'{last} {",".join(rec.arm)}'),
			time=f'{rec.duration:.3f}')
		t['tests'] += 1
		t['time'] += rec.duration
		body = _xml_text('\n'.join([rec.excerpt] +
					   [f'trace: {x}' for x in rec.trace]))
		if rec.status == 'FAIL':
			t['failures'] += 1
			ET.SubElement(case, 'failure', type=rec.kind,
				      message=_xml_text(rec.title)).text = body
		elif rec.status == 'ERROR':
			t['errors'] += 1
			ET.SubElement(case, 'error', type=rec.kind,
				      message=_xml_text(rec.title)).text = body
		elif rec.status == 'SKIP':
			t['skipped'] += 1
			ET.SubElement(case, 'skipped', message=_xml_text(rec.note))
	for name, el in suites.items():
		for k, v in totals[name].items():
			el.set(k, f'{v:.3f}' if k == 'time' else str(int(v)))
	for k in ('tests', 'failures', 'errors', 'skipped'):
		root.set(k, str(sum(int(t[k]) for t in totals.values())))
	return ET.tostring(root, encoding='unicode', xml_declaration=True)


def write(summary: Summary, out: str) -> List[str]:
	"""sweep.json, junit.xml, report.html in @out; returns their paths."""
	paths = [os.path.join(out, n) for n in
		 ('sweep.json', 'junit.xml', 'report.html')]
	write_atomic(paths[0], json.dumps(kcidb(summary, out), indent=1))
	write_atomic(paths[1], junit(summary))
	write_atomic(paths[2], html.render(summary))
	return paths
