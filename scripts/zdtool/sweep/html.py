# SPDX-License-Identifier: GPL-2.0
"""report.html: one self-contained page (no scripts, no external files)
with the sweep's failures, trend, per-point hits and throughput."""

import html
import re
import time
from typing import Any, Dict, Iterable, List

from zdtool.sweep.records import Summary
from zdtool.sweep.spec import EXCLUDED, SUITE
from zdtool.sweep.title import IGNORED

STYLE = '''
body { font: 14px/1.4 sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left;
	 vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; }
code, pre { font: 12px monospace; }
pre { white-space: pre-wrap; max-width: 70em; margin: .2em 0; }
.FAIL { background: #fdd; } .ERROR { background: #fec; }
.new { color: #b00; font-weight: bold; } .fixed { color: #070; }
.miss { color: #b00; }
'''


def _e(x: Any) -> str:
	return html.escape(re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]', '',
				  str(x)))


def _table(head: List[str], rows: Iterable[List[str]]) -> str:
	"""Cells are already escaped HTML."""
	out = ['<table>' + ('<tr>' + ''.join(f'<th>{_e(h)}</th>' for h in head)
			    + '</tr>' if head else '')]
	for row in rows:
		out.append('<tr>' + ''.join(
			c if c.startswith(('<td', '<th')) else f'<td>{c}</td>'
			for c in row) + '</tr>')
	return '\n'.join(out) + '</table>'


def _failures(s: Summary) -> str:
	if not s.failures:
		return '<p>No failures.</p>'
	rows = []
	for f in s.failures:
		r = f.first
		mini = ''
		if f.minimized:
			m = f.minimized
			mini = ('<br>minimal: <code>' +
				_e(','.join(m.arm) or '(nothing armed)') +
				'</code>' if m.reproduced else
				'<br>minimize: not reproduced with one seed')
		if f.replayed:
			mini += f'<br>{_e(f.replayed.text())}'
		trace = ''.join(f'<pre>trace: {_e(t)}</pre>' for t in r.trace)
		log = f'<a href="{_e(r.log)}">console log</a>' if r.log else ''
		rows.append([
			f'<td class="{_e(f.status)}">{_e(f.title)}</td>',
			_e(f.kind), f'<td class="n">{f.count}</td>',
			_e(', '.join(f.cases)),
			f'job {r.index}, {_e(r.first_seed())}<br>'
			f'<code>{_e(",".join(r.arm))}</code>{mini}<br>{log}',
			f'<pre>{_e(f.repro)}</pre><pre>{_e(f.make)}</pre>{trace}'])
	return _table(['title', 'kind', 'count', 'scenarios', 'first hit',
		       'repro (one seed)'], rows)


def _trend(s: Summary) -> str:
	if s.trend is None:
		return ''
	t = s.trend
	items = [f'<li class="new">new: {_e(x)}</li>' for x in t.new] + \
		[f'<li>still failing: {_e(x)}</li>' for x in t.still] + \
		[f'<li class="fixed">fixed: {_e(x)}</li>' for x in t.fixed]
	return (f'<h2>Trend against the previous sweep</h2><p>{len(t.new)} '
		f'new, {len(t.still)} still failing, {len(t.fixed)} '
		f'fixed</p><ul>{"".join(items)}</ul>')


def _points(s: Summary) -> str:
	rows = [[f'<code>{_e(p.point)}</code>', _e(', '.join(p.actions)),
		 f'<td class="n">{p.jobs}</td>',
		 f'<td class="n">{p.hit_jobs}</td>',
		 f'<td class="n">{p.hits}</td>',
		 f'<td class="n">{p.fired}</td>',
		 'yes' if p.hit else '<td class="miss">never hit</td>']
		for p in s.points]
	return _table(['point', 'actions', 'jobs armed', 'jobs hit', 'hits',
		       'fired', 'hit'], rows)


def _scenarios(s: Summary) -> str:
	kinds = sorted(s.kinds)
	counts: Dict[str, Dict[str, int]] = {}
	for rec, _ in s.jobs:
		c = counts.setdefault(rec.case, {})
		c[rec.kind] = c.get(rec.kind, 0) + 1
	rows = [[f'<code>{_e(SUITE)}.{_e(case)}</code>'] +
		[f'<td class="n">{c.get(k, 0)}</td>' for k in kinds]
		for case, c in sorted(counts.items())]
	return _table(['scenario'] + kinds, rows)


def render(s: Summary) -> str:
	h = s.headers[0]
	k = h.kernel
	spec = h.spec
	meta = [
		['kernel', _e(f'linux {k.version}, patches '
			      f'{h.settings.line}@{k.series}')],
		['binary', f'<code>{_e(h.settings.linux)}</code> '
			   f'(sha256 {_e(k.sha256[:16])})'],
		['started', _e(time.strftime('%Y-%m-%d %H:%M:%S UTC',
					     time.gmtime(h.created)))],
		['shards', _e(', '.join(s.shards))],
		['jobs', f'{len(s.jobs)} boots of {spec.seeds_per_boot} seeds; '
			 f'matrix {len(spec.cases)} scenarios x '
			 f'{len(spec.pairs)} point:action pairs, '
			 f'{spec.points_per_job} point(s) armed per job'],
		['interleavings', f'{s.interleavings} in {s.elapsed:.0f} s: '
				  f'<b>{s.per_min:.0f} interleavings/min</b>'],
		['results', _e(', '.join(f'{v} {k}' for k, v in
					 sorted(s.kinds.items())) or 'none')],
	]
	if spec.concurrent:
		meta.append(['schedules', 'concurrent: the actors ran at once '
			     'on different CPUs; a seed replays only '
			     'statistically (its hit rate is measured)'])
	if s.overlaps:
		meta.append(['windows overlapped', _e(', '.join(
			f'{k} {v}' for k, v in sorted(s.overlaps.items())))])
	notes = [f'<li><code>{_e(p)}</code> left out of the matrix: {_e(w)}'
		 '</li>' for p, w in EXCLUDED.items()] + \
		[f'<li>ignored report <i>{_e(t)}</i>: {_e(w)}</li>'
		 for t, w in IGNORED.items()]
	return '\n'.join([
		'<!DOCTYPE html>', '<html><head><meta charset="utf-8">',
		'<title>zdrace sweep</title>', f'<style>{STYLE}</style>',
		'</head><body>', '<h1>zdrace fault-injection sweep</h1>',
		_table([], ([f'<th>{a}</th>', b] for a, b in meta)),
		f'<h2>Failures ({len(s.failures)} distinct)</h2>', _failures(s),
		_trend(s), '<h2>Injection points</h2>',
		'<p>A point is hit when some job reached it with the point armed'
		' (hits &gt; 0 in the suite\'s exit lines).</p>', _points(s),
		'<h2>Scenarios</h2>', _scenarios(s),
		'<h2>Notes</h2>', f'<ul>{"".join(notes)}</ul>',
		'</body></html>', ''])
