"""The store interface: one contract, two implementations (embedded Oxigraph, remote SPARQL 1.1).

Every operation takes and returns pyoxigraph values, whatever the backend, so callers never
depend on which store they talk to. The default graph of a query is the union of all named
graphs (DESIGN §4).
"""

from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeAlias

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    serialize,
)

from pancommons.store.rdfxml import defused

RdfSource: TypeAlias = str | os.PathLike[str] | bytes | IO[bytes]
"""A file path, raw bytes, or a binary stream of RDF."""

Progress: TypeAlias = Callable[[int], None]
"""Called with the number of bytes read since the last call (for progress bars)."""


REPLACES = "urn:x-pancommons:replaces"
"""Marks, in the input of ``merge_subjects``, a subject whose description is replaced."""

SOURCED_BY = "urn:x-pancommons:sourced-by:"
"""A subject ``<urn:x-pancommons:sourced-by:{record IRI}>`` marked as replaced in the input of
``merge_subjects`` stands for every subject whose ``dct:source`` is that record."""

STAGING_MARKER = "#pancommons-staging-"
"""Staging graphs are ``{graph}#pancommons-staging-{uuid}``; they are not listed, not counted and
(embedded store) not part of the union default graph."""


DEFAULT_GRAPH = ""
"""In ``Store.query(default_graph=[...])``: the store's own unnamed default graph."""


def is_staging(graph: str) -> bool:
    return STAGING_MARKER in graph


class StoreError(Exception):
    """The store could not do what was asked (unreachable, locked, refused, I/O error)."""


class QuerySyntaxError(StoreError):
    """A SPARQL query or update that the store could not parse; the message is the parser's."""


class RdfSyntaxError(StoreError):
    """RDF input that could not be parsed; nothing from it was kept."""


class SwapUncertain(StoreError):
    """The store failed while it was asked to swap a staged graph in, so whether it did is
    unknown: the graph is either unchanged or already the new one, whole (the swap is one
    transaction), never a mix."""


class TripleList(list[Triple]):
    """The triples of a CONSTRUCT or DESCRIBE answer from a remote store, with the same
    ``serialize`` as pyoxigraph's ``QueryTriples``."""

    def serialize(
        self, output: IO[bytes] | str | None = None, format: RdfFormat = RdfFormat.N_TRIPLES
    ) -> bytes | None:
        return serialize(iter(self), output, format)


QueryResult: TypeAlias = QuerySolutions | QueryBoolean | QueryTriples | TripleList
"""SELECT → solutions, ASK → boolean, CONSTRUCT/DESCRIBE → triples."""


_EXTENSIONS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
    ".json": RdfFormat.JSON_LD,
    ".n3": RdfFormat.N3,
}


def guess_format(path: str | os.PathLike[str]) -> RdfFormat:
    """The RDF format of a file from its extension (``.gz`` is not supported: decompress first)."""
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise RdfSyntaxError(
            f"{path}: cannot tell the RDF format from the extension {suffix!r} "
            f"(known: {known}); pass the format explicitly"
        ) from None


class ProgressReader:
    """A binary reader that reports how many bytes were read, for progress bars."""

    def __init__(self, raw: BinaryIO, progress: Progress) -> None:
        self._raw = raw
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self._progress(len(data))
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_source(
    source: RdfSource, format: RdfFormat | None, progress: Progress | None = None
) -> Iterator[tuple[bytes | IO[bytes], RdfFormat]]:
    """Open an RdfSource as (bytes or binary stream, format). RDF/XML is read whole and
    defused first (rdfxml.py: pyoxigraph would expand a billion laughs without limit)."""
    with _opened(source, format, progress) as (data, fmt):
        if fmt != RdfFormat.RDF_XML:
            yield data, fmt
            return
        raw = data if isinstance(data, bytes) else data.read()
        try:
            safe = defused(raw)
        except ValueError as exc:
            raise RdfSyntaxError(f"{_name_of(source)}: {exc}") from exc
        yield safe, fmt


def _name_of(source: RdfSource) -> str:
    return str(source) if isinstance(source, str | os.PathLike) else "RDF/XML"


@contextmanager
def _opened(
    source: RdfSource, format: RdfFormat | None, progress: Progress | None = None
) -> Iterator[tuple[bytes | IO[bytes], RdfFormat]]:
    if isinstance(source, bytes):
        if format is None:
            raise RdfSyntaxError("RDF given as bytes needs an explicit format")
        if progress:
            progress(len(source))
        yield source, format
    elif isinstance(source, str | os.PathLike):
        fmt = format or guess_format(source)
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise RdfSyntaxError(f"{source}: cannot read: {exc.strerror}") from exc
        with handle:
            yield (ProgressReader(handle, progress) if progress else handle), fmt  # type: ignore[misc]
    else:
        if format is None:
            raise RdfSyntaxError("RDF given as a stream needs an explicit format")
        yield (ProgressReader(source, progress) if progress else source), format  # type: ignore[arg-type]


class Store(ABC):
    """The operations every part of PaN Commons uses on the graph."""

    location: str
    """Where the store is (directory or URL), for messages."""

    # --- reading -------------------------------------------------------------------------------

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE) over the union of graphs.

        ``default_graph`` / ``named_graphs`` give the dataset instead, as the SPARQL Protocol's
        ``default-graph-uri`` / ``named-graph-uri`` do (overriding FROM in the query): the default
        graph is the merge of ``default_graph`` (``DEFAULT_GRAPH`` names the store's own unnamed
        graph) and ``GRAPH`` sees only ``named_graphs``; when one is given, the other is empty.

        Raises QuerySyntaxError for a malformed query, StoreError for anything else.
        """

    def select_rows(self, sparql: str) -> Iterator[list[str]]:
        """The rows of a SELECT, each a list of its terms as SPARQL TSV writes them (``<iri>``,
        ``_:id``, ``"literal"``…; tabs and newlines in terms are escaped, so splitting is
        safe). The store serialises them (Oxigraph in Rust): about half the time of reading
        millions of solutions one by one from Python."""
        tsv = self.query(sparql).serialize(format=QueryResultsFormat.TSV)  # type: ignore[union-attr]
        assert isinstance(tsv, bytes)
        for line in tsv.decode().split("\n")[1:]:
            if line:
                yield line.split("\t")

    def version(self) -> int | None:
        """A number that stays the same exactly as long as the contents do, or None when that
        cannot be known: a write is under way, or other clients may write (a remote store).
        Answers computed at one version hold until it moves (``api.result_cache``)."""
        return None

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` while ``version()`` stays the same (at most 60 s;
        computed again every time when the version is unknown). For values read from the
        graph that many requests share; callers must not change what they get."""
        from pancommons.store.memo import VersionMemo

        memo = self.__dict__.get("_derived")
        if memo is None:
            memo = self.__dict__.setdefault("_derived", VersionMemo())
        return memo.get(self, key, compute)

    @abstractmethod
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs that hold at least one triple, sorted."""

    @abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or in all named graphs (summed per graph) when None."""

    # --- writing -------------------------------------------------------------------------------

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update request (atomic: all of it or nothing)."""

    @abstractmethod
    def load(
        self,
        source: RdfSource,
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Add the triples of ``source`` to ``graph``, all or nothing.

        Triples from a quad format (N-Quads, TriG) keep their own graphs.
        Raises RdfSyntaxError (and keeps nothing) when the input does not parse.
        """

    @abstractmethod
    def bulk_load(
        self,
        source: RdfSource,
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Add a large input to ``graph`` by the backend's fastest path.

        Not atomic: on a parse error part of the input may be in ``graph``. Use it on a graph
        nobody reads yet (``staging``/``replace_graph`` do that for you).
        """

    @abstractmethod
    def drop_graph(self, graph: str) -> None:
        """Remove ``graph`` and its triples (no error if it does not exist)."""

    @abstractmethod
    def _swap(self, staging: str, graph: str) -> None:
        """Atomically make ``graph`` hold exactly what ``staging`` holds, and drop ``staging``."""

    def _staging_iri(self, graph: str) -> str:
        return f"{graph}{STAGING_MARKER}{uuid.uuid4().hex}"

    @contextmanager
    def staging(self, graph: str) -> Iterator[str]:
        """Write a new version of ``graph`` into a private staging graph; on leaving the block
        without error it replaces ``graph`` atomically, on error the staging graph is dropped
        and ``graph`` is left exactly as it was::

            with store.staging(graph) as stage:
                store.bulk_load(path, graph=stage)
        """
        stage = self._staging_iri(graph)
        try:
            yield stage
        except BaseException:
            self._drop_quietly(stage)
            raise
        try:
            self._swap(stage, graph)
        except BaseException:
            self._drop_quietly(stage)
            raise

    def _drop_quietly(self, graph: str) -> None:
        # The original error matters more; a stale staging graph is harmless (it is hidden and
        # the embedded store drops leftovers when it is next opened for writing).
        with suppress(StoreError):
            self.drop_graph(graph)

    def replace_graph(
        self,
        sources: RdfSource | Iterable[RdfSource],
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Replace the content of ``graph`` with ``sources``, atomically: readers see the old
        graph until the new one is complete; if anything fails the old graph is unchanged."""
        items = (
            [sources]
            if isinstance(sources, str | bytes | os.PathLike) or hasattr(sources, "read")
            else list(sources)
        )  # type: ignore[arg-type]
        with self.staging(graph) as stage:
            for item in items:
                self.bulk_load(
                    item, graph=stage, format=format, base_iri=base_iri, progress=progress
                )

    def open_loader(self, graph: str, *, trusted: bool = False) -> Any | None:
        """A loader that takes a new graph's N-Triples while they are produced (``write``,
        then ``commit`` or ``abort``), when the backend has one and ``graph`` is empty; None
        otherwise (then load the finished file with ``replace_graph``). ``trusted``: every
        term was written by ``harvest.mapping.nt`` (IRIs already validated), so the loader may
        skip validating them again."""
        return None

    def merge_subjects(
        self,
        source: RdfSource,
        *,
        graph: str,
        format: RdfFormat | None = None,
        base_iri: str | None = None,
    ) -> int:
        """Merge ``source`` into ``graph``, atomically: the subjects it describes lose what
        ``graph`` said of them and get what ``source`` says. An incremental harvest brings the
        changed records; this replaces exactly their descriptions. Which subjects: those
        marked ``<s> <urn:x-pancommons:replaces> <urn:x-pancommons:all>`` in ``source`` (the
        marks are not stored) or, with no marks, every IRI subject. Returns how many."""
        from pyoxigraph import NamedNode, parse

        lines: list[str] = []
        subjects: set[str] = set()
        marked: set[str] = set()
        with open_source(source, format) as (data, fmt):
            try:
                for t in parse(data, fmt, base_iri=base_iri):
                    if t.predicate.value == REPLACES:
                        marked.add(str(t.subject))
                        continue
                    lines.append(f"{t.subject} {t.predicate} {t.object} .")
                    if isinstance(t.subject, NamedNode):
                        subjects.add(str(t.subject))
            except SyntaxError as exc:
                raise RdfSyntaxError(f"{source!s:.200}: {exc}") from exc
        records = {
            f"<{m[len(SOURCED_BY) + 1 : -1]}>" for m in marked if m.startswith("<" + SOURCED_BY)
        }
        marked -= {m for m in marked if m.startswith("<" + SOURCED_BY)}
        subjects = marked or (subjects if not records else set())
        if not lines and not subjects and not records:
            return 0
        ops = []
        if records:
            ops.append(
                f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?r {{ "
                f"{' '.join(sorted(records))} }} GRAPH <{graph}> {{ "
                f"?s <http://purl.org/dc/terms/source> ?r . ?s ?p ?o }} }}"
            )
        if subjects:
            ops.append(
                f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ "
                f"{' '.join(sorted(subjects))} }} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            )
        if lines:
            ops.append(f"INSERT DATA {{ GRAPH <{graph}> {{\n" + "\n".join(lines) + "\n} }")
        self.update(" ;\n".join(ops))
        return len(subjects) + len(records)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the store (files, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
