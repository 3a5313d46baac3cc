"""What the ICAT mappings share: natural keys, the IRIs built from them, and the nodes several
entities include (facility, instrument, person, organization, sample, parameter).

ICAT ``id`` values are database sequence numbers: a dump loaded into another ICAT, or the same
catalogue after a migration, numbers everything anew. IRIs are therefore built from ICAT's
unique keys (Investigation: facility, name, visitId; Dataset: investigation, name; Sample:
investigation, name; Instrument: facility, name; User: name) or from a PID when there is one,
never from an ``id``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    MappingError,
    add_source,
    date_term,
    doi_or_none,
    orcid_or_none,
    organization_node,
    parameter_iri,
    person_node,
    ror_or_none,
    technique_iri,
)
from pancommons.harvest.mapping.nt import Triples, iri
from pancommons.harvest.mapping.units import add_parameter, si_factors

# InvestigationUser.role values that mean "the proposer": ICAT leaves roles free text (ISIS
# "principal_experimenter", DataGateway/python-icat examples "Principal Investigator").
PI_ROLES = {"principal investigator", "principal experimenter", "pi", "proposer", "main proposer"}
# ParameterType.units that mean "no unit" (ICAT requires the field: python-icat dumps use N/A).
NO_UNIT = {"", "n/a", "na", "none", "-", "unitless", "dimensionless"}


def s(value: object) -> str:
    """A scalar as stripped text; "" for None, booleans, objects and lists."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def obj(rec: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = rec.get(key)
    return value if isinstance(value, dict) else None


def objs(rec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = rec.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def http_iri(value: object) -> str | None:
    text = s(value)
    if text.lower().startswith("url:"):
        text = text[4:].strip()
    return text if text.startswith(("http://", "https://")) and " " not in text else None


# --- keys and the IRIs built from them ----------------------------------------------------------


def investigation_key(inv: dict[str, Any]) -> str:
    name, visit = s(inv.get("name")), s(inv.get("visitId"))
    if not name or not visit:
        raise MappingError("Investigation without name and visitId (its natural key)")
    return f"{name}/{visit}"


def dataset_key(ds: dict[str, Any]) -> str:
    inv = obj(ds, "investigation")
    if inv is None:
        raise MappingError("Dataset without its investigation (the query must INCLUDE it)")
    name = s(ds.get("name"))
    if not name:
        raise MappingError("Dataset without a name")
    return f"{investigation_key(inv)}/{name}"


def series_iri(ctx: Context, inv: dict[str, Any]) -> str:
    """The investigation as a dataset series: its DOI, else minted from its key."""
    return doi_or_none(inv.get("doi")) or ctx.mint("series", investigation_key(inv))


def experiment_iri(ctx: Context, inv: dict[str, Any]) -> str:
    return ctx.mint("experiment", investigation_key(inv))


def proposal_iri(ctx: Context, inv: dict[str, Any]) -> str:
    investigation_key(inv)  # refuses an investigation without its key
    return ctx.mint("proposal", s(inv.get("name")))


def dataset_iri(ctx: Context, ds: dict[str, Any]) -> str:
    return doi_or_none(ds.get("doi")) or ctx.mint("dataset", dataset_key(ds))


def data_publication_iri(ctx: Context, pub: dict[str, Any]) -> str:
    pid = s(pub.get("pid"))
    if not pid:
        raise MappingError("DataPublication without a pid")
    return doi_or_none(pid) or ctx.mint("dataset", pid)


def add_record_source(
    ctx: Context, t: Triples, node: str, entity: str, rec: dict[str, Any]
) -> None:
    """dct:source: the entityManager query that answers this one entity,
    ``{server}/icat/entityManager?query=SELECT o FROM {entity} o WHERE o.id = {id}`` (the
    database id is what names an entity in one ICAT). Without the session id: a reader logs in
    and adds its own; no credential is ever written into the graph."""
    id_ = rec.get("id")
    path = None
    if isinstance(id_, int) and not isinstance(id_, bool):
        query = f"SELECT o FROM {entity} o WHERE o.id = {id_}"  # noqa: S608 - not SQL, a URL
        path = f"icat/entityManager?query={quote(query)}"
    add_source(ctx, t, node, path, f"{entity}.json")


# --- nodes that several entities include --------------------------------------------------------


def facility(ctx: Context, t: Triples, fac: dict[str, Any] | None) -> str | None:
    """The facility: the source's ROR when configured, else minted from ICAT's Facility.name
    (else from the configured name). Described from the ICAT entity when it is included."""
    name = s(fac.get("name")) if fac else ""
    if ctx.facility_ror:
        node = iri(ctx.facility or "")
    elif name:
        node = iri(ctx.mint("facility", name))
    elif ctx.facility:
        node = iri(ctx.facility)
    else:
        return None
    t.type(node, T.FACILITY, T.ORGANIZATION)
    if fac:
        t.text(node, T.NAME, s(fac.get("fullName")) or name)
        t.link(node, T.HOMEPAGE, http_iri(fac.get("url")))
    else:
        t.text(node, T.NAME, ctx.facility_name)
    return node


def instrument(
    ctx: Context, t: Triples, inst: dict[str, Any], fac: dict[str, Any] | None = None
) -> str | None:
    """An instrument: its pid (a DOI when it is a PIDINST), else minted from
    ``{facility name}/{name}`` (ICAT's unique key), ``fac`` standing in for a missing
    ``instrument.facility``."""
    pid, name = s(inst.get("pid")), s(inst.get("name"))
    own = obj(inst, "facility") or fac
    if pid:
        node = iri(ctx.node("instrument", pid))
    elif name:
        fname = s(own.get("name")) if own else s(ctx.facility_name)
        node = iri(ctx.mint("instrument", f"{fname}/{name}" if fname else name))
    else:
        return None
    t.type(node, T.INSTRUMENT)
    t.text(node, T.IDENTIFIER, pid)
    t.text(node, T.TITLE, s(inst.get("fullName")) or name)
    t.text(node, T.DESCRIPTION, inst.get("description"))
    t.link(node, T.HOMEPAGE, http_iri(inst.get("url")))
    fac_node = facility(ctx, t, own)
    if fac_node:
        t.add(node, T.P_FACILITY, fac_node)
    return node


def organization(ctx: Context, t: Triples, name: str, pid: object = None) -> str | None:
    return organization_node(ctx, t, ror=ror_or_none(pid), name=name)


def person(ctx: Context, t: Triples, user: dict[str, Any]) -> str | None:
    """A User: its ORCID IRI, else minted from User.name (ICAT's unique login name)."""
    orcid = orcid_or_none(s(user.get("orcidId")))
    login = s(user.get("name"))
    given, family = s(user.get("givenName")), s(user.get("familyName"))
    full = s(user.get("fullName")) or " ".join(x for x in (given, family) if x)
    node = person_node(
        ctx, t, orcid=orcid, key=login or full, name=full, given=given, family=family
    )
    if node is None:
        return None
    org = organization(ctx, t, s(user.get("affiliation")))
    if org:
        t.add(node, T.P_AFFILIATION, org)
    return node


def sample(ctx: Context, t: Triples, smp: dict[str, Any], inv_key: str) -> str | None:
    pid, name = s(smp.get("pid")), s(smp.get("name"))
    if pid:
        node = iri(ctx.node("sample", pid))
    elif name:
        node = iri(ctx.mint("sample", f"{inv_key}/{name}"))
    else:
        return None
    t.type(node, T.SAMPLE)
    t.text(node, T.IDENTIFIER, pid)
    t.text(node, T.TITLE, name)
    stype = obj(smp, "type")
    if stype:
        t.text(node, T.P_CHEMICAL_FORMULA, stype.get("molecularFormula"))
    return node


def technique(tech: dict[str, Any]) -> str | None:
    """The PaNET IRI of a Technique pid (``PaNET:PaNET01089``, a purl or a short id)."""
    return technique_iri(tech.get("pid"))


# --- parameters ---------------------------------------------------------------------------------


def unit_of(ptype: dict[str, Any]) -> str:
    """The unit to keep: ``units``, unless ``unitsFullName`` says something else that pint
    reads (ICAT's ``C`` for Celsius would otherwise be converted as coulomb)."""
    units, full = s(ptype.get("units")), s(ptype.get("unitsFullName"))
    units = "" if units.lower() in NO_UNIT else units
    full = "" if full.lower() in NO_UNIT else full
    if full:
        spelled = full if si_factors(full) else full.lower()
        factors = si_factors(spelled)
        if factors and (not units or si_factors(units) != factors):
            return spelled
    return units or full


def parameter(
    ctx: Context, t: Triples, p: dict[str, Any], owner: str, seen: set[str]
) -> str | None:
    """An Investigation/Dataset/…Parameter: ``type.name`` and ``type.units`` (unique together
    within a parent, so they name the IRI), one of numericValue, stringValue, dateTimeValue."""
    ptype = obj(p, "type")
    name = s(ptype.get("name")) if ptype else ""
    if not ptype or not name:
        return None
    units = s(ptype.get("units"))
    local = name if units.lower() in NO_UNIT else f"{name} [{units}]"
    node = parameter_iri(ctx, owner, local, seen)
    numeric = p.get("numericValue")
    if isinstance(numeric, int | float) and not isinstance(numeric, bool):
        add_parameter(t, node, name, numeric, unit_of(ptype))
    elif s(p.get("stringValue")):
        add_parameter(t, node, name, s(p.get("stringValue")), unit_of(ptype))
    else:
        add_parameter(t, node, name, None, unit_of(ptype))
        when = date_term(p.get("dateTimeValue"))
        if when:
            t.add(node, T.P_VALUE, when)
    return node
