# SPDX-License-Identifier: GPL-2.0
"""The fault-injection sweep: matrix, jobs, journal, console reading,
reports (scripts/sweep)."""

# The KUnit suite whose cases are the sweep's scenarios.
SUITE = 'zdrace_sweep'
