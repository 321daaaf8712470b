# SPDX-License-Identifier: GPL-2.0
"""A fake UML kernel for the sweep's tests.

write_kernel() writes an executable `linux`.  Booted with kunit.action=list
it prints the zdrace_fi listing of test_data/sweep/kernel_list.log and its
zdrace_sweep cases ("cases", default CASES), appending its argv to
"list_calls".  Otherwise it takes the sweep's boot line and prints what the
zdrace_sweep suite would: boot noise (with UML's
um_pci_init warning), KTAP per seed, the suite's `armed` and
`interleavings` exit lines.  Rules make a seed misbehave:

	{"do": "kasan"|"warn"|"fail"|"bug"|"segv"|"panic"|"hang"|"crash",
	 "point": "<armed point>", "seed": <n>, "case": "<case>"}

(each key but "do" optional: all given must match; "boots": [n, ...]
fires only on those boots, counted from 1 in the file "counter", as a
concurrent race does now and then).  "cpus": n prints SMP's bring-up line for n CPUs;
with zdrace_sweep.concurrent=1 the kernel prints an `overlap` exit line.
A hang also starts a
child in the kernel's process group and records its pid in "pidfile".
Like UML, it keeps a run directory <uml_dir>/<umid>/ (default ~/.uml/)
while it runs.
Every boot appends its argv, cwd, whether stdin is /dev/null and whether it
leads its own session to "calls" (JSON lines).
"""

import json
import os
import textwrap
from typing import Any, Dict, List, Optional

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)
CASES = ['teardown_vs_gup_fast', 'teardown_vs_put', 'alloc_free_vs_teardown']
KERNEL_LIST = os.path.join(SCRIPTS, 'tests', 'test_data', 'sweep',
			   'kernel_list.log')

_BODY = r'''
import json, os, subprocess, sys, time
args = dict(a.split('=', 1) for a in sys.argv[1:] if '=' in a)
if args.get('kunit.action') == 'list':
    if SPEC.get('list_calls'):
        with open(SPEC['list_calls'], 'a') as f:
            f.write(json.dumps({'argv': sys.argv}) + '\n')
    with open(SPEC['kernel_list']) as f:
        for line in f:
            if 'zdrace_fi:' in line:
                sys.stdout.write(line)
    if SPEC.get('cpus', 1) > 1:
        print('[    0.1] smp: Brought up 1 node, %d CPUs' % SPEC['cpus'])
    for c in SPEC.get('cases', CASES):
        print('[    0.5] zdrace_sweep.' + c)
    print('reboot: System halted')
    sys.exit(0)
case = args['kunit.filter_glob'].split('.', 1)[1]
seed0, seeds = int(args['zdrace_sched.seed']), int(args['zdrace_sched.seeds'])
arm = [x for x in args.get('zdrace_sweep.arm', '').split(',') if x]
boot = 0
if SPEC.get('counter'):
    if os.path.exists(SPEC['counter']):
        with open(SPEC['counter']) as f:
            boot = int(f.read())
    boot += 1
    with open(SPEC['counter'], 'w') as f:
        f.write(str(boot))
armed = {x.split(':')[0] for x in arm}
if SPEC.get('calls'):
    null = os.stat('/dev/null')
    st = os.fstat(0)
    with open(SPEC['calls'], 'a') as f:
        f.write(json.dumps({'argv': sys.argv, 'cwd': os.getcwd(),
            'pid': os.getpid(),
            'stdin_null': (st.st_rdev, st.st_ino) == (null.st_rdev, null.st_ino),
            'own_session': os.getsid(0) == os.getpid()}) + '\n')
# UML's run directory: uml_dir=, else ~/.uml; removed on a clean halt.
run_dir = os.path.join(args.get('uml_dir', os.path.expanduser('~/.uml')),
                       args.get('umid', str(os.getpid())))
os.makedirs(run_dir, exist_ok=True)
with open(os.path.join(run_dir, 'pid'), 'w') as f:
    f.write(str(os.getpid()))
def out(s):
    sys.stdout.write(s + '\n'); sys.stdout.flush()
out('Linux version 6.12.117 (fake) #1')
out('Kernel command line: ' + ' '.join(sys.argv[1:]))
out('------------[ cut here ]------------')
out('WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:1005 um_pci_init+0xc7/0xd7')
out('---[ end trace 0000000000000000 ]---')
if SPEC.get('no_tests'):
    out('KTAP version 1'); out('1..0'); out('reboot: System halted'); sys.exit(0)
out('KTAP version 1'); out('1..1'); out('    KTAP version 1')
out('    # Subtest: zdrace_sweep'); out('    1..1'); out('        KTAP version 1')
out('        # Subtest: ' + case)
if SPEC.get('needs_window') and 'zone_device_mem' not in args:
    for n, s in enumerate(range(seed0, seed0 + seeds), 1):
        out('        ok %d seed %d # SKIP no ZONE_DEVICE memory window: '
            'zone_device_mem= was not given' % (n, s))
    out('    ok 1 %s # SKIP' % case); out('ok 1 zdrace_sweep')
    out('reboot: System halted'); sys.exit(0)
def rule(s):
    for r in SPEC.get('rules', []):
        if ('point' not in r or r['point'] in armed) \
                and r.get('seed', s) == s and r.get('case', case) == case \
                and boot in r.get('boots', [boot]):
            return r['do']
    return None
failed = 0
for n, s in enumerate(range(seed0, seed0 + seeds), 1):
    time.sleep(SPEC.get('sleep', 0))
    do = rule(s)
    trace = '    # %s: trace: a:gate:x b:gate:y seed%d' % (case, s)
    repro = '    # %s: zdrace: replay: param=- seed=%d' % (case, s)
    if do == 'kasan':
        out('=' * 66)
        out('BUG: KASAN: slab-use-after-free in free_zone_device_folio+0x3c5/0x4e0')
        out('Read of size 8 at addr 000000006a3c1e58 by task zd_actor_b/143')
        out('=' * 66)
    elif do == 'warn':
        out('WARNING: CPU: 0 PID: 141 at mm/memremap.c:519 zone_device_page_init+0x21e/0x360')
        out('---[ end trace 0000000000000000 ]---')
    elif do == 'fail':
        out('    # %s: EXPECTATION FAILED at kunit-tests/zdrace_sweep.c:214' % case)
        out('    Expected refs == %d, but' % s)
    elif do == 'bug':
        out('BUG: failure at mm/memremap.c:171/memunmap_pages()!')
        out('Kernel panic - not syncing: BUG!'); os._exit(134)
    elif do == 'segv':
        out('RIP: 0033:gup_fast_pte_range+0x4e4/0x9a0')
        out('Kernel panic - not syncing: Segfault with no mm'); os._exit(134)
    elif do == 'panic':
        out('Kernel panic - not syncing: fake panic %d' % s); os._exit(134)
    elif do == 'crash':
        os._exit(1)
    elif do == 'hang':
        child = subprocess.Popen(['sleep', '600'])
        if SPEC.get('pidfile'):
            with open(SPEC['pidfile'], 'w') as f:
                f.write(str(child.pid))
        time.sleep(600)
    if do in ('kasan', 'fail'):
        failed += 1
        out(trace); out(repro); out('        not ok %d seed %d' % (n, s))
    else:
        out('        ok %d seed %d' % (n, s))
out('    %s 1 %s' % ('not ok' if failed else 'ok', case))
for x in arm:
    p, a = x.split(':', 1)
    hits = 0 if p in SPEC.get('unreached', []) else seeds
    out('zdrace_sweep: armed %s %s hits=%d fired=%d' % (p, a, hits, hits))
if args.get('zdrace_sweep.concurrent') == '1':
    out('zdrace_sweep: overlap gup_walk_during_zap=%d' % seeds)
out('[    2.345678] zdrace_sweep: interleavings=%d' % seeds)
out('%s 1 zdrace_sweep' % ('not ok' if failed else 'ok'))
out('reboot: System halted')
import shutil; shutil.rmtree(run_dir)
'''


def write_kernel(build_root: str, spec: Dict[str, Any],
		 line: str = '6.12') -> str:
	"""BUILD_ROOT/LINE/kunit/linux behaving as @spec says."""
	path = os.path.join(build_root, line, 'kunit', 'linux')
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, 'w') as f:
		spec = dict(spec, kernel_list=KERNEL_LIST)
		f.write('#!/usr/bin/env python3\nimport json\n'
			f'SPEC = json.loads({json.dumps(json.dumps(spec))})\n'
			f'CASES = {CASES!r}\n' +
			textwrap.dedent(_BODY))
	os.chmod(path, 0o755)
	return path


def calls(path: str) -> List[Dict[str, Any]]:
	if not os.path.exists(path):
		return []
	with open(path) as f:
		return [json.loads(x) for x in f if x.strip()]
