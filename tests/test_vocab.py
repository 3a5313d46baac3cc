"""IRI rules of DESIGN §4, one test per rule, with the tricky cases."""

from __future__ import annotations

import pytest

from pancommons import vocab
from pancommons.vocab import (
    InvalidIdentifier,
    doi_iri,
    handle_iri,
    mint,
    normalize_doi,
    orcid_iri,
    panet_iri,
    parse_minted,
    pid_iri,
    ror_iri,
)

ESRF = "https://doi.org/10.15151/esrf-es-2210534378"


@pytest.mark.parametrize(
    "raw",
    [
        "10.15151/ESRF-ES-2210534378",  # registered (landing page) spelling
        "10.15151/esrf-es-2210534378",  # DataCite API spelling
        "doi:10.15151/ESRF-ES-2210534378",
        "DOI: 10.15151/ESRF-ES-2210534378",
        "https://doi.org/10.15151/ESRF-ES-2210534378",
        "http://dx.doi.org/10.15151/ESRF-ES-2210534378",
        "https://www.doi.org/10.15151/esrf-es-2210534378",
        "doi.org/10.15151/ESRF-ES-2210534378",
        "info:doi/10.15151/ESRF-ES-2210534378",
        "  10.15151/ESRF-ES-2210534378\n",
    ],
)
def test_doi_spellings_are_one_iri(raw: str) -> None:
    assert doi_iri(raw) == ESRF


def test_doi_characters_that_need_percent_encoding() -> None:
    sici = "10.1002/(SICI)1097-4636(199812)43:4<383::AID-JBM6>3.0.CO;2-C"
    assert doi_iri(sici) == (
        "https://doi.org/10.1002/(sici)1097-4636(199812)43:4%3C383::aid-jbm6%3E3.0.co;2-c"
    )
    assert doi_iri("10.1000/a#b?c d") == "https://doi.org/10.1000/a%23b%3Fc%20d"
    assert doi_iri("10.1000/100%") == "https://doi.org/10.1000/100%25"


def test_doi_url_form_is_decoded_so_both_spellings_merge() -> None:
    encoded = "https://doi.org/10.1002/(SICI)1097-4636(199812)43:4%3C383::AID-JBM6%3E3.0.CO;2-C"
    plain = "10.1002/(SICI)1097-4636(199812)43:4<383::AID-JBM6>3.0.CO;2-C"
    assert doi_iri(encoded) == doi_iri(plain)


def test_doi_lower_cases_ascii_only() -> None:
    # Only ASCII letters are case-insensitive in DOI names.
    assert normalize_doi("10.5555/ÄBC-Def") == "10.5555/Äbc-def"


@pytest.mark.parametrize("raw", ["", "10.1/x", "11.1234/abc", "doi:", "10.1234", "abc/def"])
def test_not_a_doi(raw: str) -> None:
    with pytest.raises(InvalidIdentifier):
        doi_iri(raw)


def test_handles() -> None:
    assert handle_iri("20.500.12269/panosc-dataset1") == (
        "https://hdl.handle.net/20.500.12269/panosc-dataset1"
    )
    assert handle_iri("hdl:20.500.12269/ABC") == "https://hdl.handle.net/20.500.12269/ABC"
    assert handle_iri("https://hdl.handle.net/20.500.12269/a%20b") == (
        "https://hdl.handle.net/20.500.12269/a%20b"
    )
    with pytest.raises(InvalidIdentifier):
        handle_iri("10.15151/ESRF-ES-1")  # a DOI, not a Handle
    with pytest.raises(InvalidIdentifier):
        handle_iri("not a handle")


def test_orcid() -> None:
    assert orcid_iri("0000-0002-1825-0097") == "https://orcid.org/0000-0002-1825-0097"
    assert orcid_iri("https://orcid.org/0000-0002-1694-233x") == (
        "https://orcid.org/0000-0002-1694-233X"
    )
    assert orcid_iri("0000000218250097") == "https://orcid.org/0000-0002-1825-0097"
    with pytest.raises(InvalidIdentifier, match="check digit"):
        orcid_iri("0000-0002-1825-0098")
    with pytest.raises(InvalidIdentifier):
        orcid_iri("0000-0002-1825")


def test_ror() -> None:
    assert ror_iri("https://ror.org/02550n020") == "https://ror.org/02550n020"  # ESRF
    assert ror_iri("01XTJS520") == "https://ror.org/01xtjs520"  # ILL
    assert ror_iri("ror.org/03eh3y714") == "https://ror.org/03eh3y714"  # PSI
    with pytest.raises(InvalidIdentifier, match="checksum"):
        ror_iri("02550n021")
    with pytest.raises(InvalidIdentifier):
        ror_iri("12550n020")


def test_panet_short_and_long_forms() -> None:
    full = "http://purl.org/pan-science/PaNET/PaNET01168"
    for raw in (
        "PaNET01168",
        "panet:PaNET01168",
        full,
        "https://purl.org/pan-science/PaNET/PaNET01168",
    ):
        assert panet_iri(raw) == full
    assert vocab.is_panet_technique(full)
    assert not vocab.is_panet_technique("http://purl.org/pan-science/PaNET/PaNET2001000")
    with pytest.raises(InvalidIdentifier):
        panet_iri("x-ray absorption")  # labels are never matched


def test_mint_percent_encodes_local_ids() -> None:
    iri = mint("dataset", "esrf-icat", "MX-2738/run 1#2")
    assert iri == "https://w3id.org/pan-commons/id/dataset/esrf-icat/MX-2738%2Frun%201%232"
    assert parse_minted(iri) == ("dataset", "esrf-icat", "MX-2738/run 1#2")
    assert mint("sample", "ill", "s1", base="https://example.org/kg/") == (
        "https://example.org/kg/id/sample/ill/s1"
    )


def test_mint_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        mint("thing", "src", "1")
    with pytest.raises(ValueError, match="source name"):
        mint("dataset", "Bad Source", "1")
    with pytest.raises(ValueError, match="empty"):
        mint("dataset", "src", "")
    assert parse_minted("https://doi.org/10.1/x") is None


def test_pid_iri_picks_the_scheme() -> None:
    assert pid_iri("10.15151/ESRF-ES-2210534378") == ESRF
    assert pid_iri("0000-0002-1825-0097") == "https://orcid.org/0000-0002-1825-0097"
    assert pid_iri("https://ror.org/02550n020") == "https://ror.org/02550n020"
    assert pid_iri("20.500.12269/x") == "https://hdl.handle.net/20.500.12269/x"
    assert pid_iri("42") is None


def test_graph_iris() -> None:
    assert vocab.source_graph("esrf") == "https://w3id.org/pan-commons/graph/source/esrf"
    assert vocab.ontology_graph("panet") == "https://w3id.org/pan-commons/graph/ontology/panet"
    assert vocab.meta_graph() == "https://w3id.org/pan-commons/graph/meta"
    assert vocab.fair_graph("2026-11-21T10:00:00Z").startswith(
        "https://w3id.org/pan-commons/graph/fair/2026-11-21T10%3A00%3A00Z"
    )


def test_quote_all_equals_urllib_quote_with_nothing_safe() -> None:
    """``quote_all`` (the hot-path percent-encoding of minted IRIs, which caches each run of
    characters it encodes) gives what ``urllib.parse.quote(value, safe="")`` gives, on the
    same values again and again."""
    import random
    from urllib.parse import quote

    rng = random.Random(7)
    alphabet = "aZ09-._~/: #%?&=+éß€😀\t\n\"'<>[]{}|\\^`@!$()*,;"
    values = ["", "10.5072/abc", "20.500.12269/x y", "a//b::c", "ü/ü/ü", "%2F"]
    values += ["".join(rng.choices(alphabet, k=rng.randint(1, 24))) for _ in range(500)]
    for _ in range(2):  # the second time from the cache
        for value in values:
            assert vocab.quote_all(value) == quote(value, safe=""), value
