"""Our data model (DESIGN §4) as DCAT-AP 3.0.1: one dataset with its distributions, agents,
series, experiments and the controlled-vocabulary concepts they use.

Values come from the graph only. Where DCAT-AP makes a property mandatory and the graph has no
value, the view says so in words (``MISSING_DESCRIPTION``...) instead of making one up; where
it allows one value and the graph has several, one is chosen by a stated rule. The mapping
table is in docs/dcat.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode

from pancommons import vocab
from pancommons.dcat import ns
from pancommons.dcat import vocabularies as cv
from pancommons.dcat.values import (
    Graph,
    Out,
    Subject,
    dates,
    end_of,
    non_negative_integer,
)

MISSING_DESCRIPTION = "No description was provided by the source catalogue."
"""``dct:description`` of a dataset whose records have none (DCAT-AP makes it mandatory)."""
UNTITLED = "Untitled dataset {id}"
"""``dct:title`` of a dataset whose records have none, with its identifier (or IRI)."""
SERIES_DESCRIPTION = "The datasets collected under proposal {id}."

_T = vocab.DCT
_D = vocab.DCAT
_P = vocab.PAN


@dataclass
class Mapper:
    """Writes the DCAT-AP description of datasets into ``out``; shared nodes (agents, concepts,
    series) are written once however many datasets use them."""

    graph: Graph
    out: Out
    base: str
    today: datetime.date
    _contacts: dict[str, BlankNode] = field(default_factory=dict)

    # --- concepts and typed IRIs ---------------------------------------------------------------

    def concept(self, c: cv.Concept, *classes: NamedNode) -> NamedNode:
        node = NamedNode(c.iri)
        self.out.type(node, ns.CONCEPT, *classes)
        self.out.add(node, ns.PREF_LABEL, Literal(c.label, language="en"))
        self.scheme(c.scheme)
        self.out.add(node, ns.IN_SCHEME, NamedNode(c.scheme))
        return node

    def scheme(self, iri: str) -> NamedNode:
        node = NamedNode(iri)
        self.out.type(node, ns.CONCEPT_SCHEME)
        self.out.add(node, ns.TITLE, Literal(cv.SCHEME_TITLES[iri], language="en"))
        return node

    def link_typed(self, s: Subject, p: NamedNode, values: list[NamedNode], c: NamedNode) -> None:
        for v in values:
            self.out.add(s, p, v)
            self.out.type(v, c)

    # --- agents --------------------------------------------------------------------------------

    def agent(self, node: NamedNode | BlankNode) -> bool:
        """A ``foaf:Agent`` with its names (DCAT-AP requires one); False if it has none."""
        names = self.graph.name(node)
        if not names:
            return False
        if self.out.has(node):
            return True
        types = self.graph.types(node)
        self.out.type(node, ns.AGENT)
        for c in (ns.PERSON, ns.ORGANIZATION):
            if c.value in types:
                self.out.type(node, c)
        for n in names:
            self.out.add(node, ns.NAME, n)
        if _P + "Facility" in types:
            self.out.add(node, ns.TYPE, self.concept(cv.SCIENTIFIC_ORGANISATION))
        for page in self.graph.iris(node, vocab.FOAF + "homepage")[:1]:
            self.out.add(node, ns.HOMEPAGE, page)
        return True

    def publisher(self, d: NamedNode) -> NamedNode | BlankNode | None:
        """The one publisher: a named ``dct:publisher`` (a facility first, then a ROR IRI),
        else a named facility operating the dataset's instrument."""
        stated = self.graph.nodes(d, _T + "publisher")
        facilities = [NamedNode(f) for f in self.graph.instrument_facilities.get(d.value, [])]
        for group in (stated, facilities):
            named = [a for a in group if self.graph.name(a)]
            named.sort(
                key=lambda a: (
                    _P + "Facility" not in self.graph.types(a),
                    not a.value.startswith("https://ror.org/"),
                    str(a),
                )
            )
            if named and self.agent(named[0]):
                return named[0]
        return None

    def contact_points(self, d: NamedNode, publisher: NamedNode | BlankNode | None) -> None:
        """The dataset's ``dcat:contactPoint`` cards; else its publisher's home page as one."""
        found = False
        for cp in self.graph.nodes(d, _D + "contactPoint"):
            fn = self.graph.texts(cp, vocab.VCARD + "fn")
            mail = self.graph.iris(cp, vocab.VCARD + "hasEmail")
            url = self.graph.iris(cp, vocab.VCARD + "hasURL")
            if not (fn or mail or url):
                continue
            self.out.add(d, ns.CONTACT_POINT, cp)
            self.out.type(cp, ns.VCARD_KIND)
            for c in self.graph.iris(cp, vocab.RDF + "type"):
                if c.value.startswith(vocab.VCARD):
                    self.out.type(cp, c)
            for p, values in ((ns.VCARD_FN, fn), (ns.VCARD_EMAIL, mail), (ns.VCARD_URL, url)):
                for v in values:
                    self.out.add(cp, p, v)
            found = True
        if found or publisher is None:
            return
        pages = self.graph.iris(publisher, vocab.FOAF + "homepage")
        if not pages:
            return
        card = self._contacts.get(publisher.value)
        if card is None:
            card = self._contacts[publisher.value] = BlankNode()
            self.out.type(card, ns.VCARD_KIND, ns.VCARD_ORGANIZATION)
            label = self.graph.label(publisher)
            if label is not None:
                self.out.add(card, ns.VCARD_FN, label)
            self.out.add(card, ns.VCARD_URL, pages[0])
        self.out.add(d, ns.CONTACT_POINT, card)

    # --- dataset -------------------------------------------------------------------------------

    def dataset(self, d: NamedNode) -> None:
        g, out = self.graph, self.out
        out.type(d, ns.DATASET)
        identifiers = g.texts(d, _T + "identifier")
        titles = g.texts(d, _T + "title")
        if not titles:
            ident = identifiers[0].value if identifiers else d.value
            titles = [Literal(UNTITLED.format(id=ident), language="en")]
        for t in titles:
            out.add(d, ns.TITLE, t)
        for t in g.texts(d, _T + "description") or [Literal(MISSING_DESCRIPTION, language="en")]:
            out.add(d, ns.DESCRIPTION, t)
        for i in identifiers:
            out.add(d, ns.IDENTIFIER_P, Literal(i.value))
        self._pids(d, [i.value for i in identifiers])
        for k in g.texts(d, _D + "keyword"):
            out.add(d, ns.KEYWORD, k)
        issued, modified = dates(g.values(d, _T + "issued")), dates(g.values(d, _T + "modified"))
        if issued:
            out.add(d, ns.ISSUED, issued[0])
        if modified:
            out.add(d, ns.MODIFIED, modified[-1])
        for v in g.texts(d, _D + "version")[:1]:
            out.add(d, ns.VERSION, v)
        publisher = self.publisher(d)
        if publisher is not None:
            out.add(d, ns.PUBLISHER, publisher)
        self.contact_points(d, publisher)
        for c in g.nodes(d, _T + "creator"):
            if self.agent(c):
                out.add(d, ns.CREATOR, c)
        self._access(d)
        licences = g.iris(d, _T + "license")
        self.link_typed(d, ns.LICENSE, licences, ns.LICENSE_DOCUMENT)
        self.link_typed(d, ns.LANDING_PAGE, g.iris(d, _D + "landingPage"), ns.DOCUMENT)
        self.link_typed(d, ns.CONFORMS_TO, g.iris(d, _T + "conformsTo"), ns.STANDARD)
        for p, target in (
            (_T + "isReferencedBy", ns.IS_REFERENCED_BY),
            (_T + "relation", ns.RELATION),
        ):
            for related in g.iris(d, p):
                out.add(d, target, related)
        experiments = g.iris(d, vocab.PROV + "wasGeneratedBy")
        self._themes(d, experiments)
        self._experiments(d, experiments)
        for s in g.iris(d, _D + "inSeries"):
            if self._series(s):
                out.add(d, ns.IN_SERIES, s)
        for dist in g.iris(d, _D + "distribution"):
            out.add(d, ns.DISTRIBUTION_P, dist)
            self.distribution(dist, d, licences[:1])

    def _pids(self, d: NamedNode, identifiers: list[str]) -> None:
        """``adms:identifier`` for each DOI and Handle of the dataset, as its resolver URL."""
        urls: list[str] = []
        for text in identifiers:
            if vocab.is_doi(text):
                urls.append(vocab.doi_iri(text))
            elif d.value.startswith("https://hdl.handle.net/"):
                try:
                    if vocab.handle_iri(text) == d.value:
                        urls.append(d.value)
                except vocab.InvalidIdentifier:
                    pass
        if d.value.startswith(("https://doi.org/", "https://hdl.handle.net/")):
            urls.append(d.value)
        for url in dict.fromkeys(urls):
            node = BlankNode()
            self.out.add(d, ns.ADMS_IDENTIFIER, node)
            self.out.type(node, ns.IDENTIFIER)
            self.out.add(node, ns.NOTATION, Literal(url, datatype=ns.XSD_ANYURI))

    def _access(self, d: NamedNode) -> None:
        stated = [v.value for v in self.graph.values(d, _T + "accessRights")]
        ends = [e for v in dates(self.graph.values(d, _T + "available")) if (e := end_of(v))]
        right = cv.access_right(stated, max(ends) if ends else None, self.today)
        if right is not None:
            self.out.add(d, ns.ACCESS_RIGHTS, self.concept(right, ns.RIGHTS_STATEMENT))

    def _themes(self, d: NamedNode, experiments: list[NamedNode]) -> None:
        """PaNET (and other) techniques with a label, plus the EU data theme TECH."""
        techniques = set(self.graph.iris(d, _D + "theme"))
        for e in experiments:
            techniques.update(self.graph.iris(e, _P + "technique"))
        for t in sorted(techniques, key=str):
            label = self.graph.label(t)
            if label is None:
                continue
            self.out.add(d, ns.THEME, t)
            self.out.type(t, ns.CONCEPT)
            self.out.add(t, ns.PREF_LABEL, label)
            if vocab.is_panet_technique(t.value):
                self.out.add(t, ns.IN_SCHEME, self.scheme(cv.PANET_SCHEME))
        self.out.add(d, ns.THEME, self.concept(cv.TECH))

    def _experiments(self, d: NamedNode, experiments: list[NamedNode]) -> None:
        """``prov:wasGeneratedBy`` the experiments, and ``dct:temporal`` their span."""
        starts: list[Literal] = []
        ends: list[Literal] = []
        for e in experiments:
            self.out.add(d, ns.WAS_GENERATED_BY, e)
            self.out.type(e, ns.ACTIVITY)
            for p, into, sink in ((ns.STARTED, starts, 0), (ns.ENDED, ends, -1)):
                found = dates(self.graph.values(e, p.value))
                if found:
                    self.out.add(e, p, found[sink])
                    into.append(found[sink])
        if not (starts or ends):
            return
        period = BlankNode()
        self.out.add(d, ns.TEMPORAL, period)
        self.out.type(period, ns.PERIOD_OF_TIME)
        if starts:
            self.out.add(period, ns.START_DATE, min(starts, key=lambda x: x.value))
        if ends:
            self.out.add(period, ns.END_DATE, max(ends, key=lambda x: x.value))

    def _series(self, s: NamedNode) -> bool:
        """The proposal's ``dcat:DatasetSeries``; its title is the proposal's when it has none,
        its description says which proposal it gathers."""
        if self.out.has(s):
            return True
        g = self.graph
        proposals = g.iris(s, _P + "proposal")
        titles = g.texts(s, _T + "title") or [
            t for p in proposals for t in g.texts(p, _T + "title")
        ]
        idents = g.texts(s, _T + "identifier") or [
            i for p in proposals for i in g.texts(p, _T + "identifier")
        ]
        ident = idents[0].value if idents else _local_id(s.value, self.base)
        if not ident:
            return False
        self.out.type(s, ns.DATASET_SERIES)
        for t in titles or [Literal(f"Proposal {ident}", language="en")]:
            self.out.add(s, ns.TITLE, t)
        for t in g.texts(s, _T + "description") or [
            Literal(SERIES_DESCRIPTION.format(id=ident), language="en")
        ]:
            self.out.add(s, ns.DESCRIPTION, t)
        for i in idents:
            self.out.add(s, ns.IDENTIFIER_P, Literal(i.value))
        for p in g.nodes(s, _T + "publisher"):
            if self.agent(p):
                self.out.add(s, ns.PUBLISHER, p)
                break
        return True

    # --- distribution --------------------------------------------------------------------------

    def distribution(self, dist: NamedNode, d: NamedNode, licence: list[NamedNode]) -> None:
        g, out = self.graph, self.out
        out.type(dist, ns.DISTRIBUTION)
        access = g.iris(dist, _D + "accessURL") or g.iris(d, _D + "landingPage") or [d]
        for url in access:
            out.add(dist, ns.ACCESS_URL, url)
        downloads = g.iris(dist, _D + "downloadURL")
        for url in downloads:
            out.add(dist, ns.DOWNLOAD_URL, url)
        titles = g.texts(dist, _T + "title")
        for t in titles:
            out.add(dist, ns.TITLE, t)
        for t in g.texts(dist, _T + "description"):
            out.add(dist, ns.DESCRIPTION, t)
        size = non_negative_integer(g.values(dist, _D + "byteSize"))
        if size is not None:
            out.add(dist, ns.BYTE_SIZE, size)
        stated = [v.value for p in ("format", "mediaType") for v in g.values(dist, _ns(p))]
        names = [t.value for t in titles + g.texts(dist, _P + "path")] + [
            u.value for u in downloads
        ]
        kind = cv.file_type(stated, names)
        if kind is not None:
            out.add(dist, ns.FORMAT, self.concept(kind, ns.MEDIA_TYPE_OR_EXTENT))
        media = cv.media_type(stated, kind)
        if media is not None:
            out.add(dist, ns.MEDIA_TYPE_P, NamedNode(media))
            out.type(NamedNode(media), ns.MEDIA_TYPE)
        self.link_typed(dist, ns.LICENSE, licence, ns.LICENSE_DOCUMENT)
        for p, pick in ((ns.ISSUED, 0), (ns.MODIFIED, -1)):
            found = dates(g.values(dist, p.value))
            if found:
                out.add(dist, p, found[pick])


def _ns(local: str) -> str:
    return (_T if local == "format" else _D) + local


def _local_id(iri: str, base: str) -> str:
    minted = vocab.parse_minted(iri, base)
    return minted[2] if minted else ""


def record_languages(graph: Graph, d: NamedNode) -> list[cv.Concept]:
    """The EU languages of the tagged titles and descriptions of a dataset (a catalogue
    record's ``dct:language``: the language of its metadata)."""
    found: dict[str, cv.Concept] = {}
    for p in (_T + "title", _T + "description"):
        for lit in graph.texts(d, p):
            if lit.language and (c := cv.language(lit.language)):
                found[c.iri] = c
    return [found[k] for k in sorted(found)]


__all__ = ["MISSING_DESCRIPTION", "SERIES_DESCRIPTION", "UNTITLED", "Mapper", "record_languages"]
