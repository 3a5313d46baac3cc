"""Outcomes and scores (DESIGN §7): passed, failed, inapplicable or untested per dataset and
test; points earned over points possible per dataset, per principle and in total, with the
maturity per metric (its highest passed test). Inapplicable and untested tests leave the
denominator."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pancommons.fair.tests import METRIC_SET_VERSION, FairTest

PASSED, FAILED, INAPPLICABLE, UNTESTED = "passed", "failed", "inapplicable", "untested"


@dataclass
class Outcome:
    test: FairTest
    outcome: str
    paths: tuple[str, ...] = ()
    """The property shapes that found a violation (what to fix)."""
    detail: str = ""
    """Online checks: what was fetched and what happened."""

    @property
    def earned(self) -> float:
        return self.test.points if self.outcome == PASSED else 0.0

    @property
    def counts(self) -> bool:
        return self.outcome in (PASSED, FAILED)


@dataclass
class DatasetScore:
    dataset: str
    outcomes: list[Outcome] = field(default_factory=list)
    metric_set: str = METRIC_SET_VERSION

    @property
    def earned(self) -> float:
        return sum(o.earned for o in self.outcomes)

    @property
    def possible(self) -> float:
        return sum(o.test.points for o in self.outcomes if o.counts)

    @property
    def score(self) -> float:
        """Earned over possible, 0–1 (0 when nothing could be tested)."""
        return self.earned / self.possible if self.possible else 0.0

    def by_principle(self) -> dict[str, tuple[float, float]]:
        """Principle (F1…R1.3) → (earned, possible)."""
        out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for o in self.outcomes:
            if o.counts:
                out[o.test.principle][0] += o.earned
                out[o.test.principle][1] += o.test.points
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def by_letter(self) -> dict[str, tuple[float, float]]:
        """F, A, I, R → (earned, possible)."""
        out: dict[str, list[float]] = {k: [0.0, 0.0] for k in "FAIR"}
        for principle, (earned, possible) in self.by_principle().items():
            if principle[:1] in out:
                out[principle[:1]][0] += earned
                out[principle[:1]][1] += possible
        return {k: (v[0], v[1]) for k, v in out.items()}

    def maturity(self) -> dict[str, int]:
        """Metric IRI → the maturity of its highest passed test (0: none passed)."""
        out: dict[str, int] = {}
        for o in self.outcomes:
            level = o.test.maturity if o.outcome == PASSED else 0
            out[o.test.metric] = max(out.get(o.test.metric, 0), level)
        return out


def score(
    datasets: Iterable[str],
    tests: dict[str, FairTest],
    violations: Iterable[tuple[str, str, str]],
    *,
    online: Mapping[tuple[str, str], tuple[bool, str]] | None = None,
    not_applicable: dict[str, set[str]] | None = None,
) -> dict[str, DatasetScore]:
    """Scores of ``datasets`` from the engine's violations (focus, source shape, component).

    ``online``: (dataset, test IRI) → (passed, detail) from the online checks; without it (an
    offline run) the tests marked ``pan:online`` are untested, as are those it has no answer for.
    ``not_applicable``: test IRI → datasets its guard (``pan:applicableIf``) excludes."""
    not_applicable = not_applicable or {}
    failed: dict[tuple[str, str], set[str]] = defaultdict(set)
    shape_to_tests: dict[str, list[str]] = defaultdict(list)
    for t in tests.values():
        for shape in t.property_shapes | {t.iri}:
            shape_to_tests[shape].append(t.iri)
    for focus, shape, _component in violations:
        for test in shape_to_tests.get(shape, ()):
            failed[(focus, test)].add(shape)
    out: dict[str, DatasetScore] = {}
    ordered = sorted(tests.values(), key=lambda t: (t.principle, t.iri))
    for d in datasets:
        s = DatasetScore(d)
        for t in ordered:
            if t.deactivated:
                s.outcomes.append(Outcome(t, UNTESTED))
            elif d in not_applicable.get(t.iri, ()):
                s.outcomes.append(Outcome(t, INAPPLICABLE))
            elif t.online:
                answer = online.get((d, t.iri)) if online is not None else None
                if answer is None:
                    s.outcomes.append(Outcome(t, UNTESTED))
                else:
                    passed, detail = answer
                    s.outcomes.append(Outcome(t, PASSED if passed else FAILED, detail=detail))
            elif (d, t.iri) in failed:
                s.outcomes.append(Outcome(t, FAILED, tuple(sorted(failed[(d, t.iri)]))))
            else:
                s.outcomes.append(Outcome(t, PASSED))
        out[d] = s
    return out
