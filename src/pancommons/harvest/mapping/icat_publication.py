"""ICAT DataPublication (ICAT 5+: the DataCite side of a DOI minted by the facility) → a
dcat:Dataset, the DOI of its ``pid``, made of the datasets of its ``content`` data collection.

DataCite semantics carry over (reference/catalogues-and-mapping.md §7.4): ``dates`` by
``dateType``, ``users`` by ``contributorType``, ``relatedItems`` by ``relationType``,
``subjects`` as keywords. What ICAT holds outside DataCite's terms (``internalId``, the
``type``, funding) is not mapped.
"""

from __future__ import annotations

from typing import Any

from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import Context, add_date, doi_or_none
from pancommons.harvest.mapping.icat_common import (
    add_record_source,
    data_publication_iri,
    dataset_iri,
    facility,
    http_iri,
    obj,
    objs,
    organization,
    person,
    s,
)
from pancommons.harvest.mapping.nt import Triples, iri, literal

DATE_TYPES = {
    "issued": T.ISSUED,
    "available": T.AVAILABLE,
    "created": T.CREATED,
    "updated": T.MODIFIED,
}
# relationType (the publication relative to the related item) → the item cites the data.
CITED_BY = {"iscitedby", "isreferencedby", "issupplementto"}
# relationType → predicate from the publication to the related item.
RELATIONS = {
    "references": T.REFERENCES,
    "ispartof": T.IS_PART_OF,
    "haspart": T.HAS_PART,
    "isderivedfrom": T.DERIVED_FROM,
}
NOT_TEXT = {"dataset", "software", "collection", "instrument", "image", "audiovisual", "model"}


def data_publication(ctx: Context, t: Triples, rec: dict[str, Any]) -> str:
    node = iri(data_publication_iri(ctx, rec))
    t.owned.append(node)
    t.type(node, T.DATASET)
    add_record_source(ctx, t, node, "DataPublication", rec)
    t.add(node, T.IDENTIFIER, literal(s(rec["pid"])))
    t.text(node, T.TITLE, rec.get("title"))
    t.text(node, T.DESCRIPTION, rec.get("description"))
    fac = facility(ctx, t, obj(rec, "facility"))
    if fac:
        t.add(node, T.PUBLISHER, fac)

    typed_dates = {s(d.get("dateType")).lower(): d.get("date") for d in objs(rec, "dates")}
    for date_type, predicate in DATE_TYPES.items():
        add_date(t, node, predicate, typed_dates.get(date_type))
    if "issued" not in typed_dates:
        add_date(t, node, T.ISSUED, rec.get("publicationDate"))

    subjects = [s(x.get("name")) for x in objs(rec, "subjects")]
    if not subjects:  # the free-text field of older ICATs, "a; b; c"
        subjects = [x.strip() for x in s(rec.get("subject")).split(";")]
    for kw in subjects:
        t.text(node, T.KEYWORD, kw)

    users = sorted(objs(rec, "users"), key=lambda u: (s(u.get("orderKey")), s(u.get("fullName"))))
    for pu in users:
        _user(ctx, t, node, pu)

    content = obj(rec, "content") or {}
    for dcd in objs(content, "dataCollectionDatasets"):
        ds = obj(dcd, "dataset")
        if ds:
            ds_node = iri(dataset_iri(ctx, ds))
            t.type(ds_node, T.DATASET)
            t.add(node, T.HAS_PART, ds_node)
            t.add(ds_node, T.IS_PART_OF, node)

    for item in objs(rec, "relatedItems"):
        _related(ctx, t, node, item)
    return node


def _user(ctx: Context, t: Triples, pub: str, pu: dict[str, Any]) -> None:
    """A DataPublicationUser: the ICAT User when included (so that the person is the same node
    as in investigations), else the names the publication gives."""
    user = obj(pu, "user") or {
        "fullName": pu.get("fullName"),
        "givenName": pu.get("givenName"),
        "familyName": pu.get("familyName"),
    }
    node = person(ctx, t, user)
    if node is None:
        return
    role = s(pu.get("contributorType")).lower()
    t.add(pub, T.CREATOR if role in ("", "creator") else T.CONTRIBUTOR, node)
    for aff in objs(pu, "affiliations"):
        name = s(aff.get("fullReference")) or s(aff.get("name"))
        org = organization(ctx, t, name, aff.get("pid"))
        if org:
            t.add(node, T.P_AFFILIATION, org)


def _related(ctx: Context, t: Triples, pub: str, item: dict[str, Any]) -> None:
    """A RelatedItem: ``identifier`` as ICAT stores it (``DOI:10.…``, ``URL:https://…``)."""
    raw = s(item.get("identifier"))
    doi = doi_or_none(raw)
    target = doi or http_iri(raw)
    if not target:
        return
    relation = s(item.get("relationType")).lower()
    kind = s(item.get("relatedItemType")).lower()
    if relation in CITED_BY and doi and kind not in NOT_TEXT:
        paper = iri(doi)
        t.type(paper, T.PUBLICATION, T.SCHOLARLY_ARTICLE)
        t.add(paper, T.IDENTIFIER, literal(raw))
        t.text(paper, T.TITLE, item.get("title"))
        t.text(paper, T.CITATION, item.get("fullReference"))
        t.add(paper, T.CITES_AS_DATA_SOURCE, pub)
        t.add(pub, T.IS_REFERENCED_BY, paper)
    else:
        t.link(pub, RELATIONS.get(relation, T.RELATION), target)
