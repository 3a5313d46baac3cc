"""The DOI being mapped by ``mapping/datacite.py`` and its parts, and reading DataCite values
(strings that may be numbers, null or missing; lists that may hold anything)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pancommons.harvest.mapping import terms as T
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples, iri

# resourceTypeGeneral (lower case) → what the DOI is in the data model
DATA_TYPES = {"dataset", "collection", "image", "audiovisual", "sound", "model"}
PUBLICATION_TYPES = {
    "journalarticle", "text", "preprint", "conferencepaper", "conferenceproceeding",
    "datapaper", "book", "bookchapter", "report", "dissertation", "journal", "peerreview",
    "standard",
}  # fmt: skip


@dataclass
class Resource:
    """One DOI being mapped: its node, kind, and the parts minted for it (owned)."""

    ctx: Context
    t: Triples
    node: str
    doi: str
    kind: str  # dataset | publication | instrument | other
    owned: list[str] = field(default_factory=list)
    _experiment: str | None = None

    def experiment(self) -> str | None:
        """The experiment that generated a dataset (created on first use; None otherwise)."""
        if self.kind != "dataset":
            return None
        if self._experiment is None:
            self._experiment = iri(self.ctx.mint("experiment", self.doi))
            self.t.type(self._experiment, T.EXPERIMENT)
            self.t.add(self.node, T.GENERATED_BY, self._experiment)
            self.owned.append(self._experiment)
        return self._experiment


def text(value: Any) -> str:
    """A value as stripped text ('' for None, numbers as written, containers as '')."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def one_line(value: Any) -> str:
    """Text with runs of white space (the line breaks of registered XML) made one space."""
    return " ".join(text(value).split())


def items(attrs: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = attrs.get(key)
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []
