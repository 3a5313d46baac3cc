"""LoopBack filters of the PaNOSC Search API: every example the reference implementation
documents parses; every malformed filter is refused with a message naming its part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pancommons.api.panosc.filters import Compare, FilterError, Junction, parse

EXAMPLES = Path(__file__).parent / "data" / "reference-search-api-doc-examples.json"


def _examples() -> list[dict]:  # type: ignore[type-arg]
    return json.loads(EXAMPLES.read_text())["examples"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("example", _examples(), ids=lambda e: e["section"][:50])
def test_every_documented_example_parses(example: dict) -> None:  # type: ignore[type-arg]
    model = example["endpoint"].rsplit("/", 1)[1].rstrip("s")
    f = parse(json.dumps(example["filter"]), model)
    assert f.model.name == model
    # the parsed filter keeps what the example asks: each include, each scope's where
    assert [i.relation for i in f.include] == [
        i if isinstance(i, str) else i["relation"] for i in example["filter"].get("include", [])
    ]


def test_a_filter_is_read_into_conditions() -> None:
    f = parse(
        '{"where": {"and": [{"title": {"like": "data%"}}, {"isPublic": true}], '
        '"size": {"between": [1, 10]}}, "limit": 5, "skip": 10, "order": ["title DESC", "pid"]}',
        "Dataset",
    )
    assert f.where == Junction(
        "and",
        (
            Junction("and", (Compare("title", "like", "data%"), Compare("isPublic", "eq", True))),
            Compare("size", "between", [1, 10]),
        ),
    )
    assert (f.limit, f.skip, f.order) == (5, 10, (("title", True), ("pid", False)))


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("{not json", "filter: not JSON"),
        ('{"wher": {}}', "filter.wher: unknown filter key"),
        ('{"where": {"titel": "x"}}', "filter.where.titel: Dataset has no field 'titel'"),
        ('{"where": {"title": {"regexp": "x"}}}', "filter.where.title.regexp: unknown operator"),
        (
            '{"where": {"and": [{"pid": "a"}, {"size": "big"}]}}',
            "filter.where.and[1].size: a number",
        ),
        ('{"where": {"or": {}}}', "filter.where.or: a non-empty list"),
        ('{"where": {"size": {"between": [1]}}}', "filter.where.size.between: a list of two"),
        ('{"where": {"isPublic": {"gt": true}}}', "filter.where.isPublic.gt: booleans cannot"),
        ('{"limit": -1}', "filter.limit: a non-negative integer"),
        ('{"limit": 100000}', "filter.limit: at most 1000"),
        ('{"order": "title UP"}', 'filter.order: "field ASC|DESC"'),
        ('{"include": ["authors"]}', "filter.include[0]: Dataset has no relation 'authors'"),
        (
            '{"include": [{"relation": "techniques", "scope": {"where": {"label": "x"}}}]}',
            "filter.include[0].scope.where.label: Technique has no field 'label'",
        ),
        ('{"query": 3}', "filter.query: a string of words"),
        ("[1, 2]", "filter: a filter is a JSON object"),
    ],
)
def test_malformed_filters_are_refused_naming_their_part(raw: str, names: str) -> None:
    with pytest.raises(FilterError) as err:
        parse(raw, "Dataset")
    assert str(err.value).startswith(names), str(err.value)


def test_deep_nesting_is_refused() -> None:
    where: dict = {"pid": "x"}  # type: ignore[type-arg]
    for _ in range(20):
        where = {"and": [where]}
    with pytest.raises(FilterError, match="nested more than"):
        parse(json.dumps({"where": where}), "Dataset")
