"""Synthetic DCAT records with a realistic mix of gaps and errors, for tests and bench/assess.py.

Each dataset draws every property as good (most of the time), missing, or corrupted in one of
the ways real harvests go wrong (language tag where a plain string is expected, literal where
an IRI is, ill-typed dates, duplicates, values outside a vocabulary...). Seeded: the same
``(n, seed)`` always gives the same N-Triples.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PAN = "https://w3id.org/pan-commons/ns#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
BASE = "https://data.example.org/"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"

Emit = Callable[[str, str, str], None]


def _i(x: str) -> str:
    return f"<{x}>"


def _s(text: str, suffix: str = "") -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"' + suffix


def _t(text: str, dt: str) -> str:
    return _s(text, f"^^<{XSD}{dt}>")


def vocabulary() -> list[str]:
    """The class hierarchy the records use (in the data graph, as pyshacl sees it)."""
    return [
        f"{_i(PAN + 'SubDataset')} {_i(SUBCLASS)} {_i(DCAT + 'Dataset')} .",
        f"{_i(PAN + 'RawDataset')} {_i(SUBCLASS)} {_i(PAN + 'SubDataset')} .",
        f"{_i(FOAF + 'Person')} {_i(SUBCLASS)} {_i(FOAF + 'Agent')} .",
    ]


def records(n: int, seed: int = 42, *, bad: float = 0.15, ill_typed: bool = True) -> list[str]:
    """N-Triples lines for ``n`` datasets; each property is faulty with probability ``bad``."""
    return list(iter_records(n, seed, bad=bad, ill_typed=ill_typed))


def iter_records(
    n: int, seed: int = 42, *, bad: float = 0.15, ill_typed: bool = True
) -> Iterator[str]:
    """``records`` one line at a time (a million datasets are ~35M lines)."""
    yield from vocabulary()
    rng = random.Random(seed)
    for i in range(n):
        yield from _record(rng, i, bad, ill_typed)


def _record(rng: random.Random, i: int, bad: float, ill_typed: bool) -> Iterator[str]:
    ds = _i(f"{BASE}dataset/{i}")
    out: list[str] = []

    def emit(s: str, p: str, o: str) -> None:
        out.append(f"{s} {_i(p)} {o} .")

    def fault(*choices: str) -> str | None:
        return rng.choice(choices) if rng.random() < bad else None

    kind = rng.random()
    cls = "Dataset" if kind < 0.8 else "SubDataset" if kind < 0.9 else "RawDataset"
    emit(ds, RDF_TYPE, _i((DCAT if cls == "Dataset" else PAN) + cls))
    if kind > 0.97:
        emit(ds, RDF_TYPE, _i(DCAT + "Dataset"))

    f = fault("missing", "lang", "two", "iri")
    if f != "missing":
        emit(ds, DCT + "title", _s(f"Dataset {i}", "@en" if f == "lang" else ""))
    if f == "two":
        emit(ds, DCT + "title", _s(f"Another title {i}"))
    if f == "iri":
        emit(ds, DCT + "title", _i(f"{BASE}title/{i}"))
    if rng.random() < 0.5:
        emit(ds, DCT + "alternative", _s(f"Alt {i}", "" if fault("plain") else "@en"))

    f = fault("missing", "short", "blank")
    long = f"Measurements of sample {i} taken on the beamline with a detailed protocol."
    if f is None:
        emit(ds, DCT + "description", _s(long))
    elif f == "short":
        emit(ds, DCT + "description", _s(f"Sample {i}"))
    elif f == "blank":
        emit(ds, DCT + "description", f"_:d{i}")

    f = fault("missing", "prefix", "iri", "space")
    doi = f"10.{5000 + i % 90}/pan.{i}"
    if f is None:
        emit(ds, DCT + "identifier", _s(doi))
    elif f == "prefix":
        emit(ds, DCT + "identifier", _s("doi:" + doi))
    elif f == "iri":
        emit(ds, DCT + "identifier", _i("https://doi.org/" + doi))
    elif f == "space":
        emit(ds, DCT + "identifier", _s(doi + " x"))

    f = fault("missing", "http", "literal", "upper", "short")
    if f is None:
        emit(ds, DCAT + "landingPage", _i(f"https://data.example.org/landing/{i}"))
    elif f == "http":
        emit(ds, DCAT + "landingPage", _i(f"http://data.example.org/landing/{i}"))
    elif f == "literal":
        emit(ds, DCAT + "landingPage", _s(f"https://data.example.org/landing/{i}"))
    elif f == "upper":
        emit(ds, DCAT + "landingPage", _i(f"HTTPS://DATA.EXAMPLE.ORG/LANDING/{i}"))
    elif f == "short":
        emit(ds, DCAT + "landingPage", _i(f"https://x.org/{i % 10}"))

    f = fault("missing", "datetime", "plain", "two", *(["ill"] if ill_typed else []))
    day = f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}"
    if f not in ("missing", "datetime", "plain", "ill"):
        emit(ds, DCT + "issued", _t(day, "date"))
    if f == "two":
        emit(ds, DCT + "issued", _t("2001-01-01", "date"))
    elif f == "datetime":
        emit(ds, DCT + "issued", _t(day + "T10:00:00", "dateTime"))
    elif f == "plain":
        emit(ds, DCT + "issued", _s(day))
    elif f == "ill":
        emit(ds, DCT + "issued", _t("not a date", "date"))

    _creators(rng, i, ds, emit, fault)
    _distribution(rng, i, ds, emit, fault, ill_typed)

    f = fault("missing", "two", "untyped")
    if f != "missing":
        cat = _i(f"{BASE}catalog/{'untyped' if f == 'untyped' else i % 7}")
        emit(cat, DCAT + "dataset", ds)
        emit(_i(f"{BASE}catalog/{i % 7}"), RDF_TYPE, _i(DCAT + "Catalog"))
    if f == "two":
        emit(_i(f"{BASE}catalog/{(i + 1) % 7}"), DCAT + "dataset", ds)

    f = fault("missing", "other", "literal")
    if f is None:
        emit(ds, DCT + "accessRights", _i(ACCESS + rng.choice(["PUBLIC", "RESTRICTED"])))
    elif f == "other":
        emit(ds, DCT + "accessRights", _i(ACCESS + "EMBARGOED"))
    elif f == "literal":
        emit(ds, DCT + "accessRights", _s("PUBLIC"))

    f = fault("missing", "case", "lang", "iri")
    emit(ds, DCAT + "keyword", _s(rng.choice(["neutron", "x-ray", "diffraction"])))
    if f is None:
        emit(ds, DCAT + "keyword", _s("science"))
    elif f == "case":
        emit(ds, DCAT + "keyword", _s("Science"))
    elif f == "lang":
        emit(ds, DCAT + "keyword", _s("science", "@en"))
    elif f == "iri":
        emit(ds, DCAT + "keyword", _i(f"{BASE}keyword/science"))

    f = fault("missing", "plain", *(["ill"] if ill_typed else []))
    if f is None:
        emit(ds, PAN + "public", _t(rng.choice(["true", "false"]), "boolean"))
    elif f == "plain":
        emit(ds, PAN + "public", _s("true"))
    elif f == "ill":
        emit(ds, PAN + "public", _t("yes", "boolean"))

    f = fault("blank", "iri")
    if f == "blank":
        emit(ds, DCAT + "version", f"_:v{i}")
    elif rng.random() < 0.5:
        emit(ds, DCAT + "version", _i(f"{BASE}version/{i}") if f else _s("1.0"))

    f = fault("iri", "literal")
    run = f"_:run{i}" if f is None else _i(f"{BASE}run/{i}") if f == "iri" else _s("run")
    emit(ds, PROV + "wasGeneratedBy", run)
    if fault("deprecated"):
        emit(ds, PAN + "deprecated", _t("true", "boolean"))
    if rng.random() < 0.2:
        emit(
            ds,
            PAN + "level",
            rng.choice(['"2"^^<' + XSD + "integer>", '"2"', '"4"^^<' + XSD + "integer>"]),
        )
    return iter(out)


def _creators(
    rng: random.Random, i: int, ds: str, emit: Emit, fault: Callable[..., str | None]
) -> None:
    f = fault(
        "missing",
        "untyped",
        "robot",
        "blank",
        "noname",
        "two-orcid",
        "bad-orcid",
        "literal",
        "iri-name",
        "short-name",
    )
    if f == "missing":
        return
    if f == "literal":
        emit(ds, DCT + "creator", _s("Jane Doe"))
        return
    who = f"_:c{i}" if f == "blank" else _i(f"{BASE}person/{i}")
    emit(ds, DCT + "creator", who)
    if f != "untyped":
        emit(who, RDF_TYPE, _i(PAN + "Robot" if f == "robot" else FOAF + "Person"))
    names = {"iri-name": _i(f"{BASE}name/{i}"), "short-name": _s("JD"), "noname": None}
    name = names.get(f or "", _s(f"Person {i}"))
    if name:
        emit(who, FOAF + "name", name)
    orcid = f"https://orcid.org/0000-0002-{i % 10000:04d}-000X"
    emit(who, PAN + "orcid", _i(orcid if f != "bad-orcid" else f"https://example.org/{i}"))
    if f == "two-orcid":
        emit(who, PAN + "orcid", _i(orcid + "1"))
    if rng.random() < 0.2:
        org = _i(f"{BASE}org/{i % 13}")
        emit(ds, DCT + "creator", org)
        emit(org, RDF_TYPE, _i(FOAF + "Agent"))
        emit(org, FOAF + "name", _s(f"Org {i % 13}"))


def _distribution(
    rng: random.Random, i: int, ds: str, emit: Emit, fault: Callable[..., str | None], ill: bool
) -> None:
    f = fault(
        "missing",
        "no-url",
        "literal-url",
        "size",
        "two",
        "sizes",
        "orphan",
        *(["ill-size"] if ill else []),
    )
    if f == "missing":
        return
    dist = _i(f"{BASE}dataset/{i}/dist")
    if f != "orphan":
        emit(ds, DCAT + "distribution", dist)
    emit(dist, RDF_TYPE, _i(DCAT + "Distribution"))
    if f != "no-url":
        url = f"https://data.example.org/files/{i}.h5"
        emit(dist, DCAT + "accessURL", _s(url) if f == "literal-url" else _i(url))
    media = rng.choice(["application/x-hdf5", "APPLICATION/X-NEXUS", "text/plain", "image/tiff"])
    emit(dist, DCAT + "mediaType", _s(media))
    size = {"size": _t("12.5", "decimal"), "ill-size": _t("abc", "integer")}
    emit(dist, DCAT + "byteSize", size.get(f or "", _t(str(rng.randint(1, 10**9)), "integer")))
    if f == "sizes":
        emit(dist, DCAT + "byteSize", _t("7", "integer"))
    if f == "two":
        other = _i(f"{BASE}dataset/{i}/dist2")
        emit(ds, DCAT + "distribution", other)
        emit(other, RDF_TYPE, _i(DCAT + "Distribution"))
