"""Running a query with a time budget and a row cap, and serialising its answer.

pyoxigraph cannot cancel a running query, and its result objects must be used and dropped on
the thread that made them. So each query runs on one daemon thread that evaluates *and*
serialises it. The request waits for that thread at most ``query_timeout`` seconds.

SELECT answers are serialised by pyoxigraph itself (in Rust, without the GIL) into a sink that
pyoxigraph writes in 8 KiB chunks: at every chunk the sink checks the deadline and an upper
bound on the rows written so far (``_RowBound``). When that bound passes ``max_rows`` and is
not exact, the query runs again the slow way, row by row in Python, which counts exactly.
CONSTRUCT and DESCRIBE triples are pulled one by one with the same checks at every triple.

- a query that streams its answer past the deadline stops at its next chunk or triple (503),
  and one that returns more than ``max_rows`` rows (or triples) is refused as soon as that is
  known (413);
- a query stuck inside one step (a large sort or aggregate, a filter that never matches) cannot
  be interrupted: the request gets its 503 at the deadline, and the abandoned thread ends when
  that step ends. A daemon thread never holds up the server's shutdown.

Answers are built in memory (bounded by ``max_rows``) so an error is always a clean HTTP error,
never a truncated 200.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import JSONResponse, Response
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse_query_results,
    serialize,
)

from pancommons.api.result_cache import ResultCache, through_cache
from pancommons.formats import is_tabular, serialize_result
from pancommons.store import QuerySyntaxError, Store, StoreError

T = TypeVar("T")
log = logging.getLogger(__name__)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def error(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The API's one error shape: ``{"error", "detail", "status"}``."""
    return JSONResponse(
        {"error": error, "detail": detail, "status": status}, status_code=status, headers=headers
    )


@dataclass(frozen=True)
class Limits:
    """How long a query may run and how many rows (or triples) it may return."""

    timeout: float
    max_rows: int | None


class LimitExceeded(Exception):
    """Raised inside the worker when the deadline passes or the row cap is exceeded; carries
    the answer to give (503 query timeout, 413 result too large)."""

    def __init__(self, response: JSONResponse) -> None:
        self.response = response


@dataclass(frozen=True)
class Query:
    """One query as the protocol received it."""

    text: str
    base_iri: str | None = None
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None


class DaemonPool:
    """Daemon threads that each run one job at a time and wait for the next; a new one starts
    when all are busy (an abandoned query keeps its thread), and one idle for ``idle`` seconds
    ends. Daemon threads, unlike ``concurrent.futures``' workers, never hold up shutdown."""

    def __init__(self, idle: float = 60.0) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._idle_seconds = idle

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1
        self._jobs.put(job)
        if spawn:
            threading.Thread(target=self._work, name="pancommons-query", daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # no submit counted on this thread: it may go
                        self._idle -= 1
                        return
                continue
            job()
            with self._lock:
                self._idle += 1


_POOL = DaemonPool()
"""Process-wide, like anyio's worker threads: queries of every app share it."""


async def in_daemon_thread(func: Callable[[], T], timeout: float) -> T | None:
    """``func()`` on a daemon thread; None if it has not finished after ``timeout`` s.

    ``func`` must not raise (exceptions carrying pyoxigraph objects must not cross threads)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(value: T) -> None:
        if not future.done():
            future.set_result(value)

    def run() -> None:
        try:
            value = func()
        except BaseException as exc:
            if isinstance(exc, StoreError) and not isinstance(exc, QuerySyntaxError):
                # the store down (or failing) under a caller that did not expect it: its 503
                value = error(503, "store unavailable", str(exc))  # type: ignore[assignment]
            else:
                log.exception("query worker failed")
                value = error(
                    500, "internal error", "the query failed unexpectedly; see the server log"
                )  # type: ignore[assignment]
        with suppress(RuntimeError):  # the loop closed while an abandoned query ran
            loop.call_soon_threadsafe(deliver, value)

    _POOL.submit(run)
    timer = loop.call_later(timeout, deliver, None)  # cheaper than asyncio.wait_for
    try:
        return await future
    finally:
        timer.cancel()


async def in_time(func: Callable[[], Response], limits: Limits) -> Response:
    """``func()`` on a query thread, or the 503 answer if it has not finished within
    ``limits.timeout`` (the thread is then abandoned; see the module docstring)."""
    response = await in_daemon_thread(func, limits.timeout)
    return response if response is not None else timeout_error(limits)


def timeout_error(limits: Limits) -> JSONResponse:
    return error(
        503,
        "query timeout",
        f"the query did not finish within {limits.timeout:g} s (PANCOMMONS_QUERY_TIMEOUT); "
        f"make it more selective or add a LIMIT",
    )


async def run_query(
    store: Store,
    query: Query,
    pick: Callable[[bool], tuple[str, QueryResultsFormat | RdfFormat] | JSONResponse],
    limits: Limits,
    cache: ResultCache | None = None,
    accept: str = "",
) -> Response:
    """Run ``query`` and serialise it in the format ``pick(is_graph)`` chooses (or return the
    error response ``pick`` gives). With a ``cache``, the answer kept for the same query,
    dataset and ``accept`` (all that ``pick`` chooses by) while the graph is unchanged."""

    def evaluate() -> Awaitable[Response]:
        deadline = time.monotonic() + limits.timeout
        return in_time(lambda: _evaluate(store, query, pick, limits, deadline), limits)

    key = (
        "sparql",
        query.text,
        query.base_iri,
        None if query.default_graph is None else tuple(query.default_graph),
        None if query.named_graphs is None else tuple(query.named_graphs),
        accept,
    )
    return await through_cache(cache, store, key, query.text, evaluate)


def _evaluate(
    store: Store,
    query: Query,
    pick: Callable[[bool], tuple[str, QueryResultsFormat | RdfFormat] | JSONResponse],
    limits: Limits,
    deadline: float,
) -> Response:
    result: Any = None
    try:
        result = _run(store, query)
        chosen = pick(not is_tabular(result))
        if isinstance(chosen, JSONResponse):
            return chosen
        media, fmt = chosen
        body = bounded_body(result, fmt, limits, deadline, lambda: _run(store, query))
        charset = "" if media.endswith("json") else "; charset=utf-8"
        return Response(body, media_type=media + charset)
    except LimitExceeded as stop:
        return stop.response
    except QuerySyntaxError as exc:
        return error(400, "malformed query", str(exc))
    except (StoreError, OSError) as exc:
        return error(503, "store unavailable", str(exc))
    finally:
        del result  # on this thread: pyoxigraph results may not be dropped elsewhere


def bounded_body(
    result: Any,
    fmt: QueryResultsFormat | RdfFormat,
    limits: Limits,
    deadline: float,
    again: Callable[[], Any],
) -> bytes:
    """``result`` serialised in ``fmt``, raising ``LimitExceeded`` (with the 503 or 413 answer)
    past the deadline or past ``max_rows`` rows or triples. ``again()`` runs the query anew,
    for the rare answers whose rows must be counted one by one. On the query's thread."""
    if isinstance(result, QueryBoolean):
        return serialize_result(result, fmt)
    if isinstance(fmt, RdfFormat):
        return serialize(_collect(result, limits, deadline), format=fmt) or b""
    native = _native_solutions(result, fmt, limits, deadline)
    if native is None:  # perhaps more than max_rows rows: count them one by one
        result = again()  # (the caller drops the first result, on this thread)
        native = _solutions(result, fmt, limits, deadline)
    return native


def _run(store: Store, query: Query) -> Any:
    return store.query(
        query.text,
        base_iri=query.base_iri,
        default_graph=query.default_graph,
        named_graphs=query.named_graphs,
    )


def _too_large(limits: Limits) -> JSONResponse:
    return error(
        413,
        "result too large",
        f"the answer has more than {limits.max_rows} rows (PANCOMMONS_MAX_ROWS); "
        f"page through it with LIMIT and OFFSET",
    )


def check_limits(count: int, limits: Limits, deadline: float) -> None:
    """Raise ``LimitExceeded`` past the deadline or when ``count`` passes ``max_rows``."""
    if time.monotonic() > deadline:
        raise LimitExceeded(timeout_error(limits))
    if limits.max_rows is not None and count > limits.max_rows:
        raise LimitExceeded(_too_large(limits))


class _Marks:
    """How often ``mark`` occurs in the bytes fed so far, chunk after chunk."""

    def __init__(self, mark: bytes) -> None:
        self.mark = mark
        self.count = 0
        self._tail = b""  # the last len(mark) - 1 bytes: a mark may straddle two chunks

    def feed(self, chunk: bytes) -> int:
        keep = len(self.mark) - 1
        if keep:
            window = self._tail + chunk
            self._tail = window[-keep:]
        else:
            window = chunk
        self.count += window.count(self.mark)
        return self.count


class _RowBound:
    """An upper bound on the rows in a SPARQL results document, read as it is written.

    - XML: one ``<result>`` per row (``<`` in text is always escaped): exact;
    - TSV: one line per row after the header (newlines in terms are escaped): exact;
    - CSV: lines after the header; a quoted literal may hold line breaks: at most;
    - JSON: every ``{`` past the three of the head opens a row or a term, or is inside a
      literal; every term object starts with ``{"type":``, which no string can contain (its
      ``"`` would be escaped): subtracted unless a variable is named ``type`` (then a row may
      start so too). At most, and exact unless literals hold ``{`` or terms are triples.
    """

    def __init__(self, fmt: QueryResultsFormat, names: list[str]) -> None:
        self._minus: _Marks | None = None
        if fmt == QueryResultsFormat.JSON:
            self._plus, self._base, self.exact = _Marks(b"{"), 3, False
            if "type" not in names:
                self._minus = _Marks(b'{"type":')
        elif fmt == QueryResultsFormat.XML:
            self._plus, self._base, self.exact = _Marks(b"<result>"), 0, True
        else:
            self._plus, self._base = _Marks(b"\n"), 1
            self.exact = fmt == QueryResultsFormat.TSV

    def feed(self, chunk: bytes) -> int:
        """The bound after ``chunk``."""
        rows = self._plus.feed(chunk) - self._base
        if self._minus is not None:
            rows -= self._minus.feed(chunk)
        return rows


class _Abort(Exception):
    """Raised by the sink to stop pyoxigraph's serialiser; the sink says why."""


class _Sink:
    """A binary file for ``QuerySolutions.serialize`` that keeps what it is given and stops the
    serialiser (``_Abort``) at the deadline or once the rows may be more than ``max_rows``."""

    def __init__(self, bound: _RowBound | None, limits: Limits, deadline: float) -> None:
        self.parts: list[bytes] = []
        self.timed_out = False
        self.too_many = False
        self._bound = bound
        self._limits = limits
        self._deadline = deadline

    def write(self, chunk: bytes) -> int:
        if self.timed_out or self.too_many:
            return len(chunk)  # pyoxigraph flushes what it holds after the abort: drop it
        if time.monotonic() > self._deadline:
            self.timed_out = True
            raise _Abort
        self.parts.append(chunk)
        max_rows = self._limits.max_rows
        if self._bound is not None and max_rows is not None and self._bound.feed(chunk) > max_rows:
            self.too_many = True
            raise _Abort
        return len(chunk)

    def flush(self) -> None:
        pass


def _native_solutions(
    result: Any, fmt: QueryResultsFormat, limits: Limits, deadline: float
) -> bytes | None:
    """``result`` serialised by pyoxigraph; None when it may have more than ``max_rows`` rows
    and only counting them one by one can tell."""
    bound = None
    if limits.max_rows is not None:
        bound = _RowBound(fmt, [v.value for v in result.variables])
    sink = _Sink(bound, limits, deadline)
    try:
        result.serialize(sink, fmt)
    except Exception:
        if not (sink.timed_out or sink.too_many):
            raise
    if sink.timed_out:
        raise LimitExceeded(timeout_error(limits))
    if sink.too_many:
        if bound is not None and bound.exact:
            raise LimitExceeded(_too_large(limits))
        return None
    return b"".join(sink.parts)


def _collect(result: Any, limits: Limits, deadline: float) -> list[Triple]:
    triples: list[Triple] = []
    for triple in result:
        triples.append(triple)
        check_limits(len(triples), limits, deadline)
    return triples


def _solutions(result: Any, fmt: QueryResultsFormat, limits: Limits, deadline: float) -> bytes:
    """SPARQL JSON results built row by row, counting rows exactly (the fallback of
    ``_native_solutions``); other formats converted from it by pyoxigraph."""
    names = [v.value for v in result.variables]
    rows: list[dict[str, Any]] = []
    for solution in result:
        row = {}
        for name, term in zip(names, solution, strict=True):
            if term is not None:
                row[name] = term_json(term)
        rows.append(row)
        check_limits(len(rows), limits, deadline)
    document = {"head": {"vars": names}, "results": {"bindings": rows}}
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == QueryResultsFormat.JSON:
        return data
    return parse_query_results(data, QueryResultsFormat.JSON).serialize(format=fmt) or b""


def term_json(term: Any) -> dict[str, Any]:
    """An RDF term in the SPARQL 1.1 (and 1.2, for triple terms) JSON results format."""
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            if term.direction is not None:
                out["its:dir"] = str(term.direction)
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")
