"""schema.org JSON-LD for a dataset's landing page (Google Dataset Search, Science-on-Schema.org).

A ``Dataset`` with name, description, url, identifier, keywords, version, creator, license,
distribution, measurementTechnique, variableMeasured and includedInDataCatalog, built from the
graph only: a property the graph does not have is left out, never made up. The context is inline
(``@vocab`` ``http://schema.org/``, the namespace the SOSO shapes expect) so that a consumer
needs no network access to read it as RDF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyoxigraph import Literal, NamedNode

from pancommons import vocab
from pancommons.api.describe import Description
from pancommons.api.nodes import Term, best_literal, graphs_of, properties
from pancommons.store.base import Store

CONTEXT = {"@vocab": vocab.SCHEMA}
OPEN_ACCESS = {
    "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
    "http://purl.org/coar/access_right/c_abf2",
    "info:eu-repo/semantics/openAccess",
}
CLOSED_ACCESS = {
    "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC",
    "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
    "http://purl.org/coar/access_right/c_16ec",
    "http://purl.org/coar/access_right/c_f1cf",
    "http://purl.org/coar/access_right/c_14cb",
}
IANA_MEDIA = "https://www.iana.org/assignments/media-types/"
PID_SCHEMES = (
    ("https://doi.org/", "doi", "https://registry.identifiers.org/registry/doi"),
    ("https://hdl.handle.net/", "hdl", "https://registry.identifiers.org/registry/hdl"),
)
Props = dict[str, list[Term]]


def _one_or_many(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


def _text(values: list[Term]) -> str | None:
    literals = [v for v in values if isinstance(v, Literal)]
    return best_literal(literals).value if literals else None


def _name(props: Props) -> str | None:
    for p in (
        vocab.FOAF + "name",
        vocab.SCHEMA + "name",
        vocab.RDFS + "label",
        vocab.DCT + "title",
    ):
        if found := _text(props.get(p, [])):
            return found
    given, family = (
        _text(props.get(vocab.FOAF + "givenName", [])),
        _text(props.get(vocab.FOAF + "familyName", [])),
    )
    return " ".join(x for x in (given, family) if x) or None


def _agent(node: Term, props: Props, lookup: Callable[[Term], Props]) -> dict[str, Any] | None:
    if not isinstance(node, NamedNode):
        return None
    types = {t.value for t in props.get(vocab.RDF + "type", [])}
    org = bool(
        types & {vocab.FOAF + "Organization", vocab.PAN + "Facility", vocab.SCHEMA + "Organization"}
    ) or node.value.startswith("https://ror.org/")
    out: dict[str, Any] = {"@type": "Organization" if org else "Person", "@id": node.value}
    if name := _name(props):
        out["name"] = name
    if node.value.startswith(("https://orcid.org/", "https://ror.org/")):
        out["identifier"] = node.value
    affiliations = []
    for aff in props.get(vocab.PAN + "affiliation", []):
        if isinstance(aff, NamedNode):
            entry = {"@type": "Organization", "@id": aff.value}
            if aff_name := _name(lookup(aff)):
                entry["name"] = aff_name
            affiliations.append(entry)
    if affiliations and not org:
        out["affiliation"] = _one_or_many(affiliations)
    return out


def _identifier(desc: Description) -> Any:
    iri = desc.node.value
    registered = desc.first(vocab.DCT + "identifier")
    for prefix, scheme, registry in PID_SCHEMES:
        if iri.startswith(prefix):
            value = registered if registered and "/" in registered else iri[len(prefix) :]
            return {
                "@type": "PropertyValue",
                "propertyID": registry,
                "value": f"{scheme}:{value}",
                "url": iri,
            }
    return registered or iri


def _distribution(node: Term, props: Props) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "DataDownload"}
    if isinstance(node, NamedNode):
        out["@id"] = node.value
    if name := _text(props.get(vocab.DCT + "title", [])):
        out["name"] = name
    for src, dst in ((vocab.DCAT + "downloadURL", "contentUrl"), (vocab.DCAT + "accessURL", "url")):
        urls = [v.value for v in props.get(src, []) if isinstance(v, NamedNode)]
        if urls:
            out[dst] = urls[0]
    formats = [
        v.value.removeprefix(IANA_MEDIA)
        for v in props.get(vocab.DCAT + "mediaType", []) + props.get(vocab.DCT + "format", [])
    ]
    if formats:
        out["encodingFormat"] = _one_or_many(sorted(set(formats)))
    if size := _text(props.get(vocab.DCAT + "byteSize", [])):
        out["contentSize"] = f"{size} B"
    return out


def _parameter(node: Term, props: Props) -> dict[str, Any] | None:
    name = _text(props.get(vocab.PAN + "name", []))
    value = _text(props.get(vocab.PAN + "value", []))
    if name is None:
        return None
    out: dict[str, Any] = {"@type": "PropertyValue", "name": name}
    if value is not None:
        out["value"] = value
    if unit := _text(props.get(vocab.PAN + "unit", [])):
        out["unitText"] = unit
    si = [u.value for u in props.get(vocab.PAN + "siUnit", []) if isinstance(u, NamedNode)]
    if si:
        out["unitCode"] = si[0]
    return out


def _access(desc: Description) -> bool | None:
    rights = {v.value for v in desc.values(vocab.DCT + "accessRights")}
    if rights & OPEN_ACCESS:
        return True
    if rights & CLOSED_ACCESS:
        return False
    return None


def dataset_jsonld(store: Store, desc: Description, page_url: str, base: str) -> dict[str, Any]:
    """The schema.org ``Dataset`` description of ``desc`` served at ``page_url``."""
    dv = desc.values
    linked = {
        v
        for p in ("creator", "publisher", "contributor")
        for v in dv(vocab.DCT + p)
        if isinstance(v, NamedNode)
    }
    linked |= {v for v in dv(vocab.DCAT + "distribution") if isinstance(v, NamedNode)}
    experiments = {v for v in dv(vocab.PROV + "wasGeneratedBy") if isinstance(v, NamedNode)}
    params = {v for v in dv(vocab.PAN + "parameter") if isinstance(v, NamedNode)}
    facts = properties(store, linked | experiments | params)
    for e in experiments:
        params |= {
            v for v in facts[e.value].get(vocab.PAN + "parameter", []) if isinstance(v, NamedNode)
        }
    affiliations = {
        a
        for node in linked
        for a in facts[node.value].get(vocab.PAN + "affiliation", [])
        if isinstance(a, NamedNode)
    }
    facts.update(properties(store, (params | affiliations) - set(facts)))

    def lookup(term: Term) -> Props:
        return facts.get(term.value, {}) if isinstance(term, NamedNode) else {}

    out: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": desc.node.value,
        "name": desc.title,
        "url": page_url,
        "identifier": _identifier(desc),
    }
    if description := _text(dv(vocab.DCT + "description")):
        out["description"] = description
    same = [v.value for v in dv(vocab.DCAT + "landingPage") if isinstance(v, NamedNode)]
    if same:
        out["sameAs"] = _one_or_many(same)
    keywords = sorted({v.value for v in dv(vocab.DCAT + "keyword") if isinstance(v, Literal)})
    if keywords:
        out["keywords"] = keywords
    for p in (vocab.DCAT + "version", vocab.ADMS + "version", vocab.OWL + "versionInfo"):
        if version := _text(dv(p)):
            out["version"] = version
            break
    for prop, key in (
        ("creator", "creator"),
        ("contributor", "contributor"),
        ("publisher", "publisher"),
    ):
        agents = [a for v in dv(vocab.DCT + prop) if (a := _agent(v, lookup(v), lookup))]
        if agents:
            out[key] = agents if key != "publisher" else _one_or_many(agents)
    licenses = sorted(v.value for v in dv(vocab.DCT + "license"))
    if licenses:
        out["license"] = _one_or_many(licenses)
    for src, key in (
        ("issued", "datePublished"),
        ("modified", "dateModified"),
        ("created", "dateCreated"),
    ):
        if when := _text(dv(vocab.DCT + src)):
            out[key] = when
    if (free := _access(desc)) is not None:
        out["isAccessibleForFree"] = free
    distributions = [_distribution(d, lookup(d)) for d in dv(vocab.DCAT + "distribution")]
    if distributions:
        out["distribution"] = distributions
    if desc.techniques:
        out["measurementTechnique"] = [
            {
                "@type": "DefinedTerm",
                "@id": t.iri.value,
                "name": t.label,
                "termCode": t.iri.value.rsplit("/", 1)[-1],
                "inDefinedTermSet": vocab.PANET,
            }
            for t in desc.techniques
        ]
    variables = [p for node in sorted(params, key=str) if (p := _parameter(node, lookup(node)))]
    if variables:
        out["variableMeasured"] = variables
    catalogs = [
        {"@type": "DataCatalog", "@id": g, "name": f"{g.rsplit('/', 1)[-1]} (PaN Commons source)"}
        for g in graphs_of(store, desc.node)
        if g.startswith(f"{base}/graph/source/")
    ]
    if catalogs:
        out["includedInDataCatalog"] = _one_or_many(catalogs)
    return out
