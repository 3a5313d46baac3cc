"""A real OAI-PMH 2.0 repository on 127.0.0.1 for the tests: ``Identify`` and ``ListRecords``
(``metadataPrefix``, ``set``, ``from``/``until`` at the configured granularity, resumption tokens
of ``page_size`` records with ``completeListSize`` and ``cursor``), deleted records, and the
errors of the protocol (``noRecordsMatch``, ``badArgument``, ``badResumptionToken``,
``cannotDisseminateFormat``, ``badVerb``).

Faults on demand (``state.faults``): ``OaiFault("503")`` answers 503 with ``Retry-After``,
``"laughs"`` a billion-laughs document, ``"xxe"`` a document with an external entity on
``/etc/passwd``, ``"cut"`` half a document; each for ``verb`` (None: any) and ``page`` (the
n-th page of a list, 0 first; None: any), the first ``times`` requests. ``state.expire_tokens()``
makes every token handed out so far unknown.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from tests.harvest.local_http import QuietHandler, serving

DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"

_LOLS = "".join(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
LAUGHS = (
    f'<?xml version="1.0"?>\n<!DOCTYPE OAI-PMH [\n <!ENTITY lol0 "lol">\n{_LOLS}]>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
    "<identifier>&lol9;</identifier><datestamp>2024-01-01</datestamp></header></record>"
    "</ListRecords></OAI-PMH>"
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
    "<identifier>oai:x:1</identifier><datestamp>2024-01-01</datestamp></header><metadata>"
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<dc:title>&x;</dc:title></oai_dc:dc></metadata></record></ListRecords></OAI-PMH>"
)


@dataclass
class OaiRecord:
    identifier: str
    datestamp: str
    """At seconds granularity (``2024-05-01T10:00:00Z``); compared at the repository's."""
    metadata: dict[str, str] = field(default_factory=dict)
    """metadataPrefix → the metadata element as XML text."""
    sets: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class OaiFault:
    action: str  # "503" (or any status) | "laughs" | "xxe" | "cut"
    verb: str | None = "ListRecords"
    page: int | None = None
    times: int = 1
    retry_after: str = "0"
    hits: int = 0


@dataclass
class RepoState:
    records: list[OaiRecord]
    granularity: str = SECONDS
    page_size: int = 3
    faults: list[OaiFault] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    tokens: dict[str, tuple[dict[str, str], int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=itertools.count)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Handler(QuietHandler):
    content_type = "text/xml; charset=utf-8"

    def do_GET(self) -> None:
        state = self.server.state
        multi = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        args = {k: v[0] for k, v in multi.items()}
        with state.lock:
            state.requests.append(args)
        verb = args.get("verb", "")
        try:
            if any(len(v) > 1 for v in multi.values()):
                raise OaiError("badArgument", "an argument is repeated")
            if verb == "Identify":
                if set(args) != {"verb"}:
                    raise OaiError("badArgument", "Identify takes no arguments")
                if not self._fault(verb, None):
                    self._reply(args, self._identify())
            elif verb == "ListRecords":
                query, cursor = self._list_args(args)
                if not self._fault(verb, cursor // state.page_size):
                    self._reply(args, self._list(query, cursor))
            else:
                raise OaiError("badVerb", f"illegal verb {verb!r}")
        except OaiError as err:
            body = f"<error code={quoteattr(err.code)}>{escape(str(err))}</error>"
            self._reply(args, body)

    # --- verbs ---------------------------------------------------------------------------------

    def _identify(self) -> str:
        return (
            "<Identify><repositoryName>Test repository</repositoryName>"
            f"<baseURL>{escape(self.server.url + '/oai')}</baseURL><protocolVersion>2.0</protocolVersion>"
            "<adminEmail>nobody@example.org</adminEmail>"
            "<earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp>"
            "<deletedRecord>persistent</deletedRecord>"
            f"<granularity>{self.server.state.granularity}</granularity></Identify>"
        )

    def _list_args(self, args: dict[str, str]) -> tuple[dict[str, str], int]:
        state = self.server.state
        if "resumptionToken" in args:
            if set(args) != {"verb", "resumptionToken"}:
                raise OaiError("badArgument", "resumptionToken is an exclusive argument")
            with state.lock:
                found = state.tokens.get(args["resumptionToken"])
            if found is None:
                raise OaiError("badResumptionToken", "the resumptionToken is invalid or expired")
            return found
        unknown = set(args) - {"verb", "metadataPrefix", "set", "from", "until"}
        if unknown or "metadataPrefix" not in args:
            raise OaiError(
                "badArgument", "metadataPrefix is required; unknown: " + ",".join(unknown)
            )
        stamps = [self._stamp(args[k]) for k in ("from", "until") if k in args]
        if len(stamps) == 2 and (len(stamps[0]) != len(stamps[1]) or stamps[0] > stamps[1]):
            raise OaiError("badArgument", "from and until differ in granularity or are reversed")
        if args["metadataPrefix"] not in {p for r in state.records for p in r.metadata}:
            raise OaiError("cannotDisseminateFormat", f"no format {args['metadataPrefix']!r}")
        return {k: v for k, v in args.items() if k != "verb"}, 0

    def _stamp(self, value: str) -> str:
        granularity = self.server.state.granularity
        ok = [DAY] + ([SECONDS] if granularity == SECONDS else [])
        for fmt in ok:
            py = "%Y-%m-%d" if fmt == DAY else "%Y-%m-%dT%H:%M:%SZ"
            with suppress(ValueError):
                datetime.strptime(value, py).replace(tzinfo=UTC)
                return value
        raise OaiError("badArgument", f"{value!r} is not a datestamp at granularity {granularity}")

    def _list(self, query: dict[str, str], cursor: int) -> str:
        state = self.server.state
        prefix = query["metadataPrefix"]
        chosen = [
            r
            for r in state.records
            if (r.deleted or prefix in r.metadata)
            and (
                "set" not in query
                or any(s == query["set"] or s.startswith(query["set"] + ":") for s in r.sets)
            )
            and ("from" not in query or r.datestamp[: len(query["from"])] >= query["from"])
            and ("until" not in query or r.datestamp[: len(query["until"])] <= query["until"])
        ]
        if not chosen:
            raise OaiError("noRecordsMatch", "no record matches the arguments")
        page = chosen[cursor : cursor + state.page_size]
        parts = ["<ListRecords>"]
        for r in page:
            status = ' status="deleted"' if r.deleted else ""
            sets = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in r.sets)
            parts.append(
                f"<record><header{status}><identifier>{escape(r.identifier)}</identifier>"
                f"<datestamp>{self._shown(r.datestamp)}</datestamp>{sets}</header>"
            )
            if not r.deleted:
                parts.append(f"<metadata>{r.metadata[prefix]}</metadata>")
            parts.append("</record>")
        end = cursor + len(page)
        if end < len(chosen) or cursor > 0:
            token = ""
            if end < len(chosen):
                with state.lock:
                    token = f"tok-{next(state._ids)}-{end}"
                    state.tokens[token] = (query, end)
            parts.append(
                f'<resumptionToken completeListSize="{len(chosen)}" cursor="{cursor}">'
                f"{token}</resumptionToken>"
            )
        parts.append("</ListRecords>")
        return "".join(parts)

    def _shown(self, stamp: str) -> str:
        return stamp[:10] if self.server.state.granularity == DAY else stamp

    # --- answers -------------------------------------------------------------------------------

    def _fault(self, verb: str, page: int | None) -> bool:
        state = self.server.state
        with state.lock:
            fault = next(
                (
                    f
                    for f in state.faults
                    if f.hits < f.times
                    and (f.verb is None or f.verb == verb)
                    and (f.page is None or f.page == page)
                ),
                None,
            )
            if fault is None:
                return False
            fault.hits += 1
        if fault.action == "laughs":
            self._send(200, LAUGHS.encode())
        elif fault.action == "xxe":
            self._send(200, XXE.encode())
        elif fault.action == "cut":
            self._send(200, self._document({"verb": verb}, self._identify()).encode()[:150])
        else:
            self._send(int(fault.action), b"busy", {"Retry-After": fault.retry_after})
        return True

    def _document(self, args: dict[str, str], body: str) -> str:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in args.items())
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<responseDate>{now}</responseDate><request{attrs}>{escape(self.server.url + '/oai')}</request>"
            f"{body}</OAI-PMH>"
        )

    def _reply(self, args: dict[str, str], body: str) -> None:
        self._send(200, self._document(args, body).encode("utf-8"))

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, body, headers)


@contextmanager
def oai_repository(state: RepoState) -> Iterator[str]:
    """The base URL of a repository serving ``state`` (change it while the server runs)."""
    with serving(_Handler, state) as server:
        yield f"{server.url}/oai"


def dc_metadata(**elements: str | list[str]) -> str:
    """An ``oai_dc:dc`` element: ``dc_metadata(title="T", creator=["A", "B"])``."""
    parts = []
    for name, values in elements.items():
        for value in [values] if isinstance(values, str) else values:
            parts.append(f"<dc:{name}>{escape(value)}</dc:{name}>")
    return (
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + "".join(parts)
        + "</oai_dc:dc>"
    )


def from_snapshot(records: list[dict[str, Any]], prefix: str = "oai_datacite") -> list[OaiRecord]:
    """Records as ``harvesters/snapshots/demo-oai/records.json`` stores them."""
    return [
        OaiRecord(
            r["identifier"],
            r["datestamp"],
            {} if r["deleted"] else {prefix: r["metadata"]},
            list(r.get("sets") or []),
            bool(r["deleted"]),
        )
        for r in records
    ]
