"""One random edit of a real text (a SPARQL query or update): what the query and update fuzz
targets build their malformed inputs from."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import strategies as st


def edited(
    draw: st.DrawFn,
    text: str,
    tokens: Sequence[str],
    *,
    span: int,
    token_size: int,
    otherwise: Callable[[str, int], str],
) -> str:
    """``text`` with, at a random place ``i``, a piece of up to ``span`` characters deleted,
    a token (one of ``tokens`` or random text up to ``token_size``) inserted or put in its
    place, the rest cut off, or else ``otherwise(text, i)`` (a splice, a join...)."""
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, min(len(text), i + span)))
    how = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "otherwise"]))
    token = draw(st.one_of(st.sampled_from(tokens), st.text(max_size=token_size)))
    if how == "delete":
        return text[:i] + text[j:]
    if how == "insert":
        return f"{text[:i]} {token} {text[i:]}"
    if how == "replace":
        return f"{text[:i]} {token} {text[j:]}"
    if how == "truncate":
        return text[:i]
    return otherwise(text, i)
