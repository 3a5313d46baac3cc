"""Every shape over the whole embedded store: the plan of queries and a compact result.

Measured on Oxigraph at 100k datasets, a shape's query mostly costs what it returns: turning a
focus node back into its IRI takes about 2 µs a row, so that counting the datasets without a
publisher takes 0.02 s and listing them 0.45 s. The plan therefore:

- runs one query per constraint component (``CompiledShape.bodies``) and once for the shapes
  that share it (a minimum count on the same path, the same check of the same values);
- lists only the focus nodes, without ``DISTINCT`` (the sets here remove duplicates, and
  ``DISTINCT`` doubled the cost of a large answer);
- for a missing value (``min``) counts the triples of the path's last step first (one predicate:
  cheap, nothing decoded; counting a whole two-step path took 4–9 s at 1M datasets); when they
  are fewer than half the focus nodes, so are the nodes with a value: it lists those instead of
  the violations, which are the other focus nodes;
- runs value checks unjoined (backward from the values, see ``CompiledShape.bodies``) and keeps
  the rows whose ``?focus`` is a focus node of the target class; the FILTER checks of the same
  values (the same path and target class, from any shape) are one query with a flag each;
- does not list the rows of a check that fails every value (``_failing_every_value``; a class
  check no value is an instance of): its violations are every focus node with a value;
- keeps one string per focus node and one set per distinct query, shared by the shapes that
  ask it (tens of millions of violations at 1M datasets do not fit as tuples).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

from pyoxigraph import QueryResultsFormat

from pancommons.fair.compile import CompiledShape, focus_pattern
from pancommons.store.embedded import EmbeddedStore


@dataclass
class Violations:
    """The violations of a run: (shape, component) → the focus nodes that violate it."""

    checks: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        """(focus, shape, component) for every violation."""
        for (shape, comp), foci in self.checks.items():
            for focus in foci:
                yield focus, shape, comp

    def __len__(self) -> int:
        return sum(len(foci) for foci in self.checks.values())

    def add(self, shape: str, comp: str, foci: frozenset[str]) -> None:
        key = (shape, comp)
        old = self.checks.get(key)
        self.checks[key] = foci if old is None else old | foci


def column(store: EmbeddedStore, sparql: str) -> list[str]:
    """The first column of a SELECT as ``_name`` strings (IRIs bare, blank nodes ``_:id``),
    serialised by the store in one piece."""
    tsv = store.query(sparql).serialize(format=QueryResultsFormat.TSV)  # type: ignore[union-attr]
    assert isinstance(tsv, bytes)
    lines = tsv.decode().split("\n")[1:]
    return [t[1:-1] if t[:1] == "<" else t.split("\t", 1)[0] for t in lines if t]


def tsv_name(term: str) -> str:
    """A term as SPARQL TSV writes it, as a name: IRIs bare, blank nodes ``_:id``."""
    return term[1:-1] if term[:1] == "<" else term


class _Job(NamedTuple):
    """One query of the plan."""

    kind: str
    target: str
    body: str
    has: str = ""
    """For ``min``: "?focus has a value", backward and unjoined."""
    last: str = ""
    """For ``min``: the triples of the path's last step (``CompiledShape.last``)."""
    instance: str = ""
    """For a class check: "?v is an instance of the class" (``CompiledShape.instance``)."""


def _weight(job: _Job) -> int:
    """Which plan queries go first (lowest): value checks (class checks over the whole graph),
    then missing values on a path of several steps, then the rest."""
    if job.kind == "value":
        return 0
    return 1 if job.kind == "min" and " . " in job.has else 2


def _count(store: EmbeddedStore, pattern: str) -> int:
    """The solutions of a group pattern, counted in the store (no term is decoded)."""
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    return int(next(iter(rows))[0].value)  # type: ignore[arg-type]


def sweep(
    store: EmbeddedStore,
    shapes: list[CompiledShape],
    classes: dict[str, tuple[str, ...]],
    threads: int = 1,
) -> Violations:
    """Every violation of ``shapes`` in the store (its union default graph)."""
    targets = sorted({q.target_class for q in shapes})
    sizes = {t: _count(store, focus_pattern(t, classes[t])) for t in targets}
    """Target class → how many focus nodes (a guide: a node of two of its classes counts twice)."""

    def members_of(target: str) -> dict[str, str]:
        every = focus_pattern(target, classes[target])  # no DISTINCT: the dict dedupes
        names = column(store, f"SELECT ?focus WHERE {{ {every} }}")
        return {name: name for name in names}

    plan: dict[_Job, list[tuple[str, str]]] = {}
    """Each query → the (shape, component) pairs it answers."""
    grouped: dict[tuple[str, str], dict[str, list[tuple[str, str]]]] = {}
    """(target class, the values backward) → FILTER expression → its (shape, component)."""
    lasts: dict[tuple[str, str], str] = {}
    """(target class, the values backward) → the triples of the path's last step."""
    for q in shapes:
        filters = dict(q.checks)
        for kind, comp, body in q.bodies(classes=classes[q.target_class], unjoined=True):
            if kind == "value" and comp in filters:
                by_check = grouped.setdefault((q.target_class, q.value[2]), {})
                by_check.setdefault(filters[comp], []).append((q.shape, comp))
                lasts[(q.target_class, q.value[2])] = q.last
                continue
            job = _Job(kind, q.target_class, body)
            if kind == "min":
                job = job._replace(has=q.value[2], last=q.last)
            elif kind == "value" and q.instance:  # the class check
                job = job._replace(has=q.value[2], instance=q.instance)
            plan.setdefault(job, []).append((q.shape, comp))

    def run(job: _Job) -> frozenset[str] | None:
        """The focus nodes that violate; None for "every focus node with a value"."""
        if job.instance and not store.query(f"ASK {{ {job.instance} . {job.has} }}"):
            # No value is an instance of the class: all fail (a graph whose experiments are
            # not typed: 1M datasets listed took 6 s). Asked from the instances, which stops
            # at the first one that is a value (from the values, finding none among 1M
            # datasets took 2.9 s; from the instances, none, 1 ms).
            return None
        if job.kind == "min" and _count(store, job.last) < sizes[job.target] // 2:
            # Most focus nodes have no value: list the nodes with one; the violations are the
            # rest. (Counting or listing them joined with the focus pattern instead, when the
            # predicate is common on other nodes, cost more at 1M datasets than it saved:
            # 2.4-3.3 s per count, 12 s to find no dataset among 1M byte sizes.)
            passed = column(store, f"SELECT ?focus WHERE {{ {job.has} }}")
            return frozenset(members[job.target].result().keys() - set(passed))
        rows = column(store, f"SELECT ?focus WHERE {{ {job.body} }}")
        focus = members[job.target].result()
        return frozenset(focus[f] for f in rows if f in focus)

    def run_checks(job: tuple[str, str]) -> list[frozenset[str] | None]:
        """Per check, its violations, or None for "every focus node with a value"."""
        target, values = job
        checks = list(grouped[job])
        found: list[list[str] | None] = [None] * len(checks)
        todo = list(range(len(checks)))  # the checks the flagged listing answers
        last = lasts[job]
        # Counted up to one more than the limit (at 1M datasets 0.19 s, against 1 s to count
        # the million distinct creators, titles or identifiers).
        distinct = f"{{ SELECT DISTINCT ?_o WHERE {{ {last} }} LIMIT {DISTINCT_VALUES + 1} }}"
        if _count(store, distinct) <= DISTINCT_VALUES:
            # Few distinct values: each check judges them once, and only the focus nodes of
            # the values it fails are listed (none; every node with a value; or a few).
            todo = []
            for i, bad in enumerate(_judged(store, last, checks)):
                if bad is None:  # every value fails: resolved once the missing values are known
                    continue
                if not bad:
                    found[i] = []
                elif any(t.startswith("_:") for t in bad):  # not writable in VALUES
                    todo.append(i)
                else:
                    pick = f"VALUES ?v {{ {' '.join(bad)} }} {values}"
                    found[i] = column(store, f"SELECT ?focus WHERE {{ {pick} }}")
        else:
            # Many distinct values: a check that fails every value (creators that are no ORCID
            # iD, in a catalogue that has none) needs no listing of its focus nodes.
            every = _failing_every_value(store, values, checks)
            todo = [i for i in todo if i not in every]
        flagged = _flagged(store, values, [checks[i] for i in todo]) if todo else []
        for i, rows in zip(todo, flagged, strict=True):
            found[i] = rows
        focus = members[target].result()
        return [
            None if rows is None else frozenset(focus[f] for f in rows if f in focus)
            for rows in found
        ]

    def with_value(target: str, values: str, missing: frozenset[str] | None) -> frozenset[str]:
        """The focus nodes that have a value (``values``): all but those that miss one."""
        focus = members[target].result()
        if missing is not None:
            return frozenset(focus.keys() - missing)
        rows = column(store, f"SELECT ?focus WHERE {{ {values} }}")
        return frozenset(focus[f] for f in rows if f in focus)

    out = Violations()
    with ThreadPoolExecutor(max(1, threads)) as pool:
        # Everything queued at once: the focus nodes (a job waits for them only once its own
        # query has answered), then the longest queries first (grouped value checks, class
        # checks, missing values on a path of several steps), so that no thread idles at the
        # end while another runs a long one (measured at 1M datasets: 5 s at each end).
        members = {t: pool.submit(members_of, t) for t in targets}
        plan = dict(sorted(plan.items(), key=lambda item: _weight(item[0])))
        checked, answered = pool.map(run_checks, grouped), pool.map(run, plan)
        missing: dict[tuple[str, str], frozenset[str]] = {}
        """(target class, the values backward) → the focus nodes without a value."""
        every: list[_Job] = []
        """Class checks that every value fails, resolved once the missing values are known."""
        for job, foci in zip(plan, answered, strict=True):
            if foci is None:
                every.append(job)
                continue
            if job.kind == "min":
                missing[(job.target, job.has)] = foci
            for shape, comp in plan[job]:
                out.add(shape, comp, foci)
        for job in every:
            foci = with_value(job.target, job.has, missing.get((job.target, job.has)))
            for shape, comp in plan[job]:
                out.add(shape, comp, foci)
        for job, parts in zip(grouped, checked, strict=True):
            for pairs, found in zip(grouped[job].values(), parts, strict=True):
                foci = found if found is not None else with_value(*job, missing.get(job))
                for shape, comp in pairs:
                    out.add(shape, comp, foci)
    return out


DISTINCT_VALUES = 1000
"""Up to this many distinct values, value checks judge each distinct value once (``_judged``)."""


def _judged(store: EmbeddedStore, last: str, checks: list[str]) -> list[list[str] | None]:
    """Per FILTER expression on ``?v``, the distinct values (``?_o`` of ``last``) it fails, as
    SPARQL terms; None when it fails every one."""
    flags, binds = flagged_binds(checks)
    rows = list(
        store.select_rows(
            f"SELECT ?v {' '.join(flags)} WHERE {{ "
            f"{{ SELECT DISTINCT (?_o AS ?v) WHERE {{ {last} }} }} {binds} }}"
        )
    )
    out: list[list[str] | None] = []
    for i in range(len(checks)):
        bad = [row[0] for row in rows if row[i + 1] in TRUE]
        out.append(None if rows and len(bad) == len(rows) else bad)
    return out


SAMPLE = 1000
"""Values a check is first tried on before it is asked whether it fails all of them."""


def _failing_every_value(store: EmbeddedStore, values: str, checks: list[str]) -> set[int]:
    """Which FILTER expressions in ``checks`` fail every value of ``values`` (which binds
    ``?focus`` and ``?v``; an error counts as passed, as in FILTER). Tried on ``SAMPLE`` values
    first, all checks in one query; a check one of them passes is not asked again. The others
    get one ASK each for a passing value, which decodes no focus node (at 1M datasets, instead
    of listing 1.18M dataset-creator rows)."""
    flags, binds = flagged_binds(checks)
    sample = list(
        store.select_rows(
            f"SELECT {' '.join(flags)} WHERE {{ "
            f"{{ SELECT ?v WHERE {{ {values} }} LIMIT {SAMPLE} }} {binds} }}"
        )
    )
    out: set[int] = set()
    for i in range(len(checks)):
        if all(row[i] in TRUE for row in sample):
            one_binds = flagged_binds([checks[i]])[1]
            if not store.query(f"ASK {{ {values} . {one_binds} FILTER(!?k0) }}"):
                out.add(i)
    return out


TRUE = frozenset({"true", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'})
"""A true boolean as SPARQL TSV writes it (the short form, or the full literal)."""


def flagged_binds(checks: list[str]) -> tuple[list[str], str]:
    """A variable per expression (``?k0``…) and the BINDs that set it: true when the
    expression is, false when it is false or raises an error (as FILTER would drop it)."""
    flags = [f"?k{i}" for i in range(len(checks))]
    binds = " ".join(
        f"BIND(COALESCE({c}, false) AS {k})" for c, k in zip(checks, flags, strict=True)
    )
    return flags, binds


def _flagged(store: EmbeddedStore, values: str, checks: list[str]) -> list[list[str]]:
    """Per FILTER expression, the ``?focus`` of the values it flags: one query evaluates the
    values once for all of them (a flag per check; booleans cost nothing to decode, unlike a
    focus node per check). A check that raises an error counts as passed, as in FILTER."""
    flags, binds = flagged_binds(checks)
    # The values are filtered before the rest of the path is joined: the triple binding ?v
    # comes first in ``values`` (``CompiledShape.value``, backward), and only the values
    # that fail a check are joined back to their focus node (access URLs of distributions
    # at 1M datasets: 9.5 s joined first, 4.4 s filtered first; the flags are then computed
    # for the few values that fail).
    head, _, rest = values.partition(" . ")
    fails = " || ".join(f"COALESCE({c}, false)" for c in checks)
    sparql = (
        f"SELECT ?focus {' '.join(flags)} WHERE {{ {{ {head} FILTER({fails}) }} {rest} {binds} }}"
    )
    out: list[list[str]] = [[] for _ in checks]
    for cells in store.select_rows(sparql):
        focus = tsv_name(cells[0])
        for i, cell in enumerate(cells[1:]):
            if cell in TRUE:
                out[i].append(focus)
    return out
