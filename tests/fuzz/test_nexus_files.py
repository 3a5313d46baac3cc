"""Fuzzing the NeXus reader (``sources/nexus.py``: attributes and values read with h5py) and
mapping with real HDF5 files written by h5py: NXentry groups whose fields and attributes have
every type HDF5 stores (variable- and fixed-length strings with invalid UTF-8, numbers beyond
a double, NaN, booleans, arrays, empty dataspaces, compound types, object references), unit
attributes pint would compute forever, soft, external and cyclic links.

Properties: a readable HDF5 file is never reported unreadable (one odd attribute must not lose
the file's entries); every record it yields validates and maps or is refused with a documented
per-record error (``record_inputs.check_record``); nothing is read through external links.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pancommons.harvest.mapping.common import Context
from pancommons.harvest.sources.nexus import read_file
from tests.fuzz.budget import counted, fuzz_settings
from tests.fuzz.record_inputs import NASTY_STRINGS, check_record, contexts, source

NEXUS = source("nexus", url="/srv/nexus")
CTX = contexts(NEXUS)
SECRET = "SECRET_CANARY_NEXUS"

ENTRY_FIELDS = [
    "title", "start_time", "end_time", "experiment_identifier", "experiment_description",
    "entry_identifier", "definition", "DOI", "doi",
]  # fmt: skip
GROUP_FIELDS = {
    "NXinstrument": ["name"],
    "NXsource": ["name", "type", "probe", "current", "energy"],
    "NXsample": ["name", "chemical_formula", "description", "temperature", "pressure"],
    "NXuser": ["name", "affiliation", "role", "ORCID", "facility_user_id"],
    "NXsubentry": ["definition"],
    "NXmonochromator": ["wavelength", "energy"],
    "NXbeam": ["incident_energy", "flux"],
    "NXdetector": ["distance", "count_time", "x_pixel_size"],
    "NXdata": ["data"],
    "NXcollection": ["x"],
}
CLASSES = [*GROUP_FIELDS, "NXentry", ""]
UNITS = [
    "K",
    "degC",
    "keV",
    "mm",
    "Angstrom",
    "s",
    "",
    "m**99999",
    "10**10**8 m",
    "(10**50)**(10**50)",
]
TEXTS = [s for s in NASTY_STRINGS if not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]


NO_SURROGATES = st.text(max_size=20).filter(
    lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)
)


def hdf5_values(text: list[str]) -> st.SearchStrategy[Any]:
    """Values of every type HDF5 stores, as h5py writes them (texts from ``text`` or random)."""
    texts = st.sampled_from(text) | NO_SURROGATES
    utf8 = texts.map(lambda s: s.encode()[:60])
    return st.one_of(
        texts,
        texts,
        st.binary(max_size=12).map(np.bytes_),  # fixed-length, maybe no UTF-8
        utf8.map(np.bytes_),
        # variable-length "UTF-8" strings that are not (h5py reads them with surrogateescape)
        (st.binary(max_size=12) | utf8).map(lambda b: np.array(b, dtype=h5py.string_dtype())),
        st.integers(-(2**63), 2**63 - 1).map(np.int64),
        st.integers(0, 2**64 - 1).map(np.uint64),
        st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
        st.booleans().map(np.bool_),
        st.lists(st.floats(allow_nan=True), max_size=3).map(lambda v: np.array(v, dtype="f8")),
        st.lists(texts, max_size=3).map(lambda v: np.array(v, dtype=h5py.string_dtype())),
        st.sampled_from(["f8", "i4", h5py.string_dtype()]).map(h5py.Empty),
        st.just(np.array((1, 2.5), dtype=[("a", "i4"), ("b", "f8")])),  # compound
        utf8.map(lambda b: np.array([[b[:20]]])),  # a 1×1 array of fixed-length bytes
        st.sampled_from([10_001, 70_000]).map(lambda n: "x" * n),
    )


VALUES = hdf5_values(TEXTS)
UNIT_VALUES = st.none() | st.sampled_from(UNITS) | hdf5_values(UNITS)
CLASS_VALUES = hdf5_values(CLASSES)
DOI_VALUES = hdf5_values(["10.5072/X-1", "10.5072/\ue000", "doi:", "x"])


@st.composite
def group_spec(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    nx_class = draw(st.sampled_from(CLASSES))
    names = GROUP_FIELDS.get(nx_class, ["x"])
    fields = {
        name: (draw(VALUES), draw(UNIT_VALUES))
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
    }
    children = draw(st.lists(group_spec(depth + 1), max_size=2)) if depth < 2 else []
    return {
        "class": draw(CLASS_VALUES) if draw(st.integers(0, 5)) == 0 else nx_class,
        "fields": fields,
        "children": children,
        "link": draw(st.sampled_from([None, None, None, "soft", "external", "cycle"])),
    }


@st.composite
def entry_spec(draw: st.DrawFn) -> dict[str, Any]:
    fields = {
        name: (draw(VALUES), None)
        for name in draw(st.lists(st.sampled_from(ENTRY_FIELDS), max_size=6, unique=True))
    }
    return {
        "name": draw(st.sampled_from(["entry", "entry1", "scan 1", "é", "x" * 200])),
        "doi": draw(st.none() | DOI_VALUES),
        "fields": fields,
        "children": draw(st.lists(group_spec(), max_size=4)),
    }


def _write_value(parent: Any, name: str, value: Any) -> Any:
    try:
        return parent.create_dataset(name, data=value, track_times=False)
    except (TypeError, ValueError):  # a value this h5py cannot store: not what is fuzzed here
        return None


def _set_attr(obj: Any, name: str, value: Any) -> None:
    with suppress(TypeError, ValueError):  # a value this h5py cannot store
        obj.attrs[name] = value


def _write_group(parent: Any, name: str, spec: dict[str, Any], secret: Path) -> None:
    group = parent.create_group(name)
    _set_attr(group, "NX_class", spec["class"])
    for field, (value, units) in spec["fields"].items():
        ds = _write_value(group, field, value)
        if ds is not None and units is not None:
            _set_attr(ds, "units", units)
    for i, child in enumerate(spec["children"]):
        _write_group(group, f"g{i}", child, secret)
    if spec["link"] == "soft":
        group["soft"] = h5py.SoftLink(parent.name)
    elif spec["link"] == "external":
        group["ext"] = h5py.ExternalLink(str(secret), "/entry")
    elif spec["link"] == "cycle":
        group["up"] = parent  # a hard link to the parent: the tree has a cycle


def write_file(path: Path, entries: list[dict[str, Any]], secret: Path) -> None:
    with h5py.File(path, "w") as f:
        for i, spec in enumerate(entries):
            name = spec["name"] if spec["name"] not in f else f"{spec['name']}{i}"
            entry = f.create_group(name)
            entry.attrs["NX_class"] = "NXentry"
            if spec["doi"] is not None:
                _set_attr(entry, "DOI", spec["doi"])
            for field, (value, _) in spec["fields"].items():
                _write_value(entry, field, value)
            for j, child in enumerate(spec["children"]):
                _write_group(entry, f"c{j}", child, secret)


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HDF5 file outside the folder, which external links point to: never read."""
    path = tmp_path_factory.mktemp("outside") / "secret.h5"
    with h5py.File(path, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        e.create_dataset("title", data=SECRET)
        s = e.create_group("sample")
        s.attrs["NX_class"] = "NXsample"
        s.create_dataset("name", data=SECRET)
    return path


@fuzz_settings(ci=100, large=2500)
@given(entries=st.lists(entry_spec(), min_size=1, max_size=2), ctx=st.sampled_from(CTX))
def test_nexus_files(
    tmp_path_factory: pytest.TempPathFactory,
    secret: Path,
    entries: list[dict[str, Any]],
    ctx: Context,
) -> None:
    counted("nexus/hdf5-files")
    path = tmp_path_factory.mktemp("nexus") / "fuzz.nxs"
    write_file(path, entries, secret)
    records = read_file(path, "fuzz.nxs")
    assert SECRET not in repr(records)
    assert not any("error" in r for r in records), records  # the file is readable HDF5
    assert len(records) == len(entries)
    for record in records:
        check_record(NEXUS, ctx, "entries", record)
