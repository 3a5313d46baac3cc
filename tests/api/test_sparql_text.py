"""The SPARQL lexer behind SERVICE/LOAD refusal and the protocol's USING parameters."""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from pancommons.api.sparql_text import (
    RefusedText,
    add_using,
    check_remote_calls,
    dataset_clauses,
    tokens,
)


def test_tokens_skip_strings_iris_and_comments() -> None:
    text = "SELECT * { ?s <http://x/#SERVICE> 'SERVICE' . # SERVICE\n ?s ex:SERVICE ?SERVICE }"
    words = [t.text for t in tokens(text) if t.kind == "word"]
    assert words == ["SELECT", "ex:SERVICE"]
    assert [t.depth for t in tokens("{ ( ) }")] == [0, 1, 1, 0]


def test_a_backslash_in_a_local_name_does_not_open_a_string() -> None:
    text = "SELECT * { ?s ex:a\\' ?o . SERVICE <http://evil/> { ?s ?p ?o } ?s ex:b\\' ?o }"
    with pytest.raises(RefusedText):
        check_remote_calls(text, "")


@pytest.mark.parametrize(
    ("text", "allow", "refused"),
    [
        ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", "", True),
        ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", "http://a.example/", False),
        ("SELECT * { SERVICE <http://b.example/sparql> { ?s ?p ?o } }", "http://a.example/", True),
        ("SELECT * { SERVICE SILENT ex:endpoint { ?s ?p ?o } }", "http://a.example/", True),
        ("LOAD <http://a.example/data.ttl>", "", True),
        ("LOAD SILENT <http://a.example/data.ttl>", "http://a.example/", False),
        ("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?p > 2) }", "", False),
    ],
)
def test_allow_list(text: str, allow: str, refused: bool) -> None:
    if refused:
        with pytest.raises(RefusedText):
            check_remote_calls(text, allow)
    else:
        check_remote_calls(text, allow)


def test_using_goes_before_each_top_level_where_only() -> None:
    update = (
        "DELETE WHERE { ?a ?b ?c } ;\n"
        "INSERT { GRAPH <http://o/> { ?s ?p ?o } } WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } } } ;\n"
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    )
    out = add_using(update, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert out.startswith("DELETE WHERE { ?a ?b ?c }")
    assert "SELECT ?s ?p ?o WHERE" in out
    Store().update(out)  # still a valid update


@pytest.mark.parametrize("clause", ["WITH <http://g/> ", "USING <http://g/> "])
def test_using_parameters_conflict_with_the_updates_own_dataset(clause: str) -> None:
    update = (
        f"{clause}DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
        if clause.startswith("WITH")
        else f"DELETE {{ ?s ?p ?o }} {clause}WHERE {{ ?s ?p ?o }}"
    )
    with pytest.raises(RefusedText):
        add_using(update, [], ["http://g/2"])
    assert add_using(update, [], []) == update


def test_dataset_clauses() -> None:
    q = (
        "BASE <http://b/> PREFIX ex: <http://ex/> SELECT * FROM <g1> FROM ex:g\\.2 "
        "FROM NAMED <http://n/> WHERE { { SELECT * { ?s ?p ?o } } }"
    )
    assert dataset_clauses(q, "http://endpoint/") == (
        ["http://b/g1", "http://ex/g.2"],
        ["http://n/"],
    )
    assert dataset_clauses("SELECT * { ?s ?p ?o }", "http://e/") is None
    assert dataset_clauses("SELECT * FROM nope:g { }", "http://e/") is None
