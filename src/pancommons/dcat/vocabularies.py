"""Controlled vocabularies DCAT-AP 3.0.1 asks for, and how our values map onto them.

The EU Publications Office authority tables (access rights, data themes, file types, languages)
and the ADMS publisher types. Every concept we emit is described in the catalogue itself (its
type, ``skos:prefLabel`` and ``skos:inScheme``), so that a consumer or a SHACL validator without
the authority tables sees what the IRI is. A value with no counterpart in a table is left out,
never guessed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

EU = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHT = EU + "access-right"
DATA_THEME = EU + "data-theme"
FILE_TYPE = EU + "file-type"
LANGUAGE = EU + "language"
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/1.0"
PANET_SCHEME = "http://purl.org/pan-science/PaNET/PaNET.owl"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

SCHEME_TITLES = {
    ACCESS_RIGHT: "Access right",
    DATA_THEME: "Data theme",
    FILE_TYPE: "File type",
    LANGUAGE: "Language",
    PUBLISHER_TYPE: "Publisher type",
    PANET_SCHEME: "PaNET: photon and neutron experimental techniques",
}
"""Every concept scheme a concept of ours is ``skos:inScheme`` of, with its title."""


@dataclass(frozen=True)
class Concept:
    """A term of a controlled vocabulary, as the catalogue describes it."""

    iri: str
    label: str
    scheme: str


def _concepts(scheme: str, labels: dict[str, str]) -> dict[str, Concept]:
    return {code: Concept(f"{scheme}/{code}", label, scheme) for code, label in labels.items()}


ACCESS_RIGHTS = _concepts(
    ACCESS_RIGHT, {"PUBLIC": "public", "RESTRICTED": "restricted", "NON_PUBLIC": "non-public"}
)
TECH = Concept(f"{DATA_THEME}/TECH", "Science and technology", DATA_THEME)
"""The EU data theme of every PaN dataset."""
ENGLISH = Concept(f"{LANGUAGE}/ENG", "English", LANGUAGE)
SCIENTIFIC_ORGANISATION = Concept(
    "http://purl.org/adms/publishertype/Academia-ScientificOrganisation",
    "Academia/Scientific organisation",
    PUBLISHER_TYPE,
)
"""The ADMS publisher type of a facility (``pan:Facility``)."""

# --- access rights ------------------------------------------------------------------------------

_COAR = "purl.org/coar/access_right/"
_ACCESS_BY_IRI = {
    **{c.iri: code for code, c in ACCESS_RIGHTS.items()},
    **{
        f"{scheme}://{_COAR}{local}": code
        for scheme in ("http", "https")
        for local, code in (
            ("c_abf2", "PUBLIC"),  # open access
            ("c_16ec", "RESTRICTED"),  # restricted access
            ("c_f1cf", "NON_PUBLIC"),  # embargoed access
            ("c_14cb", "NON_PUBLIC"),  # metadata only access
        )
    },
    "info:eu-repo/semantics/openAccess": "PUBLIC",
    "info:eu-repo/semantics/restrictedAccess": "RESTRICTED",
    "info:eu-repo/semantics/embargoedAccess": "NON_PUBLIC",
    "info:eu-repo/semantics/closedAccess": "NON_PUBLIC",
}
_OPENNESS = {"NON_PUBLIC": 0, "RESTRICTED": 1, "PUBLIC": 2}


def access_right(
    values: list[str], embargo_end: datetime.date | None, today: datetime.date
) -> Concept | None:
    """The EU access right of a dataset: its stated rights (EU, COAR or info:eu-repo terms;
    the least open one when they disagree), NON_PUBLIC while an embargo (``dct:available``)
    has not ended, and PUBLIC once an embargoed dataset's embargo is over. None when nothing
    is known."""
    codes = {_ACCESS_BY_IRI[v] for v in values if v in _ACCESS_BY_IRI}
    embargoed = "info:eu-repo/semantics/embargoedAccess" in values or any(
        v.endswith(_COAR + "c_f1cf") for v in values
    )
    if embargo_end is not None and embargo_end > today:
        return ACCESS_RIGHTS["NON_PUBLIC"]
    if embargo_end is not None and embargoed:
        return ACCESS_RIGHTS["PUBLIC"]
    if not codes:
        return None
    return ACCESS_RIGHTS[min(codes, key=_OPENNESS.__getitem__)]


# --- file types and media types ----------------------------------------------------------------

_FILE_TYPE_LABELS = {
    "HDF": "HDF",
    "NETCDF": "NetCDF",
    "ZIP": "ZIP",
    "TAR": "TAR",
    "TAR_GZ": "TAR GZ",
    "GZIP": "GZIP",
    "PNG": "PNG",
    "JPEG": "JPEG",
    "TIFF": "TIFF",
    "PDF": "PDF",
    "CSV": "CSV",
    "TSV": "TSV",
    "TXT": "TXT",
    "JSON": "JSON",
    "XML": "XML",
    "HTML": "HTML",
    "RDF_TURTLE": "RDF Turtle",
}
FILE_TYPES = _concepts(FILE_TYPE, _FILE_TYPE_LABELS)

_FORMAT_NAMES = {
    # NeXus files are HDF5 (NXDL); HyperSpy's .hspy is HDF5 too.
    "hdf": "HDF",
    "hdf5": "HDF",
    "hdf4": "HDF",
    "nexus": "HDF",
    "nexus hdf5": "HDF",
    "application/x-hdf": "HDF",
    "application/x-hdf5": "HDF",
    "application/vnd.hdfgroup.hdf5": "HDF",
    "netcdf": "NETCDF",
    "application/netcdf": "NETCDF",
    "application/x-netcdf": "NETCDF",
    "zip": "ZIP",
    "application/zip": "ZIP",
    "tar": "TAR",
    "application/x-tar": "TAR",
    "gzip": "GZIP",
    "application/gzip": "GZIP",
    "png": "PNG",
    "image/png": "PNG",
    "jpeg": "JPEG",
    "image/jpeg": "JPEG",
    "tiff": "TIFF",
    "image/tiff": "TIFF",
    "pdf": "PDF",
    "application/pdf": "PDF",
    "csv": "CSV",
    "text/csv": "CSV",
    "tsv": "TSV",
    "text/tab-separated-values": "TSV",
    "txt": "TXT",
    "text/plain": "TXT",
    "json": "JSON",
    "application/json": "JSON",
    "xml": "XML",
    "application/xml": "XML",
    "text/xml": "XML",
    "html": "HTML",
    "text/html": "HTML",
    "turtle": "RDF_TURTLE",
    "text/turtle": "RDF_TURTLE",
}
_EXTENSIONS = {
    ".nxs": "HDF",
    ".nx5": "HDF",
    ".h5": "HDF",
    ".hdf": "HDF",
    ".hdf5": "HDF",
    ".he5": "HDF",
    ".hspy": "HDF",
    ".nc": "NETCDF",
    ".zip": "ZIP",
    ".tar": "TAR",
    ".tar.gz": "TAR_GZ",
    ".tgz": "TAR_GZ",
    ".gz": "GZIP",
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".pdf": "PDF",
    ".csv": "CSV",
    ".tsv": "TSV",
    ".txt": "TXT",
    ".json": "JSON",
    ".xml": "XML",
    ".html": "HTML",
    ".ttl": "RDF_TURTLE",
}
_MEDIA_TYPES = {
    # Registered IANA media types only (application/x-* are not registered).
    "ZIP": "application/zip",
    "GZIP": "application/gzip",
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "TIFF": "image/tiff",
    "PDF": "application/pdf",
    "CSV": "text/csv",
    "TSV": "text/tab-separated-values",
    "TXT": "text/plain",
    "JSON": "application/json",
    "XML": "application/xml",
    "HTML": "text/html",
    "RDF_TURTLE": "text/turtle",
}
_IANA = re.compile(r"^https?://www\.iana\.org/assignments/media-types/[a-z]+/[^/\s]+$")


def is_iana_media_type(iri: str) -> bool:
    """An IANA media-type IRI (what DCAT-AP's ``dcat:mediaType`` check accepts)."""
    return bool(_IANA.match(iri))


def _code_of_name(text: str) -> str | None:
    value = text.strip().lower()
    if value.startswith(IANA_MEDIA_TYPES) or value.startswith("http://www.iana.org/"):
        value = value.split("/media-types/", 1)[-1]
    if value.startswith(FILE_TYPE.lower() + "/"):
        code = text.strip().rsplit("/", 1)[-1]
        return code if code in FILE_TYPES else None
    return _FORMAT_NAMES.get(value)


def _code_of_file(name: str) -> str | None:
    lower = name.strip().lower().rsplit("/", 1)[-1]
    for ext in sorted(_EXTENSIONS, key=len, reverse=True):
        if lower.endswith(ext) and len(lower) > len(ext):
            return _EXTENSIONS[ext]
    return None


def file_type(formats: list[str], file_names: list[str]) -> Concept | None:
    """The EU file type of a distribution: from its stated format or media type (a name such
    as ``NeXus`` or ``HDF5``, a media type, an IANA or EU IRI), else from the extension of its
    file name. None when neither is known."""
    for text in sorted(formats):
        if code := _code_of_name(text):
            return FILE_TYPES[code]
    for name in sorted(file_names):
        if code := _code_of_file(name):
            return FILE_TYPES[code]
    return None


def media_type(stated: list[str], kind: Concept | None) -> str | None:
    """The IANA media-type IRI of a distribution: a stated IANA IRI, else the registered media
    type of its file type (none for HDF: ``application/x-hdf5`` is not registered)."""
    for iri in sorted(stated):
        if is_iana_media_type(iri):
            return iri
    for text in sorted(stated):
        value = text.strip().lower()
        if value in _MEDIA_TYPES.values():
            return IANA_MEDIA_TYPES + value
    if kind is not None and (known := _MEDIA_TYPES.get(kind.iri.rsplit("/", 1)[-1])):
        return IANA_MEDIA_TYPES + known
    return None


# --- languages ---------------------------------------------------------------------------------

_LANGUAGE_CODES = {
    "bg": ("BUL", "Bulgarian"),
    "cs": ("CES", "Czech"),
    "da": ("DAN", "Danish"),
    "de": ("DEU", "German"),
    "el": ("ELL", "Greek"),
    "en": ("ENG", "English"),
    "es": ("SPA", "Spanish"),
    "et": ("EST", "Estonian"),
    "fi": ("FIN", "Finnish"),
    "fr": ("FRA", "French"),
    "ga": ("GLE", "Irish"),
    "hr": ("HRV", "Croatian"),
    "hu": ("HUN", "Hungarian"),
    "it": ("ITA", "Italian"),
    "lt": ("LIT", "Lithuanian"),
    "lv": ("LAV", "Latvian"),
    "mt": ("MLT", "Maltese"),
    "nl": ("NLD", "Dutch"),
    "no": ("NOR", "Norwegian"),
    "pl": ("POL", "Polish"),
    "pt": ("POR", "Portuguese"),
    "ro": ("RON", "Romanian"),
    "sk": ("SLK", "Slovak"),
    "sl": ("SLV", "Slovenian"),
    "sv": ("SWE", "Swedish"),
    "ja": ("JPN", "Japanese"),
    "zh": ("ZHO", "Chinese"),
    "ru": ("RUS", "Russian"),
}


def language(tag: str) -> Concept | None:
    """The EU language of a BCP 47 language tag (``en``, ``en-GB`` → ENG), or None."""
    found = _LANGUAGE_CODES.get(tag.lower().split("-", 1)[0])
    return Concept(f"{LANGUAGE}/{found[0]}", found[1], LANGUAGE) if found else None


__all__ = [
    "ACCESS_RIGHTS",
    "ENGLISH",
    "FILE_TYPES",
    "SCHEME_TITLES",
    "SCIENTIFIC_ORGANISATION",
    "TECH",
    "Concept",
    "access_right",
    "file_type",
    "is_iana_media_type",
    "language",
    "media_type",
]
