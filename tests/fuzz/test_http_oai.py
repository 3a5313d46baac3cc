"""Fuzzing the OAI-PMH provider at ``/oai``: random verbs and arguments, repeated and illegal
arguments, dates, prefixes, sets, identifiers, and resumption tokens taken from real answers
then forged, truncated and tampered with, by GET and by POST. Every answer is HTTP 200 with XML
that parses without entities and is valid against OAI-PMH.xsd (and the schemas of what it
carries): a response of the verb, or an ``<error>`` with one of the protocol's codes."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from pancommons.harvest.mapping.oai import safe_parser
from pancommons.oai.protocol import _well_formed
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.http_demo import check_answer, demo_client
from tests.oai.conftest import envelope_schema

OAI = "http://www.openarchives.org/OAI/2.0/"
VERBS = [
    "Identify",
    "ListMetadataFormats",
    "ListSets",
    "GetRecord",
    "ListIdentifiers",
    "ListRecords",
]
ARGUMENTS = ["identifier", "metadataPrefix", "from", "until", "set", "resumptionToken"]
LEGAL = {
    "Identify": ["identifier"],
    "ListMetadataFormats": ["identifier"],
    "ListSets": ["resumptionToken"],
    "GetRecord": ["identifier", "metadataPrefix"],
    "ListIdentifiers": ["metadataPrefix", "from", "until", "set", "resumptionToken"],
    "ListRecords": ["metadataPrefix", "from", "until", "set", "resumptionToken"],
}
"""Argument names to draw for each verb (Identify takes none: one illegal to try)."""
CODES = {
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
}
PAGE_SIZE = 7
"""Small pages, so that the demo graph's lists come with resumption tokens."""


@pytest.fixture(scope="module")
def oai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with demo_client(tmp_path_factory, oai_page_size=PAGE_SIZE) as c:
        yield c


def _root(response: Response) -> etree._Element:
    """The answer, checked: 200, XML without entities, valid OAI-PMH."""
    check_answer(response)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content, safe_parser())
    schema = envelope_schema()
    assert schema.validate(root), f"{schema.error_log.last_error}\n{response.text[:2000]}"
    errors = root.findall(f"{{{OAI}}}error")
    for error in errors:
        assert error.get("code") in CODES
        assert (error.text or "").strip(), "an OAI error without a message"
    return root


@pytest.fixture(scope="module")
def tokens(oai: TestClient) -> list[str]:
    """Real resumption tokens of both list verbs and both formats."""
    found = []
    for verb in ("ListIdentifiers", "ListRecords"):
        for prefix in ("oai_dc", "oai_datacite"):
            root = _root(oai.get("/oai", params={"verb": verb, "metadataPrefix": prefix}))
            token = root.find(f".//{{{OAI}}}resumptionToken")
            assert token is not None and token.text, "the demo graph fits in one page"
            found.append(token.text)
    return found


@pytest.fixture(scope="module")
def identifiers(oai: TestClient) -> list[str]:
    root = _root(oai.get("/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
    return [e.text or "" for e in root.iter(f"{{{OAI}}}identifier")][:PAGE_SIZE]


text = st.text(max_size=30)
dates = st.one_of(
    st.sampled_from(
        [
            "2020-01-01",
            "2020-01-01T00:00:00Z",
            "2020-02-30",
            "2020-13-01T00:00:00Z",
            "0000-01-01",
            "9999-12-31T23:59:59Z",
            "2020-01-01T24:00:00Z",
            "2020-01-01T00:00:00+01:00",
            "2020-1-1",
            "١٢٣٤-٠١-٠١",
            "",
        ]
    ),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    text,
)
sets = st.one_of(
    st.sampled_from(
        ["facility", "facility:esrf", "source:demo-ess", "openaire_data", "a::b", ":", "x:"]
    ),
    text,
)
prefixes = st.one_of(st.sampled_from(["oai_dc", "oai_datacite", "OAI_DC", "marc21", ""]), text)


@st.composite
def tampered(draw: st.DrawFn, tokens: list[str]) -> str:
    """A real token forged: truncated, a character changed, its position moved, another
    list id, or appended to."""
    token = draw(st.sampled_from(tokens))
    list_id, _, pos = token.partition(".")
    how = draw(st.sampled_from(["truncate", "flip", "pos", "id", "append", "as-is"]))
    if how == "truncate":
        return token[: draw(st.integers(0, len(token)))]
    if how == "flip":
        i = draw(st.integers(0, len(token) - 1))
        return token[:i] + draw(st.characters()) + token[i + 1 :]
    if how == "pos":
        new = draw(
            st.one_of(
                st.integers(-10, 10**12).map(str),
                st.sampled_from(["0", "00", "07", "+7", " 7", "7 ", "1e3", "٧", "999999999"]),
            )
        )
        return f"{list_id}.{new}"
    if how == "id":
        return draw(st.text("0123456789abcdefABCDEF", min_size=24, max_size=24)) + "." + pos
    if how == "append":
        return token + draw(text)
    return token


@st.composite
def argument_lists(
    draw: st.DrawFn, tokens: list[str], identifiers: list[str]
) -> list[tuple[str, str]]:
    """Verbs with arguments that are nearly right: the right names with random values, other
    names, repeated names, missing ones."""
    values = {
        "identifier": st.one_of(
            st.sampled_from(identifiers),
            st.tuples(st.sampled_from(identifiers), text).map("".join),
            st.sampled_from(["oai:w3id.org:", "oai:w3id.org:not an iri", "oai:x:y"]),
            text,
        ),
        "metadataPrefix": prefixes,
        "from": dates,
        "until": dates,
        "set": sets,
        "resumptionToken": st.one_of(tampered(tokens), text),
    }
    args: list[tuple[str, str]] = []
    verb = draw(st.one_of(st.sampled_from(VERBS), text))
    if draw(st.sampled_from(range(12))) != 0:  # a verb, nearly always
        args.append(("verb", verb))
    if verb in VERBS and draw(st.booleans()):  # the verb's own arguments, random values
        names = st.sampled_from(LEGAL[verb])
        for name in draw(st.lists(names, max_size=4, unique=True)):
            args.append((name, draw(values[name])))
    else:
        names = st.one_of(st.sampled_from(ARGUMENTS), st.sampled_from(["verb", "Verb", ""]), text)
        for name in draw(st.lists(names, max_size=4)):
            args.append((name, draw(values.get(name, text))))
    return draw(st.permutations(args))


@fuzz_settings(ci=300, large=8000)
@given(st.data())
def test_oai_arguments(
    oai: TestClient, tokens: list[str], identifiers: list[str], data: st.DataObject
) -> None:
    """Random OAI-PMH requests by GET and by POST: always 200 and valid OAI-PMH."""
    counted("oai.arguments")
    args = data.draw(argument_lists(tokens, identifiers))
    if data.draw(st.booleans()):
        root = _root(oai.get("/oai?" + urlencode(args)))
    else:
        body = urlencode(args).encode()
        headers = {"content-type": "application/x-www-form-urlencoded"}
        root = _root(oai.post("/oai", content=body, headers=headers))
    request = root.find(f"{{{OAI}}}request")
    assert request is not None
    codes = {e.get("code") for e in root.findall(f"{{{OAI}}}error")}
    if codes & {"badVerb", "badArgument"}:
        assert not request.attrib, "a badVerb/badArgument answer echoes no arguments"
    elif not codes:
        verb = dict(args)["verb"]
        assert root.find(f"{{{OAI}}}{verb}") is not None


@fuzz_settings(ci=150, large=4000)
@given(st.data())
def test_oai_resumption_tokens(oai: TestClient, tokens: list[str], data: st.DataObject) -> None:
    """Forged, truncated and tampered tokens with either list verb: a page or
    badResumptionToken, never anything else."""
    counted("oai.tokens")
    token = data.draw(tampered(tokens))
    verb = data.draw(st.sampled_from(["ListIdentifiers", "ListRecords", "ListSets"]))
    root = _root(oai.get("/oai", params={"verb": verb, "resumptionToken": token}))
    codes = {e.get("code") for e in root.findall(f"{{{OAI}}}error")}
    assert codes <= {"badResumptionToken", "badArgument"}, codes
    if not codes:
        assert root.find(f"{{{OAI}}}{verb}") is not None


@fuzz_settings(ci=60, large=1500)
@given(st.binary(max_size=200), st.sampled_from(["application/x-www-form-urlencoded", "", "x/y"]))
@example(b"verb=Identify&\xff=1", "application/x-www-form-urlencoded")
@example(b"verb=ListRecords&metadataPrefix=oai_dc%01", "application/x-www-form-urlencoded")
def test_oai_post_bodies(oai: TestClient, body: bytes, content_type: str) -> None:
    """Any bytes POSTed to /oai: 200 and valid OAI-PMH (invalid UTF-8 is a badVerb)."""
    counted("oai.post")
    _root(oai.post("/oai", content=body, headers={"content-type": content_type}))


@pytest.mark.parametrize(
    "query",
    [
        "verb=ListRecords&metadataPrefix=oai_dc%01",
        "verb=Identify&%01=x",
        "verb=Identify&%01=x&%01=y",
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:w3id.org:%0B",
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=%EF%BF%BE",
        "verb=ListSets&resumptionToken=%00",
    ],
)
def test_characters_xml_cannot_carry(oai: TestClient, query: str) -> None:
    """Regression: an argument (name or value) with a control character or a noncharacter was
    echoed into the XML answer and lxml refused it: a 500."""
    root = _root(oai.get("/oai?" + query))
    assert root.find(f"{{{OAI}}}error") is not None


@pytest.mark.parametrize(
    "params",
    [
        {"verb": "ListRecords", "metadataPrefix": "a b"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc\x01"},
        {"verb": "GetRecord", "metadataPrefix": "é", "identifier": "oai:w3id.org:x:y"},
        {"verb": "ListIdentifiers", "metadataPrefix": ""},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": ""},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": ""},
        {"verb": "ListIdentifiers", "metadataPrefix": "OAI_DC", "until": "2020-02-30"},
        {"verb": "ListIdentifiers", "metadataPrefix": "OAI_DC", "set": "a::b"},
        {"verb": "ListMetadataFormats", "identifier": "["},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "a b ["},
    ],
)
def test_malformed_arguments_are_not_echoed(oai: TestClient, params: dict[str, str]) -> None:
    """Regression (found by test_oai_arguments): arguments whose values are not of their syntax
    (an unknown metadataPrefix outside metadataPrefixType, an empty from or until, a bad date or
    set behind an unknown prefix, which was checked first, an identifier that is not a URI) were
    echoed into <request>, which made the answer invalid against OAI-PMH.xsd. They are a
    badArgument, whose <request> carries no arguments."""
    root = _root(oai.get("/oai", params=params))
    assert [e.get("code") for e in root.findall(f"{{{OAI}}}error")] == ["badArgument"]


@pytest.mark.parametrize(
    "identifier", ["%", "a%zz", "oai:x:a#b#c", ":", "::x", "http://a:b/", "//h:", "x:%4"]
)
def test_identifiers_that_are_not_uris_are_not_echoed(oai: TestClient, identifier: str) -> None:
    """Found by the large budget of test_oai_arguments: ``pancommons.oai.protocol._URI`` accepts
    a ``%`` without two hex digits, a second ``#`` and an empty scheme, which libxml2's anyURI
    (OAI-PMH.xsd identifierType) refuses: the answer echoes them and is invalid. Such an
    identifier is a badArgument (regression: was an xfail)."""
    params = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier}
    root = _root(oai.get("/oai", params=params))
    assert [e.get("code") for e in root.findall(f"{{{OAI}}}error")] == ["badArgument"]


_ANY_URI = etree.XMLSchema(
    etree.XML(
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        b'<xs:element name="u" type="xs:anyURI"/></xs:schema>'
    )
)
_URI_PARTS = st.sampled_from(
    ["a", "Z", "0", "9", ":", "/", "//", "?", "#", "%", "%2", "%41", "@", "[", "]", "+", "-",
     ".", "~", "!", "$", "&", "'", "(", "*", ",", ";", "=", "é", "\u00a0", " ", "oai:", "http://",
     "w3id.org", ":80", ":8a"]
)  # fmt: skip


@fuzz_settings(ci=400, large=20000)
@given(st.one_of(st.lists(_URI_PARTS, max_size=12).map("".join), st.text(max_size=20)))
@example("oai:w3id.org:https://ess.eu/ds/1?x=1#f")
def test_an_identifier_taken_as_a_uri_is_an_any_uri(value: str) -> None:
    """Whatever protocol._well_formed accepts as an identifier, libxml2's xs:anyURI (the type
    OAI-PMH.xsd gives it) accepts too, so echoing it in <request> keeps the answer valid."""
    counted("oai.identifier-syntax")
    if _well_formed("identifier", value):
        element = etree.Element("u")
        element.text = value
        assert _ANY_URI.validate(element), value
