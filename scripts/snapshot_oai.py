"""Build harvesters/snapshots/demo-oai/records.json from the real ESRF DataCite records.

Each ``fixtures/datacite/esrf-*.datacite-kernel4.xml`` in ../shared is the kernel-4 XML registered
for an ESRF DOI (decoded from DataCite's REST answer, ``*.datacite-api.json``). It is wrapped, as
an ICAT OAI-PMH provider wraps it, in DataCite's ``oai_datacite`` (oai-1.1) envelope and an
OAI-PMH record header of the ESRF repository (https://icatplus.esrf.fr/oaipmh/request):
identifier ``oai:icatplus.esrf.fr:{DOI}``, datestamp = the DOI's ``updated`` at DataCite. The
envelope is constructed; the resource inside is the registered XML byte for byte (without its
XML declaration). The records are stored as ``sources/oaipmh.py`` yields them.

Usage: python scripts/snapshot_oai.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from lxml import etree

OUT = Path(__file__).resolve().parents[1] / "harvesters" / "snapshots" / "demo-oai"
REPOSITORY = "icatplus.esrf.fr"
DATACENTRE = "INIST.ESRF"  # the DataCite client of the records (relationships.client: inist.esrf)
ENVELOPE = (
    '<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://schema.datacite.org/oai/oai-1.1/ '
    'http://schema.datacite.org/oai/oai-1.1/oai.xsd">'
    "<schemaVersion>4</schemaVersion><datacentreSymbol>{datacentre}</datacentreSymbol>"
    "<payload>{resource}</payload></oai_datacite>"
)
KERNEL_4 = "{http://datacite.org/schema/kernel-4}"


def record(xml_path: Path) -> dict[str, Any]:
    raw = xml_path.read_text(encoding="utf-8")
    resource = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", raw).strip()
    root = etree.fromstring(resource.encode("utf-8"))
    doi = (root.findtext(f"{KERNEL_4}identifier") or "").strip()
    api = json.loads(
        xml_path.with_name(xml_path.name.replace("kernel4.xml", "api.json")).read_text()
    )
    attributes = api["data"]["attributes"]
    if attributes["doi"].lower() != doi.lower():
        raise SystemExit(f"{xml_path}: the XML ({doi}) and the API answer disagree")
    updated = attributes["updated"].replace(".000Z", "Z")
    return {
        "identifier": f"oai:{REPOSITORY}:{doi}",
        "datestamp": updated,
        "sets": [],
        "deleted": False,
        "metadata": ENVELOPE.format(datacentre=DATACENTRE, resource=resource),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    args = parser.parse_args()
    paths = sorted((args.shared / "fixtures" / "datacite").glob("esrf-*.datacite-kernel4.xml"))
    if not paths:
        raise SystemExit(f"no ESRF DataCite records in {args.shared}/fixtures/datacite")
    records = sorted((record(p) for p in paths), key=lambda r: (r["datestamp"], r["identifier"]))
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(records, indent=1, ensure_ascii=False) + "\n"
    (OUT / "records.json").write_text(text, encoding="utf-8")
    print(f"{OUT / 'records.json'}: {len(records)} records")


if __name__ == "__main__":
    main()
