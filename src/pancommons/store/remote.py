"""The remote store: any SPARQL 1.1 server, through the Query, Update and Graph Store protocols.

Tested against ``oxigraph serve`` and Virtuoso 7. Endpoints are derived from the store URL when
not configured: ``…/query`` → ``…/update`` and ``…/store`` (Oxigraph, Fuseki-like); ``…/sparql`` →
the same URL for updates and ``…/sparql-graph-crud`` for the Graph Store (Virtuoso).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import requests
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from pancommons.config import Settings
from pancommons.store.base import (
    DEFAULT_GRAPH,
    STAGING_MARKER,
    Progress,
    QueryResult,
    QuerySyntaxError,
    RdfSource,
    RdfSyntaxError,
    Store,
    StoreError,
    SwapUncertain,
    TripleList,
    is_staging,
    open_source,
)
from pancommons.store.rdfxml import defused

log = logging.getLogger(__name__)

VERSION_GRAPH = "urn:x-pancommons:store-version"
"""The graph that holds the store's version (``RemoteStore.version``): one triple, not listed,
not counted."""
_VERSION = f"GRAPH <{VERSION_GRAPH}> {{ <urn:x-pancommons:store> <urn:x-pancommons:version> ?v }}"

# Graphs a server keeps for itself (Virtuoso's system graphs): not listed, not counted.
SYSTEM_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localhost:8890/",
    "http://localuriqaserver/",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
)

_RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}
_ACCEPT_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_PROLOGUE = re.compile(
    r"(?:\s+|#[^\n]*|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE
)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query, read after its prologue."""
    prologue = _PROLOGUE.match(sparql)
    m = _FORM.match(sparql, prologue.end() if prologue else 0)
    return m.group(1).upper() if m else None


def shown(url: str) -> str:
    """``url`` as messages and ``location`` show it: without a password in its user info
    (``http://user:secret@host/`` → ``http://user:***@host/``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def derive_endpoints(query_url: str) -> tuple[str, str]:
    """(update URL, graph store URL) conventionally served beside ``query_url``."""
    stripped = query_url.rstrip("/")
    if stripped.endswith("/query"):
        root = stripped[: -len("/query")]
        return root + "/update", root + "/store"
    if stripped.endswith("/sparql"):
        return stripped, stripped + "-graph-crud"
    return stripped, stripped


class RemoteStore(Store):
    """A SPARQL 1.1 server reached over HTTP."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float = 300.0,
        external_writes: bool = False,
    ) -> None:
        derived_update, derived_gsp = derive_endpoints(query_url)
        self.location = shown(query_url)
        self.query_url = query_url
        self.update_url = update_url or derived_update
        self.gsp_url = gsp_url or derived_gsp
        self.timeout = timeout
        self.external_writes = external_writes
        self.software = ""
        """The server's ``Server`` header, once it has answered (e.g. ``Oxigraph/0.5.13``)."""
        self._http = requests.Session()
        self._http.headers["User-Agent"] = "pancommons (+https://w3id.org/pan-commons)"
        if auth:
            self._http.auth = auth

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        auth = None
        if settings.store_user:
            auth = (settings.store_user, settings.store_password or "")
        return cls(
            settings.store,
            update_url=settings.store_update_url,
            gsp_url=settings.store_gsp_url,
            auth=auth,
            timeout=settings.store_timeout,
            external_writes=settings.store_external_writes,
        )

    # --- HTTP ----------------------------------------------------------------------------------

    def _send(self, method: str, real_url: str, what: str, **kwargs: object) -> requests.Response:
        url = shown(real_url)
        try:
            response = self._http.request(method, real_url, timeout=self.timeout, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise StoreError(
                f"the SPARQL server at {url} did not answer ({type(exc).__name__}); is it running "
                f"and is the URL right?"
            ) from exc
        self.software = response.headers.get("Server", self.software)
        if response.status_code == 400:
            raise QuerySyntaxError(_server_message(response))
        if response.status_code in (401, 403):
            raise StoreError(
                f"{what} refused by {url} (HTTP {response.status_code}): set "
                f"PANCOMMONS_STORE_USER / PANCOMMONS_STORE_PASSWORD or grant write access"
            )
        if response.status_code >= 300:
            raise StoreError(
                f"{what} failed at {url}: HTTP {response.status_code}: {_server_message(response)}"
            )
        return response

    # --- reading -------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        response = self._send(
            "POST",
            self.query_url,
            "query",
            params=_dataset_params(default_graph, named_graphs),
            data={"query": sparql},
            headers={
                "Accept": _ACCEPT_GRAPH
                if query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
                else _ACCEPT_RESULTS
            },
        )
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in _RESULT_TYPES:
            try:
                return _checked_results(response.content, _RESULT_TYPES[content_type])
            except SyntaxError as exc:
                raise StoreError(f"unreadable results from {self.location}: {exc}") from exc
        if content_type in _GRAPH_TYPES:
            fmt, body = _GRAPH_TYPES[content_type], response.content
            try:
                if fmt == RdfFormat.RDF_XML:
                    body = defused(body)  # pyoxigraph would expand a billion laughs
                return TripleList(q.triple for q in parse(body, fmt))
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"unreadable RDF from {self.location}: {exc}") from exc
        raise StoreError(f"{self.location} answered with an unexpected type {content_type!r}")

    def version(self) -> int | None:
        """The number every write made through a ``RemoteStore`` moves forward, in any process
        (harvests, FAIR runs and the server all write through one): kept in the store itself,
        in ``VERSION_GRAPH``, one request to read. None when the store has none yet (nothing
        was written through PaN Commons) or cannot be read, and always when other clients
        write to the server directly (``store_external_writes``): their writes move nothing."""
        if self.external_writes:
            return None
        return self._stored_version()

    def _stored_version(self) -> int | None:
        try:
            rows = list(self._select(f"SELECT (MAX(?v) AS ?n) WHERE {{ {_VERSION} }}"))
        except StoreError:
            return None
        try:
            return int(rows[0]["n"]) if rows and "n" in rows[0] else None
        except (KeyError, ValueError):
            return None

    def _moved(self, what: str) -> None:
        """Move the version on after a write, so that answers computed before it are not served
        again. Not raised: the write itself is done. Cached answers then last until the next
        write or their time limit (``api.result_cache``)."""
        # The next version: the time in nanoseconds, so that two writers that race each write
        # a version of their own, and above the current one whatever the clocks say. Computed
        # here rather than by the update itself: Virtuoso keeps the old value of a DELETE/INSERT
        # whose new value is computed in its WHERE.
        try:
            new = max(time.time_ns(), (self._stored_version() or 0) + 1)
            self._send(
                "POST",
                self.update_url,
                "update",
                data={
                    "update": f"DROP SILENT GRAPH <{VERSION_GRAPH}> ;\n"
                    f"INSERT DATA {{ {_VERSION.replace('?v', str(new))} }}"
                },
            )
        except StoreError as exc:
            log.warning(
                "%s is done but the store version could not be moved on (%s): servers on this "
                "store may answer from their caches until the next write",
                what,
                exc,
            )

    def _select(self, sparql: str) -> Iterator[dict[str, str]]:
        result = self.query(sparql)
        for row in result:  # type: ignore[union-attr]
            yield {str(v.value): row[v].value for v in result.variables if row[v] is not None}  # type: ignore[union-attr]

    def _named_graphs(self) -> Iterator[str]:
        """Every non-empty named graph the server has, its own and staging graphs included."""
        for row in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
            yield row["g"]

    def graphs(self) -> list[str]:
        return sorted(g for g in self._named_graphs() if _ours(g))

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            rows = self._select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            )
            return sum(int(r["n"]) for r in rows)
        rows = self._select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return sum(int(r["n"]) for r in rows if _ours(r["g"]))

    # --- writing -------------------------------------------------------------------------------

    def update(self, sparql: str) -> None:
        self._write(
            "the update",
            lambda: self._send("POST", self.update_url, "update", data={"update": sparql}),
        )

    def _write(self, what: str, write: Callable[[], object], *, visible: bool = True) -> None:
        """``write()``, then the version moved on (``visible``: not a staging graph only). Also
        when the write failed other than by a syntax error: the server may have made it before
        the answer was lost."""
        try:
            write()
        except QuerySyntaxError:
            raise
        except StoreError:
            if visible:
                self._moved(f"{what} (if the server made it)")
            raise
        if visible:
            self._moved(what)

    def load(
        self,
        source: RdfSource,
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        # The input is parsed and re-serialised locally as N-Triples first: a syntax error is
        # reported before anything is sent, so a load is all or nothing on any server, and
        # relative IRIs are resolved against base_iri the same way as in the embedded store.
        with open_source(source, format, progress) as (data, fmt):
            per_graph = _split_ntriples(data, fmt, base_iri, graph, source)

        def post() -> None:
            for target, body in per_graph.items():
                self._post_graph(target, body)

        # A staging graph is nobody's answer yet: loading one does not move the version.
        self._write("the load", post, visible=not all(map(is_staging, per_graph)))

    def bulk_load(
        self,
        source: RdfSource,
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        # Graph Store POST of N-Triples is the fastest path every server offers (DESIGN §6).
        self.load(source, graph=graph, format=format, base_iri=base_iri, progress=progress)

    def _post_graph(self, graph: str, body: bytes) -> None:
        try:
            self._send(
                "POST",
                self.gsp_url,
                "graph store write",
                params={"graph": graph},
                data=body,
                headers={"Content-Type": "application/n-triples"},
            )
        except QuerySyntaxError as exc:
            raise StoreError(
                f"{shown(self.gsp_url)} refused the triples for <{graph}>: {exc}"
            ) from exc

    def drop_graph(self, graph: str) -> None:
        drop = {"update": f"DROP SILENT GRAPH <{graph}>"}
        self._write(
            f"the drop of <{graph}>",
            lambda: self._send("POST", self.update_url, "update", data=drop),
            visible=not is_staging(graph),
        )

    def staging_leftovers(self, graph: str | None = None) -> list[str]:
        """Staging graphs a run left behind when the server went away before it could drop
        them (of ``graph`` only, if given). Hidden from ``graphs()``, but a server's queries
        over all graphs would see them."""
        prefix = f"{graph}{STAGING_MARKER}" if graph else ""
        return sorted(g for g in self._named_graphs() if is_staging(g) and g.startswith(prefix))

    @contextmanager
    def staging(self, graph: str) -> Iterator[str]:
        for stale in self.staging_leftovers(graph):  # runs of one graph are serialised
            self.drop_graph(stale)
        with super().staging(graph) as stage:
            yield stage

    def _swap(self, staging: str, graph: str) -> None:
        # MOVE is one update request; SPARQL servers run a request in one transaction.
        try:
            self.update(f"MOVE SILENT GRAPH <{staging}> TO <{graph}>")
        except QuerySyntaxError:
            raise
        except StoreError as exc:  # the server may have done it before the answer was lost
            raise SwapUncertain(str(exc)) from exc

    def close(self) -> None:
        self._http.close()


class _Discard:
    def write(self, chunk: bytes) -> int:
        return len(chunk)

    def flush(self) -> None:
        pass


def _checked_results(content: bytes, fmt: QueryResultsFormat) -> QueryResult:
    """The results in ``content``, read through once first: pyoxigraph parses solutions lazily,
    so an error deep in the answer (or a refused entity in XML results) would otherwise surface
    as a bare SyntaxError in whoever iterates them, not as this store's StoreError."""
    result = parse_query_results(content, fmt)
    if isinstance(result, QuerySolutions):
        result.serialize(_Discard(), QueryResultsFormat.TSV)  # in Rust: ~1 µs a row
        result = parse_query_results(content, fmt)
    return result


def _split_ntriples(
    data: bytes | IO[bytes], fmt: RdfFormat, base_iri: str | None, graph: str, source: RdfSource
) -> dict[str, bytes]:
    """N-Triples per target graph: triples (and default-graph quads) go to ``graph``, quads of a
    named graph to that graph, as pyoxigraph's ``load(to_graph=...)`` does."""
    name = str(source) if isinstance(source, str | os.PathLike) else "<input>"
    buckets: dict[str, list[Triple]] = {}
    try:
        for quad in parse(data, fmt, base_iri=base_iri):
            g = quad.graph_name
            target = g.value if isinstance(g, NamedNode) else graph
            buckets.setdefault(target, []).append(quad.triple)
    except (SyntaxError, ValueError) as exc:
        raise RdfSyntaxError(f"{name}: {exc}") from exc
    return {g: serialize(ts, format=RdfFormat.N_TRIPLES) or b"" for g, ts in buckets.items()}


def _dataset_params(
    default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None
) -> dict[str, str | list[str]]:
    """SPARQL Protocol dataset parameters for ``Store.query``'s dataset arguments."""
    if default_graph is None and named_graphs is None:
        # union-default-graph is Oxigraph's switch for a union default graph; other servers
        # ignore it (Virtuoso's default graph already is the union of all graphs).
        return {"union-default-graph": ""}
    if list(default_graph or ()) == [DEFAULT_GRAPH] and not named_graphs:
        return {}  # the server's own default graph
    if DEFAULT_GRAPH in (default_graph or ()):
        raise StoreError("a remote store cannot merge its own default graph with named graphs")
    return {
        "default-graph-uri": list(default_graph or ()),
        "named-graph-uri": list(named_graphs or ()),
    }


def _ours(graph: str) -> bool:
    return (
        not is_staging(graph)
        and graph != VERSION_GRAPH
        and not graph.startswith(SYSTEM_GRAPH_PREFIXES)
    )


def _server_message(response: requests.Response) -> str:
    text = response.text.strip()
    return text[:2000] if text else response.reason or f"HTTP {response.status_code}"
