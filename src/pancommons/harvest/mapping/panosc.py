"""PaNOSC Search API records (Dataset, Document, Instrument with their includes) → DESIGN §4.

Tolerates what real implementations differ in (reference/catalogues-and-mapping.md §1.2): the
``document`` and ``documents`` relations, a bare ``documentId``, short PaNET ids, technique
``panetId``, blank ``doi`` strings (ESRF), Handles as pids, Instrument ``id`` instead of ``pid``.
PaNOSC ``id`` fields are ephemeral and never become IRIs.

Every dataset and document records with ``dct:source`` its URL in the API,
``{api}/Datasets/{pid}`` and ``{api}/Documents/{pid}``; ``api`` is the ``provider`` the federated
search adds to each record when there is one, else the source's API.
"""

from __future__ import annotations

import re
from dataclasses import replace
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
from pancommons.harvest.mapping.nt import Triples, iri, literal
from pancommons.harvest.mapping.units import add_parameter
from pancommons.vocab import quote_all

PI_ROLES = {"principal investigator", "principal_investigator", "pi", "proposer"}
# Roles whose people are the document's creators: a proposal's PI, a publication's authors.
CREATOR_ROLES = PI_ROLES | {"author", "creator"}
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s?#]*$")


def map_record(ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
    t = Triples()
    provider = str(record.get("provider") or "").strip().rstrip("/")
    if _HTTP_URL.match(provider):  # the API the federated search read the record from
        ctx = replace(ctx, api=provider)
    if collection == "Datasets":
        dataset(ctx, t, record)
    elif collection == "Documents":
        document(ctx, t, record)
    elif collection == "Instruments":
        t.owned.append(instrument(ctx, t, record))
    else:
        raise MappingError(f"unknown PaNOSC collection {collection!r}")
    return t


def _pid(record: dict[str, Any], what: str) -> str:
    pid = record.get("pid")
    if pid is None or not str(pid).strip():
        raise MappingError(f"{what} without a pid")
    return str(pid).strip()


def dataset(ctx: Context, t: Triples, rec: dict[str, Any], primary: bool = True) -> str:
    """A dataset; ``primary`` when the record is the dataset itself (not a document's copy)."""
    pid = _pid(rec, "Dataset")
    node = iri(ctx.node("dataset", pid))
    owned = len(t.lines)
    t.type(node, T.DATASET)
    t.add(node, T.IDENTIFIER, literal(pid))
    # A document's copy of the dataset is read from Documents (files kind: Documents.json).
    add_source(ctx, t, node, f"Datasets/{quote_all(pid)}", _snapshot_file(primary, "Datasets"))
    t.text(node, T.TITLE, rec.get("title"))
    add_date(t, node, T.CREATED, rec.get("creationDate"))
    t.link(node, T.ACCESS_RIGHTS, access_rights(rec.get("isPublic")))
    add_size(t, node, rec.get("size"))
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.PUBLISHER, fac)

    exp = iri(ctx.mint("experiment", pid))
    t.type(exp, T.EXPERIMENT)
    t.add(node, T.GENERATED_BY, exp)

    for tech in listed(rec, "techniques"):
        if isinstance(tech, dict):
            ids = (tech.get("panetId"), tech.get("pid"))
            add_technique(ctx, t, node, exp, ids, tech.get("name"))

    inst = rec.get("instrument")
    inst_node = None
    if isinstance(inst, dict) and (inst.get("pid") or inst.get("id")):
        inst_node = instrument(ctx, t, inst)
    elif rec.get("instrumentId"):
        inst_node = iri(ctx.node("instrument", rec["instrumentId"]))
    if inst_node:  # the direct edge (pan:instrument) and the experiment's prov:used
        t.add(node, T.P_INSTRUMENT, inst_node)
        t.add(exp, T.USED, inst_node)

    for sample in listed(rec, "samples"):
        if isinstance(sample, dict) and (sample.get("pid") or sample.get("name")):
            t.add(node, T.P_SAMPLE, _sample(ctx, t, sample, pid))

    for i, f in enumerate(listed(rec, "files")):
        if isinstance(f, dict):
            t.add(node, T.DIST, _file(ctx, t, f, pid, i))

    seen: set[str] = set()
    for p in listed(rec, "parameters"):
        if isinstance(p, dict) and p.get("name"):
            t.add(exp, T.P_PARAMETER, _parameter(ctx, t, p, pid, seen))

    docs = listed(rec, "documents")
    if isinstance(rec.get("document"), dict):
        docs = [*docs, rec["document"]]
    for doc in docs:
        if isinstance(doc, dict) and doc.get("pid"):
            _link_document(ctx, t, node, exp, document(ctx, t, doc, primary=False), doc)
    if not docs and rec.get("documentId"):
        # Only the key: we do not know whether it is a proposal or a publication.
        t.add(node, T.RELATION, iri(_document_iri(ctx, {"pid": rec["documentId"]})))
    if primary:
        # The dataset's own parts: its experiment, parameters and files (minted from its pid).
        parts = tuple(f"<{ctx.base}/id/{k}/" for k in ("experiment", "parameter", "distribution"))
        t.owned.append(node)
        t.owned.extend(
            {line.split(" ", 1)[0] for line in t.lines[owned:] if line.startswith(parts)}
        )
    return node


def _link_document(
    ctx: Context, t: Triples, ds: str, exp: str, doc_node: str, doc: dict[str, Any]
) -> None:
    if _is_proposal(doc):
        t.add(ds, T.IN_SERIES, iri(ctx.mint("series", _pid(doc, "Document"))))
        t.add(exp, T.P_PROPOSAL, doc_node)
    else:
        t.add(ds, T.IS_REFERENCED_BY, doc_node)
        t.add(doc_node, T.CITES_AS_DATA_SOURCE, ds)
    # What the document says of access applies to its data (PaNOSC keeps it on the Document).
    add_date(t, ds, T.AVAILABLE, doc.get("releaseDate"))
    if doc.get("license"):
        add_license(t, ds, doc.get("license"))


def _is_proposal(doc: dict[str, Any]) -> bool:
    return str(doc.get("type") or "").strip().lower() in {"proposal", "experiment", "beamtime"}


def _document_iri(ctx: Context, doc: dict[str, Any]) -> str:
    doi = doi_or_none(doc.get("doi")) or doi_or_none(doc.get("pid"))
    if doi:
        return doi
    kind = "proposal" if _is_proposal(doc) else "publication"
    return ctx.node(kind, _pid(doc, "Document"))


def document(ctx: Context, t: Triples, rec: dict[str, Any], primary: bool = True) -> str:
    """A document; ``primary`` when the record is the document itself (not a dataset's copy)."""
    pid = _pid(rec, "Document")
    node = iri(_document_iri(ctx, rec))
    own = t.owned.append if primary else _ignore
    t.add(node, T.IDENTIFIER, literal(pid))
    # A dataset's copy of the document is read from Datasets (files kind: Datasets.json).
    add_source(ctx, t, node, f"Documents/{quote_all(pid)}", _snapshot_file(primary, "Documents"))
    doi = str(rec.get("doi") or "").strip()
    if doi and doi != pid:
        t.add(node, T.IDENTIFIER, literal(doi))
    t.text(node, T.TITLE, rec.get("title"))
    t.text(node, T.DESCRIPTION, rec.get("summary"))
    for kw in listed(rec, "keywords"):
        t.text(node, T.KEYWORD, kw)
    add_license(t, node, rec.get("license"))
    add_date(t, node, T.AVAILABLE, rec.get("releaseDate"))
    own(node)
    if _is_proposal(rec):
        t.type(node, T.PROPOSAL)
        series = iri(ctx.mint("series", pid))
        own(series)
        t.type(series, T.SERIES)
        t.text(series, T.TITLE, rec.get("title"))
        t.add(series, T.P_PROPOSAL, node)
        add_date(t, series, T.AVAILABLE, rec.get("releaseDate"))
        add_license(t, series, rec.get("license"))
        if rec.get("startDate") or rec.get("endDate"):
            session = iri(ctx.mint("experiment", f"proposal/{pid}"))
            own(session)
            t.type(session, T.EXPERIMENT)
            t.add(session, T.P_PROPOSAL, node)
            add_date(t, session, T.STARTED, rec.get("startDate"))
            add_date(t, session, T.ENDED, rec.get("endDate"))
    else:
        t.type(node, T.PUBLICATION, T.SCHOLARLY_ARTICLE)
    fac = ctx.facility_node(t)
    if fac and _is_proposal(rec):
        t.add(node, T.P_FACILITY, fac)

    for m in listed(rec, "members"):
        if isinstance(m, dict):
            _member(ctx, t, node, m)
    seen: set[str] = set()
    for p in listed(rec, "parameters"):
        if isinstance(p, dict) and p.get("name"):
            param = _parameter(ctx, t, p, f"document/{pid}", seen)
            own(param)
            t.add(node, T.P_PARAMETER, param)
    for ds in listed(rec, "datasets"):
        if isinstance(ds, dict) and ds.get("pid"):
            ds_node = dataset(ctx, t, ds, primary=False)
            exp = iri(ctx.mint("experiment", str(ds["pid"]).strip()))
            _link_document(ctx, t, ds_node, exp, node, rec)
    return node


def _ignore(_: str) -> None:
    pass


def _snapshot_file(primary: bool, collection: str) -> str:
    """The snapshot file a record of ``collection`` is read from: its own, or the other one
    when it is included in a record of the other collection."""
    if primary:
        return f"{collection}.json"
    return "Documents.json" if collection == "Datasets" else "Datasets.json"


def _member(ctx: Context, t: Triples, doc: str, m: dict[str, Any]) -> None:
    person = m.get("person")
    if not isinstance(person, dict):
        return
    node = _person(ctx, t, person)
    if node is None:
        return
    role = str(m.get("role") or "").strip().lower()
    t.add(doc, T.CREATOR if role in CREATOR_ROLES else T.CONTRIBUTOR, node)
    affiliations = listed(m, "affiliations")
    if isinstance(m.get("affiliation"), dict):
        affiliations = [*affiliations, m["affiliation"]]
    for aff in affiliations:
        if isinstance(aff, dict):
            org = _organization(ctx, t, aff)
            if org:
                t.add(node, T.P_AFFILIATION, org)


def _person(ctx: Context, t: Triples, p: dict[str, Any]) -> str | None:
    orcid = orcid_or_none(str(p.get("orcid") or "").strip())
    name = str(p.get("fullName") or "").strip()
    if not name:
        name = " ".join(str(p.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    # PaNOSC Person.id is ephemeral like every id: the name is the stabler local key.
    node = person_node(
        ctx, t, orcid=orcid, key=name, name=name, given=p.get("firstName"), family=p.get("lastName")
    )
    if node:
        t.text(node, T.IDENTIFIER, p.get("researcherId"))
    return node


def _organization(ctx: Context, t: Triples, a: dict[str, Any]) -> str | None:
    ror = ror_or_none(a.get("pid")) or ror_or_none(a.get("id"))
    name = str(a.get("name") or "").strip()
    node = organization_node(ctx, t, ror=ror, name=name)
    if node is None:
        return None
    parts = [
        (T.STREET, a.get("address")),
        (T.LOCALITY, a.get("city")),
        (T.COUNTRY, a.get("country")),
    ]
    if any(str(v or "").strip() for _, v in parts):
        addr = iri(ctx.mint("organization", f"{name or ror}/address"))
        t.add(node, T.ADDRESS, addr)
        t.type(addr, T.POSTAL_ADDRESS)
        for p, v in parts:
            t.text(addr, p, v)
    return node


def instrument(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    raw = rec.get("pid") or rec.get("id")
    if raw is None or not str(raw).strip():
        raise MappingError("Instrument without a pid")
    pid = str(raw).strip()
    node = iri(ctx.node("instrument", pid))
    t.type(node, T.INSTRUMENT)
    t.add(node, T.IDENTIFIER, literal(pid))
    t.text(node, T.TITLE, rec.get("name"))
    fac = ctx.facility_node(t)
    named = str(rec.get("facility") or "").strip()
    if named and (fac is None or named != ctx.facility_name):
        # an aggregator (the federated search, PaN Commons) serves instruments of many
        # facilities: the record's own facility, by name, wins over the source's
        fac = iri(ctx.mint("facility", named))
        t.type(fac, T.FACILITY, T.ORGANIZATION)
        t.text(fac, T.NAME, named)
    if fac:
        t.add(node, T.P_FACILITY, fac)
    return node


def _sample(ctx: Context, t: Triples, s: dict[str, Any], dataset_pid: str) -> str:
    pid = str(s.get("pid") or "").strip()
    node = iri(ctx.node("sample", pid) if pid else ctx.mint("sample", f"{dataset_pid}/{s['name']}"))
    t.type(node, T.SAMPLE)
    if pid:
        t.add(node, T.IDENTIFIER, literal(pid))
    t.text(node, T.TITLE, s.get("name"))
    t.text(node, T.DESCRIPTION, s.get("description"))
    return node


def _file(ctx: Context, t: Triples, f: dict[str, Any], dataset_pid: str, i: int) -> str:
    path = str(f.get("path") or "").strip()
    name = str(f.get("name") or "").strip()
    local = "/".join(x for x in (path, name) if x) or str(f.get("id") or i)
    node = iri(ctx.mint("distribution", f"{dataset_pid}/{local}"))
    t.type(node, T.DISTRIBUTION)
    t.text(node, T.TITLE, name)
    t.text(node, T.P_PATH, path)
    add_size(t, node, f.get("size"))
    return node


def _parameter(ctx: Context, t: Triples, p: dict[str, Any], owner: str, seen: set[str]) -> str:
    name = str(p["name"]).strip()
    node = parameter_iri(ctx, owner, name, seen)
    add_parameter(t, node, name, p.get("value"), p.get("unit"))
    return node
