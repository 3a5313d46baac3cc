"""The terms the DCAT-AP view writes, as pyoxigraph nodes, and the prefixes of its output."""

from __future__ import annotations

from pyoxigraph import NamedNode

from pancommons import vocab

HYDRA = "http://www.w3.org/ns/hydra/core#"
DCATAP = "http://data.europa.eu/r5r/"
SPAR_DATACITE = "http://purl.org/spar/datacite/"

DCAT_AP_301 = "https://semiceu.github.io/DCAT-AP/releases/3.0.1/"
"""The specification every catalogue record ``dct:conformsTo``."""

PREFIXES: dict[str, str] = {
    "dcat": vocab.DCAT,
    "dct": vocab.DCT,
    "dcatap": DCATAP,
    "foaf": vocab.FOAF,
    "vcard": vocab.VCARD,
    "adms": vocab.ADMS,
    "skos": vocab.SKOS,
    "prov": vocab.PROV,
    "hydra": HYDRA,
    "rdf": vocab.RDF,
    "rdfs": vocab.RDFS,
    "xsd": vocab.XSD,
}
"""Prefixes of the Turtle, RDF/XML and JSON-LD output."""


def _n(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


RDF_TYPE = _n(vocab.RDF, "type")

# classes
CATALOG = _n(vocab.DCAT, "Catalog")
CATALOG_RECORD = _n(vocab.DCAT, "CatalogRecord")
DATASET = _n(vocab.DCAT, "Dataset")
DATASET_SERIES = _n(vocab.DCAT, "DatasetSeries")
DISTRIBUTION = _n(vocab.DCAT, "Distribution")
AGENT = _n(vocab.FOAF, "Agent")
PERSON = _n(vocab.FOAF, "Person")
ORGANIZATION = _n(vocab.FOAF, "Organization")
DOCUMENT = _n(vocab.FOAF, "Document")
CONCEPT = _n(vocab.SKOS, "Concept")
CONCEPT_SCHEME = _n(vocab.SKOS, "ConceptScheme")
RIGHTS_STATEMENT = _n(vocab.DCT, "RightsStatement")
LICENSE_DOCUMENT = _n(vocab.DCT, "LicenseDocument")
LINGUISTIC_SYSTEM = _n(vocab.DCT, "LinguisticSystem")
MEDIA_TYPE = _n(vocab.DCT, "MediaType")
MEDIA_TYPE_OR_EXTENT = _n(vocab.DCT, "MediaTypeOrExtent")
PERIOD_OF_TIME = _n(vocab.DCT, "PeriodOfTime")
STANDARD = _n(vocab.DCT, "Standard")
ACTIVITY = _n(vocab.PROV, "Activity")
IDENTIFIER = _n(vocab.ADMS, "Identifier")
VCARD_KIND = _n(vocab.VCARD, "Kind")
VCARD_ORGANIZATION = _n(vocab.VCARD, "Organization")
HYDRA_COLLECTION = _n(HYDRA, "Collection")
HYDRA_VIEW_CLASS = _n(HYDRA, "PartialCollectionView")

# properties
TITLE = _n(vocab.DCT, "title")
DESCRIPTION = _n(vocab.DCT, "description")
IDENTIFIER_P = _n(vocab.DCT, "identifier")
ISSUED = _n(vocab.DCT, "issued")
MODIFIED = _n(vocab.DCT, "modified")
PUBLISHER = _n(vocab.DCT, "publisher")
CREATOR = _n(vocab.DCT, "creator")
LICENSE = _n(vocab.DCT, "license")
ACCESS_RIGHTS = _n(vocab.DCT, "accessRights")
LANGUAGE = _n(vocab.DCT, "language")
TEMPORAL = _n(vocab.DCT, "temporal")
CONFORMS_TO = _n(vocab.DCT, "conformsTo")
FORMAT = _n(vocab.DCT, "format")
IS_REFERENCED_BY = _n(vocab.DCT, "isReferencedBy")
RELATION = _n(vocab.DCT, "relation")
TYPE = _n(vocab.DCT, "type")
AVAILABLE = _n(vocab.DCT, "available")
DCAT_DATASET = _n(vocab.DCAT, "dataset")
RECORD = _n(vocab.DCAT, "record")
THEME_TAXONOMY = _n(vocab.DCAT, "themeTaxonomy")
THEME = _n(vocab.DCAT, "theme")
KEYWORD = _n(vocab.DCAT, "keyword")
CONTACT_POINT = _n(vocab.DCAT, "contactPoint")
LANDING_PAGE = _n(vocab.DCAT, "landingPage")
DISTRIBUTION_P = _n(vocab.DCAT, "distribution")
IN_SERIES = _n(vocab.DCAT, "inSeries")
VERSION = _n(vocab.DCAT, "version")
ACCESS_URL = _n(vocab.DCAT, "accessURL")
DOWNLOAD_URL = _n(vocab.DCAT, "downloadURL")
MEDIA_TYPE_P = _n(vocab.DCAT, "mediaType")
BYTE_SIZE = _n(vocab.DCAT, "byteSize")
START_DATE = _n(vocab.DCAT, "startDate")
END_DATE = _n(vocab.DCAT, "endDate")
NAME = _n(vocab.FOAF, "name")
HOMEPAGE = _n(vocab.FOAF, "homepage")
PRIMARY_TOPIC = _n(vocab.FOAF, "primaryTopic")
PREF_LABEL = _n(vocab.SKOS, "prefLabel")
IN_SCHEME = _n(vocab.SKOS, "inScheme")
NOTATION = _n(vocab.SKOS, "notation")
ADMS_IDENTIFIER = _n(vocab.ADMS, "identifier")
WAS_GENERATED_BY = _n(vocab.PROV, "wasGeneratedBy")
STARTED = _n(vocab.PROV, "startedAtTime")
ENDED = _n(vocab.PROV, "endedAtTime")
VCARD_FN = _n(vocab.VCARD, "fn")
VCARD_EMAIL = _n(vocab.VCARD, "hasEmail")
VCARD_URL = _n(vocab.VCARD, "hasURL")
HYDRA_VIEW = _n(HYDRA, "view")
HYDRA_FIRST = _n(HYDRA, "first")
HYDRA_LAST = _n(HYDRA, "last")
HYDRA_NEXT = _n(HYDRA, "next")
HYDRA_PREVIOUS = _n(HYDRA, "previous")
HYDRA_TOTAL = _n(HYDRA, "totalItems")
HYDRA_PER_PAGE = _n(HYDRA, "itemsPerPage")

# datatypes
XSD_DATE = _n(vocab.XSD, "date")
XSD_DATETIME = _n(vocab.XSD, "dateTime")
XSD_GYEAR = _n(vocab.XSD, "gYear")
XSD_GYEARMONTH = _n(vocab.XSD, "gYearMonth")
XSD_STRING = _n(vocab.XSD, "string")
XSD_ANYURI = _n(vocab.XSD, "anyURI")
XSD_NON_NEGATIVE = _n(vocab.XSD, "nonNegativeInteger")
