"""NeXus entries (records of ``sources/nexus.py``) → DESIGN §4, after the ExPaNDS PaN-mapping.

One NXentry is one ``dcat:Dataset`` (NXentry ⊑ dcat:Dataset): ``title`` → dct:title,
``experiment_description`` → dct:description, the application definition → dct:conformsTo
``nx:{definition}`` and, for the definitions below, a PaNET technique. The file is the
dataset's ``dcat:Distribution``. ``start_time``/``end_time`` go to the experiment that
generated it (``prov:used`` the NXinstrument, which is the dataset's ``pan:instrument`` too),
NXsample to a ``pan:Sample``, NXuser to ``foaf:Person`` creators (a local contact is a
contributor; ``facility_user_id`` stays in the record: a facility-local number says nothing
without its facility), and scalar fields with units to ``pan:Parameter``s of the experiment.

Identity: an entry with a DOI (``DOI`` attribute or field, or a DOI ``entry_identifier``) is that
DOI; else it is minted from ``{file path}/{entry name}``. A DOI in ``experiment_identifier``
names the experiment's data collection (an ESRF session DOI covers many entries), so it
becomes ``dct:isPartOf`` rather than the entry's own IRI: two entries are never merged into one.

``dct:source`` is the HDF5 file the entry was read from: its download URL (the source's
``base_url``) when there is one, else its ``file:`` URL.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from pancommons import vocab as v
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    MappingError,
    add_date,
    add_size,
    add_source,
    doi_or_none,
    orcid_or_none,
    organization_node,
    parameter_iri,
    person_node,
    ror_or_none,
    technique_iri,
)
from pancommons.harvest.mapping.nt import Triples, iri, literal
from pancommons.harvest.mapping.units import add_parameter

NEXUS_DEFINITIONS = "http://purl.org/nexusformat/definitions/"
MEDIA_TYPE = f"<{v.DCAT}mediaType>"
HDF5_FORMAT = "application/x-hdf5"  # the name in use; IANA registered vnd.hdfgroup.hdf5 in 2026
HDF5_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/application/vnd.hdfgroup.hdf5"
_DEFINITION = re.compile(r"^NX[a-z][a-z0-9_]*$")

# Application definition → PaNET technique: (any probe, {probe: more specific technique}).
TECHNIQUES: dict[str, tuple[str, dict[str, str]]] = {
    "NXmx": ("PaNET01164", {}),  # macromolecular crystallography
    "NXsas": ("PaNET01124", {"x-ray": "PaNET01188", "neutron": "PaNET01189"}),  # SAS, SAXS, SANS
    "NXcansas": ("PaNET01124", {"x-ray": "PaNET01188", "neutron": "PaNET01189"}),
    "NXtomo": ("PaNET01129", {"x-ray": "PaNET01207"}),  # tomography, x-ray tomography
    "NXxas": ("PaNET01196", {}),  # x-ray absorption spectroscopy
    "NXfluo": ("PaNET01177", {}),  # x-ray fluorescence
    "NXarpes": ("PaNET01089", {}),  # angle resolved photoemission spectroscopy
}
CONTRIBUTOR_ROLES = {"local_contact", "local contact"}


def map_record(ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
    if collection != "entries":
        raise MappingError(f"unknown NeXus collection {collection!r}")
    if record.get("error"):
        raise MappingError(f"{record.get('file')}: {record['error']}")
    path, entry = str(record["file"]), str(record["entry"])
    key = f"{path}/{entry}"
    t = Triples()
    doi_text = _entry_doi(record)
    node = iri(doi_or_none(doi_text) or ctx.mint("dataset", key))
    t.type(node, T.DATASET)
    if record.get("download_url"):
        t.link(node, T.SOURCE, str(record["download_url"]))
    else:
        add_source(ctx, t, node, None, quote(path))
    t.add(node, T.IDENTIFIER, literal(doi_text or key))
    t.text(node, T.TITLE, record.get("title"))
    t.text(node, T.DESCRIPTION, record.get("experiment_description"))
    session = doi_or_none(record.get("experiment_identifier"))
    t.link(node, T.IS_PART_OF, session)
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.PUBLISHER, fac)

    exp = iri(ctx.mint("experiment", key))
    t.type(exp, T.EXPERIMENT)
    t.add(node, T.GENERATED_BY, exp)
    if not session:
        t.text(exp, T.IDENTIFIER, record.get("experiment_identifier"))
    _time(t, exp, T.STARTED, record, "start_time")
    _time(t, exp, T.ENDED, record, "end_time")

    inst = record.get("instrument") or {}
    probe = str((inst.get("source") or {}).get("probe") or "").strip().lower()
    _definition(t, node, exp, record.get("definition"), probe)
    t.text(node, T.KEYWORD, probe)
    if inst.get("name"):
        inst_node = _instrument(ctx, t, inst)
        t.add(node, T.P_INSTRUMENT, inst_node)
        t.add(exp, T.USED, inst_node)

    owned = [node, exp]
    dist = _distribution(ctx, t, record, path)
    t.add(node, T.DIST, dist)
    owned.append(dist)
    sample = record.get("sample")
    if sample:
        s = _sample(ctx, t, sample, key)
        t.add(node, T.P_SAMPLE, s)
        owned.append(s)
    seen: set[str] = set()
    for p in record.get("parameters") or ():
        param = parameter_iri(ctx, key, str(p["name"]), seen)
        add_parameter(t, param, str(p["name"]), p.get("value"), p.get("units"))
        t.add(exp, T.P_PARAMETER, param)
        owned.append(param)
    for user in record.get("users") or ():
        person = _person(ctx, t, user)
        if person:
            role = str(user.get("role") or "").strip().lower()
            t.add(node, T.CONTRIBUTOR if role in CONTRIBUTOR_ROLES else T.CREATOR, person)
    t.owned.extend(owned)
    return t


def _entry_doi(record: dict[str, Any]) -> str | None:
    """The entry's own DOI as written (registered spelling), if it has one."""
    for value in (record.get("doi"), record.get("entry_identifier")):
        if doi_or_none(value):
            return str(value).strip()
    return None


def _time(t: Triples, exp: str, p: str, record: dict[str, Any], field: str) -> None:
    """A NeXus ISO 8601 time; anything else is refused with the field's name."""
    try:
        add_date(t, exp, p, record.get(field))
    except MappingError as exc:
        raise MappingError(f"{field}: {exc}") from None


def _definition(t: Triples, ds: str, exp: str, definition: object, probe: str) -> None:
    name = str(definition or "").strip()
    if not name:
        return
    if not _DEFINITION.match(name):
        raise MappingError(f"definition: not a NeXus application definition name: {name!r}")
    t.add(ds, T.CONFORMS_TO, iri(NEXUS_DEFINITIONS + name))
    generic, by_probe = TECHNIQUES.get(name, ("", {}))
    panet = technique_iri(by_probe.get(probe) or generic)
    if panet:
        t.link(ds, T.THEME, panet)
        t.link(exp, T.P_TECHNIQUE, panet)


def _instrument(ctx: Context, t: Triples, inst: dict[str, Any]) -> str:
    name = str(inst["name"]).strip()
    node = iri(ctx.mint("instrument", name))
    t.type(node, T.INSTRUMENT)
    t.text(node, T.TITLE, name)
    fac = ctx.facility_node(t)
    if fac:
        t.add(node, T.P_FACILITY, fac)
    return node


def _distribution(ctx: Context, t: Triples, record: dict[str, Any], path: str) -> str:
    node = iri(ctx.mint("distribution", path))
    t.type(node, T.DISTRIBUTION)
    t.text(node, T.TITLE, path.rsplit("/", 1)[-1])
    t.text(node, T.P_PATH, path)
    add_size(t, node, record.get("size"))
    t.add(node, T.FORMAT, literal(HDF5_FORMAT))
    t.link(node, MEDIA_TYPE, HDF5_MEDIA_TYPE)
    t.link(node, T.DOWNLOAD_URL, record.get("download_url"))
    return node


def _sample(ctx: Context, t: Triples, sample: dict[str, Any], key: str) -> str:
    name = str(sample.get("name") or "").strip()
    node = iri(ctx.mint("sample", f"{key}/{name or sample.get('group') or 'sample'}"))
    t.type(node, T.SAMPLE)
    t.text(node, T.TITLE, name)
    t.text(node, T.DESCRIPTION, sample.get("description"))
    t.text(node, T.P_CHEMICAL_FORMULA, sample.get("chemical_formula"))
    return node


def _person(ctx: Context, t: Triples, user: dict[str, Any]) -> str | None:
    name = str(user.get("name") or "").strip()
    orcid = orcid_or_none(str(user.get("orcid") or "").strip())
    node = person_node(ctx, t, orcid=orcid, key=name, name=name)
    if node is None:
        return None
    affiliation = str(user.get("affiliation") or "").strip()
    if affiliation:
        t.add(node, T.P_AFFILIATION, _organization(ctx, t, affiliation))
    return node


def _organization(ctx: Context, t: Triples, name: str) -> str:
    """A ROR IRI written as the affiliation, the facility itself when named so (staff), or an
    organisation minted from the free text NeXus has."""
    ror = ror_or_none(name)
    if ror:
        return iri(ror)
    if ctx.facility_name and name.casefold() == ctx.facility_name.strip().casefold():
        fac = ctx.facility_node(t)
        if fac:
            return fac
    org = organization_node(ctx, t, ror=None, name=name)
    assert org is not None  # callers pass a non-empty name
    return org
