"""The serialisations of the catalogue: Turtle, JSON-LD (compact, DCAT-AP context), RDF/XML,
N-Triples; by name (``format=``/CLI) or by media type (HTTP ``Accept``).

Each writer takes the triples in chunks (the pages of a catalogue) and streams them, so a whole
catalogue can be written without holding it in memory.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from pyoxigraph import RdfFormat, Triple, serialize

from pancommons.dcat import jsonld
from pancommons.dcat.ns import PREFIXES
from pancommons.formats import pick_media_type


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    rdf_format: RdfFormat | None
    """pyoxigraph's writer; None for our compact JSON-LD."""

    @property
    def content_type(self) -> str:
        return (
            self.media_type
            if self.media_type.endswith("json")
            else f"{self.media_type}; charset=utf-8"
        )


FORMATS: dict[str, Format] = {
    "ttl": Format("ttl", "text/turtle", ".ttl", RdfFormat.TURTLE),
    "jsonld": Format("jsonld", "application/ld+json", ".jsonld", None),
    "rdf": Format("rdf", "application/rdf+xml", ".rdf", RdfFormat.RDF_XML),
    "nt": Format("nt", "application/n-triples", ".nt", RdfFormat.N_TRIPLES),
}
"""By the names of ``?format=`` and ``export_dcat(formats=...)``."""
MEDIA_TYPES: dict[str, str] = {
    **{f.media_type: name for name, f in FORMATS.items()},
    "application/json": "jsonld",
}
DEFAULT = "ttl"


def by_name(name: str) -> Format:
    """The format called ``name``; ValueError naming the choices otherwise."""
    try:
        return FORMATS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"{name!r} is not one of {', '.join(FORMATS)}") from None


def negotiate(accept: str) -> Format | None:
    """The format that best matches an HTTP ``Accept`` header (Turtle for ``*/*`` or none);
    None when nothing offered is acceptable."""
    media = pick_media_type(accept, dict.fromkeys(MEDIA_TYPES), FORMATS[DEFAULT].media_type)
    return FORMATS[MEDIA_TYPES[media]] if media is not None else None


def write(chunks: Iterable[list[Triple]], fmt: Format, output: IO[bytes]) -> None:
    """Write the triples of every chunk, in order, to a binary stream."""
    if fmt.rdf_format is None:
        output.write(jsonld.context_prefix().encode())
        first = True
        for chunk in chunks:
            for node in jsonld.node_objects(chunk):
                output.write(
                    ((" " if first else ", ") + json.dumps(node, ensure_ascii=False)).encode()
                )
                first = False
        output.write(b"]}\n")
        return
    serialize(itertools.chain.from_iterable(chunks), output, fmt.rdf_format, prefixes=PREFIXES)


def to_bytes(triples: list[Triple], fmt: Format) -> bytes:
    """The serialisation of one page."""
    if fmt.rdf_format is None:
        return json.dumps(jsonld.document(triples), ensure_ascii=False, indent=1).encode()
    buffer = io.BytesIO()
    write([triples], fmt, buffer)
    return buffer.getvalue()
