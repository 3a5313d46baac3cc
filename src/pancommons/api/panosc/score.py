"""Relevance of records to the ``query`` words, as the PaNOSC federated search expects it.

The PaNOSC Search Scoring service (panosc-eu/panosc-search-scoring; reference/catalogues-and-
mapping.md §1.6) scores an item by the cosine between the query's unit vector over its terms
and the item's TF-IDF vector projected on those terms. Here, per model:

- terms: the query lower-cased, split on non-word characters, stop words and one-letter words
  dropped, duplicates removed; at most ``MAX_TERMS`` (the first ones);
- a term occurs in a record when a word of its title, description or keywords starts with it
  (``beam`` occurs in "beamline");
- its weight is the inverse document frequency over the model's records,
  ``log10(1 + N / n(term))`` (the PSS formula); the term frequency is taken as 1;
- score = Σ w / (√terms · √Σ w²) over the terms that occur: a record with all the query's
  terms scores near 1, one with one term of two equally rare ones 1/√2.

Records without any term are not returned. Scores are in (0, 1): the federated search drops
records scored 1 or more (``FILTER_INVALID_SCORES``, which removes ``score >= 1``), so a
perfect match is given ``TOP`` instead of 1.

The score of every combination of terms is computed here, once per request, and joined in
the SPARQL query as a ``VALUES`` table keyed by the bit mask of the terms that occur: SPARQL
has no square root, and the store can then order and page by score itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pyoxigraph import Literal

from pancommons.api.panosc.graph import GRAPH, PREFIXES, Vars, instantiate

MAX_TERMS = 8
TOP = 0.999999
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)
_WORD = re.compile(r"\w+")


def terms(query: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(query.lower()):
        if len(word) > 1 and word not in STOP_WORDS and word not in out:
            out.append(word)
    return out[:MAX_TERMS]


def term_regex(term: str) -> str:
    """Matches a word starting with ``term`` (a run of word characters: nothing to escape)."""
    return r"\b" + term


def score(weights: list[float], present: list[bool]) -> float:
    """The cosine score of a record in which the terms ``present`` occur."""
    w = [wt for wt, p in zip(weights, present, strict=True) if p]
    if not w or not any(w):
        return 0.0
    value = sum(w) / (math.sqrt(len(weights)) * math.sqrt(sum(x * x for x in w)))
    return min(value, TOP)


@dataclass(frozen=True)
class Scoring:
    model: str
    terms: tuple[str, ...]
    weights: tuple[float, ...]

    def occurs(self, vars: Vars, x: str, i: int) -> str:
        t = vars.new("w")
        preds = "|".join(GRAPH[self.model].scored)
        regex = Literal(term_regex(self.terms[i]))
        return f'EXISTS {{ {x} {preds} {t} FILTER(REGEX(STR({t}), {regex}, "i")) }}'

    def pattern(self, vars: Vars, x: str) -> str:
        """Binds ``?score`` for the records with at least one term (others are dropped)."""
        binds = [f"BIND({self.occurs(vars, x, i)} AS ?m{i})" for i in range(len(self.terms))]
        mask = " + ".join(f"IF(?m{i}, {1 << i}, 0)" for i in range(len(self.terms)))
        rows = []
        for m in range(1, 1 << len(self.terms)):
            present = [bool(m >> i & 1) for i in range(len(self.terms))]
            value = score(list(self.weights), present)
            if value > 0:
                rows.append(f"({m} {value!r})")
        if not self.terms or not rows:
            return "FILTER(false) BIND(0.0 AS ?score)"
        return (
            "\n".join(binds)
            + f"\nBIND({mask} AS ?mask)\nVALUES (?mask ?score) {{ {' '.join(rows)} }}"
        )


def document_frequencies_query(model: str, words: list[str]) -> str:
    """One pass over the model's records: their number and, per term, how many contain it."""
    vars = Vars()
    draft = Scoring(model, tuple(words), tuple(1.0 for _ in words))
    nodes = instantiate(GRAPH[model].nodes, vars, "?x")
    binds = "\n".join(f"BIND({draft.occurs(vars, '?x', i)} AS ?m{i})" for i in range(len(words)))
    sums = " ".join(f"(SUM(IF(?m{i}, 1, 0)) AS ?c{i})" for i in range(len(words)))
    return (
        f"{PREFIXES}SELECT (COUNT(?x) AS ?n) {sums} WHERE {{\n"
        f"{{ SELECT DISTINCT ?x WHERE {{ {nodes} FILTER(isIRI(?x)) }} }}\n{binds}\n}}"
    )


def weights(total: int, counts: list[int]) -> tuple[float, ...]:
    return tuple(math.log10(1 + total / c) if c else 0.0 for c in counts)
