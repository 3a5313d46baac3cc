"""OAI-PMH 2.0 repositories: ``ListRecords`` with resumption tokens, ``oai_datacite`` or ``oai_dc``.

Config: ``url`` is the base URL (``https://icatplus.esrf.fr/oaipmh/request``); ``metadata_prefix``
``oai_datacite`` (default) or ``oai_dc``; ``set`` (optional setSpec); ``--since`` becomes ``from``
at the granularity the repository announces in ``Identify`` (day or seconds); ``[options]
until`` adds ``until``.

Paging follows the repository's ``resumptionToken``; the checkpoint cursor is
``{"token": …, "started": …, "offset": …}`` so ``--resume`` goes on with the stored token. The
OAI error ``noRecordsMatch`` is an empty harvest; ``badResumptionToken`` (an expired token on
``--resume``) asks for a fresh run; any other error stops the run with its code and message.

Every answer is parsed with entity substitution, DTD loading and network access off; a document
that declares entities (billion laughs, XXE) is refused. Records are yielded as JSON-shaped dicts
(``mapping/oai.py``); a full run leaves deleted records out, an incremental run maps them to
the removal of their dataset.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from lxml import etree

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HarvestHttpError, HttpClient
from pancommons.harvest.mapping import oai as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Page, PagingError, Source

log = logging.getLogger("pancommons.harvest")

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PREFIXES = ("oai_datacite", "oai_dc")
SECONDS = "YYYY-MM-DDThh:mm:ssZ"


MAX_EMPTY_PAGES = 20
"""Empty pages in a row (each with a new token) after which a repository is deemed looping."""


class OaiPmhError(RuntimeError):
    """The repository answered with an OAI-PMH ``<error>`` (or not with OAI-PMH at all)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.resumable = code != "badResumptionToken"
        """The runner's hint: --resume cannot go on with a token the repository refuses."""


class OaipmhSource(Source):
    kind = "oaipmh"
    collections = ("records",)

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        super().__init__(config, http)
        prefix = str(config.metadata_prefix or config.options.get("metadata_prefix") or "")
        self.metadata_prefix = prefix.strip() or "oai_datacite"
        if self.metadata_prefix not in PREFIXES:
            raise ValueError(
                f"{config.name}: metadata_prefix {self.metadata_prefix!r} is not one this "
                f"harvester maps ({', '.join(PREFIXES)})"
            )
        self.set_spec = str(config.set or config.options.get("set") or "").strip() or None
        until = config.options.get("until")
        self.until = str(until).strip() if until else None
        self.deleted_skipped = 0
        self._granularity: str | None = None

    # --- paging by resumption token ---------------------------------------------------------

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        raise PagingError("OAI-PMH pages by resumption token, not by skip/limit: use pages()")

    def pages(self, cursor: dict[str, Any] | None, since: str | None) -> Iterator[Page]:
        state = cursor or {"token": None, "started": False, "offset": 0}
        token: str | None = state.get("token") or None
        offset = int(state.get("offset") or 0)
        if state.get("started") and token is None:
            return  # the checkpoint is after the last page
        tokens: set[str] = set()
        empty_pages = 0
        while True:
            params = (
                {"verb": "ListRecords", "resumptionToken": token}
                if token
                else self.first_request(since)
            )
            root, url = self.request(params)
            if root is None:  # noRecordsMatch
                return
            listing = root.find(f"{OAI}ListRecords")
            if listing is None:
                raise OaiPmhError(f"{url}: the answer to ListRecords has no <ListRecords>")
            records = [record_dict(el) for el in listing.iterfind(f"{OAI}record")]
            next_token = (listing.findtext(f"{OAI}resumptionToken") or "").strip() or None
            if next_token is not None and (next_token == token or next_token in tokens):
                raise PagingError(
                    f"{url}: the repository hands out the resumption token {next_token!r} "
                    "again; the harvest would never end"
                )
            if next_token:
                tokens.add(next_token)
            empty_pages = 0 if records else empty_pages + 1
            if next_token and empty_pages >= MAX_EMPTY_PAGES:
                raise PagingError(
                    f"{url}: {empty_pages} pages in a row without records, each with a new "
                    "resumption token; the harvest would never end"
                )
            if since is None:  # a full harvest: what is deleted is simply not there
                live = [r for r in records if not r["deleted"]]
                self.deleted_skipped += len(records) - len(live)
                records = live
            yield Page(
                "records",
                records,
                url,
                offset,
                {"token": next_token, "started": True, "offset": offset + len(records)},
            )
            offset += len(records)
            if next_token is None:
                if self.deleted_skipped:
                    log.info(
                        "%s: %d deleted records left out", self.config.name, self.deleted_skipped
                    )
                return
            token = next_token

    def first_request(self, since: str | None) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.set_spec:
            params["set"] = self.set_spec
        if since:
            params["from"] = oai_datestamp(since, self.granularity(), end_of_day=False)
        if self.until:
            params["until"] = oai_datestamp(self.until, self.granularity(), end_of_day=True)
        return params

    def granularity(self) -> str:
        """The datestamp granularity of ``Identify`` (day unless it says seconds)."""
        if self._granularity is None:
            root, _ = self.request({"verb": "Identify"})
            text = (
                (root.findtext(f"{OAI}Identify/{OAI}granularity") or "") if root is not None else ""
            )
            self._granularity = SECONDS if text.strip() == SECONDS else "YYYY-MM-DD"
        return self._granularity

    # --- one request ------------------------------------------------------------------------

    def request(self, params: dict[str, str]) -> tuple[Any | None, str]:
        """(the OAI-PMH root element, the URL asked); root None for ``noRecordsMatch``."""
        assert self.http is not None, "an OAI-PMH source needs an HTTP client"
        base = self.config.url
        url = f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"
        try:
            root = get_xml(self.http, base, params)
        except HarvestHttpError as exc:
            code = re.search(r"<error[^>]*\bcode=[\"'](\w+)", exc.body or "")
            if code is None:
                raise
            root = None
            errors = [(code.group(1), exc.body[:300])]
        else:
            if root.tag != f"{OAI}OAI-PMH":
                raise OaiPmhError(f"{url}: not an OAI-PMH answer (root element {root.tag})")
            errors = [
                (e.get("code") or "", (e.text or "").strip()) for e in root.iterfind(f"{OAI}error")
            ]
        if not errors:
            return root, url
        codes = {code for code, _ in errors}
        if "noRecordsMatch" in codes:
            return None, url
        code, message = errors[0]
        if code == "badResumptionToken":
            raise OaiPmhError(
                f"{url}: the repository no longer accepts the resumption token "
                f"({message or 'badResumptionToken'}); tokens expire, so start a fresh harvest "
                "of this source (without --resume)",
                code,
            )
        raise OaiPmhError(f"{url}: OAI-PMH error {code}: {message}", code)

    # --- mapping ----------------------------------------------------------------------------

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        if isinstance(record, dict) and record.get("identifier"):
            return str(record["identifier"])
        return super().record_key(collection, record)


def record_dict(el: Any) -> dict[str, Any]:
    """One ``<record>`` as the JSON-shaped dict the runner validates and maps."""
    header = el.find(f"{OAI}header")
    if header is None:
        raise OaiPmhError("a <record> without <header>")
    metadata = el.find(f"{OAI}metadata")
    inner = [c for c in metadata if isinstance(c.tag, str)] if metadata is not None else []
    return {
        "identifier": (header.findtext(f"{OAI}identifier") or "").strip(),
        "datestamp": (header.findtext(f"{OAI}datestamp") or "").strip() or None,
        "sets": [(s.text or "").strip() for s in header.iterfind(f"{OAI}setSpec")],
        "deleted": header.get("status") == "deleted",
        "metadata": etree.tostring(inner[0], encoding="unicode") if inner else None,
    }


def oai_datestamp(value: str, granularity: str, *, end_of_day: bool) -> str:
    """``value`` (an ISO date or date-time) at the repository's granularity, in UTC. A date
    asked at seconds granularity starts (``from``) or ends (``until``) that day."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, 23, 59, 59) if end_of_day else None
            when = moment or datetime(day.year, day.month, day.day)
            when = when.replace(tzinfo=UTC)
        else:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date or date-time: {value!r}") from None
    if granularity == SECONDS:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.date().isoformat()


def get_xml(http: HttpClient, url: str, params: dict[str, str]) -> Any:
    """GET an XML document with the client's retry policy: transient failures and answers cut
    short (XML that does not parse) are retried; an unsafe document is refused at once."""
    return http.request(
        "GET",
        url,
        parse=lambda body: mapping.parse_xml(body, f"the answer of {url}"),
        incomplete=(etree.XMLSyntaxError,),
        params=params,
        headers={"Accept": "text/xml, application/xml;q=0.9, */*;q=0.1"},
    )
