"""Reading the request parameters of the catalogue (shared by the API and the CLI)."""

from __future__ import annotations

import datetime

import pytest

from pancommons.dcat.params import (
    ParamError,
    parse_limit,
    parse_page,
    parse_since,
    since_literal,
)

UTC = datetime.UTC


def test_defaults() -> None:
    assert parse_page(None) == 1
    assert parse_limit(None) == 100
    assert parse_since(None) is None
    assert parse_since("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", datetime.datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T10:20:30Z", datetime.datetime(2025, 3, 1, 10, 20, 30, tzinfo=UTC)),
        ("2025-03-01T12:20:30+02:00", datetime.datetime(2025, 3, 1, 10, 20, 30, tzinfo=UTC)),
        ("2025-03-01T10:20:30.5Z", datetime.datetime(2025, 3, 1, 10, 20, 30, 500000, tzinfo=UTC)),
    ],
)
def test_since(text: str, expected: datetime.datetime) -> None:
    assert parse_since(text) == expected


def test_since_literal_is_a_utc_datetime() -> None:
    lit = since_literal(
        datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    )
    assert lit.value == "2025-03-01T10:00:00Z"
    assert lit.datatype.value == "http://www.w3.org/2001/XMLSchema#dateTime"
    assert since_literal(datetime.datetime(2025, 3, 1, 0, 0, 0, 250000, tzinfo=UTC)).value == (
        "2025-03-01T00:00:00.25Z"
    )


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (parse_page, "0"),
        (parse_page, "10000001"),
        (parse_page, "1e3"),
        (parse_page, "+1"),
        (parse_limit, "1001"),
        (parse_limit, " 5"),
        (parse_limit, "٣"),  # a digit, but not ASCII
    ],
)
def test_bad_integers(reader: object, text: str) -> None:
    with pytest.raises(ParamError, match="is not an integer"):
        reader(text)  # type: ignore[operator]
