"""Reading the values of a schema.org node for ``mapping/schemaorg.py``: texts, objects and
``{"@id"}`` references checked for their JSON type, dates, and people, organisations, funding and
licences in the shapes of DataCite attributes (written by ``datacite_agents``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pancommons.harvest.mapping.common import MappingError, ror_or_none
from pancommons.harvest.mapping.common import add_date as _add_date
from pancommons.harvest.mapping.nt import XSD, TermError, Triples, iri, literal

Value = dict[str, Any] | str
_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ORG_TYPES = {"Organization", "ResearchOrganization", "EducationalOrganization"}
ORG_TYPES |= {"CollegeOrUniversity", "GovernmentOrganization", "Corporation", "NGO", "Consortium"}


def http(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def absolute(url: str) -> bool:
    """Whether ``url`` can be written as an IRI (a relative or broken URL cannot)."""
    try:
        iri(url)
    except TermError:
        return False
    return True


def link(t: Triples, s: str, p: str, url: str | None) -> None:
    """``s p <url>`` when ``url`` is an http(s) IRI; anything else is left out, not fatal (as
    DataCite's landing pages)."""
    if url and http(url) and absolute(url):
        t.link(s, p, url)


def types_of(node: Any) -> set[str]:
    """The @type values of a node (none for a text)."""
    t = node.get("@type") if isinstance(node, dict) else None
    return {x for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}


def _scalar(v: Any) -> str:
    return "" if isinstance(v, bool) or not isinstance(v, str | int | float) else str(v).strip()


def id_text(v: Any) -> str:
    """The identifier a value gives: a text, or a PropertyValue's value (else its @id, url)."""
    if isinstance(v, dict):
        for k in ("value", "@id", "identifier", "url"):
            found = id_text(v.get(k)) if isinstance(v.get(k), dict) else _scalar(v.get(k))
            if found:
                return found
        return ""
    return _scalar(v)


@dataclass(frozen=True)
class Reader:
    """Values of a node, checked for their JSON type, with ``{"@id"}`` references resolved."""

    index: dict[str, dict[str, Any]]

    def _items(self, node: dict[str, Any], key: str) -> list[Any]:
        raw = node.get(key)
        out = []
        for v in raw if isinstance(raw, list) else [] if raw is None else [raw]:
            if isinstance(v, dict) and set(v) == {"@id"} and isinstance(v["@id"], str):
                v = self.index.get(v["@id"], v)
            if isinstance(v, dict) and "@value" in v:
                v = v["@value"]
            out.append(v)
        return out

    def texts(self, node: dict[str, Any], key: str) -> list[str]:
        """A text, a number or a list of them (blank ones dropped)."""
        out = []
        for v in self._items(node, key):
            if isinstance(v, dict) and set(v) == {"@id"}:
                v = v["@id"]  # an IRI written as a node reference ("url": {"@id": ...})
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, str | int | float):
                raise MappingError(f"{key}: expected a text, not {_json_type(v)}")
            if str(v).strip():
                out.append(str(v).strip())
        return out

    def things(self, node: dict[str, Any], key: str, *, numbers: bool = False) -> list[Value]:
        """An object, a text (a name or an IRI) or a list of them."""
        out: list[Value] = []
        for v in self._items(node, key):
            if numbers and isinstance(v, int | float) and not isinstance(v, bool):
                v = str(v)
            if isinstance(v, dict) or (isinstance(v, str) and v.strip()):
                out.append(v.strip() if isinstance(v, str) else v)
            elif not (v is None or isinstance(v, str)):
                raise MappingError(f"{key}: expected an object or a text, not {_json_type(v)}")
        return out

    def text(self, node: dict[str, Any], key: str) -> str:
        found = self.texts(node, key)
        return found[0] if found else ""


def _json_type(v: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(v), "null" if v is None else type(v).__name__)


def add_date(t: Triples, s: str, p: str, value: str, key: str) -> None:
    if _YEAR_MONTH.match(value):
        t.add(s, p, literal(value, XSD + "gYearMonth"))
        return
    try:
        _add_date(t, s, p, value)
    except MappingError as exc:
        raise MappingError(f"{key}: {exc}") from None


def _ids(r: Reader, v: dict[str, Any]) -> list[tuple[str, str]]:
    """(identifier, scheme) of a Person or Organization: @id, identifier, sameAs, url."""
    found = [(_scalar(v.get("@id")), "")]
    for i in r.things(v, "identifier", numbers=True):
        scheme = _scalar(i.get("propertyID")) if isinstance(i, dict) else ""
        found.append((id_text(i), scheme))
    for k in ("sameAs", "url"):
        found += [(id_text(x), "") for x in r.things(v, k)]
    return [(i, s) for i, s in found if i]


def agent_attrs(r: Reader, v: Value, key: str) -> dict[str, Any]:
    """A schema.org Person or Organization (or a name, or an ORCID/ROR IRI) as a DataCite
    creator: nameType, names, nameIdentifiers and affiliations."""
    if isinstance(v, str):
        v = {"@id": v} if http(v) else {"name": v}
    ids = _ids(r, v)
    is_org = bool(types_of(v) & ORG_TYPES) or (
        not types_of(v) and any(ror_or_none(i) for i, _ in ids)
    )
    affiliations = []
    for a in r.things(v, "affiliation"):
        if isinstance(a, str):
            a = {"@id": a} if http(a) else {"name": a}
        ror = next((x for x, _ in _ids(r, a) if ror_or_none(x)), None)
        affiliations.append({"name": r.text(a, "name"), "affiliationIdentifier": ror})
    return {
        "nameType": "Organizational" if is_org else "Personal",
        "name": r.text(v, "name"),
        "givenName": r.text(v, "givenName"),
        "familyName": r.text(v, "familyName"),
        "nameIdentifiers": [
            {
                "nameIdentifier": i,
                "nameIdentifierScheme": s or ("ORCID" if "orcid" in i.lower() else ""),
            }
            for i, s in ids
        ],
        "affiliation": affiliations,
    }


def publisher(r: Reader, v: Value | None) -> Any:
    """A DataCite publisher: a name, or ``{name, publisherIdentifier}``."""
    if not isinstance(v, dict):
        return v
    ror = next((x for x, _ in _ids(r, v) if ror_or_none(x)), None)
    return {"name": r.text(v, "name"), "publisherIdentifier": ror}


def rights(r: Reader, v: Value) -> dict[str, Any]:
    """A licence URL, an SPDX id or a CreativeWork as a DataCite ``rights`` item."""
    if isinstance(v, str):
        return {"rightsUri": v} if http(v) else {"rights": v, "rightsIdentifier": v}
    uri = next((x for x in (_scalar(v.get("@id")), *r.texts(v, "url")) if http(x)), "")
    return {"rightsUri": uri, "rights": r.text(v, "name"), "rightsIdentifier": id_text(v)}


def funding(r: Reader, d: dict[str, Any]) -> list[dict[str, Any]]:
    """``funding`` (MonetaryGrant: identifier, name, url, funder) and ``funder`` as DataCite
    fundingReferences; a funder already named by a grant is not repeated."""
    refs: list[dict[str, Any]] = []
    for g in r.things(d, "funding"):
        if isinstance(g, str):
            refs.append({"awardTitle": g})
            continue
        award = {
            "awardNumber": id_text(next(iter(r.things(g, "identifier", numbers=True)), "")),
            "awardTitle": r.text(g, "name"),
            "awardUri": next((u for u in r.texts(g, "url") if http(u)), ""),
        }
        for f in r.things(g, "funder") or [None]:
            refs.append({**_funder(r, f), **award})
    named = {x for ref in refs for x in (ref.get("funderIdentifier"), ref.get("funderName")) if x}
    for f in r.things(d, "funder"):
        ref = _funder(r, f)
        if not {ref.get("funderIdentifier"), ref.get("funderName")} & named:
            refs.append(ref)
    return refs


def _funder(r: Reader, f: Value | None) -> dict[str, Any]:
    if f is None:
        return {}
    if isinstance(f, str):
        return {"funderIdentifier": f} if http(f) else {"funderName": f}
    ids = [i for i, _ in _ids(r, f)]
    return {"funderName": r.text(f, "name"), "funderIdentifier": ids[0] if ids else ""}
