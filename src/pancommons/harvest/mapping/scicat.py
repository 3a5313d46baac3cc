"""SciCat backend records (v3 and v4 field names) → DESIGN §4, with the conventions of
``mapping/panosc.py`` (same predicates, no blank nodes, every node typed).

v3 and v4 differ in names (reference/catalogues-and-mapping.md §2.2): ``principalInvestigator``
/ ``principalInvestigators`` (derived v3 datasets: ``investigator``), ``proposalId`` /
``proposalIds``, ``sampleId`` / ``sampleIds``, ``instrumentId`` / ``instrumentIds``; published
data ``pidArray`` / ``datasetPids``, ``creator``/``authors`` / ``metadata.creators``/
``metadata.contributors``, ``relatedPublications`` / ``metadata.relatedIdentifiers``. Both are
read, so a v3 and a v4 record of the same thing give the same triples. Dataset identity follows
the PID: Handles (ESS ``20.500.12269/…``) and DOIs become their resolver IRIs, the rest is
minted. Mongo extended JSON (``{"$date": …}``) is unwrapped where dates and numbers are read.

Datasets, proposals and published data record with ``dct:source`` their URL in the API, as
``sources/scicat.py`` names the routes: ``{api}/datasets/{pid}``, ``{api}/proposals/{id}``,
``{api}/publisheddata/{doi}`` (the identifier percent-encoded, ``/`` too).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    MappingError,
    access_rights,
    add_date,
    add_license,
    add_size,
    add_source,
    add_technique,
    doi_or_none,
    listed,
    orcid_or_none,
    organization_node,
    parameter_iri,
    person_node,
    ror_or_none,
)
from pancommons.harvest.mapping.nt import Triples, iri, literal, number
from pancommons.harvest.mapping.units import add_parameter, finite, si_factors
from pancommons.vocab import quote_all

# "Oleksandr Yefanov", "al." — SciCat seed data splits "et al." into a creator of its own.
ET_AL = {"al", "al.", "et al", "et al.", "et. al."}
# DataCite relationTypes under which a related identifier is a publication about the data.
CITING = {"", "iscitedby", "isreferencedby", "issupplementto", "isdocumentedby", "isdescribedby"}
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>]+")


def map_record(ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
    t = Triples()
    if collection == "Datasets":
        _own(ctx, t, dataset(ctx, t, record), ("experiment", "parameter"))
    elif collection == "Proposals":
        _own(ctx, t, proposal(ctx, t, record), ("series", "experiment"))
    elif collection == "Instruments":
        _own(ctx, t, instrument(ctx, t, record), ())
    elif collection == "Samples":
        _own(ctx, t, sample(ctx, t, record), ())
    elif collection == "OrigDatablocks":
        datablock(ctx, t, record)  # the dataset is described by its own record
        _own(ctx, t, None, ("distribution",))
    elif collection == "PublishedData":
        _own(ctx, t, published_data(ctx, t, record), ("distribution", "publication"))
    else:
        raise MappingError(f"unknown SciCat collection {collection!r}")
    return t


def _own(ctx: Context, t: Triples, primary: str | None, kinds: tuple[str, ...]) -> None:
    """The nodes this record alone describes (replaced by an incremental harvest): its own node
    and the nodes minted in this source for its parts (``kinds``)."""
    parts = tuple(f"<{ctx.base}/id/{k}/{ctx.source}/" for k in kinds)
    owned = {line.split(" ", 1)[0] for line in t.lines if parts and line.startswith(parts)}
    if primary:
        owned.add(primary)
    t.owned.extend(sorted(owned))


# --- reading values ------------------------------------------------------------------------------


def _unwrap(value: Any) -> Any:
    """``{"$date": x}`` → x, ``{"$numberLong": "5"}`` → 5 (Mongo extended JSON)."""
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key == "$date" and isinstance(inner, str):
            return inner
        if key in ("$numberLong", "$numberInt", "$numberDouble", "$numberDecimal"):
            try:
                return (
                    float(inner) if "." in str(inner) or "e" in str(inner).lower() else int(inner)
                )
            except (TypeError, ValueError):
                return None
    return value


def _text(value: Any) -> str:
    value = _unwrap(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def _key(rec: dict[str, Any], what: str, *keys: str) -> str:
    for k in keys:
        text = _text(rec.get(k))
        if text:
            return text
    raise MappingError(f"{what} without an identifier ({' or '.join(keys)})")


def _strings(rec: dict[str, Any], *keys: str) -> list[str]:
    """The non-blank strings under ``keys``, each a string or a list (v3 one, v4 many)."""
    out: list[str] = []
    for k in keys:
        value = rec.get(k)
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if text and text not in out:
                out.append(text)
    return out


def _size(value: Any) -> int | None:
    """A byte count; SciCat stores sizes as JavaScript numbers, so 2e12 arrives as a float."""
    value = _unwrap(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(t: Triples, s: str, p: str, value: Any) -> None:
    add_date(t, s, p, _unwrap(value))


def _source(ctx: Context, t: Triples, node: str, route: str, key: str, collection: str) -> None:
    """dct:source ``{api}/{route}/{key}`` (or the snapshot file of ``collection``)."""
    add_source(ctx, t, node, f"{route}/{quote_all(key)}", f"{collection}.json")


def _typed(t: Triples, node_iri: str, cls: str) -> str:
    node = iri(node_iri)
    t.type(node, cls)
    return node


# --- people and organisations --------------------------------------------------------------------


class _People:
    """The persons of one record by name: the owner (with ORCID) and a PI of the same name are
    one node. Without an ORCID a person is minted from the name, as in mapping/panosc.py."""

    def __init__(self, ctx: Context, t: Triples) -> None:
        self.ctx, self.t = ctx, t
        self.by_name: dict[str, str] = {}

    def get(
        self, name: str, orcid: object = None, given: object = None, family: object = None
    ) -> str | None:
        name = " ".join(_text(name).split())
        if name.lower() in ET_AL:
            return None
        orcid_iri = orcid_or_none(_text(orcid)) if _text(orcid) else None
        if not orcid_iri and name in self.by_name:
            return self.by_name[name]
        node = person_node(
            self.ctx,
            self.t,
            orcid=orcid_iri,
            key=name,
            name=name,
            given=_text(given),
            family=_text(family),
        )
        if node is None:
            return None
        if name:
            self.by_name[name] = node
        return node

    def add(self, s: str, p: str, person: str | None) -> None:
        if person:
            self.t.add(s, p, person)


def _organization(ctx: Context, t: Triples, name: object, ror: object = None) -> str | None:
    return organization_node(ctx, t, ror=ror_or_none(ror), name=_text(name))


# --- datasets --------------------------------------------------------------------------------


def dataset(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    pid = _key(rec, "Dataset", "pid", "_id")
    node = _typed(t, ctx.node("dataset", pid), T.DATASET)
    t.add(node, T.IDENTIFIER, literal(pid))
    _source(ctx, t, node, "datasets", pid, "Datasets")
    t.text(node, T.TITLE, _text(rec.get("datasetName")))
    t.text(node, T.DESCRIPTION, _text(rec.get("description")))
    _date(t, node, T.CREATED, rec.get("creationTime"))
    t.text(node, T.TYPE, _text(rec.get("type")))
    for kw in _strings(rec, "keywords"):
        t.text(node, T.KEYWORD, kw)
    add_license(t, node, _text(rec.get("license")))
    t.link(node, T.ACCESS_RIGHTS, access_rights(rec.get("isPublished")))
    add_size(t, node, _size(rec.get("size")))
    lifecycle = rec.get("datasetlifecycle")
    if isinstance(lifecycle, dict):  # v4 publishedOn, v3 dateOfPublishing: end of embargo
        _date(
            t, node, T.AVAILABLE, lifecycle.get("publishedOn") or lifecycle.get("dateOfPublishing")
        )
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.PUBLISHER, fac)

    people = _People(ctx, t)
    owners = [x.strip() for x in _text(rec.get("owner")).split(";") if x.strip()]
    orcids = [x.strip() for x in _text(rec.get("orcidOfOwner")).split(";") if x.strip()]
    if len(orcids) != len(owners):  # cannot tell whose ORCID is whose
        orcids = [""] * len(owners)
    for name, orcid in zip(owners, orcids, strict=True):
        people.add(node, T.CREATOR, people.get(name, orcid))
    for name in _strings(rec, "principalInvestigator", "principalInvestigators", "investigator"):
        people.add(node, T.CREATOR, people.get(name))

    exp = _typed(t, ctx.mint("experiment", pid), T.EXPERIMENT)
    t.add(node, T.GENERATED_BY, exp)
    _date(t, exp, T.STARTED, rec.get("startTime"))
    _date(t, exp, T.ENDED, rec.get("endTime"))
    for tech in listed(rec, "techniques"):
        if not isinstance(tech, dict):
            continue
        ids = (tech.get("pid"), tech.get("panetId"))
        add_technique(ctx, t, node, exp, ids, tech.get("name"))
    for inst in _strings(rec, "instrumentId", "instrumentIds"):
        inst_node = _typed(t, ctx.node("instrument", inst), T.INSTRUMENT)
        t.add(node, T.P_INSTRUMENT, inst_node)  # the direct edge, and the experiment's use
        t.add(exp, T.USED, inst_node)
    for prop in _strings(rec, "proposalId", "proposalIds"):
        t.add(node, T.IN_SERIES, _typed(t, ctx.mint("series", prop), T.SERIES))
        t.add(exp, T.P_PROPOSAL, _typed(t, ctx.node("proposal", prop), T.PROPOSAL))
    for sid in _strings(rec, "sampleId", "sampleIds"):
        t.add(node, T.P_SAMPLE, _typed(t, ctx.node("sample", sid), T.SAMPLE))
    for source in _strings(rec, "inputDatasets"):
        t.add(node, T.DERIVED_FROM, _typed(t, ctx.node("dataset", source), T.DATASET))
    for rel in listed(rec, "relationships"):  # v4: {pid, relationship} to other datasets
        if isinstance(rel, dict) and _text(rel.get("pid")):
            t.add(node, T.RELATION, _typed(t, ctx.node("dataset", _text(rel["pid"])), T.DATASET))
    _parameters(ctx, t, exp, pid, rec.get("scientificMetadata"))
    return node


def _parameters(ctx: Context, t: Triples, exp: str, owner: str, metadata: Any) -> None:
    """``{key: {value, unit[, valueSI, unitSI]}}``, legacy ``{key: {v, u}}`` or ``{key: scalar}``.
    Entries that are groups of further keys (no value) are skipped."""
    if not isinstance(metadata, dict):
        return
    seen: set[str] = set()
    for key, entry in metadata.items():
        name = _text(key)
        value_si: Any = None
        unit_si: Any = None
        if isinstance(entry, dict) and "value" in entry:
            value, unit = entry["value"], entry.get("unit")
            value_si, unit_si = entry.get("valueSI"), entry.get("unitSI")
        elif isinstance(entry, dict) and "v" in entry:
            value, unit = entry["v"], entry.get("u")
        elif isinstance(entry, str | int | float | bool):
            value, unit = entry, None
        else:
            continue
        if not name:
            continue
        value = _unwrap(value)
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        node = parameter_iri(ctx, owner, name, seen)
        t.add(exp, T.P_PARAMETER, node)
        add_parameter(t, node, name, value, unit)
        if not _pint_converts(value, unit):
            _source_si(t, node, value_si, unit_si)


def _pint_converts(value: Any, unit: Any) -> bool:
    """Whether add_parameter wrote an SI value itself (then the source's valueSI is redundant)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return numeric and isinstance(unit, str) and si_factors(unit.strip()) is not None


def _source_si(t: Triples, node: str, value_si: Any, unit_si: Any) -> None:
    """The source's own ``valueSI``/``unitSI`` when pint could not convert the value: its unit
    (``(kg m^2) / s^2``) is read by pint too, for the QUDT IRI and, if need be, the base unit."""
    if isinstance(value_si, str):
        try:
            value_si = float(value_si)
        except ValueError:
            return
    if isinstance(value_si, bool) or not isinstance(value_si, int | float):
        return
    factors = si_factors(unit_si.strip()) if isinstance(unit_si, str) else None
    value = finite(value_si)
    if factors is None or value is None:
        return
    a, b, qudt = factors
    si = finite(a * value + b)
    if si is not None:  # a value in km near 1.8e308 has no SI value as a double
        t.add(node, T.P_SI_VALUE, number(si))
        t.add(node, T.P_SI_UNIT, iri(qudt))


# --- proposals, instruments, samples, files ------------------------------------------------------


def proposal(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    pid = _key(rec, "Proposal", "proposalId", "_id")
    node = _typed(t, ctx.node("proposal", pid), T.PROPOSAL)
    t.add(node, T.IDENTIFIER, literal(pid))
    _source(ctx, t, node, "proposals", pid, "Proposals")
    title = _text(rec.get("title"))
    t.text(node, T.TITLE, title)
    t.text(node, T.DESCRIPTION, _text(rec.get("abstract")))
    people = _People(ctx, t)
    first, last = _text(rec.get("pi_firstname")), _text(rec.get("pi_lastname"))
    pi = people.get(f"{first} {last}", given=first, family=last)
    people.add(node, T.CREATOR, pi)
    first, last = _text(rec.get("firstname")), _text(rec.get("lastname"))
    proposer = people.get(f"{first} {last}", given=first, family=last)
    if proposer != pi:  # the main proposer, when not the PI
        people.add(node, T.CONTRIBUTOR, proposer)
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.P_FACILITY, fac)

    series = _typed(t, ctx.mint("series", pid), T.SERIES)
    t.text(series, T.TITLE, title)
    t.add(series, T.P_PROPOSAL, node)

    instruments = _strings(rec, "instrumentIds")
    if rec.get("startTime") or rec.get("endTime") or instruments:
        session = _session(
            ctx, t, node, f"proposal/{pid}", rec.get("startTime"), rec.get("endTime")
        )
        for inst in instruments:
            t.add(session, T.USED, _typed(t, ctx.node("instrument", inst), T.INSTRUMENT))
    for i, period in enumerate(listed(rec, "MeasurementPeriodList")):
        if not isinstance(period, dict):
            continue
        session = _session(
            ctx, t, node, f"proposal/{pid}/{i}", period.get("start"), period.get("end")
        )
        inst = _text(period.get("instrument"))
        if inst:  # SciCat stores a name or path here (seed: "/PSI/SLS/TOMCAT"), not always an id
            inst_node = _typed(t, ctx.node("instrument", inst), T.INSTRUMENT)
            t.add(inst_node, T.IDENTIFIER, literal(inst))
            t.add(session, T.USED, inst_node)
    return node


def _session(ctx: Context, t: Triples, prop: str, local: str, start: Any, end: Any) -> str:
    session = _typed(t, ctx.mint("experiment", local), T.EXPERIMENT)
    t.add(session, T.P_PROPOSAL, prop)
    _date(t, session, T.STARTED, start)
    _date(t, session, T.ENDED, end)
    return session


def instrument(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    pid = _key(rec, "Instrument", "pid", "_id", "uniqueName")
    node = _typed(t, ctx.node("instrument", pid), T.INSTRUMENT)
    t.add(node, T.IDENTIFIER, literal(pid))
    unique = _text(rec.get("uniqueName"))
    if unique and unique != pid:
        t.add(node, T.IDENTIFIER, literal(unique))
    t.text(node, T.TITLE, _text(rec.get("name")) or unique)
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.P_FACILITY, fac)
    return node


def sample(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    sid = _key(rec, "Sample", "sampleId", "_id")
    node = _typed(t, ctx.node("sample", sid), T.SAMPLE)
    t.add(node, T.IDENTIFIER, literal(sid))
    t.text(node, T.TITLE, _text(rec.get("description")))
    people = _People(ctx, t)
    people.add(node, T.CREATOR, people.get(_text(rec.get("owner"))))
    chars = rec.get("sampleCharacteristics")
    if isinstance(chars, dict):
        for key in ("chemical_formula", "chemicalFormula"):
            formula = chars.get(key)
            if isinstance(formula, dict):  # {value, unit} like scientific metadata
                formula = formula.get("value")
            t.text(node, T.P_CHEMICAL_FORMULA, _text(formula))
    parent = _text(rec.get("parentSampleId"))
    if parent:
        t.add(node, T.DERIVED_FROM, _typed(t, ctx.node("sample", parent), T.SAMPLE))
    return node


def datablock(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    """An OrigDatablock: its files become distributions of the dataset it belongs to."""
    ds_id = _key(rec, "OrigDatablock", "datasetId")
    ds = _typed(t, ctx.node("dataset", ds_id), T.DATASET)
    for f in listed(rec, "dataFileList"):
        path = _text(f.get("path")) if isinstance(f, dict) else ""
        if not path:
            continue
        dist = _typed(t, ctx.mint("distribution", f"{ds_id}/{path}"), T.DISTRIBUTION)
        t.text(dist, T.TITLE, path.rstrip("/").rsplit("/", 1)[-1])
        t.text(dist, T.P_PATH, path)
        add_size(t, dist, _size(f.get("size")))
        t.add(ds, T.DIST, dist)
    return ds


# --- published data --------------------------------------------------------------------------


def published_data(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    """A data publication: a DOI for a set of datasets (``dct:hasPart``), with its creators,
    year, landing page and the publications that cite it."""
    meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
    registered = _text(rec.get("doi"))
    doi = doi_or_none(registered)
    local = registered if doi else _key(rec, "PublishedData", "pid", "_id", "doi")
    node = _typed(t, doi or ctx.node("dataset", local), T.DATASET)
    t.add(node, T.IDENTIFIER, literal(registered or local))
    _source(ctx, t, node, "publisheddata", registered or local, "PublishedData")
    t.text(node, T.TITLE, _text(rec.get("title")))
    t.text(node, T.DESCRIPTION, _text(rec.get("abstract")))
    _date(t, node, T.ISSUED, rec.get("publicationYear") or meta.get("publicationYear"))
    resource_type = rec.get("resourceType") or meta.get("resourceType")
    if isinstance(resource_type, dict):  # DataCite {resourceTypeGeneral, resourceType}
        resource_type = resource_type.get("resourceType") or resource_type.get(
            "resourceTypeGeneral"
        )
    t.text(node, T.TYPE, _text(resource_type))
    url = _text(rec.get("url") or meta.get("url") or meta.get("landingPage"))
    if url.startswith(("https://", "http://")):
        t.link(node, T.LANDING_PAGE, url)
    download = _text(rec.get("downloadLink") or meta.get("downloadLink"))
    if download.startswith(("https://", "http://")):
        dist = _typed(t, ctx.mint("distribution", f"{local}/download"), T.DISTRIBUTION)
        t.link(dist, T.ACCESS_URL, download)
        t.add(node, T.DIST, dist)

    publisher = meta.get("publisher")
    publisher = publisher.get("name") if isinstance(publisher, dict) else publisher
    fac = ctx.facility_node(t) or _organization(ctx, t, rec.get("publisher") or publisher)
    if fac:
        t.add(node, T.PUBLISHER, fac)

    _contributors(ctx, t, node, rec, meta)
    for pid in _strings(rec, "pidArray", "datasetPids"):
        part = _typed(t, ctx.node("dataset", pid), T.DATASET)
        t.add(node, T.HAS_PART, part)
        t.add(part, T.IS_PART_OF, node)

    related: list[tuple[str, str]] = [(x, "") for x in _strings(rec, "relatedPublications")]
    for r in listed(meta, "relatedIdentifiers"):
        if isinstance(r, dict) and _text(r.get("relatedIdentifier")):
            related.append((_text(r["relatedIdentifier"]), _text(r.get("relationType")).lower()))
    for i, (text, relation) in enumerate(related):
        _related(ctx, t, node, local, i, text, relation)
    return node


def _contributors(
    ctx: Context, t: Triples, node: str, rec: dict[str, Any], meta: dict[str, Any]
) -> None:
    """v3 ``creator[]``/``authors[]`` (names) or v4 ``metadata.creators``/``contributors``
    (DataCite objects). SciCat itself maps ``authors`` to DataCite contributors, hence
    dct:contributor; the v3 ``affiliation`` is the creators' (one string for all)."""
    people = _People(ctx, t)
    affiliation = _organization(ctx, t, rec.get("affiliation") or meta.get("affiliation"))
    creators: list[str] = []
    for name in _strings(rec, "creator"):
        person = people.get(name)
        if person:
            creators.append(person)
            if affiliation:
                t.add(person, T.P_AFFILIATION, affiliation)
    for c in listed(meta, "creators"):
        person = _datacite_person(ctx, t, people, c)
        if person:
            creators.append(person)
    for person in creators:
        t.add(node, T.CREATOR, person)
    contributors = [people.get(name) for name in _strings(rec, "authors")]
    contributors += [_datacite_person(ctx, t, people, c) for c in listed(meta, "contributors")]
    for person in contributors:
        if person and person not in creators:
            t.add(node, T.CONTRIBUTOR, person)


def _datacite_person(ctx: Context, t: Triples, people: _People, c: Any) -> str | None:
    if isinstance(c, str):
        return people.get(c)
    if not isinstance(c, dict):
        return None
    orcid = None
    for ident in listed(c, "nameIdentifiers"):
        if isinstance(ident, dict) and orcid_or_none(_text(ident.get("nameIdentifier"))):
            orcid = _text(ident.get("nameIdentifier"))
    given, family = _text(c.get("givenName")), _text(c.get("familyName"))
    name = _text(c.get("name")) or f"{given} {family}".strip()
    person = people.get(name, orcid, given, family)
    affiliations = c.get("affiliation") or []
    for aff in affiliations if isinstance(affiliations, list) else [affiliations]:
        org = (
            _organization(ctx, t, aff.get("name"), aff.get("affiliationIdentifier"))
            if isinstance(aff, dict)
            else _organization(ctx, t, aff)
        )
        if person and org:
            t.add(person, T.P_AFFILIATION, org)
    return person


def doi_in_text(text: str) -> str | None:
    """The DOI IRI of the first DOI in a citation (``https://doi.org/10…``, ``doi:10…``, a
    publisher URL ``…/doi/abs/10…``), trailing punctuation and unbalanced brackets dropped."""
    m = _DOI_IN_TEXT.search(text)
    if not m:
        return None
    doi = m.group(0).rstrip(".,;:")
    while (
        doi and doi[-1] in ")]" and doi.count(doi[-1]) > doi.count("(" if doi[-1] == ")" else "[")
    ):
        doi = doi[:-1].rstrip(".,;:")
    return doi_or_none(doi)


def _related(
    ctx: Context, t: Triples, node: str, local: str, i: int, text: str, relation: str
) -> None:
    """A related publication: the DOI it contains, or (free text) a minted publication that
    keeps the citation; the publication cites the data, the data is referenced by it."""
    doi = doi_in_text(text)
    if relation not in CITING:  # v4 relatedIdentifiers of other kinds (IsVersionOf, …)
        if doi:
            t.link(node, T.RELATION, doi)
        return
    pub = _typed(t, doi or ctx.mint("publication", f"{local}/related/{i}"), T.PUBLICATION)
    t.type(pub, T.SCHOLARLY_ARTICLE)
    if doi and doi_or_none(text) == doi:
        t.add(pub, T.IDENTIFIER, literal(text))
    else:
        t.add(pub, T.CITATION, literal(text))
    t.add(pub, T.CITES_AS_DATA_SOURCE, node)
    t.add(node, T.IS_REFERENCED_BY, pub)
