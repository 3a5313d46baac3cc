"""DataCite relatedIdentifiers → RDF, by relationType (reference/catalogues-and-mapping.md §7.4).

Related identifiers of type DOI, Handle or URL (PURL, w3id) become IRIs (a DOI in any spelling,
a doi.org URL too, is ``https://doi.org/{lower case}``, so it meets the DOI's own record); other
types (ISSN, ISBN, arXiv, PMID, URN…) are kept as a dct:relation literal. Publications citing a
dataset follow DESIGN §4: the publication ``cito:citesAsDataSource`` the dataset, the dataset is
``dct:isReferencedBy`` it, whichever of the two DOIs the relation was registered on. A dataset
``IsCollectedBy`` an Instrument (a PIDINST) has it as ``pan:instrument``, and its experiment
``prov:used`` it.
"""

from __future__ import annotations

from typing import Any

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import doi_or_none
from pancommons.harvest.mapping.datacite_resource import PUBLICATION_TYPES, Resource, text
from pancommons.harvest.mapping.nt import TermError, iri, literal
from pancommons.vocab import InvalidIdentifier


def _cito(local: str) -> str:
    return f"<{vocab.CITO}{local}>"


def _dct(local: str) -> str:
    return f"<{vocab.DCT}{local}>"


def _dcat(local: str) -> str:
    return f"<{vocab.DCAT}{local}>"


# relationType (lower case) → (predicate, inverse): subject = the DOI described, or with
# inverse the related resource. Anything else (Continues, Collects, HasMetadata, HasTranslation,
# IsSupplementTo/IsSupplementedBy beyond publications, Other…) → dct:relation.
RELATIONS: dict[str, tuple[str, bool]] = {
    "iscitedby": (_cito("isCitedBy"), False),
    "cites": (T.REFERENCES, False),
    "references": (T.REFERENCES, False),
    "isreferencedby": (T.IS_REFERENCED_BY, False),
    "ispartof": (T.IS_PART_OF, False),
    "haspart": (T.HAS_PART, False),
    "ispublishedin": (T.IS_PART_OF, False),
    "isderivedfrom": (T.DERIVED_FROM, False),
    "issourceof": (T.DERIVED_FROM, True),
    "isversionof": (_dcat("isVersionOf"), False),
    "hasversion": (_dcat("hasVersion"), False),
    "isnewversionof": (_dcat("previousVersion"), False),
    "ispreviousversionof": (_dcat("previousVersion"), True),
    "isidenticalto": (f"<{vocab.OWL}sameAs>", False),
    "isdocumentedby": (_cito("isDocumentedBy"), False),
    "documents": (_cito("documents"), False),
    "isdescribedby": (_cito("isDescribedBy"), False),
    "describes": (_cito("describes"), False),
    "iscompiledby": (_cito("isCompiledBy"), False),
    "compiles": (_cito("compiles"), False),
    "reviews": (_cito("reviews"), False),
    "isreviewedby": (_cito("isReviewedBy"), False),
    "requires": (_dct("requires"), False),
    "isrequiredby": (_dct("isRequiredBy"), False),
    "obsoletes": (_dct("replaces"), False),
    "isobsoletedby": (_dct("isReplacedBy"), False),
    "isvariantformof": (_dct("isFormatOf"), False),
    "isoriginalformof": (_dct("hasFormat"), False),
}
# relations under which a publication uses the data (seen from the dataset, and from the paper)
CITED_BY = {"iscitedby", "isreferencedby", "issupplementto"}
CITES = {"cites", "references", "issupplementedby"}
URL_TYPES = {"url", "purl", "w3id"}


def target(rel: dict[str, Any]) -> str | None:
    """The related resource as a written IRI, or None when it is no DOI, Handle or URL."""
    raw, kind = text(rel.get("relatedIdentifier")), text(rel.get("relatedIdentifierType")).lower()
    if not raw:
        return None
    if kind == "doi" or (kind in URL_TYPES and "doi.org/10." in raw.lower()):
        doi = doi_or_none(raw)
        return iri(doi) if doi else None
    if kind == "handle":
        try:
            return iri(vocab.handle_iri(raw))
        except InvalidIdentifier:
            return None
    if kind in URL_TYPES and raw.lower().startswith(("https://", "http://")):
        try:
            return iri(raw)
        except TermError:
            return None
    return None


def _is_publication(rel: dict[str, Any]) -> bool:
    """The related resource is a publication: its resourceTypeGeneral says so, or (for the
    citing relations, where that is what DataCite means) it says nothing."""
    general = text(rel.get("resourceTypeGeneral")).lower()
    return not general or general in PUBLICATION_TYPES


def add_related(res: Resource, related: list[dict[str, Any]]) -> None:
    t, node = res.t, res.node
    for rel in related:
        relation = text(rel.get("relationType")).lower()
        other = target(rel)
        if other is None:
            t.text(node, T.RELATION, text(rel.get("relatedIdentifier")))
            continue
        if other == node:  # a relation of the DOI to itself says nothing
            continue
        is_doi = text(rel.get("relatedIdentifierType")).lower() == "doi"
        general = text(rel.get("resourceTypeGeneral")).lower()
        exp = res.experiment() if relation == "iscollectedby" and general == "instrument" else None
        if exp:
            t.type(other, T.INSTRUMENT)
            t.add(node, T.P_INSTRUMENT, other)
            t.add(exp, T.USED, other)
        elif res.kind == "dataset" and relation in CITED_BY and is_doi and _is_publication(rel):
            _cites_data(res, other, node, text(rel.get("relatedIdentifier")), publication=True)
        elif res.kind == "publication" and relation in CITES and is_doi and general == "dataset":
            _cites_data(res, node, other, "", publication=False)
        else:
            predicate, inverse = RELATIONS.get(relation, (T.RELATION, False))
            if inverse:
                t.add(other, predicate, node)
            else:
                t.add(node, predicate, other)


def _cites_data(res: Resource, pub: str, data: str, registered: str, *, publication: bool) -> None:
    """``pub cito:citesAsDataSource data`` and ``data dct:isReferencedBy pub``; the node that is
    not the record's own is typed from what the relation says of it."""
    t = res.t
    if publication:
        t.type(pub, T.PUBLICATION, T.SCHOLARLY_ARTICLE)
        t.add(pub, T.IDENTIFIER, literal(registered))
    else:
        t.type(data, T.DATASET)
    t.add(pub, T.CITES_AS_DATA_SOURCE, data)
    t.add(data, T.IS_REFERENCED_BY, pub)
