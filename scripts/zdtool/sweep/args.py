# SPDX-License-Identifier: GPL-2.0
"""scripts/sweep's command line and entry point.

Options that fix the job list default to None, so that a resumed sweep
can tell them apart from defaults and refuse them (cli.FIXED).
"""

import argparse
import os
import sys
from typing import Optional, Sequence

from zdtool import DEFAULT_KERNEL_ARGS, run_command
from zdtool.sweep import cli
from zdtool.sweep.spec import DEFAULT_ACTIONS, SEEDS_PER_BOOT

EPILOG = '''\
examples:
  sweep run --kernel 6.12 --time 8h --minimize --previous build/sweep/last/sweep.json
  sweep run --kernel 6.12 --runs 200 --shard 2/4 --out out/shard2
  sweep run --kernel 7.3 --concurrent --time 8h
  (make sweep KERNEL=7.3 SWEEP_ARGS="--concurrent --time 8h" builds first)
  sweep run --resume build/sweep/20250101-010000
  sweep merge out/all out/shard1 out/shard2 out/shard3 out/shard4

exit status: 0 no failure, 1 failures found, 2 bad input,
128 + signal when interrupted (130 for Ctrl-C; resume with --resume).
'''


DESCRIPTION = ('Nightly fault-injection sweep: boot the built UML kernel '
	       'over scenarios x injection points x actions x seed blocks, '
	       'classify and deduplicate what breaks.')


def _kernel_options(p: argparse.ArgumentParser) -> None:
	p.add_argument('--kernel', metavar='LINE', help='kernel line (the '
		       'Makefile\'s KERNEL=): boots BUILD_ROOT/LINE/kunit/linux')
	p.add_argument('--build-root', metavar='DIR',
		       help='default: build/ of this repository')
	p.add_argument('--kernel_args', action='append', metavar='ARGS',
		       help='boot parameters (repeatable; default: '
		       f'{" ".join(DEFAULT_KERNEL_ARGS)})')


def _matrix_options(p: argparse.ArgumentParser) -> None:
	p.add_argument('--scenarios', action='append', metavar='LIST',
		       help='cases of zdrace_sweep, comma-separated (default: '
		       'all the kernel lists)')
	p.add_argument('--points', action='append', metavar='LIST',
		       help='injection points (default: all the kernel lists)')
	p.add_argument('--actions', action='append', metavar='LIST',
		       help='delay=<us>, yield, fail (default: '
		       f'{",".join(DEFAULT_ACTIONS)}); each runs where the '
		       'point accepts it')
	p.add_argument('--with-excluded', action='store_true', default=None,
		       help='also arm the pairs the default matrix leaves out')


def build_parser() -> argparse.ArgumentParser:
	"""scripts/sweep's parser: the sweep's commands, each with the
	kernel options zdrace.py otherwise gives (--kernel, ...)."""
	parser = cli.Parser(
		prog='sweep', epilog=EPILOG,
		formatter_class=argparse.RawDescriptionHelpFormatter,
		description=DESCRIPTION)
	add_commands(parser, kernel_options=True)
	return parser


def add_commands(parser: argparse.ArgumentParser,
		 kernel_options: bool) -> None:
	"""The sweep's commands (run, merge, report, list) under @parser:
	scripts/sweep's, or `zdrace.py sweep`'s (whose own options name the
	kernel: @kernel_options false)."""
	sub = parser.add_subparsers(dest='sweep_command', required=True,
				    metavar='COMMAND')
	run = sub.add_parser('run', help='run (or --resume) a sweep',
			     epilog=EPILOG,
			     formatter_class=argparse.RawDescriptionHelpFormatter)
	run.set_defaults(sweep_func=cli.cmd_run)
	count = cli._count
	run.add_argument('--out', metavar='DIR', help='output directory '
			 '(default: BUILD_ROOT/sweep/<timestamp>)')
	run.add_argument('--resume', metavar='DIR', help='continue the sweep '
			 'in DIR: same matrix and settings, finished jobs kept')
	run.add_argument('--runs', type=count(0), metavar='N',
			 help='job numbers below N (all shards together)')
	run.add_argument('--time', metavar='DURATION', help='stop launching '
			 'after this long: 90s, 2m, 8h')
	# Not `jobs`: zdrace.py's --jobs (the build's) would be overwritten.
	run.add_argument('--jobs', dest='sweep_jobs', type=count(1), metavar='N',
			 help=f'kernels at a time (default: the {os.cpu_count()} '
			 'host CPUs over the kernel\'s vCPUs, ncpus=, twice '
			 'that for an SMP kernel)')
	run.add_argument('--timeout', type=count(1), metavar='SEC',
			 help='seconds before a boot counts as a hang (default '
			 '120)')
	run.add_argument('--seed', type=count(0), metavar='S',
			 help='first seed (default 1)')
	run.add_argument('--seeds-per-boot', type=count(1), metavar='K',
			 help=f'seeds (interleavings) per boot (default {SEEDS_PER_BOOT}, at '
			 'most what the kernel lists)')
	run.add_argument('--points-per-job', type=count(1), metavar='K',
			 help='points armed per job: the matrix\'s, plus K-1 '
			 'drawn from the job number (default 1)')
	run.add_argument('--shard', metavar='i/N', help='run the jobs j with '
			 'j %% N == i-1 (default 1/1)')
	run.add_argument('--concurrent', action='store_true', default=None,
			 help='run each job\'s actors at once on different CPUs '
			 '(SMP lines); a seed then replays only statistically')
	run.add_argument('--replays', type=count(0), metavar='N',
			 help='with --concurrent, boot each failure\'s seed N '
			 'more times for its hit rate (default 10)')
	if kernel_options:
		_kernel_options(run)
	_matrix_options(run)
	run.add_argument('--minimize', action='store_true', default=None,
			 help='shrink each failure\'s arm list (ddmin)')
	run.add_argument('--previous', metavar='FILE', help='an earlier '
			 'sweep.json: report new, fixed and still failing')
	run.add_argument('--keep-logs', action='store_true', default=None,
			 help='keep every console log, not just failures\'')

	merge = sub.add_parser('merge', help='merge shard outputs')
	merge.set_defaults(sweep_func=cli.cmd_merge)
	merge.add_argument('out', metavar='OUT')
	merge.add_argument('dirs', metavar='DIR', nargs='+')
	merge.add_argument('--previous', metavar='FILE')

	report = sub.add_parser('report', help='rewrite the outputs of DIR')
	report.set_defaults(sweep_func=cli.cmd_report)
	report.add_argument('dir', metavar='DIR')
	report.add_argument('--previous', metavar='FILE')

	lst = sub.add_parser('list', help='scenarios, points, actions, matrix')
	lst.set_defaults(sweep_func=cli.cmd_list)
	if kernel_options:
		_kernel_options(lst)
	_matrix_options(lst)




def main(argv: Optional[Sequence[str]] = None) -> int:
	args = build_parser().parse_args(argv)
	return run_command('sweep', lambda: int(args.sweep_func(args)))


if __name__ == '__main__':
	sys.exit(main())
