"""schema.org JSON-LD datasets (what landing pages embed for Google Dataset Search, and DataCite's
schema.org export) → DESIGN §4, with the conventions of ``mapping/datacite.py``.

The document is read as JSON, never by a JSON-LD processor: the ``https://schema.org`` context
is not fetched. Accepted: an object, a list of objects or an ``@graph`` whose ``@context`` is
schema.org's (a string, ``{"@vocab": ...}`` or a list holding one), or with no context, nodes
typed ``Dataset``. Keys and types may be written ``schema:name`` or as full IRIs; a bare
``{"@id": ...}`` reference is replaced by the node of the ``@graph`` with that ``@id``.

Every node typed ``Dataset`` at the top level (not nested in another node) is mapped. Its IRI is
the DOI IRI when an identifier (``identifier``, ``@id``, ``sameAs``) is a DOI, as DataCite's
mapper makes it, with the DOI as registered in ``dct:identifier``; else a Handle IRI, the
``@id`` when it is an http(s) IRI, or minted. People, organisations, licences, funding and related
works are translated into the DataCite shapes and written by ``datacite_agents`` and
``datacite_relations`` (values read by ``schemaorg_values``), so that a DOI described in
schema.org and in DataCite XML gives the same nodes; access rights, the experiment (technique,
parameters, instrument, collection time), samples and distributions are in ``schemaorg_parts``.
The table of keys is in docs/fair.md. Unknown keys are ignored; a value of the wrong JSON type
raises MappingError naming the key.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from pancommons import vocab
from pancommons.harvest.mapping import (
    datacite_agents,
    datacite_relations,
    schemaorg_parts,
    schemaorg_values,
)
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import Context, MappingError, doi_or_none, pid_iri
from pancommons.harvest.mapping.datacite import ALTERNATIVE, VERSION
from pancommons.harvest.mapping.datacite_resource import Resource, one_line
from pancommons.harvest.mapping.nt import Triples, iri, literal
from pancommons.harvest.mapping.schemaorg_values import Reader, http, id_text, link, types_of

_BASES = ("http://schema.org", "https://schema.org")
_DOI_RESOLVER = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.|www\.)?doi\.org/)", re.I)
_DATASET_HINTS = {"name", "description", "creator", "author", "identifier", "distribution"}
# schema.org property → DataCite relationType (as DataCite's own crosswalk, bolognese, reads
# them; ``subjectOf`` is the article about the data, and ``isBasedOn`` what it derives from).
RELATIONS = {
    "citation": "References",
    "isBasedOn": "IsDerivedFrom",
    "isPartOf": "IsPartOf",
    "hasPart": "HasPart",
    "sameAs": "IsIdenticalTo",
    "subjectOf": "IsReferencedBy",
    "exampleOfWork": "IsVersionOf",
    "workExample": "HasVersion",
}
REVERSE = {  # "@reverse": {property: the works that have this dataset as the value}
    "citation": "IsReferencedBy",
    "isBasedOn": "IsSourceOf",
    "isPartOf": "HasPart",
    "hasPart": "IsPartOf",
}
# schema.org type of a related work → DataCite resourceTypeGeneral
GENERAL = {
    "ScholarlyArticle": "JournalArticle",
    "Article": "JournalArticle",
    "Book": "Book",
    "Chapter": "BookChapter",
    "Thesis": "Dissertation",
    "Report": "Report",
    "Dataset": "Dataset",
    "DataCatalog": "Collection",
    "Collection": "Collection",
    "SoftwareSourceCode": "Software",
    "SoftwareApplication": "Software",
}


def _is_schema(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    v = value.strip().lower()
    return v.rstrip("/") in _BASES or v.startswith(tuple(f"{b}/docs/jsonldcontext" for b in _BASES))


def _context_is_schema(context: Any) -> bool:
    items = context if isinstance(context, list) else [context]
    return any(
        _is_schema(c) or (isinstance(c, dict) and _is_schema(c.get("@vocab"))) for c in items
    )


def _prefixes(doc: Any) -> tuple[str, ...]:
    """Key prefixes that stand for schema.org: full IRIs, ``schema:`` and declared ones."""
    found = [f"{b}/" for b in _BASES] + ["schema:"]
    for top in doc if isinstance(doc, list) else [doc]:
        ctx = top.get("@context") if isinstance(top, dict) else None
        for c in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(c, dict):
                found += [f"{k}:" for k, v in c.items() if not k.startswith("@") and _is_schema(v)]
    return tuple(found)


def _strip(value: Any, prefixes: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for p in prefixes:
            if value.startswith(p):
                return value[len(p) :]
    return value


def _normalise(value: Any, prefixes: tuple[str, ...]) -> Any:
    """Keys and ``@type`` values without their schema.org prefix, all the way down."""
    if isinstance(value, list):
        return [_normalise(v, prefixes) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        key = _strip(k, prefixes)
        if key == "@type":
            out[key] = (
                [_strip(x, prefixes) for x in v] if isinstance(v, list) else _strip(v, prefixes)
            )
        else:
            out[key] = v if key == "@context" else _normalise(v, prefixes)
    return out


def _nodes(doc: Any) -> list[dict[str, Any]]:
    """The top-level nodes: the object itself, each object of a list, each node of a @graph."""
    found: list[dict[str, Any]] = []
    for top in doc if isinstance(doc, list) else [doc]:
        if not isinstance(top, dict):
            raise MappingError("expected a JSON object, a list of objects or an @graph")
        graph = top.get("@graph")
        if graph is not None:
            found += [
                n for n in (graph if isinstance(graph, list) else [graph]) if isinstance(n, dict)
            ]
        found.append(top)
    return found


def is_schemaorg(doc: Any) -> bool:
    """Whether a parsed JSON document is schema.org JSON-LD: its @context says so, a top-level
    node is typed ``schema:Dataset`` (or the full IRI), or a node typed ``Dataset`` has
    schema.org keys and no @context makes another vocabulary the default (@vocab)."""
    tops = [x for x in (doc if isinstance(doc, list) else [doc]) if isinstance(x, dict)]
    if any(_context_is_schema(top.get("@context")) for top in tops):
        return True
    try:
        nodes = _nodes(tops)
    except MappingError:
        return False
    full = {f"{b}/Dataset" for b in _BASES} | {"schema:Dataset"}
    if any(types_of(n) & full for n in nodes):
        return True
    other_vocab = any(_vocab_elsewhere(top.get("@context")) for top in tops)
    return not other_vocab and any(
        "Dataset" in types_of(n) and _DATASET_HINTS & n.keys() for n in nodes
    )


def _vocab_elsewhere(context: Any) -> bool:
    """Whether an @context sets another @vocab (then a bare "Dataset" is that vocabulary's)."""
    items = context if isinstance(context, list) else [context]
    return any(isinstance(c, dict) and c.get("@vocab") is not None for c in items)


def parse(data: bytes | str) -> Any:
    """The JSON document, or MappingError saying why it is not JSON."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MappingError(f"not JSON: {exc}") from None


def map_document(ctx: Context, data: bytes | str) -> Triples:
    """Every top-level Dataset node of a schema.org JSON-LD document."""
    doc = parse(data)
    if not is_schemaorg(doc):
        raise MappingError(
            '@context: not schema.org (expected "https://schema.org", {"@vocab": '
            '"https://schema.org/"} or a list holding one)'
        )
    try:
        nodes = _nodes(_normalise(doc, _prefixes(doc)))
    except RecursionError:
        raise MappingError("the document is nested too deeply") from None
    datasets = [n for n in nodes if "Dataset" in types_of(n)]
    if not datasets:
        raise MappingError('no Dataset: no top-level node has "@type": "Dataset"')
    reader = Reader({n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1})
    t = Triples()
    for d in datasets:
        map_dataset(ctx, t, reader, d)
    return t


def _registered(raw: str) -> str:
    """A DOI as registered: without resolver or ``doi:`` prefix, case kept."""
    m = _DOI_RESOLVER.match(raw.strip())
    return unquote(raw.strip()[m.end() :]) if m else raw.strip()


def identity(ctx: Context, r: Reader, d: dict[str, Any]) -> tuple[str, str, str]:
    """(identifier as registered, node IRI, local key for the parts minted for it)."""
    ids = [x for x in (id_text(v) for v in r.things(d, "identifier", numbers=True)) if x]
    at_id = d.get("@id") if isinstance(d.get("@id"), str) else ""
    same = [id_text(v) for v in r.things(d, "sameAs")]
    for cand in (*ids, at_id, *same):
        doi = doi_or_none(cand)
        if doi:
            return _registered(cand), doi, vocab.normalize_doi(cand)
    for cand in (*ids, at_id):
        handle = pid_iri(cand) if cand else None
        if handle and handle.startswith("https://hdl.handle.net/"):
            return cand, handle, cand
    local = ids[0] if ids else ""
    if http(at_id):
        return local or at_id, at_id, local or at_id
    local = local or next(iter(r.texts(d, "url")), "") or next(iter(r.texts(d, "name")), "")
    if not local:
        raise MappingError("Dataset: no identifier, @id, url or name to identify it by")
    return local, ctx.mint("dataset", local), local


def map_dataset(ctx: Context, t: Triples, r: Reader, d: dict[str, Any]) -> str:
    registered, node_iri, key = identity(ctx, r, d)
    res = Resource(ctx, t, iri(node_iri), key, "dataset")
    node = res.node
    res.owned.append(node)
    t.type(node, T.DATASET)
    t.add(node, T.IDENTIFIER, literal(registered))
    for kind in r.texts(d, "additionalType") or ["Dataset"]:
        t.text(node, T.TYPE, kind)
    for name in r.texts(d, "name"):
        t.text(node, T.TITLE, one_line(name))
    for name in r.texts(d, "alternateName"):
        t.text(node, ALTERNATIVE, one_line(name))
    for k in ("description", "abstract"):
        for text in r.texts(d, k):
            t.text(node, T.DESCRIPTION, text)
    for k, p in (
        ("datePublished", T.ISSUED),
        ("dateCreated", T.CREATED),
        ("dateModified", T.MODIFIED),
    ):
        for value in r.texts(d, k):
            schemaorg_values.add_date(t, node, p, value, k)
    t.text(node, VERSION, next(iter(r.texts(d, "version")), None))
    for url in r.texts(d, "url"):
        link(t, node, T.LANDING_PAGE, url)
    schemaorg_parts.add_experiment_event(res, r, d)
    _agents(res, r, d)
    for lic in r.things(d, "license"):
        datacite_agents.add_rights(t, node, schemaorg_values.rights(r, lic))
    schemaorg_parts.add_access(res, r, d)
    datacite_agents.add_funding(res, {"fundingReferences": schemaorg_values.funding(r, d)})
    schemaorg_parts.add_keywords(res, r, d)
    schemaorg_parts.add_techniques(res, r, d)
    schemaorg_parts.add_parameters(res, r, d)
    schemaorg_parts.add_instruments(res, r, d)
    schemaorg_parts.add_samples(res, r, d)
    schemaorg_parts.add_collection_time(res, r, d)
    schemaorg_parts.add_distributions(res, r, d)
    schemaorg_parts.add_catalogs(res, r, d)
    schemaorg_parts.add_contacts(res, r, d)
    datacite_relations.add_related(res, _related(r, d))
    t.owned.extend(res.owned)
    return node


def _agents(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """creator/author → dct:creator, contributor/editor → dct:contributor, publisher (else
    provider) → dct:publisher: as DataCite creators, contributors and publisher."""
    t, ctx = res.t, res.ctx
    for keys, p in ((("creator", "author"), T.CREATOR), (("contributor", "editor"), T.CONTRIBUTOR)):
        for k in keys:
            for v in r.things(d, k):
                who, _ = datacite_agents.agent(ctx, t, schemaorg_values.agent_attrs(r, v, k))
                if who:
                    t.add(res.node, p, who)
    publishers = r.things(d, "publisher") or r.things(d, "provider")
    for v in publishers or [None]:
        datacite_agents.add_publisher(res, schemaorg_values.publisher(r, v))


def _related(r: Reader, d: dict[str, Any]) -> list[dict[str, Any]]:
    """citation, isBasedOn, isPartOf, hasPart, sameAs, subjectOf… (and their ``@reverse``) as
    DataCite relatedIdentifiers. An Event the data is based on is its experiment, not a work."""
    found: list[dict[str, Any]] = []
    reverse = d.get("@reverse")
    if reverse is not None and not isinstance(reverse, dict):
        raise MappingError("@reverse: expected an object")
    for table, node in ((RELATIONS, d), (REVERSE, reverse or {})):
        for prop, relation in table.items():
            for v in r.things(node, prop):
                if isinstance(v, dict) and "Event" in types_of(v):
                    continue
                ident = id_text(v)
                if not ident:
                    continue
                kind = "Other"
                if doi_or_none(ident):
                    kind = "DOI"
                elif (pid_iri(ident) or "").startswith("https://hdl.handle.net/"):
                    kind = "Handle"
                elif http(ident):
                    kind = "URL"
                general = next((GENERAL[x] for x in types_of(v) if x in GENERAL), "")
                found.append(
                    {
                        "relatedIdentifier": ident,
                        "relatedIdentifierType": kind,
                        "relationType": relation,
                        "resourceTypeGeneral": general,
                    }
                )
    return found
