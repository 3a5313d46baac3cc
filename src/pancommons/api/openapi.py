"""OpenAPI declarations for the routes that read their request themselves.

The SPARQL, Graph Store, OAI-PMH, DCAT, PaNOSC and named-query routes read ``request`` directly
(repeated parameters, raw bodies, protocol-defined errors), so FastAPI cannot see what they
take or answer. These helpers declare it in ``/openapi.json``: the query parameters, the request
bodies, and every status and media type a route answers, with the API's error shape. They change
only the description, never how a request is handled.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pancommons.formats import RDF_MEDIA_TYPES, RESULT_MEDIA_TYPES

Doc = dict[str, Any]

ERROR: Doc = {
    "type": "object",
    "required": ["error", "detail", "status"],
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}
"""The API's error shape (``app.error_response``)."""

LOOPBACK_ERROR: Doc = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["statusCode", "name", "message"],
            "properties": {
                "statusCode": {"type": "integer"},
                "name": {"type": "string"},
                "message": {"type": "string"},
            },
        }
    },
}
"""The PaNOSC Search API's error shape (LoopBack's)."""

ROUTER_NOT_FOUND: Doc = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}
"""FastAPI's own 404, for a path no route's pattern matches (a newline in a path parameter)."""

RESULTS = list(RESULT_MEDIA_TYPES)
"""The media types SPARQL results are negotiated into (``formats``)."""
RDF = list(RDF_MEDIA_TYPES)
"""The media types graphs are negotiated into (``formats``)."""


def param(name: str, description: str, *, array: bool = False, required: bool = False) -> Doc:
    """A query parameter taking any string (or a repeated one, ``array``): the route itself
    checks the value and answers a 400 naming the parameter."""
    schema: Doc = {"type": "array", "items": {"type": "string"}} if array else {"type": "string"}
    doc: Doc = {"name": name, "in": "query", "required": required, "schema": schema}
    doc["description"] = description
    if array:
        doc["style"], doc["explode"] = "form", True
    return doc


def extra(*params: Doc, body: Doc | None = None) -> Doc:
    """``openapi_extra`` for a route: its query parameters and request body."""
    out: Doc = {}
    if params:
        out["parameters"] = list(params)
    if body is not None:
        out["requestBody"] = body
    return out


def body(*media_types: str, form: dict[str, str] | None = None, required: bool = True) -> Doc:
    """A request body of any of ``media_types`` (text), and a form of ``form`` fields."""
    content: Doc = {m: {"schema": {"type": "string"}} for m in media_types}
    if form is not None:
        content["application/x-www-form-urlencoded"] = {
            "schema": {
                "type": "object",
                "properties": {
                    name: {"type": "string", "description": text} for name, text in form.items()
                },
            }
        }
    return {"required": required, "content": content}


def answers(
    ok: dict[int, list[str]] | None = None,
    errors: tuple[int, ...] = (),
    *,
    error_schema: Doc = ERROR,
    error_media: tuple[str, ...] = ("application/json",),
) -> dict[int | str, Doc]:
    """``responses`` for a route: each success status with its media types (empty: no body),
    and each error status with the error shape."""
    out: dict[int | str, Doc] = {}
    for status, media in (ok or {}).items():
        doc: Doc = {"description": HTTPStatus(status).phrase}
        if media:
            doc["content"] = {m: {"schema": _schema_of(m)} for m in media}
        out[status] = doc
    for status in errors:
        schema = error_schema
        if status == 404:  # the route's own, or the router's
            schema = {"anyOf": [error_schema, ROUTER_NOT_FOUND]}
        content = {m: {"schema": schema if "json" in m else {}} for m in error_media}
        out[status] = {"description": HTTPStatus(status).phrase, "content": content}
    return out


def _schema_of(media: str) -> Doc:
    return {} if "json" in media else {"type": "string"}
