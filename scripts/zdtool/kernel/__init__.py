# SPDX-License-Identifier: GPL-2.0
"""The kernel tree and its runs: source, patch series, prepared tree,
kunit.py runs and their results, the boot check, bench, mutants, stock."""
