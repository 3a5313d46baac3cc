"""Where each PaNOSC model, field and relation is in the knowledge graph (DESIGN §4).

Every entry is a SPARQL graph pattern over placeholders that the translator
(``api/panosc/sparql.py``) renames:

- ``?X`` the node of the model, ``?V`` a value of the field, ``?Y`` the node a relation leads
  to, ``?E`` the relation's edge value (a Member's role, which lives on the edge
  document → person), ``?_name`` a variable private to the pattern.

A field may have several values (two sources give two titles): a condition holds when one of
them satisfies it, a negated one (``neq``, ``nin``, ``nlike``, ``nilike``) when none satisfies
the positive form. A record shows the smallest value (see ``api/panosc/records.py``).

These patterns are the only place that knows the RDF shape of the facade: the harvest mappings
write it (``harvest/mapping/*.py``), these read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pancommons.harvest.mapping import terms as T

PANET = "http://purl.org/pan-science/PaNET/"
NOT_PUBLIC = (
    T.ACCESS_NON_PUBLIC,
    T.ACCESS_RESTRICTED,
    "http://publications.europa.eu/resource/authority/access-right/CONFIDENTIAL",
    "http://purl.org/coar/access_right/c_16ec",  # restricted
    "http://purl.org/coar/access_right/c_f1cf",  # embargoed
    "http://purl.org/coar/access_right/c_14cb",  # metadata only
)

PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <http://schema.org/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX pan: <https://w3id.org/pan-commons/ns#>
"""


def _in(iris: tuple[str, ...]) -> str:
    return ", ".join(f"<{i}>" for i in iris)


# The pid of a node: its dct:identifier values, else the DOI or Handle its IRI names, else the
# IRI itself (never empty, so every record has one).
PID = """?X a ?_class OPTIONAL { ?X dct:identifier ?_id }
BIND(COALESCE(STR(?_id), IF(STRSTARTS(STR(?X), "https://doi.org/"), SUBSTR(STR(?X), 17),
     IF(STRSTARTS(STR(?X), "https://hdl.handle.net/"), SUBSTR(STR(?X), 24), STR(?X)))) AS ?V)"""

# A date as xsd:dateTime: dates at midnight UTC, years on 1 January.
_DATE = """BIND(IF(DATATYPE(?_d) = xsd:gYear, xsd:dateTime(CONCAT(STR(?_d), "-01-01T00:00:00Z")),
     IF(DATATYPE(?_d) = xsd:date, xsd:dateTime(CONCAT(STR(?_d), "T00:00:00Z")),
        xsd:dateTime(?_d))) AS ?V)"""


# Public unless its access rights say otherwise (non-public, restricted, embargoed, metadata
# only): catalogues publish what they may; a dataset without access rights is not hidden.
_IS_PUBLIC = (
    f"?X a ?_class BIND(NOT EXISTS {{ ?X dct:accessRights ?_a FILTER(?_a IN ({_in(NOT_PUBLIC)})) }}"
    " AS ?V)"
)

# A document's DOI: named by its IRI (lower case, DESIGN §4), shown in its registered form
# when an identifier gives it.
_DOI = """?X a ?_class FILTER(STRSTARTS(STR(?X), "https://doi.org/"))
OPTIONAL { ?X dct:identifier ?_i FILTER(LCASE(STR(?_i)) = SUBSTR(STR(?X), 17)) }
BIND(COALESCE(STR(?_i), SUBSTR(STR(?X), 17)) AS ?V)"""

# The IRI as an id (PaNOSC ids are ephemeral; ours are at least stable).
_ID = "?X a ?_class BIND(STR(?X) AS ?V)"


def _text(predicate: str) -> str:
    return f"?X {predicate} ?_t BIND(STR(?_t) AS ?V)"


def _date(pattern: str) -> str:
    return f"{pattern} {_DATE}"


@dataclass(frozen=True)
class Relation:
    pattern: str
    """Binds ``?Y`` (and ``?E`` where the edge carries a value) from ``?X``."""
    many: bool = True


@dataclass(frozen=True)
class ModelGraph:
    nodes: str
    """Binds ``?X`` to every node of the model."""
    fields: dict[str, str]
    relations: dict[str, Relation] = field(default_factory=dict)
    scored: tuple[str, ...] = ()
    """Fields whose words the ``query`` parameter scores."""


DATASET_NODES = "?X a dcat:Dataset ."
# Listing: the two classes' members (a union of two scans); as a check on a bound node: its type.
DOCUMENT_NODES = "{ ?X a pan:Proposal } UNION { ?X a fabio:Expression }"
IS_DOCUMENT = "?X a ?_type FILTER(?_type IN (pan:Proposal, fabio:Expression))"
INSTRUMENT_NODES = "?X a pan:Instrument ."
# A technique: a PaNET class or a skos:Concept (a label not yet matched to PaNET) tagging data.
TECHNIQUE_NODES = (
    f'?_d dcat:theme ?X FILTER(isIRI(?X) && (STRSTARTS(STR(?X), "{PANET}") '
    "|| EXISTS { ?X a skos:Concept }))"
)

# dataset ?X → document ?Y: the proposal of its series or experiment; the publications that
# reference it or cite it, or cite its series.
_DATASET_DOCUMENTS = (
    "?X (dcat:inSeries/pan:proposal)|(prov:wasGeneratedBy/pan:proposal)|dct:isReferencedBy"
    "|^cito:citesAsDataSource|(dcat:inSeries/^cito:citesAsDataSource) ?Y .\n"
    + IS_DOCUMENT.replace("?X", "?Y")
)

_DATASET_INSTRUMENT = "?X pan:instrument|(prov:wasGeneratedBy/prov:used) ?Y . ?Y a pan:Instrument ."


def _swap(pattern: str) -> str:
    """The inverse relation: ``?X`` and ``?Y`` exchanged."""
    return pattern.replace("?X", "?__").replace("?Y", "?X").replace("?__", "?Y")


def _via(relation: str, pattern: str) -> str:
    """A field of the node a relation leads to, as a field of ``?X``: ``documentId``."""
    return relation.replace("?Y", "?_to") + "\n" + pattern.replace("?X", "?_to")


GRAPH: dict[str, ModelGraph] = {
    "Dataset": ModelGraph(
        DATASET_NODES,
        {
            "pid": PID,
            "title": _text("dct:title"),
            "isPublic": _IS_PUBLIC,
            "creationDate": _date(
                "?X dct:created|dct:issued ?_d "
                "FILTER(EXISTS { ?X dct:created ?_d } || NOT EXISTS { ?X dct:created ?_c })"
            ),
            "size": "?X dcat:byteSize ?V",
            "documentId": _via(_DATASET_DOCUMENTS, PID),
            "instrumentId": _via(_DATASET_INSTRUMENT, PID),
        },
        {
            "documents": Relation(_DATASET_DOCUMENTS),
            "techniques": Relation(TECHNIQUE_NODES.replace("?X", "?Y").replace("?_d", "?X")),
            "instrument": Relation(_DATASET_INSTRUMENT, many=False),
            "files": Relation("?X dcat:distribution ?Y"),
            "parameters": Relation("?X pan:parameter|(prov:wasGeneratedBy/pan:parameter) ?Y ."),
            "samples": Relation("?X pan:sample ?Y"),
        },
        ("dct:title", "dct:description", "dcat:keyword"),
    ),
    "Document": ModelGraph(
        DOCUMENT_NODES,
        {
            "pid": PID,
            "isPublic": _IS_PUBLIC,
            "type": '?X a ?_class BIND(IF(EXISTS { ?X a pan:Proposal }, "proposal", '
            '"publication") AS ?V)',
            "title": _text("dct:title"),
            "summary": "?X dct:description|dct:abstract ?_t BIND(STR(?_t) AS ?V)",
            "doi": _DOI,
            "startDate": _date("?_s pan:proposal ?X ; prov:startedAtTime ?_d"),
            "endDate": _date("?_s pan:proposal ?X ; prov:endedAtTime ?_d"),
            "releaseDate": _date("?X dct:available ?_d"),
            "license": '?X dct:license ?_l BIND(IF(STRSTARTS(STR(?_l), "https://spdx.org/licenses/"),'
            " SUBSTR(STR(?_l), 27), STR(?_l)) AS ?V)",
            "keywords": _text("dcat:keyword"),
        },
        {
            "datasets": Relation(
                _swap(_DATASET_DOCUMENTS).replace(IS_DOCUMENT, "?Y a dcat:Dataset .")
            ),
            "members": Relation(
                "VALUES ?_rel { dct:creator dct:contributor } ?X ?_rel ?Y . ?Y a foaf:Person "
                'BIND(IF(?_rel = dct:contributor, "contributor", IF(EXISTS { ?X a pan:Proposal },'
                ' "principal investigator", "author")) AS ?E)'
            ),
            "parameters": Relation("?X pan:parameter ?Y"),
        },
        ("dct:title", "dct:description", "dcat:keyword"),
    ),
    "Instrument": ModelGraph(
        INSTRUMENT_NODES,
        {
            "pid": PID,
            "name": _text("dct:title"),
            "facility": "?X pan:facility|dct:publisher ?_f . ?_f foaf:name ?_n "
            "FILTER(EXISTS { ?X pan:facility ?_f } || NOT EXISTS { ?X pan:facility ?_g }) "
            "BIND(STR(?_n) AS ?V)",
        },
        {"datasets": Relation(_swap(_DATASET_INSTRUMENT) + "\n?Y a dcat:Dataset .")},
        ("dct:title",),
    ),
    "Technique": ModelGraph(
        TECHNIQUE_NODES,
        {
            # a PaNET class's IRI; a label matched to PaNET: that class's; else its own
            "pid": "?X a ?_class OPTIONAL { ?X skos:exactMatch ?_p "
            f'FILTER(STRSTARTS(STR(?_p), "{PANET}")) }}\n'
            f'BIND(IF(STRSTARTS(STR(?X), "{PANET}"), STR(?X), COALESCE(STR(?_p), STR(?X))) AS ?V)',
            "name": "?X rdfs:label|skos:prefLabel ?_l BIND(STR(?_l) AS ?V)",
        },
    ),
    "Parameter": ModelGraph(
        "?X a pan:Parameter .",
        {
            "id": _ID,
            "name": _text("pan:name"),
            "value": "?X pan:value ?V",
            "unit": _text("pan:unit"),
            # internal: what unit conversion compares (api/panosc/units.py)
            "siValue": "?X pan:siValue ?V",
            "siUnit": "?X pan:siUnit ?_u BIND(STR(?_u) AS ?V)",
        },
    ),
    "File": ModelGraph(
        "?X a dcat:Distribution .",
        {
            "id": _ID,
            "name": _text("dct:title"),
            "path": _text("pan:path"),
            "size": "?X dcat:byteSize ?V",
        },
    ),
    "Sample": ModelGraph(
        "?_d pan:sample ?X",
        {
            "pid": "?_d pan:sample ?X OPTIONAL { ?X dct:identifier ?_id } "
            "BIND(COALESCE(STR(?_id), STR(?X)) AS ?V)",
            "name": _text("dct:title"),
            "description": _text("dct:description"),
        },
    ),
    "Member": ModelGraph(
        "?X a foaf:Person .",
        {"id": 'BIND(CONCAT(STR(?X), "#", ?E) AS ?V)', "role": "BIND(?E AS ?V)"},
        {
            "person": Relation("BIND(?X AS ?Y)", many=False),
            "affiliation": Relation("?X pan:affiliation ?Y", many=False),
        },
    ),
    "Person": ModelGraph(
        "?X a foaf:Person .",
        {
            "id": _ID,
            "fullName": _text("foaf:name"),
            "orcid": '?X a foaf:Person FILTER(STRSTARTS(STR(?X), "https://orcid.org/")) '
            "BIND(SUBSTR(STR(?X), 19) AS ?V)",
            "researcherId": _text("dct:identifier"),
            "firstName": _text("foaf:givenName"),
            "lastName": _text("foaf:familyName"),
        },
    ),
    "Affiliation": ModelGraph(
        "?X a foaf:Organization .",
        {
            "id": _ID,
            "name": _text("foaf:name"),
            "address": _text("schema:address/schema:streetAddress"),
            "city": _text("schema:address/schema:addressLocality"),
            "country": _text("schema:address/schema:addressCountry"),
        },
    ),
}

# Technique conditions match a technique or any narrower one (PaNET's class hierarchy, whose
# reflexive-transitive closure ontology.py materialises): a condition on ``pid`` or ``name`` is
# tested on every technique the node falls under.
# One path, not ``skos:exactMatch? / rdfs:subClassOf?`` (same nodes; Oxigraph evaluates the
# chain of two optional steps twenty times slower).
TECHNIQUE_ANCESTORS = "?X (skos:exactMatch|rdfs:subClassOf|(skos:exactMatch/rdfs:subClassOf))? ?A ."


# --- using the patterns ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\?(_\w+|[XYVEA])\b")


@dataclass
class Vars:
    """Fresh variable names for one query."""

    n: int = 0

    def new(self, stem: str) -> str:
        self.n += 1
        return f"?{stem}{self.n}"


def instantiate(
    pattern: str, vars: Vars, x: str, v: str = "", y: str = "", e: str = "", a: str = ""
) -> str:
    """``pattern`` with its placeholders renamed: private ``?_name`` variables get fresh names,
    so two uses of one pattern never share a variable."""
    prefix = vars.new("t")[1:]
    names = {"X": x, "Y": y, "V": v, "E": e, "A": a}

    def name(m: re.Match[str]) -> str:
        key = m.group(1)
        if key.startswith("_"):
            return f"?{prefix}{key}"
        value = names[key]
        if not value:
            raise ValueError(f"pattern needs ?{key}: {pattern}")
        return value

    return _PLACEHOLDER.sub(name, pattern)
