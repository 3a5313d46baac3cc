"""The DCAT-AP mapping on the demo graph and the controlled-vocabulary tables: identifiers,
access rights (with embargo), themes, file types, access URLs, and what stands in for a missing
mandatory text."""

from __future__ import annotations

import datetime

import pytest
import rdflib
from pyoxigraph import Literal as OxLiteral
from pyoxigraph import NamedNode, RdfFormat, serialize
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from pancommons.dcat import vocabularies as cv
from pancommons.dcat.catalog import PageRequest, build_page, catalog_info
from pancommons.dcat.mapping import MISSING_DESCRIPTION, SERIES_DESCRIPTION, UNTITLED
from pancommons.dcat.values import date_literal, end_of
from pancommons.store.embedded import EmbeddedStore
from tests.dcat.conftest import BASE

ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 (rdflib's is DCAT 2)
EU = "http://publications.europa.eu/resource/authority/"
EMBARGOED = URIRef("https://doi.org/10.15151/esrf-es-2210534378")  # dct:available 2028-09-06
ICAT = URIRef(f"{BASE}/id/dataset/demo-icat/12100409-ST%2F1.1-P%2Fe208945")
NEXUS = URIRef(f"{BASE}/id/dataset/demo-nexus/id02%2Fsc5123%2Fsaxs_sds_0042.nxs%2Fentry")
STUB = URIRef("https://hdl.handle.net/20.500.12269/2511nicos_00002511.hdf")


def catalogue(store: EmbeddedStore, today: datetime.date) -> rdflib.Graph:
    page = build_page(store, BASE, catalog_info(BASE), PageRequest(1, 1000), today=today)
    return rdflib.Graph().parse(
        data=serialize(page.triples, format=RdfFormat.N_TRIPLES), format="nt"
    )


@pytest.fixture(scope="module")
def g(demo_store: EmbeddedStore) -> rdflib.Graph:
    return catalogue(demo_store, datetime.date(2026, 1, 1))


def test_doi_dataset(g: rdflib.Graph) -> None:
    assert g.value(EMBARGOED, DCTERMS.identifier) == Literal("10.15151/ESRF-ES-2210534378")
    (ident,) = g.objects(EMBARGOED, ADMS.identifier)
    assert isinstance(ident, BNode)
    assert (ident, RDF.type, ADMS.Identifier) in g
    assert g.value(ident, SKOS.notation) == Literal(str(EMBARGOED), datatype=XSD.anyURI)
    assert g.value(EMBARGOED, DCTERMS.issued) == Literal("2028", datatype=XSD.gYear)
    publisher = g.value(EMBARGOED, DCTERMS.publisher)
    assert publisher == URIRef("https://ror.org/02550n020")
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert g.value(publisher, FOAF.name) == Literal("ESRF")
    assert g.value(publisher, DCTERMS.type) == URIRef(cv.SCIENTIFIC_ORGANISATION.iri)
    for creator in g.objects(EMBARGOED, DCTERMS.creator):
        assert (creator, RDF.type, FOAF.Agent) in g and g.value(creator, FOAF.name)


def test_embargo_is_non_public_until_it_ends(demo_store: EmbeddedStore, g: rdflib.Graph) -> None:
    non_public = URIRef(EU + "access-right/NON_PUBLIC")
    assert g.value(EMBARGOED, DCTERMS.accessRights) == non_public
    assert (non_public, RDF.type, DCTERMS.RightsStatement) in g
    assert (non_public, SKOS.inScheme, URIRef(EU + "access-right")) in g
    later = catalogue(demo_store, datetime.date(2029, 1, 1))
    assert later.value(EMBARGOED, DCTERMS.accessRights) is None, "no stated right after it ends"


def test_stated_public_access(g: rdflib.Graph) -> None:
    public = URIRef(EU + "access-right/PUBLIC")
    assert len(set(g.subjects(DCTERMS.accessRights, public))) > 20


def test_themes_are_concepts_with_labels(g: rdflib.Graph) -> None:
    tech = URIRef(EU + "data-theme/TECH")
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert all((d, DCAT.theme, tech) in g for d in datasets)
    saxs = URIRef("http://purl.org/pan-science/PaNET/PaNET01188")
    assert (NEXUS, DCAT.theme, saxs) in g
    assert g.value(saxs, SKOS.prefLabel) == Literal("small angle x-ray scattering")
    assert (saxs, SKOS.inScheme, URIRef(cv.PANET_SCHEME)) in g
    for theme in set(g.objects(None, DCAT.theme)):
        assert (theme, RDF.type, SKOS.Concept) in g and g.value(theme, SKOS.prefLabel)


def test_distributions(g: rdflib.Graph) -> None:
    dists = set(g.objects(ICAT, DCAT.distribution))
    assert len(dists) == 4
    hdf = URIRef(EU + "file-type/HDF")
    formats = {str(g.value(d, DCTERMS.title)): g.value(d, DCTERMS.format) for d in dists}
    assert formats["e208945.nxs"] == hdf and formats["e208945.dat"] is None
    for d in dists:
        assert g.value(d, DCAT.accessURL) == ICAT, "no URL of its own: the dataset's landing page"
        assert g.value(d, DCAT.byteSize).datatype == XSD.nonNegativeInteger  # type: ignore[union-attr]
    assert (hdf, RDF.type, DCTERMS.MediaTypeOrExtent) in g
    assert (hdf, SKOS.inScheme, URIRef(EU + "file-type")) in g
    for d in g.subjects(RDF.type, DCAT.Distribution):
        assert g.value(d, DCAT.accessURL) is not None
        media = g.value(d, DCAT.mediaType)
        assert media is None or str(media).startswith(
            "https://www.iana.org/assignments/media-types/"
        )


def test_experiment_and_series(g: rdflib.Graph) -> None:
    (exp,) = g.objects(ICAT, PROV.wasGeneratedBy)
    assert (exp, RDF.type, PROV.Activity) in g
    (period,) = g.objects(ICAT, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2012-07-26T15:44:24Z", datatype=XSD.dateTime)
    assert g.value(period, DCAT.endDate) == Literal("2012-08-06T01:10:08Z", datatype=XSD.dateTime)
    (series,) = g.objects(ICAT, DCAT.inSeries)
    assert (series, RDF.type, DCAT.DatasetSeries) in g
    assert g.value(series, DCTERMS.title) == Literal("NiO SC OF1 JUH HHL")
    assert g.value(series, DCTERMS.description) == Literal(
        SERIES_DESCRIPTION.format(id="12100409-ST/1.1-P"), lang="en"
    )


def test_missing_mandatory_texts_say_so(g: rdflib.Graph) -> None:
    assert g.value(ICAT, DCTERMS.description) == Literal(MISSING_DESCRIPTION, lang="en")
    assert g.value(STUB, DCTERMS.title) == Literal(UNTITLED.format(id=str(STUB)), lang="en")
    stated = g.value(EMBARGOED, DCTERMS.description)
    assert stated is not None and str(stated).startswith("This proposal builds upon")


def test_contact_point_from_the_publisher_home_page(g: rdflib.Graph) -> None:
    (card,) = g.objects(ICAT, DCAT.contactPoint)
    vcard = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
    assert (card, RDF.type, vcard.Kind) in g
    assert g.value(card, vcard.hasURL) == URIRef("http://www.esnf.example.org/")
    assert g.value(card, vcard.fn) == Literal("Example Synchrotron and Neutron Facility")


# --- the vocabulary tables ---------------------------------------------------------------------

TODAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("stated", "end", "expected"),
    [
        ([f"{EU}access-right/PUBLIC"], None, "PUBLIC"),
        (["http://purl.org/coar/access_right/c_abf2"], None, "PUBLIC"),
        (["https://purl.org/coar/access_right/c_16ec"], None, "RESTRICTED"),
        (["info:eu-repo/semantics/closedAccess"], None, "NON_PUBLIC"),
        ([f"{EU}access-right/PUBLIC", f"{EU}access-right/RESTRICTED"], None, "RESTRICTED"),
        ([f"{EU}access-right/PUBLIC"], datetime.date(2027, 1, 1), "NON_PUBLIC"),
        (["http://purl.org/coar/access_right/c_f1cf"], datetime.date(2026, 1, 1), "PUBLIC"),
        (["http://purl.org/coar/access_right/c_f1cf"], datetime.date(2027, 1, 1), "NON_PUBLIC"),
        ([], None, None),
        (["http://example.org/whatever"], None, None),
    ],
)
def test_access_right(stated: list[str], end: datetime.date | None, expected: str | None) -> None:
    found = cv.access_right(stated, end, TODAY)
    assert (found.iri.rsplit("/", 1)[-1] if found else None) == expected


@pytest.mark.parametrize(
    ("formats", "names", "code", "media"),
    [
        (["NeXus"], [], "HDF", None),
        (["HDF5"], [], "HDF", None),
        (["application/x-hdf5"], [], "HDF", None),
        (
            ["https://www.iana.org/assignments/media-types/application/vnd.hdfgroup.hdf5"],
            [],
            "HDF",
            "https://www.iana.org/assignments/media-types/application/vnd.hdfgroup.hdf5",
        ),
        ([], ["scan_0001.nxs"], "HDF", None),
        ([], ["dk_MCFG_1_p_s1_.h5"], "HDF", None),
        ([], ["image.png"], "PNG", "https://www.iana.org/assignments/media-types/image/png"),
        ([], ["archive.tar.gz"], "TAR_GZ", None),
        (["other"], ["run.m"], None, None),
        ([], [".nxs"], None, None),
    ],
)
def test_file_and_media_types(
    formats: list[str], names: list[str], code: str | None, media: str | None
) -> None:
    kind = cv.file_type(formats, names)
    assert (kind.iri.rsplit("/", 1)[-1] if kind else None) == code
    assert cv.media_type(formats, kind) == media


@pytest.mark.parametrize(
    ("tag", "code"), [("en", "ENG"), ("en-GB", "ENG"), ("de", "DEU"), ("xx", None)]
)
def test_language(tag: str, code: str | None) -> None:
    found = cv.language(tag)
    assert (found.iri.rsplit("/", 1)[-1] if found else None) == code


@pytest.mark.parametrize(
    ("value", "datatype", "expected"),
    [
        ("2021-05-01", "date", ("2021-05-01", "date")),
        ("2021", "date", ("2021", "gYear")),
        ("2021-05", "string", ("2021-05", "gYearMonth")),
        (" 2021-05-01T10:00:00Z ", "string", ("2021-05-01T10:00:00Z", "dateTime")),
        ("2021-05-01T10:00:00+02:00", "dateTime", ("2021-05-01T10:00:00+02:00", "dateTime")),
        ("not a date", "date", None),
        ("2021-02-30", "date", None),
        ("2021-13", "gYearMonth", None),
        ("2021-05-01T25:00:00Z", "dateTime", None),
        ("1 May 2021", "string", None),
        ("2021", "integer", None),
    ],
)
def test_dates_get_the_datatype_of_their_text(
    value: str, datatype: str, expected: tuple[str, str] | None
) -> None:
    found = date_literal(OxLiteral(value, datatype=NamedNode(str(XSD) + datatype)))
    assert (
        (found.value, found.datatype.value.removeprefix(str(XSD))) if found else None
    ) == expected


@pytest.mark.parametrize(
    ("value", "end"),
    [
        ("2028", "2028-12-31"),
        ("2028-02", "2028-02-29"),
        ("2028-09-06", "2028-09-06"),
        ("2028-09-06T10:00:00Z", "2028-09-06"),
        ("soon", None),
    ],
)
def test_embargo_end(value: str, end: str | None) -> None:
    found = end_of(OxLiteral(value))
    assert (found.isoformat() if found else None) == end
