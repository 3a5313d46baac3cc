"""Who made and who paid for a DataCite DOI: creators, contributors (with what their
contributorType says), publisher, rights and fundingReferences."""

from __future__ import annotations

from typing import Any

from pancommons import vocab
from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import (
    Context,
    doi_or_none,
    license_iri,
    orcid_or_none,
    organization_node,
    person_node,
    ror_or_none,
)
from pancommons.harvest.mapping.datacite_resource import Resource, items, one_line, text
from pancommons.harvest.mapping.nt import TermError, Triples, iri

ASSOCIATED_WITH = f"<{vocab.PROV}wasAssociatedWith>"
FUNDING = f"<{vocab.SCHEMA}funding>"
MONETARY_GRANT = f"<{vocab.SCHEMA}MonetaryGrant>"
FUNDER = f"<{vocab.SCHEMA}funder>"
SCHEMA_IDENTIFIER = f"<{vocab.SCHEMA}identifier>"
SCHEMA_NAME = f"<{vocab.SCHEMA}name>"
SCHEMA_URL = f"<{vocab.SCHEMA}url>"
# info:eu-repo access terms, used as rightsURI by many repositories
EU_REPO_ACCESS = {
    "openaccess": T.ACCESS_PUBLIC,
    "restrictedaccess": T.ACCESS_RESTRICTED,
    "embargoedaccess": T.ACCESS_NON_PUBLIC,
    "closedaccess": T.ACCESS_NON_PUBLIC,
}


def organization(ctx: Context, t: Triples, name: str, pid: str | None = None) -> str | None:
    """An organisation: its ROR (or other PID) IRI, else minted from its name. The facility
    of the source keeps the name its TOML gives (one foaf:name)."""
    if not pid and not name:
        return None
    if pid and pid == ctx.facility:
        return ctx.facility_node(t)
    return organization_node(ctx, t, ror=pid, name=name)


def _identifiers(agent: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, scheme in lower case) of an agent's nameIdentifiers."""
    found = agent.get("nameIdentifiers")
    return [
        (text(x.get("nameIdentifier")), text(x.get("nameIdentifierScheme")).lower())
        for x in (found if isinstance(found, list) else [])
        if isinstance(x, dict) and text(x.get("nameIdentifier"))
    ]


def _orcid(ids: list[tuple[str, str]]) -> str | None:
    """An ORCID IRI from an identifier that says it is one (an ISNI has the same syntax)."""
    for value, scheme in ids:
        if scheme == "orcid" or "orcid.org" in value.lower():
            found = orcid_or_none(value)
            if found:
                return found
    return None


def agent(ctx: Context, t: Triples, a: dict[str, Any]) -> tuple[str | None, bool]:
    """(node, is an organisation) of a creator or contributor. Persons: ORCID IRI, else minted
    from the name as the record spells it; Organizational names: ROR IRI, else minted."""
    given, family = one_line(a.get("givenName")), one_line(a.get("familyName"))
    name = one_line(a.get("name")) or ", ".join(x for x in (family, given) if x)
    ids = _identifiers(a)
    if text(a.get("nameType")).lower() == "organizational":
        ror = next((r for v, _ in ids if (r := ror_or_none(v))), None)
        return organization(ctx, t, name, ror), True
    node = person_node(ctx, t, orcid=_orcid(ids), key=name, name=name, given=given, family=family)
    if node is None:
        return None, False
    affiliations = a.get("affiliation")
    for aff in affiliations if isinstance(affiliations, list) else [affiliations]:
        org = _affiliation(ctx, t, aff)
        if org:
            t.add(node, T.P_AFFILIATION, org)
    return node, False


def _affiliation(ctx: Context, t: Triples, a: Any) -> str | None:
    """A string (what the API answers without ``affiliation=true``) or an object with an
    affiliationIdentifier (ROR)."""
    if isinstance(a, dict):
        scheme = text(a.get("affiliationIdentifierScheme")).lower()
        ror = ror_or_none(a.get("affiliationIdentifier")) if scheme in ("ror", "") else None
        return organization(ctx, t, one_line(a.get("name")), ror)
    return organization(ctx, t, one_line(a))


def add_agents(res: Resource, attrs: dict[str, Any]) -> None:
    """Creators → dct:creator. Contributors → dct:contributor; besides, a DataCollector (ESRF:
    the local contact) is associated with the experiment, and the HostingInstitution of an
    Instrument DOI is its facility."""
    t, ctx, node = res.t, res.ctx, res.node
    for c in items(attrs, "creators"):
        person, _ = agent(ctx, t, c)
        if person:
            t.add(node, T.CREATOR, person)
    hosted = False
    for c in items(attrs, "contributors"):
        who, is_org = agent(ctx, t, c)
        if not who:
            continue
        t.add(node, T.CONTRIBUTOR, who)
        role = text(c.get("contributorType")).lower()
        exp = res.experiment() if role == "datacollector" else None
        if exp:
            t.add(exp, ASSOCIATED_WITH, who)
        if role == "hostinginstitution" and is_org and res.kind == "instrument":
            t.type(who, T.FACILITY)
            t.add(node, T.P_FACILITY, who)
            hosted = True
    if res.kind == "instrument" and not hosted:
        fac = ctx.facility_node(t)
        if fac:
            t.add(node, T.P_FACILITY, fac)


def add_publisher(res: Resource, publisher: Any) -> None:
    """dct:publisher: the facility of the source when its TOML names one, else the publisher
    of the record (a string, or with ``publisher=true`` an object with a ROR)."""
    t, ctx = res.t, res.ctx
    org = ctx.facility_node(t)
    if org is None and isinstance(publisher, dict):
        pid = ror_or_none(publisher.get("publisherIdentifier"))
        org = organization(ctx, t, one_line(publisher.get("name")), pid)
    elif org is None:
        org = organization(ctx, t, one_line(publisher))
    if org:
        t.add(res.node, T.PUBLISHER, org)


def add_rights(t: Triples, node: str, rights: dict[str, Any]) -> None:
    """dct:license as an SPDX IRI (from rightsIdentifier, rightsURI or the text), else the
    rightsURI of a licence document; info:eu-repo access terms → dct:accessRights; other
    text → dct:rights."""
    uri, label = text(rights.get("rightsUri")), one_line(rights.get("rights"))
    spdx = license_iri(rights.get("rightsIdentifier")) or license_iri(uri) or license_iri(label)
    if spdx:
        t.link(node, T.LICENSE, spdx)
        return
    access = uri.lower().removeprefix("info:eu-repo/semantics/")
    if access != uri.lower() and access in EU_REPO_ACCESS:
        t.link(node, T.ACCESS_RIGHTS, EU_REPO_ACCESS[access])
        return
    if uri.startswith(("https://", "http://")):
        try:
            t.add(node, T.LICENSE, iri(uri))
            return
        except TermError:
            pass
    t.text(node, T.RIGHTS, label or uri)


def _grant_iri(ctx: Context, local: str) -> str:
    """``{base}/id/grant/{source}/{local}``."""
    return ctx.mint("grant", local)


def add_funding(res: Resource, attrs: dict[str, Any]) -> None:
    """schema:funding → a schema:MonetaryGrant (schema:funder ROR or Crossref Funder DOI,
    schema:identifier awardNumber, schema:name awardTitle). An award with a number is one node
    per funder and number (shared by the DOIs it funded); one without is the DOI's own."""
    t, ctx = res.t, res.ctx
    for i, f in enumerate(items(attrs, "fundingReferences")):
        name, fid, award = (
            one_line(f.get("funderName")),
            text(f.get("funderIdentifier")),
            text(f.get("awardNumber")),
        )
        if not (name or fid or award):
            continue
        pid = ror_or_none(fid) or doi_or_none(fid)
        funder = organization(ctx, t, name, pid)
        if award:
            grant = iri(_grant_iri(ctx, f"{_funder_key(pid, fid, name)}/{award}"))
        else:
            grant = iri(_grant_iri(ctx, f"{res.doi}/{i}"))
            res.owned.append(grant)
        t.type(grant, MONETARY_GRANT)
        t.add(res.node, FUNDING, grant)
        if funder:
            t.add(grant, FUNDER, funder)
        t.text(grant, SCHEMA_IDENTIFIER, award)
        t.text(grant, SCHEMA_NAME, one_line(f.get("awardTitle")))
        award_uri = text(f.get("awardUri"))
        if award_uri.startswith(("https://", "http://")):
            t.link(grant, SCHEMA_URL, award_uri)


def _funder_key(pid: str | None, raw: str, name: str) -> str:
    """The funder part of a grant's local id: the ROR id or DOI name, else what the record says."""
    if pid and pid.startswith("https://ror.org/"):
        return vocab.normalize_ror(pid)
    if pid:
        return vocab.normalize_doi(pid)
    return raw or name or "-"
