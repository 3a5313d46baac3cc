"""User values never change the SPARQL the facade runs: quotes, braces, comments and IRIs with
``>`` in every string position of a filter give data or a 400, and the graph is untouched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pancommons.store.embedded import EmbeddedStore

ATTACKS = [
    '" } ; DROP ALL ; #',
    "' } } UNION { ?x ?p ?o } #",
    '"^^<http://www.w3.org/2001/XMLSchema#string> ) || true || ("',
    "> } DELETE WHERE { ?s ?p ?o } #",
    "http://example.org/x> ?p ?o } #",
    '\\" ) ) } #',
    "%' OR 1=1 --",
    "a\nb\tc\u0000d",
    "\\u0022 } #",
    "x%_\\.*+?()[]{}|^$",
]
TITLE = "PaNOSC Test Dataset 1"


def _positions(value: str) -> list[tuple[str, dict[str, Any]]]:
    """The filter positions a string can take: fields, operators, lists, nested scopes, text,
    order, query."""
    scope = {"where": {"name": value}}
    return [
        ("Datasets", {"where": {"title": value}}),
        ("Datasets", {"where": {"pid": {"neq": value}}}),
        ("Datasets", {"where": {"title": {"like": value}}}),
        ("Datasets", {"where": {"title": {"nilike": value}}}),
        ("Datasets", {"where": {"title": {"inq": [value, TITLE]}}}),
        ("Datasets", {"where": {"title": {"between": [value, value]}}}),
        ("Datasets", {"where": {"or": [{"text": value}, {"creationDate": {"gt": value}}]}}),
        ("Datasets", {"include": [{"relation": "techniques", "scope": scope}]}),
        ("Datasets", {"include": [{"relation": "samples", "scope": scope}]}),
        (
            "Datasets",
            {
                "include": [
                    {
                        "relation": "parameters",
                        "scope": {"where": {"and": [{"name": value}, {"unit": value}]}},
                    }
                ]
            },
        ),
        (
            "Datasets",
            {"include": [{"relation": "parameters", "scope": {"where": {"value": value}}}]},
        ),
        ("Documents", {"where": {"keywords": value}, "query": value}),
        (
            "Documents",
            {
                "include": [
                    {
                        "relation": "members",
                        "scope": {
                            "where": {"role": value},
                            "include": [
                                {"relation": "person", "scope": {"where": {"orcid": value}}}
                            ],
                        },
                    }
                ]
            },
        ),
        ("Instruments", {"where": {"facility": {"ilike": value}}, "order": [value]}),
        ("Instruments", {"where": {"name": value}, "query": value}),
    ]


def _triples(store: EmbeddedStore) -> int:
    return store.count()


@pytest.mark.parametrize("attack", ATTACKS)
def test_string_positions_are_data(api: TestClient, demo_store: EmbeddedStore, attack: str) -> None:
    before = _triples(demo_store)
    for collection, flt in _positions(attack):
        r = api.get(f"/api/{collection}", params={"filter": json.dumps(flt)})
        assert r.status_code in (200, 400), (flt, r.status_code, r.text)
        body = r.json()
        if r.status_code == 400:
            assert body["error"]["statusCode"] == 400 and body["error"]["message"]
            continue
        # never more than what the honest values match: no record has these as its value
        if "inq" in json.dumps(flt):
            assert [x["title"] for x in body] == [TITLE]
        elif flt.get("where", {}).get("title") == attack:
            assert body == []
    # as a pid in the path, on every route
    for path in ("Datasets", "Documents", "Instruments", "Datasets/x/files"):
        target = f"/api/{path}/{attack}" if "files" not in path else f"/api/Datasets/{attack}/files"
        r = api.get(target.replace("\n", "%0A").replace("\t", "%09").replace("\u0000", "%00"))
        assert r.status_code in (404, 400), (target, r.status_code, r.text)
    assert _triples(demo_store) == before  # nothing was written


def test_like_special_characters_are_literal(api: TestClient) -> None:
    """In LIKE patterns only % and _ are wildcards: regex characters match themselves."""

    def titles(pattern: str) -> list[str]:
        flt = {"where": {"title": {"like": pattern}}, "limit": 1000}
        r = api.get("/api/Datasets", params={"filter": json.dumps(flt)})
        assert r.status_code == 200, r.text
        return [x["title"] for x in r.json()]

    assert TITLE in titles("PaNOSC Test Dataset _")
    assert TITLE in titles("%test%dataset 1")  # case-insensitive, unanchored
    assert titles("PaNOSC.Test") == []  # "." is a dot, not any character
    assert titles("Dataset [1]") == []
    assert titles("(PaNOSC)") == []
    assert TITLE not in titles("PaNOSC Test Dataset 1_")


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"filter": "{not json"}, "filter: not JSON"),
        ({"filter": "[]"}, "a JSON object"),
        ({"filter": json.dumps({"where": {"colour": "red"}})}, "no field 'colour'"),
        ({"filter": json.dumps({"where": {"title": {"regexp": "x"}}})}, "title.regexp"),
        ({"filter": json.dumps({"where": {"size": "big"}})}, "size: a number"),
        ({"filter": json.dumps({"where": {"creationDate": {"gt": "yesterday"}}})}, "ISO 8601"),
        ({"filter": json.dumps({"include": ["authors"]})}, "no relation 'authors'"),
        ({"filter": json.dumps({"limit": -1})}, "limit"),
        ({"filter": json.dumps({"limit": 100000})}, "at most 1000"),
        ({"filter": json.dumps({"order": "title SIDEWAYS"})}, "order"),
        ({"filter": json.dumps({"where": {"and": []}})}, "and"),
        ({"filter": json.dumps({"where": {"score": 1}})}, "score"),
        ({"filter": "{}", "where": "{}"}, None),
    ],
)
def test_bad_filters_are_400_naming_the_part(
    api: TestClient, params: dict[str, str], names: str | None
) -> None:
    r = api.get("/api/Datasets", params=params)
    if names is None:  # a valid request
        assert r.status_code == 200
        return
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["statusCode"] == 400 and error["name"] == "BadRequestError"
    assert names in error["message"], error["message"]


def test_count_takes_where(api: TestClient) -> None:
    r = api.get("/api/Datasets/count", params={"where": "{nope"})
    assert r.status_code == 400 and "where: not JSON" in r.json()["error"]["message"]
    assert api.get("/api/Datasets/count", params={"where": "[1]"}).status_code == 400
    whole = api.get("/api/Datasets/count").json()["count"]
    public = api.get("/api/Datasets/count", params={"where": '{"isPublic": true}'}).json()
    private = api.get("/api/Datasets/count", params={"where": '{"isPublic": false}'}).json()
    assert public["count"] + private["count"] == whole > 0
