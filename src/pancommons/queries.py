"""Named SPARQL queries: the ``*.rq`` files of ``queries/`` with their header and parameters.

A header is the leading ``#`` comment block, one ``key: value`` per line::

    # title: Datasets by technique, with PaNET descendants
    # description: Every dataset tagged with the technique or any narrower PaNET technique.
    # param: technique (panet) — PaNET technique IRI or short form (default: PaNET01124)

A parameter line names the query variable, its kind (one of ``KINDS``), a description and a
default. The query holds exactly one ``VALUES ?name { … }`` block per parameter, with the default
in it, so the file runs as it is in any SPARQL editor.

Binding never pastes the caller's text into the query: the value is first parsed as its kind
(an IRI must be a valid absolute IRI, an integer an integer...) into a pyoxigraph ``NamedNode``
or ``Literal``, and the parameter's ``VALUES`` block is replaced by one holding that term as
pyoxigraph writes it (``str()`` of a term is its escaped SPARQL form). A value that is not of its
kind raises ``ParamError`` naming the parameter. The same text runs on every store, embedded or
remote.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from pancommons.resources import resource_dir
from pancommons.vocab import InvalidIdentifier, panet_iri

XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_LITERAL = 1000
"""Longest text accepted for a ``literal`` parameter."""
RESERVED = frozenset({"format"})
"""Names no parameter may have (``/queries/{name}?format=csv`` chooses the result format)."""

_PARAM_LINE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<kind>[a-z]+)\)\s*[—–-]+\s*(?P<rest>.*)$"
)
_DEFAULT = re.compile(r"\s*\(default:\s*(?P<default>[^()]*)\)\s*$")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParamError(ValueError):
    """A parameter value that is not of its kind, or a parameter the query does not have."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"parameter {param!r}: {message}")
        self.param = param


class QueryFileError(ValueError):
    """A ``.rq`` file whose header or ``VALUES`` blocks do not follow the rules above."""


Term = NamedNode | Literal


def _iri(value: str) -> Term:
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"not a valid absolute IRI ({exc})") from None


def _panet(value: str) -> Term:
    try:
        return NamedNode(panet_iri(value))
    except InvalidIdentifier:
        raise ValueError("not a PaNET term (PaNET01168, panet:PaNET01168 or its purl)") from None


def _literal(value: str) -> Term:
    if len(value) > MAX_LITERAL:
        raise ValueError(f"longer than {MAX_LITERAL} characters")
    try:
        return Literal(value)
    except ValueError:  # lone surrogates (undecodable bytes on a command line)
        raise ValueError("not valid Unicode text") from None


def _integer(value: str) -> Term:
    if not _INTEGER.fullmatch(value):
        raise ValueError("not an integer")
    return Literal(int(value))


def _year(value: str) -> Term:
    if not _YEAR.fullmatch(value):
        raise ValueError("not a four-digit year")
    return Literal(int(value))


def _date(value: str) -> Term:
    if value.lower() == "today":
        value = datetime.datetime.now(datetime.UTC).date().isoformat()  # as NOW() in SPARQL
    if not _DATE.fullmatch(value):
        raise ValueError('not a date YYYY-MM-DD (or "today")')
    try:
        datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a date ({exc})") from None
    return Literal(value, datatype=NamedNode(XSD + "date"))


KINDS: dict[str, Callable[[str], Term]] = {
    "iri": _iri,
    "panet": _panet,
    "literal": _literal,
    "integer": _integer,
    "year": _year,
    "date": _date,
}
"""Parameter kinds: each parses a value into the RDF term bound in the query (ValueError if the
value is not of the kind). ``panet`` takes a PaNET IRI or its short form ``PaNET01124``;
``year`` is an xsd:integer; ``date`` an xsd:date, ``today`` meaning the current day."""


@dataclass(frozen=True)
class Param:
    """One parameter of a named query: the variable it binds and how its value is read."""

    name: str
    kind: str
    description: str
    default: str

    def term(self, value: str) -> Term:
        """``value`` as the RDF term to bind; ParamError if it is not of this kind."""
        try:
            return KINDS[self.kind](value.strip())
        except ValueError as exc:
            raise ParamError(self.name, f"{value!r} is {exc}") from None

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "default": self.default,
        }


@dataclass(frozen=True)
class NamedQuery:
    """A ``.rq`` file of ``queries/``: its name (the file stem), header and parameters."""

    name: str
    path: Path
    title: str
    description: str
    params: list[Param] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The query as written, with the parameters' defaults."""
        return self.path.read_text(encoding="utf-8")

    def bind(self, values: Mapping[str, str] | None = None) -> str:
        """The query with every parameter bound: to ``values[name]`` when given, else to its
        default. ParamError for an unknown parameter or a value not of its kind."""
        values = dict(values or {})
        known = {p.name for p in self.params}
        for name in values:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ParamError(name, f"query {self.name!r} has no such parameter ({listed})")
        template = self.text
        # Every block is found in the template first, then replaced from the end: a bound value
        # is never searched again, so nothing in it can be taken for another block.
        blocks = [
            (
                _values_block(template, p.name, self.path).span(),
                p.name,
                p.term(values.get(p.name, p.default)),
            )
            for p in self.params
        ]
        blocks.sort(key=lambda block: block[0])
        text = template
        for (start, end), name, term in reversed(blocks):
            text = f"{text[:start]}VALUES ?{name} {{ {term} }}{text[end:]}"
        return text

    def as_dict(self) -> dict[str, object]:
        """The header as JSON-ready data (for ``/queries``)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [p.as_dict() for p in self.params],
        }


def _values_block(text: str, name: str, path: Path) -> re.Match[str]:
    """The one ``VALUES ?name { … }`` block of the query (QueryFileError unless exactly one)."""
    found = list(re.finditer(rf"VALUES\s+\?{name}\s*\{{[^{{}}]*\}}", text))
    if len(found) != 1:
        raise QueryFileError(
            f"{path.name}: parameter {name!r} needs exactly one 'VALUES ?{name} {{ default }}' "
            f"block, found {len(found)}"
        )
    return found[0]


def _param(value: str, path: Path) -> Param:
    m = _PARAM_LINE.match(value)
    if not m:
        raise QueryFileError(
            f"{path.name}: parameter line {value!r} is not 'NAME (KIND) — description "
            "(default: VALUE)'"
        )
    name, kind, rest = m.group("name"), m.group("kind"), m.group("rest")
    if name in RESERVED:
        raise QueryFileError(f"{path.name}: {name!r} is reserved and cannot name a parameter")
    if kind not in KINDS:
        raise QueryFileError(f"{path.name}: parameter {name!r} has unknown kind {kind!r}")
    d = _DEFAULT.search(rest)
    if not d:
        raise QueryFileError(f"{path.name}: parameter {name!r} has no '(default: …)'")
    param = Param(name, kind, rest[: d.start()].strip(), d.group("default").strip())
    try:
        param.term(param.default)
    except ParamError as exc:
        raise QueryFileError(f"{path.name}: default of {exc}") from None
    return param


def parse_header(path: Path) -> NamedQuery:
    """The header of a ``.rq`` file (QueryFileError if a parameter is malformed)."""
    text = path.read_text(encoding="utf-8")
    title, description, params = path.stem, "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line.lstrip("#").strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "title":
            title = value
        elif key == "description":
            description = f"{description} {value}".strip()
        elif key == "param":
            params.append(_param(value, path))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{path.name}: a parameter is declared twice")
    for p in params:
        _values_block(text, p.name, path)
    return NamedQuery(path.stem, path, title, description, params)


def named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries, by name (file stem)."""
    folder = folder or resource_dir("queries")
    return {p.stem: parse_header(p) for p in sorted(folder.glob("*.rq"))}


__all__ = [
    "KINDS",
    "NamedQuery",
    "Param",
    "ParamError",
    "QueryFileError",
    "named_queries",
    "parse_header",
]
