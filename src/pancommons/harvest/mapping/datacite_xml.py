"""DataCite kernel-4 XML → the attribute dict of the DataCite REST API (``data.attributes``).

The REST API is what ``mapping/datacite.py`` reads; registered XML (the base64 ``xml``
attribute, content negotiation, OAI-PMH ``oai_datacite`` payloads) is turned into the same
camelCase shape here, so that one mapping serves both. Elements are matched by local name, so
kernel-3 records (same element names, other namespace) read the same way. Not converted:
``relatedItems`` (4.4+, nested bibliographic records) and the geometry of ``geoLocations``
beyond place, point and box.

``parse_resource`` parses untrusted bytes safely: no network, no DTD loading, no entity
substitution, no huge trees; a document that declares entities (billion laughs, external
entities such as ``file:///etc/passwd``) or names an external DTD is refused.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from pancommons.harvest.mapping.common import MappingError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_YEAR = re.compile(r"[0-9]{1,9}")
"""A publicationYear the REST API would answer as a number (str.isdigit() is true for "²",
which int() refuses, and for 5000 digits, which int() refuses too)."""


def parse_resource(xml_bytes: bytes) -> etree._Element:
    """The ``<resource>`` element of a kernel-4 document; MappingError when it is not one, is
    not well-formed, or declares entities."""
    # A parser per call: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as exc:
        if "entit" in str(exc).lower():  # libxml2 stops entity amplification (billion laughs)
            raise MappingError(
                f"DataCite XML with entities refused (not expanded): {exc}"
            ) from None
        raise MappingError(f"DataCite XML is not well-formed: {exc}") from None
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise MappingError("DataCite XML declares entities in a DOCTYPE; refused (not expanded)")
    if info.system_url or info.public_id:
        raise MappingError("DataCite XML names an external DTD; refused (not loaded)")
    if _local(root) != "resource":
        raise MappingError(f"expected a DataCite <resource>, got <{_local(root)}>")
    return root


def _local(el: Any) -> str:
    tag = el.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name] if el is not None else []


def _kid(el: Any, name: str) -> Any:
    kids = _kids(el, name)
    return kids[0] if kids else None


def _grandkids(el: Any, wrapper: str, name: str) -> list[Any]:
    """``<wrapper><name/>…</wrapper>`` children of ``el``."""
    return [c for w in _kids(el, wrapper) for c in _kids(w, name)]


def _text(el: Any) -> str | None:
    """The element's text, ``<br/>`` as a line break; None when absent or blank."""
    if el is None:
        return None
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if _local(child) == "br" else "".join(child.itertext()))
        parts.append(child.tail or "")
    text = "".join(parts).strip()
    return text or None


def _item(el: Any, key: str, attrs: dict[str, str]) -> dict[str, Any]:
    """``{key: text, json name: attribute…}`` with absent values left out (as the API does)."""
    out: dict[str, Any] = {key: _text(el)} if _text(el) is not None else {}
    for json_name, attr in attrs.items():
        value = el.get(attr)
        if value is not None and value.strip():
            out[json_name] = value.strip()
    return out


_NAME_ID = {"nameIdentifierScheme": "nameIdentifierScheme", "schemeUri": "schemeURI"}
_AFFILIATION = {
    "affiliationIdentifier": "affiliationIdentifier",
    "affiliationIdentifierScheme": "affiliationIdentifierScheme",
    "schemeUri": "schemeURI",
}


def _agent(el: Any, name_tag: str) -> dict[str, Any]:
    """A creator or contributor: name, nameType, given/family names, identifiers, affiliations."""
    name_el = _kid(el, name_tag)
    out: dict[str, Any] = {}
    if _text(name_el):
        out["name"] = _text(name_el)
    if name_el is not None and name_el.get("nameType"):
        out["nameType"] = name_el.get("nameType").strip()
    for key in ("givenName", "familyName"):
        if _text(_kid(el, key)):
            out[key] = _text(_kid(el, key))
    out["nameIdentifiers"] = [
        _item(x, "nameIdentifier", _NAME_ID) for x in _kids(el, "nameIdentifier") if _text(x)
    ]
    out["affiliation"] = [
        _item(x, "name", _AFFILIATION) for x in _kids(el, "affiliation") if _text(x)
    ]
    return out


def _publisher(el: Any) -> str | dict[str, Any] | None:
    if el is None:
        return None
    if not el.get("publisherIdentifier"):
        return _text(el)
    return _item(
        el,
        "name",
        {
            "publisherIdentifier": "publisherIdentifier",
            "publisherIdentifierScheme": "publisherIdentifierScheme",
            "schemeUri": "schemeURI",
            "lang": XML_LANG,
        },
    )


def _geo(el: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _text(_kid(el, "geoLocationPlace")):
        out["geoLocationPlace"] = _text(_kid(el, "geoLocationPlace"))
    for shape in ("geoLocationPoint", "geoLocationBox"):
        box = _kid(el, shape)
        if box is not None:
            out[shape] = {_local(c): _text(c) for c in box if _text(c)}
    return out


def resource_to_attributes(resource: Any) -> dict[str, Any]:
    """A kernel-4 ``<resource>`` element as the REST API's ``data.attributes`` dict."""
    r = resource
    year = _text(_kid(r, "publicationYear"))
    rtype = _kid(r, "resourceType")
    return {
        "doi": _text(_kid(r, "identifier")),
        "creators": [_agent(c, "creatorName") for c in _grandkids(r, "creators", "creator")],
        "contributors": [
            {**_agent(c, "contributorName"), "contributorType": c.get("contributorType")}
            for c in _grandkids(r, "contributors", "contributor")
        ],
        "titles": [
            _item(t, "title", {"titleType": "titleType", "lang": XML_LANG})
            for t in _grandkids(r, "titles", "title")
        ],
        "publisher": _publisher(_kid(r, "publisher")),
        "publicationYear": int(year) if year and _YEAR.fullmatch(year) else year,
        "subjects": [
            _item(
                s,
                "subject",
                {
                    "subjectScheme": "subjectScheme",
                    "schemeUri": "schemeURI",
                    "valueUri": "valueURI",
                    "classificationCode": "classificationCode",
                    "lang": XML_LANG,
                },
            )
            for s in _grandkids(r, "subjects", "subject")
        ],
        "dates": [
            _item(d, "date", {"dateType": "dateType", "dateInformation": "dateInformation"})
            for d in _grandkids(r, "dates", "date")
        ],
        "language": _text(_kid(r, "language")),
        "types": {
            "resourceTypeGeneral": rtype.get("resourceTypeGeneral") if rtype is not None else None,
            "resourceType": _text(rtype),
        },
        "alternateIdentifiers": [
            _item(a, "alternateIdentifier", {"alternateIdentifierType": "alternateIdentifierType"})
            for a in _grandkids(r, "alternateIdentifiers", "alternateIdentifier")
        ],
        "relatedIdentifiers": [
            _item(
                x,
                "relatedIdentifier",
                {
                    "relatedIdentifierType": "relatedIdentifierType",
                    "relationType": "relationType",
                    "resourceTypeGeneral": "resourceTypeGeneral",
                    "relatedMetadataScheme": "relatedMetadataScheme",
                    "schemeUri": "schemeURI",
                    "schemeType": "schemeType",
                    "relationTypeInformation": "relationTypeInformation",
                },
            )
            for x in _grandkids(r, "relatedIdentifiers", "relatedIdentifier")
        ],
        "sizes": [t for s in _grandkids(r, "sizes", "size") if (t := _text(s))],
        "formats": [t for f in _grandkids(r, "formats", "format") if (t := _text(f))],
        "version": _text(_kid(r, "version")),
        "rightsList": [
            _item(
                x,
                "rights",
                {
                    "rightsUri": "rightsURI",
                    "rightsIdentifier": "rightsIdentifier",
                    "rightsIdentifierScheme": "rightsIdentifierScheme",
                    "schemeUri": "schemeURI",
                    "lang": XML_LANG,
                },
            )
            for x in _grandkids(r, "rightsList", "rights")
        ],
        "descriptions": [
            _item(d, "description", {"descriptionType": "descriptionType", "lang": XML_LANG})
            for d in _grandkids(r, "descriptions", "description")
        ],
        "geoLocations": [_geo(g) for g in _grandkids(r, "geoLocations", "geoLocation")],
        "fundingReferences": [
            _funding(f) for f in _grandkids(r, "fundingReferences", "fundingReference")
        ],
    }


def _funding(el: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("funderName", "awardTitle"):
        if _text(_kid(el, key)):
            out[key] = _text(_kid(el, key))
    funder = _kid(el, "funderIdentifier")
    if funder is not None:
        out.update(
            _item(
                funder,
                "funderIdentifier",
                {"funderIdentifierType": "funderIdentifierType", "schemeUri": "schemeURI"},
            )
        )
    award = _kid(el, "awardNumber")
    if award is not None:
        out.update(_item(award, "awardNumber", {"awardUri": "awardURI"}))
    return out
