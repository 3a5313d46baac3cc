"""RDF/XML from outside made safe for pyoxigraph's parser.

pyoxigraph's RDF/XML parser expands the internal entities a DOCTYPE declares without any
amplification limit: a billion-laughs document of a few hundred bytes becomes gigabytes in
memory. ``defused`` hands it a document without a DOCTYPE instead: one that has a DOCTYPE is
parsed by libxml2 (lxml) with internal entities expanded under libxml2's amplification limits,
external entities and DTDs never loaded, no network, no huge trees, then re-serialised without
it. Entities are legitimate in RDF/XML (``&owl;`` in ontologies), so they are expanded, not
refused. pyoxigraph reads UTF-8 only, so a DOCTYPE cannot hide from the ``<!`` test below.
"""

from __future__ import annotations

from lxml import etree


def defused(data: bytes) -> bytes:
    """``data`` if it has no markup declaration, else re-serialised without its DOCTYPE;
    ValueError when libxml2 refuses it (not well-formed, entity amplification, an external
    entity referenced where it cannot be left unexpanded)."""
    if b"<!" not in data:
        return data
    parser = etree.XMLParser(
        resolve_entities="internal", no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"RDF/XML refused: {exc}") from None
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))
