"""The parts of a schema.org Dataset that DataCite has no place for, mapped for
``mapping/schemaorg.py`` as the PaNOSC, SciCat and NeXus mappings write them: access rights,
the experiment (techniques, parameters, instrument, collection time), samples, distributions,
catalogues and contact points."""

from __future__ import annotations

import re
from typing import Any

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    MappingError,
    access_rights,
    add_technique,
    parameter_iri,
    pid_iri,
    technique_iri,
)
from pancommons.harvest.mapping.datacite import _size as add_size_text  # "68386784 B" → bytes
from pancommons.harvest.mapping.datacite_agents import EU_REPO_ACCESS
from pancommons.harvest.mapping.datacite_resource import Resource, one_line
from pancommons.harvest.mapping.nt import TermError, iri, literal
from pancommons.harvest.mapping.schemaorg_values import (
    Reader,
    Value,
    absolute,
    add_date,
    http,
    id_text,
    link,
    types_of,
)
from pancommons.harvest.mapping.units import add_parameter

MEDIA_TYPE = f"<{vocab.DCAT}mediaType>"
CONTACT_POINT = f"<{vocab.DCAT}contactPoint>"
VCARD_KIND = f"<{vocab.VCARD}Kind>"
VCARD_FN = f"<{vocab.VCARD}fn>"
VCARD_EMAIL = f"<{vocab.VCARD}hasEmail>"
VCARD_URL = f"<{vocab.VCARD}hasURL>"
_IANA = re.compile(r"^https?://www\.iana\.org/assignments/media-types/([a-z]+/[^/\s]+)$")
_ACCESS_TERM = re.compile(
    r"^(https?://purl\.org/coar/access_right/c_[0-9a-f]{4}"
    r"|http://publications\.europa\.eu/resource/authority/access-right/[A-Z_]+)$"
)
_EMBARGO = re.compile(r"embargo\w*\s+(?:until|till|to)\s+(\d{4}-\d{2}-\d{2})", re.I)
_ISO_START = re.compile(r"^\d{4}(-\d{2}){0,2}([T ]\S*)?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# UN/CEFACT common codes (schema.org unitCode) of units met in PaN parameters → pint spelling;
# "KEV" is not a code but is what people write (and what our remediation text shows).
UNIT_CODES = {
    "B29": "keV", "KEV": "keV", "A53": "eV", "KEL": "K", "CEL": "degC", "MTR": "m",
    "MMT": "mm", "4H": "µm", "C45": "nm", "A11": "angstrom", "SEC": "s", "C26": "ms",
    "B98": "µs", "HTZ": "Hz", "PAL": "Pa", "BAR": "bar", "MBR": "mbar", "D54": "W/m2",
    "TES": "T", "DD": "degree", "C81": "rad", "KGM": "kg", "GRM": "g", "WTT": "W",
    "VLT": "V", "AMP": "A", "MTK": "m2",
}  # fmt: skip
SAMPLE_TYPES = {"Thing", "Sample", "BioChemEntity", "ChemicalSubstance", "MolecularEntity"}


def add_access(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """conditionsOfAccess: a COAR or EU access-right IRI (or info:eu-repo term) →
    dct:accessRights, "embargoed until {date}" → dct:available, other text → dct:rights;
    without an access term, isAccessibleForFree true/false → PUBLIC/NON_PUBLIC."""
    t, node = res.t, res.node
    term_found = False
    for text in r.texts(d, "conditionsOfAccess"):
        term = text if _ACCESS_TERM.match(text) else None
        if text.lower().startswith("info:eu-repo/semantics/"):
            term = EU_REPO_ACCESS.get(text.lower().removeprefix("info:eu-repo/semantics/"))
        if term:
            t.link(node, T.ACCESS_RIGHTS, term)
            term_found = True
            continue
        embargo = _EMBARGO.search(text)
        if embargo:
            add_date(t, node, T.AVAILABLE, embargo.group(1), "conditionsOfAccess")
        t.text(node, T.RIGHTS, text)
    free = d.get("isAccessibleForFree")
    if isinstance(free, str) and free.strip().lower() in ("true", "false"):
        free = free.strip().lower() == "true"
    if free is not None and not isinstance(free, bool):
        raise MappingError(f"isAccessibleForFree: expected true or false, not {free!r}")
    if not term_found:
        t.link(node, T.ACCESS_RIGHTS, access_rights(free))


# --- experimental context --------------------------------------------------------------------


def add_experiment_event(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """An ``isBasedOn`` Event with an IRI (an experiment-session DOI) is the experiment that
    generated the data (its startDate/endDate the session's times)."""
    for v in r.things(d, "isBasedOn"):
        if isinstance(v, dict) and "Event" in types_of(v) and id_text(v):
            raw = id_text(v)
            node = pid_iri(raw) or (raw if http(raw) else None)
            if node is None:
                continue
            exp = iri(node)
            res.t.type(exp, T.EXPERIMENT)
            res.t.text(exp, T.TITLE, one_line(r.text(v, "name")))
            res.t.add(res.node, T.GENERATED_BY, exp)
            for k, p in (("startDate", T.STARTED), ("endDate", T.ENDED)):
                for value in r.texts(v, k):
                    add_date(res.t, exp, p, value, f"isBasedOn.{k}")
            res._experiment = exp  # the experiment the other parts attach to
            return


def _technique(res: Resource, ids: tuple[object, ...], label: str, *, concept: bool) -> None:
    """A PaNET term → dcat:theme and the experiment's pan:technique; else, for a technique
    (``concept``), a skos:Concept from its label, and for a keyword, a dcat:keyword."""
    if technique_iri(*ids):
        add_technique(res.ctx, res.t, res.node, res.experiment(), ids, label)
    elif concept:
        add_technique(res.ctx, res.t, res.node, None, ids, label)
    else:
        res.t.text(res.node, T.KEYWORD, label)


def _term(r: Reader, v: Value) -> tuple[tuple[object, ...], str]:
    if isinstance(v, str):
        return (v,), v
    ids = (v.get("@id"), *r.texts(v, "url"), *r.texts(v, "termCode"), id_text(v))
    return ids, one_line(r.text(v, "name"))


def add_keywords(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """keywords (a comma-separated text, a list, DefinedTerms) → dcat:keyword; PaNET terms
    among them → techniques (as DataCite subjects)."""
    for v in r.things(d, "keywords"):
        for part in (x.strip() for x in v.split(",")) if isinstance(v, str) else [v]:
            if part:
                ids, label = _term(r, part)
                _technique(res, ids, label, concept=False)


def add_techniques(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """measurementTechnique (a PaNET IRI, a DefinedTerm, free text) → technique."""
    for v in r.things(d, "measurementTechnique"):
        ids, label = _term(r, v)
        _technique(res, ids, label, concept=True)


def add_parameters(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """variableMeasured (a name, or a PropertyValue: name, value, unitText or unitCode, value
    may be a QuantitativeValue) → pan:parameter of the experiment, with its SI value."""
    seen: set[str] = set()
    for v in r.things(d, "variableMeasured"):
        if isinstance(v, str):
            v = {"name": v}
        name = one_line(r.text(v, "name") or id_text(v.get("propertyID")))
        value, unit_of = v.get("value"), v
        if isinstance(value, dict):
            value, unit_of = value.get("value"), value
        if value is not None and not isinstance(value, str | int | float | bool):
            raise MappingError(f"variableMeasured.value: expected a text or a number ({name})")
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            number = float(value)
            value = int(number) if number.is_integer() and "." not in value else number
        code = r.text(unit_of, "unitCode")
        unit = r.text(unit_of, "unitText") or UNIT_CODES.get(code.upper(), code)
        if not name:
            continue
        node = parameter_iri(res.ctx, res.doi, name, seen)
        add_parameter(res.t, node, name, value, unit)
        experiment = res.experiment()
        if experiment:
            res.t.add(experiment, T.P_PARAMETER, node)
        res.owned.append(node)


def _node(ctx_kind: str, res: Resource, raw: str, local: str) -> str:
    """The IRI of a thing with identifier ``raw`` (a PID IRI, else an http(s) IRI), else minted
    from ``local``."""
    found = (pid_iri(raw) or (raw if http(raw) else None)) if raw else None
    if found:
        try:
            return iri(found)
        except TermError:
            pass
    return iri(res.ctx.mint(ctx_kind, local))


def add_instruments(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """instrument (a name, an IRI or a Thing with a PIDINST @id) → the experiment prov:used it."""
    for v in r.things(d, "instrument"):
        v = ({"@id": v} if http(v) else {"name": v}) if isinstance(v, str) else v
        name, raw = one_line(r.text(v, "name")), id_text(v)
        if not (name or raw):
            continue
        node = _node("instrument", res, raw, name or raw)
        res.t.type(node, T.INSTRUMENT)
        res.t.text(node, T.TITLE, name)
        fac = res.ctx.facility_node(res.t)
        if fac:
            res.t.add(node, T.P_FACILITY, fac)
        experiment = res.experiment()
        if experiment:
            res.t.add(experiment, T.USED, node)


def add_samples(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """about, when it is a Thing, a Sample or a chemical entity (with an IGSN or other PID as
    @id, a name, a description) → pan:sample."""
    for v in r.things(d, "about"):
        if not isinstance(v, dict) or (types_of(v) and not types_of(v) & SAMPLE_TYPES):
            continue
        name, raw = one_line(r.text(v, "name")), id_text(v)
        if not (name or raw):
            continue
        node = _node("sample", res, raw, f"{res.doi}/{name or raw}")
        res.t.type(node, T.SAMPLE)
        if raw:
            res.t.add(node, T.IDENTIFIER, literal(raw))
        res.t.text(node, T.TITLE, name)
        res.t.text(node, T.DESCRIPTION, r.text(v, "description"))
        res.t.add(res.node, T.P_SAMPLE, node)


def add_collection_time(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """temporalCoverage "start/end" of ISO dates (either end open, "..") → the experiment's
    start and end, as DataCite's Collected date; other text (a geological age...) is left out."""
    for text in r.texts(d, "temporalCoverage"):
        start, _, end = (x.strip() for x in text.partition("/"))
        parts = [x for x in (start, end) if x and x != ".."]
        if not parts or not all(_ISO_START.match(x) for x in parts):
            continue
        experiment = res.experiment()
        if experiment:
            for value, p in ((start, T.STARTED), (end, T.ENDED)):
                if value and value != "..":
                    add_date(res.t, experiment, p, value, "temporalCoverage")


def add_distributions(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """distribution (DataDownload: contentUrl → dcat:accessURL and dcat:downloadURL, else url →
    dcat:accessURL; encodingFormat → dct:format, and an IANA media-type IRI → dcat:mediaType;
    contentSize → dcat:byteSize; name) and a Dataset's own contentUrl → dcat:distribution. The
    Dataset's encodingFormat and contentSize → dct:format and dcat:byteSize (DataCite formats
    and sizes)."""
    t = res.t
    for fmt in r.texts(d, "encodingFormat"):
        t.text(res.node, T.FORMAT, fmt)
    for size in r.texts(d, "contentSize"):
        add_size_text(t, res.node, size)
    dists = [*r.things(d, "distribution"), *({"contentUrl": u} for u in r.texts(d, "contentUrl"))]
    for i, v in enumerate(dists):
        v = {"contentUrl": v} if isinstance(v, str) else v
        content = [u for u in r.texts(v, "contentUrl") if absolute(u)]
        pages = [u for u in r.texts(v, "url") if absolute(u)]
        name = one_line(r.text(v, "name"))
        raw = v.get("@id") if http(v.get("@id")) else ""
        node = _node("distribution", res, raw, f"{res.doi}/{(content or [name or str(i)])[0]}")
        t.type(node, T.DISTRIBUTION)
        t.text(node, T.TITLE, name)
        t.text(node, T.DESCRIPTION, r.text(v, "description"))
        for u in content:
            t.link(node, T.ACCESS_URL, u)
            t.link(node, T.DOWNLOAD_URL, u)
        for u in pages if not content else ():
            t.link(node, T.ACCESS_URL, u)
        for fmt in r.texts(v, "encodingFormat") or r.texts(v, "fileFormat"):
            media = _IANA.match(fmt)
            if media:
                t.link(node, MEDIA_TYPE, fmt)
            t.text(node, T.FORMAT, media.group(1) if media else fmt)
        for size in r.texts(v, "contentSize"):
            add_size_text(t, node, size)
        t.add(res.node, T.DIST, node)
        res.owned.append(node)


def add_catalogs(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """includedInDataCatalog → a dcat:Catalog (dct:title, foaf:homepage) with dcat:dataset."""
    for v in r.things(d, "includedInDataCatalog"):
        v = ({"url": v} if http(v) else {"name": v}) if isinstance(v, str) else v
        name, url = one_line(r.text(v, "name")), next((u for u in r.texts(v, "url") if http(u)), "")
        raw = v.get("@id") if http(v.get("@id")) else ""
        if not (name or url or raw):
            continue
        node = _node("catalog", res, raw, name or url)
        res.t.type(node, T.CATALOG)
        res.t.text(node, T.TITLE, name)
        link(res.t, node, T.HOMEPAGE, url)
        res.t.add(node, T.DCAT_DATASET, res.node)


def add_contacts(res: Resource, r: Reader, d: dict[str, Any]) -> None:
    """contactPoint (ContactPoint: email, url, name, contactType) → dcat:contactPoint, a
    vcard:Kind minted from its e-mail address (else URL, name)."""
    for v in r.things(d, "contactPoint"):
        v = {"email": v} if isinstance(v, str) and "@" in v else v
        if not isinstance(v, dict):
            continue
        email = r.text(v, "email").removeprefix("mailto:")
        url = next((u for u in r.texts(v, "url") if http(u)), "")
        label = r.text(v, "name") or r.text(v, "contactType")
        if not (email or url or label):
            continue
        node = iri(res.ctx.mint("organization", f"contact/{email or url or label}"))
        res.t.type(node, VCARD_KIND)
        res.t.text(node, VCARD_FN, label or email)
        if email and absolute(f"mailto:{email}"):
            res.t.link(node, VCARD_EMAIL, f"mailto:{email}")
        link(res.t, node, VCARD_URL, url)
        res.t.add(res.node, CONTACT_POINT, node)
