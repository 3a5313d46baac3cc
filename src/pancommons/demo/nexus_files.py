"""Synthetic NeXus/HDF5 files for the ``demo-nexus`` source and the tests (not real data).

Small files shaped like what ESRF beamlines write: an NXmx crystallography entry (ID30A-1), an
NXsas entry (ID02) with two users, an NXtomo entry (ID19) and an NXmx file holding two sweeps
(two NXentry groups). Names, proposals and values are made up; the two ORCID iDs are the
examples of ORCID's own documentation. The files are generated rather than shipped: the same
records on every run (fixed times, no HDF5 object timestamps, fixed file modification times).
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

ESRF = "European Synchrotron Radiation Facility"
SOURCE = {"name": ESRF, "type": "Synchrotron X-ray Source", "probe": "x-ray"}
STAMP = ".pancommons-demo-files"  # which version wrote them (not a NeXus file: not harvested)


def _group(parent: Any, name: str, nx_class: str) -> Any:
    g = parent.create_group(name)
    g.attrs["NX_class"] = nx_class
    return g


def _fields(group: Any, values: dict[str, Any]) -> None:
    """Fields: ``name: text`` or ``name: (number, units)``; no creation times (deterministic)."""
    for name, value in values.items():
        if isinstance(value, tuple):
            ds = group.create_dataset(name, data=value[0], track_times=False)
            ds.attrs["units"] = value[1]
        else:
            group.create_dataset(name, data=value, track_times=False)


def _entry(f: Any, name: str, fields: dict[str, Any]) -> Any:
    entry = _group(f, name, "NXentry")
    _fields(entry, fields)
    return entry


def _instrument(entry: Any, name: str, short: str, energy_gev: float = 6.0) -> Any:
    inst = _group(entry, "instrument", "NXinstrument")
    _fields(inst, {"name": name})
    inst["name"].attrs["short_name"] = short
    _fields(_group(inst, "source", "NXsource"), {**SOURCE, "energy": (energy_gev, "GeV")})
    return inst


def _user(entry: Any, group: str, **fields: str) -> None:
    _fields(_group(entry, group, "NXuser"), fields)


def _data(entry: Any, shape: tuple[int, ...]) -> None:
    """A token NXdata block: the harvester must skip data, so there is some to skip."""
    data = _group(entry, "data", "NXdata")
    data.attrs["signal"] = "data"
    data.create_dataset("data", data=np.zeros(shape, dtype="uint16"), track_times=False)


def _mx_sweep(f: Any, name: str, title: str, start: str, end: str, omega: float) -> None:
    entry = _entry(
        f,
        name,
        {
            "definition": "NXmx",
            "title": title,
            "start_time": start,
            "end_time": end,
            "experiment_identifier": "MX-2468",
            "experiment_description": "Thaumatin crystals, two sweeps for a complete dataset.",
        },
    )
    inst = _instrument(entry, "ID30A-3 MASSIF-3", "ID30A-3")
    _fields(_group(inst, "monochromator", "NXmonochromator"), {"energy": (12.812, "keV")})
    det = _group(inst, "detector", "NXdetector")
    _fields(det, {"description": "Eiger X 4M", "distance": (150.0, "mm")})
    _fields(det, {"count_time": (0.01, "s")})
    sample = _group(entry, "sample", "NXsample")
    _fields(sample, {"name": "Thaumatin crystal 3", "temperature": (100.0, "K")})
    _fields(_group(sample, "beam", "NXbeam"), {"incident_wavelength": (0.9677, "angstrom")})
    _fields(_group(sample, "goniometer", "NXtransformations"), {"omega_start": (omega, "deg")})
    _user(entry, "user", name="Camille Martin", affiliation="EMBL Grenoble", role="proposer")
    _data(entry, (2, 4, 4))


def _thaumatin(f: Any) -> None:
    """One file, two NXentry groups (two sweeps of one crystal)."""
    _mx_sweep(
        f,
        "entry_0001",
        "Thaumatin, sweep 1",
        "2024-03-15T10:01:00+01:00",
        "2024-03-15T10:02:30+01:00",
        0.0,
    )
    _mx_sweep(f, "entry_0002", "Thaumatin, sweep 2", "2024-03-15T10:03:00+01:00",
              "2024-03-15T10:04:30+01:00", 90.0)  # fmt: skip


def _lysozyme(f: Any) -> None:
    entry = _entry(
        f,
        "entry",
        {
            "definition": "NXmx",
            "title": "Hen egg-white lysozyme, native, 360° sweep at 100 K",
            "start_time": "2024-03-14T09:12:03+01:00",
            "end_time": "2024-03-14T09:13:41+01:00",
            "experiment_identifier": "MX-2468",
            "experiment_description": "Automated data collection on tetragonal lysozyme.",
        },
    )
    inst = _instrument(entry, "ID30A-1 MASSIF-1", "ID30A-1")
    _fields(_group(inst, "monochromator", "NXmonochromator"), {"energy": (12.84, "keV")})
    _fields(
        _group(inst, "detector", "NXdetector"),
        {"description": "Pilatus3 2M", "distance": (193.4, "mm"), "count_time": (0.05, "s")},
    )
    sample = _group(entry, "sample", "NXsample")
    _fields(
        sample,
        {
            "name": "Lysozyme (hen egg white), tetragonal crystal",
            "chemical_formula": "C613H959N193O185S10",
            "temperature": (100.0, "K"),
        },
    )
    _fields(_group(sample, "beam", "NXbeam"), {"incident_wavelength": (0.9655, "angstrom")})
    _user(entry, "user_01", name="Camille Martin", affiliation="EMBL Grenoble", role="proposer")
    _user(entry, "user_02", name="Pierre Durand", affiliation="ESRF", role="local_contact")
    _data(entry, (2, 4, 4))


def _saxs(f: Any) -> None:
    entry = _entry(
        f,
        "entry",
        {
            "definition": "NXsas",
            "title": "SDS micelles in water, 50 mM, 25 °C",
            "start_time": "2024-05-02T14:30:00Z",
            "end_time": "2024-05-02T14:30:10Z",
            "experiment_identifier": "SC-5123",
        },
    )
    inst = _instrument(entry, "ID02 TRUSAXS", "ID02")
    _fields(
        _group(inst, "monochromator", "NXmonochromator"),
        {"wavelength": (1.0, "angstrom")},
    )
    _fields(_group(inst, "detector", "NXdetector"), {"distance": (10.0, "m")})
    _fields(
        _group(entry, "sample", "NXsample"),
        {
            "name": "Sodium dodecyl sulfate micelles, 50 mM",
            "chemical_formula": "C12H25NaO4S",
            "temperature": (25.0, "degC"),
            "pressure": (1.0, "bar"),
        },
    )
    _user(
        entry,
        "user_pi",
        name="Josiah Carberry",
        affiliation="Brown University",
        ORCID="0000-0002-1825-0097",
        role="principal_investigator",
    )
    _user(
        entry,
        "user_2",
        name="Laurel Haak",
        affiliation="ORCID",
        ORCID="https://orcid.org/0000-0001-5109-3700",
        facility_user_id="u1017",
        role="user",
    )
    _data(entry, (8, 8))


def _tomo(f: Any) -> None:
    entry = _entry(
        f,
        "entry",
        {
            "definition": "NXtomo",
            "title": "Limestone core, absorption microtomography",
            "start_time": "2024-06-20 22:05:11",
            "end_time": "2024-06-20 22:41:52",
            "experiment_identifier": "ES-1103",
        },
    )
    inst = _instrument(entry, "ID19", "ID19")
    _fields(_group(inst, "monochromator", "NXmonochromator"), {"energy": (60.0, "keV")})
    det = _group(inst, "detector", "NXdetector")
    _fields(det, {"x_pixel_size": (6.5, "um"), "distance": (2.8, "m")})
    det.create_dataset("image_key", data=np.array([1, 0, 0, 2], dtype="int8"), track_times=False)
    sample = _group(entry, "sample", "NXsample")
    _fields(sample, {"name": "Limestone core L7", "chemical_formula": "CaCO3"})
    sample.create_dataset("rotation_angle", data=np.linspace(0.0, 180.0, 4), track_times=False)
    sample["rotation_angle"].attrs["units"] = "degree"
    _user(entry, "user", name="Ana Pereira", affiliation="Universidade de Lisboa", role="user")
    _data(entry, (4, 4, 4))


# relative path → (writer, modification time: the end of the measurement)
FILES = {
    "id02/sc5123/saxs_sds_0042.nxs": (_saxs, "2024-05-02T14:30:10+00:00"),
    "id19/es1103/limestone_0007.h5": (_tomo, "2024-06-20T22:41:52+02:00"),
    "id30a-1/mx2468/lysozyme_0001.nxs": (_lysozyme, "2024-03-14T09:13:41+01:00"),
    "id30a-3/mx2468/thaumatin_0002.nxs": (_thaumatin, "2024-03-15T10:04:30+01:00"),
}


def write_demo_files(folder: Path) -> list[Path]:
    """Write the demo files under ``folder`` (created if missing); their paths, sorted."""
    import h5py

    paths = []
    for rel, (write, modified) in sorted(FILES.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with h5py.File(tmp, "w", libver="earliest", locking=False) as f:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["file_name"] = path.name
            f.attrs["file_time"] = modified
            f.attrs["creator"] = "pancommons.demo.nexus_files (synthetic example data)"
            f.attrs["default"] = "entry"
            write(f)
        os.replace(tmp, path)  # never a half-written file where the harvester looks
        stamp = datetime.fromisoformat(modified).timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths


def _stamp() -> str:
    """Changes whenever this module does: files written by an older version are replaced."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def ensure_demo_files(folder: Path) -> list[Path]:
    """Write the demo files unless ``folder`` holds all of them, written by this version of
    the module (a first run, a run that died half-way, an upgrade); the files written."""
    stamp = folder / STAMP
    current = _stamp()
    if all((folder / rel).is_file() for rel in FILES) and (
        stamp.is_file() and stamp.read_text(encoding="ascii").strip() == current
    ):
        return []
    paths = write_demo_files(folder)
    stamp.write_text(current + "\n", encoding="ascii")
    return paths
