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

_DEACTIVATED, _ONLINE, _SHAPES = "deactivated", "online", "shapes"
"""How ``score`` decides a test."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Immutable: ``score`` shares one instance between the datasets with the same outcome of a
    test (passed, inapplicable, untested), which keeps a large run's memory down."""

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
    shape_to_tests: dict[str, list[str]] = defaultdict(list)
    for t in tests.values():
        for shape in t.property_shapes | {t.iri}:
            shape_to_tests[shape].append(t.iri)
    failed: dict[str, dict[str, set[str]]] = {}
    """dataset → test IRI → the shapes that failed it"""
    for focus, shape, _component in violations:
        of_shape = shape_to_tests.get(shape)
        if not of_shape:
            continue
        of_focus = failed.get(focus)
        if of_focus is None:
            of_focus = failed[focus] = {}
        for test in of_shape:
            shapes = of_focus.get(test)
            if shapes is None:
                of_focus[test] = {shape}
            else:
                shapes.add(shape)
    inapplicable: dict[str, set[str]] = defaultdict(set)
    """dataset → the tests its guards exclude"""
    for test, excluded in not_applicable.items():
        for d in excluded:
            inapplicable[d].add(test)
    ordered = sorted(tests.values(), key=lambda t: (t.principle, t.iri))
    # Per test, in order: how it is decided and the outcomes that carry nothing of their own
    # (passed, inapplicable, untested), shared by every dataset that has them; failures with
    # the same failed shapes share one too. This loop runs datasets x tests times.
    plan = [
        (
            t,
            t.iri,
            _DEACTIVATED if t.deactivated else _ONLINE if t.online else _SHAPES,
            Outcome(t, PASSED),
            Outcome(t, INAPPLICABLE),
            Outcome(t, UNTESTED),
        )
        for t in ordered
    ]
    failures: dict[tuple[str, tuple[str, ...]], Outcome] = {}
    nothing: dict[str, set[str]] = {}
    out: dict[str, DatasetScore] = {}
    for d in datasets:
        fails = failed.get(d, nothing)
        skip = inapplicable.get(d, ())
        outcomes: list[Outcome] = []
        add = outcomes.append
        for t, test, how, passed, not_applying, untested in plan:
            if how is _DEACTIVATED:
                add(untested)
            elif test in skip:
                add(not_applying)
            elif how is _ONLINE:
                answer = online.get((d, test)) if online is not None else None
                if answer is None:
                    add(untested)
                else:
                    ok, detail = answer
                    add(Outcome(t, PASSED if ok else FAILED, detail=detail))
            elif test in fails:
                key = (test, tuple(sorted(fails[test])))
                o = failures.get(key)
                if o is None:
                    o = failures[key] = Outcome(t, FAILED, key[1])
                add(o)
            else:
                add(passed)
        out[d] = DatasetScore(d, outcomes)
    return out
