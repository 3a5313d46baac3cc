"""Property tests of the PaNOSC facade: random LoopBack filters for Datasets, Documents and
Instruments, answered by the API over the demo graph and by an independent Python evaluator of
the documented semantics (``oracle.py``); both must list the same records in the same order,
count the same, and refuse the same filters (400, never 500)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pancommons.api.app import create_app
from pancommons.api.panosc.filters import OPERATORS, FilterError, parse
from pancommons.api.panosc.models import MODELS
from pancommons.config import Settings
from pancommons.store.embedded import EmbeddedStore
from tests.api.panosc.oracle import InvalidDate, Oracle, Value

Json = Any
QUERY_TIMEOUT = 10.0
COLLECTIONS = {"Dataset": "Datasets", "Document": "Documents", "Instrument": "Instruments"}
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNITS = ["eV", "keV", "GeV", "nm", "angstrom", "Å", "m", "mm", "um", "K", "celsius", "degC"]
UNITS += ["deg", "s", "T", "MW", "bar", "furlong", "no-such-unit"]
# Conditions and order keys on these take 0.2-1.5 s each on the demo graph (before c6062c6 they
# took seconds to tens of seconds, a 503): the generated filters leave them out to stay fast;
# test_slow_fields_agree_with_the_oracle checks them by hand.
SLOW = {("Dataset", "documentId"), ("Dataset", "instrumentId")}
# Dates from year 1 (before dba8634 a year before 1000 matched nothing) and integers up to
# 2**70 (beyond 2**63 matched nothing). Beyond 2**53 the oracle compares exactly where the store
# compares doubles: the demo graph holds no number that large, so they agree.
FIRST_YEAR = 1
LARGEST_INT = 2**70
SPECIALS = [*"'\"}{#>\\%_ <?.*+()[]^$|\n\tàéüßÅ", "😀", "\u0130", "日", "Ω", "\u212a"]


@pytest.fixture(scope="module")
def client(demo_store: EmbeddedStore) -> Iterator[TestClient]:
    """The app over the demo graph, answering 500 (instead of raising) on a server error."""
    settings = Settings.from_env(query_timeout=QUERY_TIMEOUT)
    app = create_app(settings, store=demo_store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def oracle(demo_store: EmbeddedStore) -> Oracle:
    return Oracle.from_store(demo_store)


@pytest.fixture(scope="module")
def pools(oracle: Oracle) -> Pools:
    return Pools(oracle)


class Pools:
    """Values that exist in the demo graph, by (model, field), to draw operands from."""

    def __init__(self, oracle: Oracle) -> None:
        self.values: dict[tuple[str, str], list[Value]] = oracle.samples()
        self.parameters: list[tuple[str, Any, str]] = []
        for model, x, _ in oracle.reachable("Dataset"):
            if model != "Parameter":
                continue
            for name in oracle.values("Parameter", "name", x):
                for value in oracle.values("Parameter", "value", x):
                    for unit in oracle.values("Parameter", "unit", x) or [None]:
                        if value.kind == "number":
                            self.parameters.append(
                                (name.text, value.typed, unit.text if unit else "")
                            )
        self.parameters.sort(key=repr)

    def of(self, model: str, name: str) -> list[Value]:
        return self.values.get((model, name), [])


def fast_fields(model: str) -> list[str]:
    """The fields filters are generated on (``score`` is refused: its turn comes rarely)."""
    return [f for f in MODELS[model].fields if (model, f) not in SLOW and f != "score"]


# --- operands ---------------------------------------------------------------------------------

random_text = st.one_of(
    st.text(alphabet=st.sampled_from(SPECIALS + list("abcXYZ019")), max_size=8),
    st.text(max_size=6),
)


@st.composite
def fragment(draw: st.DrawFn, texts: list[str]) -> str:
    """A piece of an existing text, its case changed at random."""
    if not texts:
        return draw(random_text)
    text = draw(st.sampled_from(texts))
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, min(len(text), i + 12)))
    piece = text[i:j]
    case = draw(st.sampled_from(["keep", "upper", "lower", "swap"]))
    return {
        "keep": piece,
        "upper": piece.upper(),
        "lower": piece.lower(),
        "swap": piece.swapcase(),
    }[case]


@st.composite
def like(draw: st.DrawFn, texts: list[str]) -> str:
    """A LIKE pattern: a piece of an existing text with ``%``/``_`` put in, or random text."""
    if not texts or draw(st.integers(0, 5)) == 0:
        return draw(random_text)
    chars = list(draw(fragment(texts)))
    for _ in range(draw(st.integers(0, 3))):
        k = draw(st.integers(0, len(chars)))
        wild = draw(st.sampled_from(["%", "_", "%%"]))
        if k < len(chars) and draw(st.booleans()):
            chars[k] = wild
        else:
            chars.insert(k, wild)
    return "".join(chars)


def date_text(d: datetime, style: str) -> str:
    if style == "date":
        return d.astimezone(UTC).date().isoformat()
    if style == "naive":
        return d.astimezone(UTC).replace(tzinfo=None).isoformat()
    if style == "offset":
        return d.astimezone(timezone(timedelta(hours=-5, minutes=-30))).isoformat()
    return d.astimezone(UTC).isoformat().replace("+00:00", "Z")


@st.composite
def date_operand(draw: st.DrawFn, existing: list[Value]) -> str:
    choice = draw(st.integers(0, 19))
    if choice == 0:
        return draw(st.one_of(random_text, st.sampled_from(["2019", "2019-13-01", "yesterday"])))
    if choice <= 4 or not existing:
        d = draw(
            st.datetimes(
                min_value=datetime(FIRST_YEAR, 1, 2),  # room for a -05:30 zone
                max_value=datetime(9999, 1, 1),
                timezones=st.just(UTC),
            )
        )
    else:
        d = draw(st.sampled_from(existing)).typed
        d += draw(st.sampled_from([timedelta(0)] * 4 + [timedelta(seconds=1), -timedelta(days=1)]))
    return date_text(d, draw(st.sampled_from(["z", "z", "date", "naive", "offset"])))


def number_operand(existing: list[Value]) -> st.SearchStrategy[int | float]:
    numbers = [v.typed for v in existing if v.kind == "number"]
    some = [
        st.integers(-5, 10**10),
        st.integers(-LARGEST_INT, LARGEST_INT),
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    ]
    if numbers:
        near = st.sampled_from(numbers).flatmap(
            lambda n: st.sampled_from([n, n + 1, n - 1, n * 1.5, float(n)])
        )
        some = [near, near, *some]
    return st.one_of(*some)


def operand(pools: Pools, model: str, name: str, kind: str) -> st.SearchStrategy[Json]:
    """A scalar operand for ``name``: mostly values that exist, sometimes anything."""
    existing = pools.of(model, name)
    texts = [v.text for v in existing]
    if kind == "number":
        return number_operand(existing)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return date_operand(existing)
    strings = st.one_of(st.sampled_from(texts), fragment(texts)) if texts else random_text
    if kind == "any":  # numbers; text, also the text of a number ("6" is not 6); booleans
        numerals = [v.text for v in existing if v.kind == "number"] or ["0"]
        return st.one_of(
            strings,
            number_operand(existing),
            st.sampled_from(numerals),
            st.booleans(),
            st.sampled_from(["true", "false"]),
        )
    return st.one_of(strings, strings, random_text)


# --- where ------------------------------------------------------------------------------------


@st.composite
def comparison(draw: st.DrawFn, pools: Pools, model: str) -> dict[str, Json]:
    fields = [*fast_fields(model), "text"]
    name = draw(st.sampled_from(fields))
    # score (refused) rarely: a middle value, since hypothesis draws the bounds often
    if "score" in MODELS[model].fields and draw(st.integers(0, 80)) == 40:
        name = "score"
    if name == "text":
        texts = [v.text for f in MODELS[model].text for v in pools.of(model, f)]
        return {"text": draw(st.one_of(fragment(texts), random_text))}
    kind = MODELS[model].fields[name]
    op = draw(st.sampled_from(["=", *OPERATORS]))
    if kind == "boolean" and op == "between":  # refused (400): test_boolean_between
        op = "inq"
    texts = [v.text for v in pools.of(model, name)]
    scalar = operand(pools, model, name, kind)
    if op == "=":
        return {name: draw(scalar)}
    if op in ("like", "nlike", "ilike", "nilike"):
        value: Json = draw(like(texts))
    elif op == "between":
        pair = draw(st.lists(scalar, min_size=2, max_size=2))
        if draw(st.integers(0, 4)) and all(isinstance(v, type(pair[0])) for v in pair):
            pair.sort()
        value = pair
    elif op in ("inq", "nin"):
        value = draw(st.lists(scalar, min_size=1, max_size=3))
    else:
        value = draw(scalar)
    return {name: {op: value}}


@st.composite
def unit_condition(draw: st.DrawFn, pools: Pools) -> dict[str, Json]:
    """A parameter condition with a unit, as PaNOSC clients send it."""
    if not pools.parameters or draw(st.integers(0, 4)) == 0:
        return {"unit": draw(st.sampled_from(UNITS))}
    name, value, unit = draw(st.sampled_from(pools.parameters))
    scale = draw(st.sampled_from([1, 1, 1, 1000, 0.001, 10, 0.1]))
    number = value * scale
    ops = ["eq", "gte", "lte", "gt", "lt", "neq", "between", "inq", "nin"]
    op = draw(st.sampled_from(ops))
    if op == "between":
        test: Json = [number * 0.99 if number >= 0 else number * 1.01, number * 1.01 + 1e-9]
    elif op in ("inq", "nin"):
        test = [number, draw(number_operand([]))]
    else:
        test = number if draw(st.integers(0, 3)) else str(number)
    asked = unit if unit and draw(st.booleans()) else draw(st.sampled_from(UNITS))
    parts = [{"value": {op: test}}, {"unit": asked}]
    if draw(st.booleans()):
        parts.insert(0, {"name": name})
    if draw(st.integers(0, 3)) == 0:
        return {"or": [{"and": parts}, draw(comparison(pools, "Parameter"))]}
    return {"and": draw(st.permutations(parts))}


def where(pools: Pools, model: str, depth: int) -> st.SearchStrategy[dict[str, Json]]:
    leaf = comparison(pools, model)
    if model == "Parameter":
        leaf = st.one_of(leaf, unit_condition(pools))
    if depth == 0:
        return leaf
    sub = where(pools, model, depth - 1)
    junction = st.tuples(st.sampled_from(["and", "or"]), st.lists(sub, min_size=1, max_size=3))
    return st.one_of(
        leaf,
        leaf,
        junction.map(lambda j: {j[0]: j[1]}),
        st.tuples(leaf, leaf).map(lambda p: {**p[1], **p[0]}),  # several keys: and-ed
    )


# --- order, paging, include -------------------------------------------------------------------


def order(model: str) -> st.SearchStrategy[Json]:
    fields = fast_fields(model) + (["score"] if "score" in MODELS[model].fields else [])
    key = st.tuples(st.sampled_from(fields), st.sampled_from(["", " ASC", " DESC", " desc"])).map(
        "".join
    )
    return st.one_of(key, st.lists(key, min_size=0, max_size=2))


def scope(pools: Pools, model: str, depth: int) -> st.SearchStrategy[dict[str, Json]]:
    optional: dict[str, st.SearchStrategy[Json]] = {
        "where": where(pools, model, 1),
        "limit": st.integers(0, 5),
        "skip": st.integers(0, 3),
        "order": order(model),
    }
    if depth > 0 and MODELS[model].relations:
        optional["include"] = includes(pools, model, depth - 1)
    return st.fixed_dictionaries({}, optional=optional)


def includes(pools: Pools, model: str, depth: int) -> st.SearchStrategy[Json]:
    relations = sorted(MODELS[model].relations)

    @st.composite
    def one(draw: st.DrawFn) -> Json:
        relation = draw(st.sampled_from(relations))
        form = draw(st.integers(0, 5))
        if form == 0:
            return relation
        if form == 1:
            return {"relation": relation}
        target = MODELS[model].relations[relation]
        return {"relation": relation, "scope": draw(scope(pools, target, depth))}

    return st.one_of(one(), st.lists(one(), min_size=1, max_size=2))


@st.composite
def restrictive_include(draw: st.DrawFn, pools: Pools, model: str, depth: int) -> Json:
    """An include whose scope has a where, or such an include (nested ``depth`` deep)."""
    # the relations with semantics of their own come twice as often
    special = {"techniques", "parameters", "members"}
    relation = draw(
        st.sampled_from(
            [r for r in sorted(MODELS[model].relations) for _ in range(1 + (r in special))]
        )
    )
    target = MODELS[model].relations[relation]
    body: dict[str, Json] = {"where": draw(where(pools, target, 1))}
    if depth > 0 and MODELS[target].relations and draw(st.booleans()):
        body["include"] = [draw(restrictive_include(pools, target, depth - 1))]
        if draw(st.booleans()):
            del body["where"]  # restrictive through its include alone
    if draw(st.booleans()):
        body.update(
            draw(st.fixed_dictionaries({"limit": st.integers(0, 3), "order": order(target)}))
        )
    return {"relation": relation, "scope": body}


@st.composite
def filters(draw: st.DrawFn, pools: Pools, model: str) -> dict[str, Json]:
    f: dict[str, Json] = {}
    if draw(st.integers(0, 5)):
        f["where"] = draw(where(pools, model, 3))
    if draw(st.integers(0, 2)) == 0:
        f["include"] = draw(includes(pools, model, 2))
    if draw(st.booleans()):
        f["order"] = draw(order(model))
    if draw(st.booleans()):
        f["limit"] = draw(st.one_of(st.none(), st.integers(0, 20), st.integers(0, 20).map(str)))
    if draw(st.booleans()):
        f[draw(st.sampled_from(["skip", "skip", "offset"]))] = draw(st.integers(0, 10))
    return f


# --- checking ---------------------------------------------------------------------------------


def expected(oracle: Oracle, f: Json, model: str, *, count: bool = False) -> Json:
    """What the API should answer: the pids (or count), or "400" for an invalid filter."""
    try:
        flt = parse(json.dumps(f), model)
        return oracle.count(flt) if count else oracle.search(flt)
    except (FilterError, InvalidDate):
        return "400"


def is_loopback_400(body: Json) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and error.get("statusCode") == 400
        and isinstance(error.get("name"), str)
        and isinstance(error.get("message"), str)
        and bool(error["message"])
    )


def answer(client: TestClient, path: str, params: dict[str, str]) -> Json:
    """The API's answer as the tests compare it: the pids, the count, or "400"."""
    r = client.get(path, params=params)
    assert r.status_code in (200, 400), (r.status_code, r.text[:500], params)
    body = r.json()
    if r.status_code == 400:
        assert is_loopback_400(body), body
        return "400"
    if isinstance(body, dict):
        return body["count"]
    return [rec["pid"] for rec in body]


def check(
    client: TestClient, oracle: Oracle, model: str, f: dict[str, Json], *, whole: bool = False
) -> None:
    """The API lists what the oracle lists, and counts (``/count?where=``, or with the
    ``whole`` filter, of which /count reads the where) what the oracle counts for the where."""
    collection = COLLECTIONS[model]
    got = answer(client, f"/api/{collection}", {"filter": json.dumps(f)})
    assert got == expected(oracle, f, model), json.dumps(f)
    where_only = {"where": f["where"]} if "where" in f else {}
    if whole:
        params = {"filter": json.dumps(f)}
    else:
        params = {"where": json.dumps(f["where"])} if "where" in f else {}
    got = answer(client, f"/api/{collection}/count", params)
    assert got == expected(oracle, where_only, model, count=True), json.dumps(params)


# --- the properties ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(COLLECTIONS))
@PROPERTY
@given(data=st.data())
def test_search_and_count_agree_with_the_oracle(
    client: TestClient, oracle: Oracle, pools: Pools, model: str, data: st.DataObject
) -> None:
    f = data.draw(filters(pools, model), label="filter")
    check(client, oracle, model, f, whole=data.draw(st.integers(0, 3), label="whole") == 0)


@pytest.mark.parametrize("model", list(COLLECTIONS))
@PROPERTY
@given(data=st.data())
def test_restrictive_includes_agree_with_the_oracle(
    client: TestClient, oracle: Oracle, pools: Pools, model: str, data: st.DataObject
) -> None:
    """Filters whose includes restrict: techniques (and broader ones), parameters in units,
    members by role and person, samples, files, documents, datasets, instruments."""
    inc = st.lists(restrictive_include(pools, model, 2), min_size=1, max_size=2)
    f = {"include": data.draw(inc, label="include")}
    f.update(
        data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "where": where(pools, model, 1),
                    "order": order(model),
                    "limit": st.integers(0, 20),
                },
            ),
            label="rest",
        )
    )
    check(client, oracle, model, f)


# --- malformed filters ------------------------------------------------------------------------

VOCABULARY = sorted(
    {"where", "include", "limit", "skip", "offset", "order", "fields", "query"}
    | {"and", "or", "text", "relation", "scope", *OPERATORS}
    | {f for m in MODELS.values() for f in m.fields}
    | {r for m in MODELS.values() for r in m.relations}
)
keys = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=5))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-LARGEST_INT, LARGEST_INT),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["title ASC", "pid", "2020-01-01", "%a%", "techniques", "5"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=12,
)


def mutate(value: Json, path: list[int], replacement: Json) -> Json:
    """``value`` with the node reached by following ``path`` (child indexes) replaced."""
    if not path:
        return replacement
    if isinstance(value, dict) and value:
        items = list(value.items())
        k, v = items[path[0] % len(items)]
        return {**value, k: mutate(v, path[1:], replacement)}
    if isinstance(value, list) and value:
        i = path[0] % len(value)
        return [*value[:i], mutate(value[i], path[1:], replacement), *value[i + 1 :]]
    return replacement


@PROPERTY
@given(data=st.data())
def test_malformed_filters_are_400_never_500(
    client: TestClient, oracle: Oracle, pools: Pools, data: st.DataObject
) -> None:
    model = data.draw(st.sampled_from(list(COLLECTIONS)), label="model")
    how = data.draw(st.sampled_from(["random", "mutated", "mutated", "text"]), label="how")
    if how == "random":
        f = data.draw(json_values, label="filter")
    elif how == "mutated":
        valid = data.draw(filters(pools, model), label="valid")
        path = data.draw(st.lists(st.integers(0, 5), max_size=5), label="path")
        f = mutate(valid, path, data.draw(json_values, label="replacement"))
    else:
        f = None
        raw = data.draw(st.text(max_size=20), label="raw")
    text = json.dumps(f) if how != "text" else raw
    collection = COLLECTIONS[model]
    got = answer(client, f"/api/{collection}", {"filter": text})
    assert got == expected_from_text(oracle, text, model), text
    got = answer(client, f"/api/{collection}/count", {"where": text})
    assert got == expected_from_text(oracle, text, model, count=True), text


def expected_from_text(oracle: Oracle, text: str, model: str, *, count: bool = False) -> Json:
    """What the API should answer to ``filter=text`` (or ``/count?where=text``)."""
    if text == "":  # no filter, no where
        return expected(oracle, {}, model, count=count)
    try:
        parsed = json.loads(text)
    except ValueError:
        return "400"
    if count:
        return expected(oracle, {"where": parsed}, model, count=True)
    if not isinstance(parsed, dict):
        return "400"
    return expected(oracle, parsed, model)


# --- by hand: the slow fields ----------------------------------------------------------------


def test_slow_fields_agree_with_the_oracle(
    client: TestClient, oracle: Oracle, pools: Pools
) -> None:
    """documentId and instrumentId, left out of the generated filters (they are slow): one
    condition and the order on each."""
    document = pools.of("Dataset", "documentId")[0].text
    check(client, oracle, "Dataset", {"where": {"documentId": document}, "limit": 5})
    for name in ("documentId", "instrumentId"):
        check(client, oracle, "Dataset", {"order": [f"{name} DESC", "pid"], "limit": 10})


def test_parameter_values_compare_by_kind(client: TestClient, oracle: Oracle, pools: Pools) -> None:
    """A number compares with numeric values, text with the others ("6" is not 6), a boolean
    with the text true/false: rare in generated filters, so by hand."""
    number = next(v for v in pools.of("Parameter", "value") if v.kind == "number")
    wheres: list[Json] = [
        {"value": number.typed},
        {"value": number.text},
        {"value": {"inq": [number.text, number.typed]}},
        {"value": {"gt": number.text}},
        {"value": {"neq": number.text}},
        {"value": True},
        {"value": {"like": number.text + "%"}},
    ]
    answers = []
    for where in wheres:
        f = {"include": [{"relation": "parameters", "scope": {"where": where}}]}
        check(client, oracle, "Dataset", f)
        answers.append(expected(oracle, f, "Dataset"))
    assert answers[0] != answers[1], "the example tells a number from its text"


# --- disagreements the property tests found, fixed since: regression tests --------------------


@pytest.mark.parametrize(
    ("model", "f"),
    [
        pytest.param(
            "Dataset",
            {"where": {"creationDate": {"gt": "0999-12-31"}}},
            id="year-999",
        ),
        pytest.param(
            "Dataset",
            {"where": {"size": {"lt": 10**20}}},
            id="integer-beyond-int64",
        ),
    ],
)
def test_fixed_disagreements(
    client: TestClient, oracle: Oracle, model: str, f: dict[str, Json]
) -> None:
    check(client, oracle, model, f)


def test_a_date_with_an_offset_in_seconds_is_refused_or_compared(
    client: TestClient, oracle: Oracle
) -> None:
    f = {"where": {"creationDate": {"gt": "2000-01-01T00:00:00+01:00:30"}}}
    got = answer(client, "/api/Datasets", {"filter": json.dumps(f)})
    assert got in ("400", expected(oracle, f, "Dataset"))


@pytest.mark.parametrize(
    ("path", "param", "text"),
    [
        pytest.param("/api/Datasets", "filter", '{"limit": "²"}', id="limit-superscript-digit"),
        pytest.param("/api/Datasets", "filter", '{"skip": "①"}', id="skip-circled-digit"),
        pytest.param(
            "/api/Datasets", "filter", '{"include": [{"relation": ["files"]}]}', id="relation-list"
        ),
        pytest.param(
            "/api/Documents", "filter", '{"include": {"relation": {}}}', id="relation-obj"
        ),
        pytest.param("/api/Datasets", "filter", '{"skip": 18446744073709551616}', id="skip-2**64"),
        pytest.param(
            "/api/Instruments",
            "filter",
            '{"where": ' + '{"and": [' * 2000 + '{"pid": "x"}' + "]}" * 2000 + "}",
            id="deep-json",
        ),
        pytest.param(
            "/api/Datasets/count",
            "where",
            '{"and": [' * 2000 + '{"pid": "x"}' + "]}" * 2000,
            id="count-deep-json",
        ),
    ],
)
def test_malformed_filters_that_were_500_are_400(
    client: TestClient, oracle: Oracle, path: str, param: str, text: str
) -> None:
    assert answer(client, path, {param: text}) == "400"


# --- disagreements still open: xfail until the API is fixed ----------------------------------


@pytest.mark.parametrize("model", ["Dataset", "Document"])
def test_boolean_between(client: TestClient, oracle: Oracle, model: str) -> None:
    f = {"where": {"isPublic": {"between": [False, True]}}}
    got = answer(client, f"/api/{COLLECTIONS[model]}", {"filter": json.dumps(f)})
    assert got in ("400", expected(oracle, f, model))
