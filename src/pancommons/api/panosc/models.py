"""The data model of the PaNOSC Search API: each model's fields (with their JSON types) and
relations, as the reference implementation (panosc-eu/search-api) and the federated search
define them. Filters are checked against it, so an unknown field or relation is a 400 that
names it, never a silently empty answer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Model:
    name: str
    fields: dict[str, str]
    """Field name → ``string``, ``number``, ``boolean`` or ``date`` (an ISO 8601 string)."""
    relations: dict[str, str] = field(default_factory=dict)
    """Relation name → the model it leads to."""
    text: tuple[str, ...] = ()
    """The fields that the ``text`` pseudo-field and the ``query`` parameter search."""


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model(
            "Dataset",
            {
                "pid": "string",
                "title": "string",
                "isPublic": "boolean",
                "creationDate": "date",
                "size": "number",
                "score": "number",
                "documentId": "string",
                "instrumentId": "string",
            },
            {
                "documents": "Document",
                "techniques": "Technique",
                "instrument": "Instrument",
                "files": "File",
                "parameters": "Parameter",
                "samples": "Sample",
            },
            ("title",),
        ),
        Model(
            "Document",
            {
                "pid": "string",
                "isPublic": "boolean",
                "type": "string",
                "title": "string",
                "summary": "string",
                "doi": "string",
                "startDate": "date",
                "endDate": "date",
                "releaseDate": "date",
                "license": "string",
                "keywords": "string",
                "score": "number",
            },
            {"datasets": "Dataset", "members": "Member", "parameters": "Parameter"},
            ("title", "summary", "keywords"),
        ),
        Model(
            "Instrument",
            {"pid": "string", "name": "string", "facility": "string", "score": "number"},
            {"datasets": "Dataset"},
            ("name", "facility"),
        ),
        Model("Technique", {"pid": "string", "name": "string"}, {}, ("name",)),
        Model(
            "Parameter",
            {"id": "string", "name": "string", "value": "any", "unit": "string"},
            {},
            ("name",),
        ),
        Model(
            "File",
            {"id": "string", "name": "string", "path": "string", "size": "number"},
            {},
            ("name", "path"),
        ),
        Model(
            "Sample", {"pid": "string", "name": "string", "description": "string"}, {}, ("name",)
        ),
        Model(
            "Member",
            {"id": "string", "role": "string"},
            {"person": "Person", "affiliation": "Affiliation"},
        ),
        Model(
            "Person",
            {
                "id": "string",
                "fullName": "string",
                "orcid": "string",
                "researcherId": "string",
                "firstName": "string",
                "lastName": "string",
            },
            {},
            ("fullName",),
        ),
        Model(
            "Affiliation",
            {
                "id": "string",
                "name": "string",
                "address": "string",
                "city": "string",
                "country": "string",
            },
            {},
            ("name",),
        ),
    )
}
