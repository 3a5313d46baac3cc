"""Fuzz targets report how many inputs they generated (see budget.py)."""

from __future__ import annotations

import pytest

from tests.fuzz.budget import INPUTS, LARGE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not INPUTS:
        return
    total = sum(INPUTS.values())
    budget = "large (make fuzz)" if LARGE else "CI"
    terminalreporter.write_sep("-", f"fuzz: {total} generated inputs, {budget} budget")
    for target, n in sorted(INPUTS.items()):
        terminalreporter.write_line(f"  {target}: {n}")
