"""Result and RDF formats: names, media types, serialisation of query results."""

from __future__ import annotations

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from pancommons.store.base import QueryResult

RESULT_FORMATS: dict[str, QueryResultsFormat] = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
RESULT_MEDIA_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "application/xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
RDF_FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
RDF_MEDIA_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def is_tabular(result: QueryResult) -> bool:
    """SELECT and ASK answers are tables (SPARQL results formats); the rest are graphs."""
    return isinstance(result, QuerySolutions | QueryBoolean)


def serialize_result(result: QueryResult, fmt: QueryResultsFormat | RdfFormat) -> bytes:
    """Bytes of ``result`` in ``fmt`` (a results format for SELECT/ASK, an RDF format else)."""
    if isinstance(result, QueryBoolean) and fmt in (QueryResultsFormat.CSV, QueryResultsFormat.TSV):
        # SPARQL 1.1 CSV/TSV define no boolean form; answer with a one-cell table.
        return f"boolean\n{'true' if bool(result) else 'false'}\n".encode()
    data = result.serialize(format=fmt)  # type: ignore[arg-type]
    return data or b""


def pick_media_type(accept: str, offered: dict[str, object], default: str) -> str | None:
    """The offered media type that best matches an HTTP Accept header (None if none does)."""
    if not accept.strip():
        return default
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media, q = pieces[0].lower(), 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in offered:
            choices.append((q, -position, media))
        elif media in ("*/*", "application/*", "text/*"):
            family = media.split("/")[0]
            match = (
                default
                if media == "*/*" or default.startswith(family)
                else next((m for m in offered if m.startswith(family)), None)
            )
            if match:
                choices.append((q - 0.0001, -position, match))
    return max(choices)[2] if choices else None
