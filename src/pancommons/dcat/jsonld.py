"""Compact JSON-LD of the catalogue with the official DCAT-AP 3.0.1 context, offline.

The context (``context/dcat-ap.jsonld``, SEMICeu/DCAT-AP ``releases/3.0.1``) is embedded in
every document, never referenced by URL, so that reading the JSON-LD needs no network. It defines
its property terms inside type-scoped contexts (JSON-LD 1.1: ``Dataset`` brings ``title``,
``releaseDate``...), so the document is compacted node by node: a node object's ``@type`` is
written with the class terms of the context, and each of its properties with a term of those
types' scoped contexts when one fits the value (``@type: @id`` for IRIs, the term's datatype
for typed literals), else as a prefixed name (``dcat:``, ``dct:``, ``hydra:``...) with an
expanded value. The output is a flat ``@graph`` of node objects (blank nodes as ``_:id``); a
JSON-LD 1.1 processor expands it to exactly the triples given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from pancommons.dcat.ns import PREFIXES, XSD_STRING

CONTEXT_FILE = Path(__file__).resolve().parent / "context" / "dcat-ap.jsonld"
LOCAL_CONTEXT: dict[str, Any] = {"@version": 1.1, **PREFIXES}
"""Added after the official context: the prefixes of the terms it does not define."""


@dataclass(frozen=True)
class Term:
    name: str
    iri: str
    type: str | None
    """``@id`` (IRI values), a datatype IRI, or None (any value, written expanded)."""
    is_set: bool


@cache
def official_context() -> dict[str, Any]:
    """The ``@context`` object of the official DCAT-AP 3.0.1 context document."""
    with open(CONTEXT_FILE, encoding="utf-8") as f:
        return dict(json.load(f)["@context"])


@cache
def _classes() -> dict[str, str]:
    """Class IRI → its term (the shortest, then first, when several name one class)."""
    out: dict[str, str] = {}
    for name, definition in sorted(official_context().items(), key=lambda i: (len(i[0]), i[0])):
        iri = definition if isinstance(definition, str) else definition.get("@id")
        if isinstance(iri, str) and not name.startswith("@"):
            out.setdefault(iri, name)
    return out


@cache
def _scoped(class_term: str) -> tuple[Term, ...]:
    definition = official_context().get(class_term)
    scoped = definition.get("@context", {}) if isinstance(definition, dict) else {}
    return tuple(
        Term(name, d["@id"], d.get("@type"), d.get("@container") == "@set")
        for name, d in sorted(scoped.items())
        if isinstance(d, dict) and "@id" in d
    )


def document(triples: Iterable[Triple]) -> dict[str, Any]:
    """The JSON-LD document of ``triples``: embedded context and the ``@graph``."""
    return {
        "@context": [official_context(), LOCAL_CONTEXT],
        "@graph": list(node_objects(triples)),
    }


def context_prefix() -> str:
    """The start of a streamed document, up to the opening of the ``@graph`` array."""
    head = json.dumps({"@context": [official_context(), LOCAL_CONTEXT]}, ensure_ascii=False)
    return head[:-1] + ', "@graph": ['


def node_objects(triples: Iterable[Triple]) -> Iterator[dict[str, Any]]:
    """One compacted node object per subject, subjects in first-seen order."""
    by_subject: dict[NamedNode | BlankNode, dict[str, list[Any]]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)  # type: ignore[arg-type]
    for subject, props in by_subject.items():
        yield _node(subject, props)


def _compact_iri(iri: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best) and _simple_local(iri[len(ns) :]):
            best, name = ns, f"{prefix}:{iri[len(ns) :]}"
    return name if best else iri


def _simple_local(local: str) -> bool:
    return bool(local) and all(c.isalnum() or c in "_-." for c in local) and "//" not in local


def _id(term: Any) -> str:
    return f"_:{term.value}" if isinstance(term, BlankNode) else str(term.value)


def _expanded(term: Any) -> Any:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": _compact_iri(term.datatype.value)}
    return {"@id": _id(term)}


def _fits(term: Term, value: Any) -> bool:
    if term.type == "@id":
        return isinstance(value, NamedNode | BlankNode)
    if term.type is not None:
        return isinstance(value, Literal) and value.datatype.value == term.type
    return True


def _node(subject: NamedNode | BlankNode, props: dict[str, list[Any]]) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _id(subject)}
    classes = _classes()
    types = props.pop(PREFIXES["rdf"] + "type", [])
    type_names = sorted(classes.get(t.value) or _compact_iri(t.value) for t in types)
    if type_names:
        node["@type"] = type_names[0] if len(type_names) == 1 else type_names
    active: dict[str, Term] = {}
    for name in type_names:  # later types override earlier ones, as JSON-LD 1.1 applies them
        for scoped in _scoped(name):
            active[scoped.name] = scoped
    by_iri: dict[str, list[Term]] = {}
    for defined in active.values():
        by_iri.setdefault(defined.iri, []).append(defined)
    out: dict[str, list[Any]] = {}
    for predicate, values in props.items():
        candidates = sorted(by_iri.get(predicate, []), key=lambda t: (t.type is None, t.name))
        for value in values:
            term = next((t for t in candidates if _fits(t, value)), None)
            if term is None:
                out.setdefault(_compact_iri(predicate), []).append(_expanded(value))
            elif term.type is None:
                out.setdefault(term.name, []).append(_expanded(value))
            else:
                out.setdefault(term.name, []).append(
                    _id(value) if term.type == "@id" else value.value
                )
    for name in sorted(out):
        values = out[name]
        is_set = name in active and active[name].is_set
        node[name] = values if is_set or len(values) > 1 else values[0]
    return node
