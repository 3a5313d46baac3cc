"""The metadata formats of the provider: ``oai_dc`` and ``oai_datacite`` (a DataCite kernel-4
``resource`` following the OpenAIRE Guidelines for Data Archives), built with lxml from the
graph's facts (``facts.py``). Never by string concatenation: lxml escapes every value.

OpenAIRE conventions applied: access rights as ``info:eu-repo/semantics/{openAccess|
embargoedAccess|restrictedAccess|closedAccess}`` in ``rightsList`` (beside the licence, with its
SPDX identifier), the embargo end as an ``Available`` date, funders as ``fundingReferences``,
publications, proposals and parts as ``relatedIdentifiers``. A mandatory DataCite property the
graph does not know is written with DataCite's standard value ``:unav`` (creator, publisher),
so every record is schema-valid and says what is missing rather than inventing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from pancommons.oai.facts import CITO, DCAT, DCT, FOAF, PAN, PROV, SDO, Facts

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DATACITE_NS = "http://datacite.org/schema/kernel-4"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "oai_datacite": MetadataFormat(
        "oai_datacite", "http://schema.datacite.org/meta/kernel-4/metadata.xsd", DATACITE_NS
    ),
}

EU_ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
COAR_ACCESS = "http://purl.org/coar/access_right/"
EU_REPO = "info:eu-repo/semantics/"
_ACCESS = {
    f"{EU_ACCESS}PUBLIC": "openAccess",
    f"{EU_ACCESS}RESTRICTED": "restrictedAccess",
    f"{EU_ACCESS}NON_PUBLIC": "closedAccess",
    f"{EU_ACCESS}EMBARGOED": "embargoedAccess",
    f"{COAR_ACCESS}c_abf2": "openAccess",
    f"{COAR_ACCESS}c_f1cf": "embargoedAccess",
    f"{COAR_ACCESS}c_16ec": "restrictedAccess",
    f"{COAR_ACCESS}c_14cb": "closedAccess",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
_SPDX = "https://spdx.org/licenses/"
PANET = "http://purl.org/pan-science/PaNET/"


def _pid(value: str) -> tuple[str, str]:
    """(identifierType, identifier) of an IRI as DataCite writes it."""
    if value.startswith("https://doi.org/"):
        return "DOI", value.removeprefix("https://doi.org/")
    if value.startswith("https://hdl.handle.net/"):
        return "Handle", value.removeprefix("https://hdl.handle.net/")
    if value.startswith("https://orcid.org/"):
        return "ORCID", value
    if value.startswith("https://ror.org/"):
        return "ROR", value
    return "URL", value


def _date(value: str) -> str | None:
    m = _DATE.match(value)
    return m.group(0) if m else None


def access_right(facts: Facts, d: str, today: str | None = None) -> str | None:
    """The ``info:eu-repo/semantics/...`` access right: embargoed while ``dct:available`` is in
    the future, else from ``dct:accessRights`` (EU or COAR vocabulary); None when unknown."""
    today = today or datetime.now(UTC).date().isoformat()
    available = [x for x in (_date(v) for v in facts.values(d, f"{DCT}available")) if x]
    if any(len(a) == 10 and a > today for a in available):
        return EU_REPO + "embargoedAccess"
    for v in facts.values(d, f"{DCT}accessRights"):
        if v in _ACCESS:
            return EU_REPO + _ACCESS[v]
    return None


def _year(facts: Facts, d: str, fallback: str) -> str:
    for p in ("issued", "available", "created", "modified"):
        for v in facts.values(d, f"{DCT}{p}"):
            if re.match(r"^\d{4}", v):
                return v[:4]
    return fallback[:4]


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _related(facts: Facts, d: str) -> list[tuple[str, str]]:
    """(relationType, IRI) of the dataset's links to other works."""
    out: list[tuple[str, str]] = []
    for p, relation in (
        (f"{DCT}isReferencedBy", "IsReferencedBy"),
        (f"{DCAT}inSeries", "IsPartOf"),
        (f"{DCT}isPartOf", "IsPartOf"),
        (f"{DCT}hasPart", "HasPart"),
        (f"{PROV}wasDerivedFrom", "IsDerivedFrom"),
        (f"{DCT}references", "References"),
        (f"{DCT}conformsTo", "Requires"),
        (f"{CITO}citesAsDataSource", "Cites"),
    ):
        for target in facts.iris(d, p):
            # a publication minted by us: its DOI if the graph knows one
            for ident in facts.values(target, f"{DCT}identifier"):
                m = re.search(r"10\.\d{4,9}/\S+", ident)
                if m and not target.startswith("https://doi.org/"):
                    target = "https://doi.org/" + m.group(0)
                    break
            out.append((relation, target))
    return out


def datacite(facts: Facts, d: str, datestamp: str) -> etree._Element:
    """A kernel-4 ``resource`` (valid against DataCite's metadata.xsd)."""
    nsmap = {None: DATACITE_NS, "xsi": XSI}
    r = etree.Element(f"{{{DATACITE_NS}}}resource", nsmap=nsmap)
    r.set(f"{{{XSI}}}schemaLocation", f"{DATACITE_NS} {FORMATS['oai_datacite'].schema}")
    q = f"{{{DATACITE_NS}}}"
    kind, value = _pid(d)
    _sub(r, q + "identifier", value, identifierType=kind)

    creators = _sub(r, q + "creators")
    agents = facts.values(d, f"{DCT}creator")
    for a in agents or [""]:
        _agent(facts, creators, q, "creator", a)
    titles = _sub(r, q + "titles")
    for value, lang in facts.texts(d, f"{DCT}title"):
        title = _sub(titles, q + "title", value)
        if lang:
            title.set(XML_LANG, lang)
    if not len(titles):
        _sub(titles, q + "title", ":unav")
    pub = facts.first(d, f"{DCT}publisher")
    name = (facts.name(pub) if pub else None) or ":unav"
    pub_el = _sub(r, q + "publisher", name)
    if pub and pub.startswith("https://ror.org/"):
        pub_el.set("publisherIdentifier", pub)
        pub_el.set("publisherIdentifierScheme", "ROR")
        pub_el.set("schemeURI", "https://ror.org/")
    _sub(r, q + "publicationYear", _year(facts, d, datestamp))
    _sub(
        r,
        q + "resourceType",
        facts.first(d, f"{DCT}type") or "Dataset",
        resourceTypeGeneral="Dataset",
    )

    subjects = etree.Element(q + "subjects")
    for k in facts.values(d, f"{DCAT}keyword"):
        _sub(subjects, q + "subject", k)
    for theme in facts.values(d, f"{DCAT}theme"):
        label = facts.label(theme) or theme.rsplit("/", 1)[-1]
        if theme.startswith(PANET):
            _sub(
                subjects,
                q + "subject",
                label,
                subjectScheme="PaNET",
                schemeURI="http://purl.org/pan-science/PaNET/PaNET.owl",
                valueURI=theme,
            )
        else:
            _sub(subjects, q + "subject", label, valueURI=theme)
    if len(subjects):
        r.append(subjects)

    contributors = etree.Element(q + "contributors")
    for a in facts.values(d, f"{DCT}contributor"):
        _agent(facts, contributors, q, "contributor", a, contributorType="Other")
    if len(contributors):
        r.append(contributors)

    dates = etree.Element(q + "dates")
    for p, kind_ in (
        ("created", "Created"),
        ("issued", "Issued"),
        ("available", "Available"),
        ("modified", "Updated"),
    ):
        for v in facts.values(d, f"{DCT}{p}"):
            if _date(v):
                _sub(dates, q + "date", v, dateType=kind_)
    if len(dates):
        r.append(dates)

    alternates = etree.Element(q + "alternateIdentifiers")
    for ident in facts.values(d, f"{DCT}identifier"):
        if ident.lower() != value.lower():
            _sub(alternates, q + "alternateIdentifier", ident, alternateIdentifierType="Local")
    if len(alternates):
        r.append(alternates)

    related = etree.Element(q + "relatedIdentifiers")
    for relation, target in _related(facts, d):
        rkind, rvalue = _pid(target)
        if rkind in ("ORCID", "ROR"):
            rkind = "URL"
        _sub(
            related,
            q + "relatedIdentifier",
            rvalue,
            relatedIdentifierType=rkind,
            relationType=relation,
        )
    if len(related):
        r.append(related)

    size = facts.first(d, f"{DCAT}byteSize")
    if size:
        _sub(_sub(r, q + "sizes"), q + "size", f"{size} bytes")
    formats = facts.values(d, f"{DCT}format")
    if formats:
        fs = _sub(r, q + "formats")
        for f in formats:
            _sub(fs, q + "format", f.rsplit("/", 1)[-1])
    version = facts.first(d, f"{DCAT}version")
    if version:
        _sub(r, q + "version", version)

    rights = etree.Element(q + "rightsList")
    access = access_right(facts, d)
    if access:
        _sub(rights, q + "rights", access.rsplit("/", 1)[-1], rightsURI=access)
    for lic in facts.values(d, f"{DCT}license"):
        attrs = {"rightsURI": lic}
        if lic.startswith(_SPDX):
            attrs |= {
                "rightsIdentifier": lic.removeprefix(_SPDX),
                "rightsIdentifierScheme": "SPDX",
                "schemeURI": "https://spdx.org/licenses/",
            }
        _sub(rights, q + "rights", facts.name(lic) or lic.rsplit("/", 1)[-1], **attrs)
    if len(rights):
        r.append(rights)

    descriptions = etree.Element(q + "descriptions")
    for value, lang in facts.texts(d, f"{DCT}description"):
        el = _sub(descriptions, q + "description", value, descriptionType="Abstract")
        if lang:
            el.set(XML_LANG, lang)
    if len(descriptions):
        r.append(descriptions)

    funding = etree.Element(q + "fundingReferences")
    for grant in facts.values(d, f"{SDO}funding"):
        funder = facts.first(grant, f"{SDO}funder")
        funder_name = facts.name(funder) if funder else None
        if not funder_name:
            continue
        ref = _sub(funding, q + "fundingReference")
        _sub(ref, q + "funderName", funder_name)
        if funder and funder.startswith("https://ror.org/"):
            _sub(ref, q + "funderIdentifier", funder, funderIdentifierType="ROR")
        award = facts.first(grant, f"{SDO}identifier")
        if award:
            _sub(ref, q + "awardNumber", award)
        title = facts.first(grant, f"{SDO}name")
        if title:
            _sub(ref, q + "awardTitle", title)
    if len(funding):
        r.append(funding)
    return r


def _agent(facts: Facts, parent: etree._Element, q: str, role: str, a: str, **attrs: str) -> None:
    el = _sub(parent, q + role, **attrs)
    name = (facts.name(a) if a else None) or ":unav"
    person = f"{FOAF}Person" in facts.values(a, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    _sub(el, q + f"{role}Name", name, nameType="Personal" if person else "")
    given, family = facts.first(a, f"{FOAF}givenName"), facts.first(a, f"{FOAF}familyName")
    if given:
        _sub(el, q + "givenName", given)
    if family:
        _sub(el, q + "familyName", family)
    if a.startswith("https://orcid.org/"):
        _sub(
            el,
            q + "nameIdentifier",
            a,
            nameIdentifierScheme="ORCID",
            schemeURI="https://orcid.org/",
        )
    names: set[str] = set()
    for org in facts.values(a, f"{PAN}affiliation"):
        aff_name = facts.name(org)
        if not aff_name or aff_name in names or len(names) >= 5:
            continue
        names.add(aff_name)
        extra = (
            {
                "affiliationIdentifier": org,
                "affiliationIdentifierScheme": "ROR",
                "schemeURI": "https://ror.org/",
            }
            if org.startswith("https://ror.org/")
            else {}
        )
        _sub(el, q + "affiliation", aff_name, **extra)


def dublin_core(facts: Facts, d: str, datestamp: str) -> etree._Element:
    """An ``oai_dc:dc`` (valid against oai_dc.xsd)."""
    nsmap = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI}
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=nsmap)
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} {FORMATS['oai_dc'].schema}")
    q = f"{{{DC_NS}}}"

    def add(tag: str, text: str | None, lang: str = "") -> None:
        if text:
            el = _sub(root, q + tag, text)
            if lang:
                el.set(XML_LANG, lang)

    for value, lang in facts.texts(d, f"{DCT}title"):
        add("title", value, lang)
    for a in facts.values(d, f"{DCT}creator"):
        add("creator", facts.name(a))
    for k in facts.values(d, f"{DCAT}keyword"):
        add("subject", k)
    for theme in facts.values(d, f"{DCAT}theme"):
        add("subject", facts.label(theme))
    for value, lang in facts.texts(d, f"{DCT}description"):
        add("description", value, lang)
    pub = facts.first(d, f"{DCT}publisher")
    add("publisher", facts.name(pub) if pub else None)
    for a in facts.values(d, f"{DCT}contributor"):
        add("contributor", facts.name(a))
    for p in ("issued", "available", "created"):
        for v in facts.values(d, f"{DCT}{p}"):
            add("date", _date(v))
    add("type", "Dataset")
    add("type", "info:eu-repo/semantics/other")
    for f in facts.values(d, f"{DCT}format"):
        add("format", f)
    add("identifier", d)
    for ident in facts.values(d, f"{DCT}identifier"):
        add("identifier", ident)
    for _, target in _related(facts, d):
        add("relation", target)
    access = access_right(facts, d)
    add("rights", access)
    for lic in facts.values(d, f"{DCT}license"):
        add("rights", lic)
    return root
