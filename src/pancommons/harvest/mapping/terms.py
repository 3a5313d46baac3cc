"""The predicates and classes the mappings write, as ready N-Triples terms (DESIGN §4)."""

from __future__ import annotations

from pancommons import vocab as v


def _t(ns: object, local: str) -> str:
    return f"<{ns}{local}>"


# classes
DATASET = _t(v.DCAT, "Dataset")
SERIES = _t(v.DCAT, "DatasetSeries")
DISTRIBUTION = _t(v.DCAT, "Distribution")
CATALOG = _t(v.DCAT, "Catalog")
EXPERIMENT = _t(v.PAN, "Experiment")
PROPOSAL = _t(v.PAN, "Proposal")
INSTRUMENT = _t(v.PAN, "Instrument")
FACILITY = _t(v.PAN, "Facility")
SAMPLE = _t(v.PAN, "Sample")
PARAMETER = _t(v.PAN, "Parameter")
PERSON = _t(v.FOAF, "Person")
ORGANIZATION = _t(v.FOAF, "Organization")
PUBLICATION = _t(v.FABIO, "Expression")
SCHOLARLY_ARTICLE = _t(v.SCHEMA, "ScholarlyArticle")
POSTAL_ADDRESS = _t(v.SCHEMA, "PostalAddress")

# Dublin Core
IDENTIFIER = _t(v.DCT, "identifier")
TITLE = _t(v.DCT, "title")
DESCRIPTION = _t(v.DCT, "description")
ABSTRACT = _t(v.DCT, "abstract")
CREATED = _t(v.DCT, "created")
ISSUED = _t(v.DCT, "issued")
MODIFIED = _t(v.DCT, "modified")
AVAILABLE = _t(v.DCT, "available")
CREATOR = _t(v.DCT, "creator")
CONTRIBUTOR = _t(v.DCT, "contributor")
PUBLISHER = _t(v.DCT, "publisher")
LICENSE = _t(v.DCT, "license")
RIGHTS = _t(v.DCT, "rights")
ACCESS_RIGHTS = _t(v.DCT, "accessRights")
IS_REFERENCED_BY = _t(v.DCT, "isReferencedBy")
REFERENCES = _t(v.DCT, "references")
RELATION = _t(v.DCT, "relation")
HAS_PART = _t(v.DCT, "hasPart")
IS_PART_OF = _t(v.DCT, "isPartOf")
CONFORMS_TO = _t(v.DCT, "conformsTo")
FORMAT = _t(v.DCT, "format")
TYPE = _t(v.DCT, "type")
SOURCE = _t(v.DCT, "source")
CITATION = _t(v.DCT, "bibliographicCitation")

# DCAT
THEME = _t(v.DCAT, "theme")
KEYWORD = _t(v.DCAT, "keyword")
DIST = _t(v.DCAT, "distribution")
BYTE_SIZE = _t(v.DCAT, "byteSize")
ACCESS_URL = _t(v.DCAT, "accessURL")
DOWNLOAD_URL = _t(v.DCAT, "downloadURL")
LANDING_PAGE = _t(v.DCAT, "landingPage")
IN_SERIES = _t(v.DCAT, "inSeries")
DCAT_DATASET = _t(v.DCAT, "dataset")

# PROV
GENERATED_BY = _t(v.PROV, "wasGeneratedBy")
DERIVED_FROM = _t(v.PROV, "wasDerivedFrom")
USED = _t(v.PROV, "used")
STARTED = _t(v.PROV, "startedAtTime")
ENDED = _t(v.PROV, "endedAtTime")

# FOAF / schema.org / CiTO
NAME = _t(v.FOAF, "name")
GIVEN_NAME = _t(v.FOAF, "givenName")
FAMILY_NAME = _t(v.FOAF, "familyName")
HOMEPAGE = _t(v.FOAF, "homepage")
ADDRESS = _t(v.SCHEMA, "address")
STREET = _t(v.SCHEMA, "streetAddress")
LOCALITY = _t(v.SCHEMA, "addressLocality")
COUNTRY = _t(v.SCHEMA, "addressCountry")
CITES_AS_DATA_SOURCE = _t(v.CITO, "citesAsDataSource")

# SKOS (technique values that are no PaNET IRI: resolved by harvest/linking.py)
CONCEPT = _t(v.SKOS, "Concept")
PREF_LABEL = _t(v.SKOS, "prefLabel")
EXACT_MATCH = _t(v.SKOS, "exactMatch")

# ours
P_INSTRUMENT = _t(v.PAN, "instrument")
P_FACILITY = _t(v.PAN, "facility")
P_PROPOSAL = _t(v.PAN, "proposal")
P_TECHNIQUE = _t(v.PAN, "technique")
P_SAMPLE = _t(v.PAN, "sample")
P_PARAMETER = _t(v.PAN, "parameter")
P_AFFILIATION = _t(v.PAN, "affiliation")
P_CHEMICAL_FORMULA = _t(v.PAN, "chemicalFormula")
P_NAME = _t(v.PAN, "name")
P_VALUE = _t(v.PAN, "value")
P_UNIT = _t(v.PAN, "unit")
P_SI_VALUE = _t(v.PAN, "siValue")
P_SI_UNIT = _t(v.PAN, "siUnit")
P_PATH = _t(v.PAN, "path")

ACCESS_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
ACCESS_NON_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
ACCESS_RESTRICTED = "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
