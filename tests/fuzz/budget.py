"""The fuzz budget: a small one in CI (every run), a large one with ``make fuzz``.

``PANCOMMONS_FUZZ=large`` (set by ``make fuzz``) multiplies every target's example count so that
the whole suite generates at least 10^5 inputs; the default budget keeps ``make test`` quick.
Each target calls ``counted(name)`` once per generated input, and the session prints the total
(``fuzz: N generated inputs ...``), which is the figure docs/reliability.md reports.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

LARGE = os.environ.get("PANCOMMONS_FUZZ") == "large"
INPUTS: Counter[str] = Counter()
"""Generated inputs per fuzz target in this session."""


def examples(ci: int, large: int) -> int:
    """The number of examples for a target: ``ci`` by default, ``large`` under make fuzz."""
    return large if LARGE else ci


def fuzz_settings(ci: int, large: int) -> settings:
    """Hypothesis settings for a fuzz target. CI runs are derandomized (the same inputs on
    every run, so a failure is reproducible); the large budget explores with fresh seeds."""
    return settings(
        max_examples=examples(ci, large),
        deadline=None,
        derandomize=not LARGE,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


def counted(target: str) -> None:
    """Count one generated input for ``target``."""
    INPUTS[target] += 1
