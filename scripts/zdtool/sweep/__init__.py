# SPDX-License-Identifier: GPL-2.0
"""The fault-injection sweep: matrix, jobs, journal, console reading,
reports (scripts/sweep)."""
