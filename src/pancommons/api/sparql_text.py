"""Reading SPARQL text before it runs: which outside services it calls, and USING clauses.

A small lexer (IRIs, strings, comments, variables, words, punctuation) finds keywords outside
strings, IRIs and comments. It is used to

- refuse ``SERVICE`` (queries and updates) and ``LOAD`` (updates) unless their target IRI starts
  with an allowed prefix (DESIGN §11: the server must not be made to fetch from other hosts), and
- add the SPARQL Protocol's ``using-graph-uri`` / ``using-named-graph-uri`` to an update as the
  ``USING`` / ``USING NAMED`` clauses they stand for (pyoxigraph's ``Store.update`` takes no
  dataset), before every top-level ``WHERE`` that is not a ``DELETE WHERE``.

Nothing here decides whether the text is valid SPARQL: the store's parser does, afterwards.
The lexer errs on the side of seeing keywords: a ``SERVICE`` it cannot rule out is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from pyoxigraph import NamedNode

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<word>(?:[^\W\d]|[_:])(?:[\w\-.:%\u00B7]|\\.)*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, text and where it starts in the text."""

    kind: str
    text: str
    start: int
    depth: int
    """Nesting of ``{}`` and ``()`` around the token (0 at the top level of the text)."""

    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" and ":" not in self.text else None


class RefusedText(ValueError):
    """The text may not run here (an outside SERVICE or LOAD, a dataset conflict)."""


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (whitespace and comments dropped)."""
    out: list[Token] = []
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "punct" and value in "})":
            depth = max(depth - 1, 0)
        out.append(Token(kind, value, m.start(), depth))
        if kind == "punct" and value in "{(":
            depth += 1
    return out


def _unescaped(text: str) -> str:
    """``text`` with ``\\u`` / ``\\U`` escapes decoded, as SPARQL allows before parsing."""

    def decode(m: re.Match[str]) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):  # beyond U+10FFFF: the parser's to refuse
            return m.group()

    return _ESCAPE.sub(decode, text)


def _may_contain(text: str, *keywords: str) -> bool:
    """False only when no spelling of the keywords can be in ``text``: none appears
    (case-insensitively) and there is no ``\\u``/``\\U`` escape that could spell one."""
    lowered = text.lower()
    return "\\u" in lowered or any(k in lowered for k in keywords)


def check_remote_calls(text: str, allow: str) -> None:
    """Raise RefusedText if ``text`` has a ``SERVICE`` or ``LOAD`` whose target is not an IRI
    starting with one of the space-separated prefixes in ``allow``."""
    if not _may_contain(text, "service", "load"):
        return  # fast path: tokenising costs more than a point lookup
    prefixes = tuple(p for p in allow.split() if p)
    variants = {text, _unescaped(text)}
    for variant in variants:
        toks = tokens(variant)
        for i, tok in enumerate(toks):
            kw = tok.keyword()
            if kw not in ("SERVICE", "LOAD"):
                continue
            j = i + 1
            if j < len(toks) and toks[j].keyword() == "SILENT":
                j += 1
            target = toks[j] if j < len(toks) else None
            iri = target.text[1:-1] if target is not None and target.kind == "iri" else None
            if iri is None or not _allowed(iri, prefixes):
                what = f"<{iri}>" if iri is not None else "a computed endpoint"
                raise RefusedText(
                    f"{kw} to {what} is not allowed on this endpoint: the server does not "
                    f"fetch from other hosts"
                    + (
                        f" (allowed prefixes: {' '.join(prefixes)})"
                        if prefixes
                        else " (set PANCOMMONS_SERVICE_ALLOW to allow some)"
                    )
                )


def _allowed(iri: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``iri`` starts with one of ``prefixes`` and names the same host and port: a
    prefix written without its closing ``/`` must not let ``http://host:7878@elsewhere/`` (user
    info) or ``http://host:78780/`` through."""
    try:
        host = urlsplit(iri).netloc
    except ValueError:  # not splittable (a broken IPv6 host): not an endpoint anyone allowed
        return False
    for prefix in prefixes:
        if iri.startswith(prefix):
            allowed = urlsplit(prefix).netloc
            if not allowed or allowed == host:  # no host in the prefix: the admin allowed any
                return True
    return False


def checked_iri(value: str, parameter: str) -> str:
    """``value`` if it is an absolute IRI, else ValueError naming the protocol parameter."""
    try:
        return NamedNode(value).value
    except ValueError as exc:
        raise ValueError(f"{parameter}={value!r} is not an absolute IRI: {exc}") from None


def dataset_clauses(query: str, base: str) -> tuple[list[str], list[str]] | None:
    """The graphs of the query's own ``FROM`` and ``FROM NAMED`` clauses (prefixed names
    expanded, relative IRIs resolved against ``base`` or the query's BASE), or None when it has
    none. The store's union default graph would otherwise hide them."""
    if not _may_contain(query, "from"):
        return None
    toks = tokens(query)
    prefixes: dict[str, str] = {}
    default: list[str] = []
    named: list[str] = []
    try:
        for i, tok in enumerate(toks[:-1]):
            kw, nxt = tok.keyword(), toks[i + 1]
            if tok.depth != 0:
                continue
            if kw == "BASE" and nxt.kind == "iri":
                base = urljoin(base, nxt.text[1:-1])
            elif tok.text.upper() == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
                prefixes[nxt.text] = urljoin(base, toks[i + 2].text[1:-1])
            elif kw == "FROM":
                into, j = (named, i + 2) if nxt.keyword() == "NAMED" else (default, i + 1)
                graph = toks[j] if j < len(toks) else None
                if graph is not None and graph.kind == "iri":
                    into.append(urljoin(base, graph.text[1:-1]))
                elif graph is not None and graph.kind == "word" and ":" in graph.text:
                    pfx, _, local = graph.text.partition(":")
                    if pfx + ":" not in prefixes:
                        return None  # let the parser report the unknown prefix
                    into.append(prefixes[pfx + ":"] + re.sub(r"\\(.)", r"\1", local))
    except ValueError:  # an IRI urljoin cannot split (a broken IPv6 host): the parser refuses it
        return None
    return (default, named) if default or named else None


def add_using(update: str, default: list[str], named: list[str]) -> str:
    """``update`` with ``USING <g>`` for each ``default`` and ``USING NAMED <g>`` for each
    ``named`` graph before each top-level ``WHERE`` (SPARQL 1.1 Protocol §2.2.3).

    Raises RefusedText when the update already has ``USING`` or ``WITH``: the Protocol makes
    that an error."""
    if not default and not named:
        return update
    toks = tokens(update)
    for tok in toks:
        if tok.depth == 0 and tok.keyword() in ("USING", "WITH"):
            raise RefusedText(
                f"the update has its own {tok.keyword()} clause: it cannot also take "
                f"using-graph-uri / using-named-graph-uri parameters"
            )
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named])
    cuts = [
        tok.start
        for i, tok in enumerate(toks)
        if tok.depth == 0
        and tok.keyword() == "WHERE"
        and not (i > 0 and toks[i - 1].keyword() == "DELETE")
    ]
    for cut in reversed(cuts):
        update = f"{update[:cut]}{clause} {update[cut:]}"
    return update
