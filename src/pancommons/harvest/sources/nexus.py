"""A folder of NeXus/HDF5 files: one record per NXentry, read with h5py (DESIGN §5).

``url`` is the folder, relative to the TOML file unless absolute; it is walked recursively for
``*.nxs``, ``*.nx5``, ``*.h5``, ``*.hdf5`` (so ``*.nxs.h5`` too) in sorted order. Each root group
with ``NX_class = NXentry`` becomes one JSON record (schema ``nexus-entries``): the entry's own
fields, NXinstrument (+ NXsource), NXsample, NXuser groups, and scalar fields with ``units``
of NXsample, NXsource, NXmonochromator, NXbeam and NXdetector groups as parameters. Data
(NXdata, arrays) is never read; external links are not followed. A file that is no readable
HDF5 becomes ``{"file", "size", "error"}``, which the mapping refuses: it is quarantined with
the reason and the run goes on. ``since`` keeps the files modified (mtime) after that date.

Each dataset's ``dct:source`` is the file it was read from: its download URL with ``base_url``,
else its ``file:`` URL.

Options: ``base_url`` (distributions get ``dcat:downloadURL`` = base_url + relative path);
``generate_demo_files`` (the demo: a relative ``url`` is then a folder under the state directory,
filled with ``pancommons.demo.nexus_files`` when a demo file is missing).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pancommons.harvest.config import SourceConfig
from pancommons.harvest.http import HttpClient
from pancommons.harvest.mapping import nexus as mapping
from pancommons.harvest.mapping.common import Context
from pancommons.harvest.mapping.nt import Triples
from pancommons.harvest.sources.base import Source

log = logging.getLogger("pancommons.harvest")

SUFFIXES = (".nxs", ".nx5", ".h5", ".hdf5")
PARAMETER_GROUPS = {"NXsample", "NXsource", "NXmonochromator", "NXbeam", "NXdetector"}
_ENTRY_FIELDS = (
    "title", "start_time", "end_time", "experiment_identifier", "experiment_description",
    "entry_identifier", "definition",
)  # fmt: skip
_MAX_DEPTH = 4  # entry/instrument/detector/… : deep enough for every base class we read
_MAX_TEXT = 10_000


class NexusFolderError(RuntimeError):
    """The folder to harvest does not exist."""


class NexusSource(Source):
    kind = "nexus"
    collections = ("entries",)

    def __init__(self, config: SourceConfig, http: HttpClient | None = None) -> None:
        super().__init__(config, http)
        self.base_url = str(config.options.get("base_url") or "")
        self._cache: dict[str | None, list[dict[str, Any]]] = {}
        self._folder: Path | None = None

    @property
    def folder(self) -> Path:
        """The folder harvested (the demo files are generated into it on first use)."""
        if self._folder is None:
            self._folder = self._resolve()
        return self._folder

    @property
    def location(self) -> str:
        """The folder as a path (what the run's PROV record should name)."""
        return str(self.folder)

    def _resolve(self) -> Path:
        url = Path(self.config.url).expanduser()
        if self.config.options.get("generate_demo_files"):
            from pancommons.config import Settings
            from pancommons.demo.nexus_files import ensure_demo_files

            if not url.is_absolute():
                url = Path(Settings.from_env().state) / url
            ensure_demo_files(url)
        elif not url.is_absolute() and self.config.path is not None:
            url = self.config.path.parent / url
        return url.resolve()

    def files(self, since: str | None = None) -> list[Path]:
        folder = self.folder
        if not folder.is_dir():
            raise NexusFolderError(f"{folder}: no such folder (the source's url)")
        after = _timestamp(since) if since else None
        found = [
            p
            for p in folder.rglob("*")
            if p.name.lower().endswith(SUFFIXES) and p.is_file()
            if after is None or p.stat().st_mtime > after
        ]
        return sorted(found, key=lambda p: p.relative_to(folder).as_posix())

    def records(self, since: str | None = None) -> list[dict[str, Any]]:
        """Every entry's record (read once per ``since`` and kept)."""
        if since not in self._cache:
            folder = self.folder
            out: list[dict[str, Any]] = []
            for path in self.files(since):
                rel = path.relative_to(folder).as_posix()
                for rec in read_file(path, rel):
                    if self.base_url and "error" not in rec:
                        rec["download_url"] = self.base_url + quote(rel)
                    out.append(rec)
            self._cache[since] = out
        return self._cache[since]

    def fetch(
        self, collection: str, skip: int, limit: int, since: str | None
    ) -> tuple[list[Any], str]:
        return self.records(since)[skip : skip + limit], f"{self.folder.as_uri()}#{skip}"

    def context(self, ctx: Context) -> Context:
        return replace(ctx, api=None, files=self.folder.as_uri())

    def map(self, ctx: Context, collection: str, record: dict[str, Any]) -> Triples:
        return mapping.map_record(ctx, collection, record)

    def record_key(self, collection: str, record: Any) -> str | None:
        if isinstance(record, dict) and record.get("file"):
            entry = record.get("entry")
            return f"{record['file']}:/{entry}" if entry else str(record["file"])
        return None


def _timestamp(since: str) -> float:
    try:
        when = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"since {since!r} is not an ISO 8601 date") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


# --- reading one file ---------------------------------------------------------------------------


def read_file(path: Path, rel: str) -> list[dict[str, Any]]:
    """The records of one file: one per NXentry, or one error record."""
    import h5py

    size = path.stat().st_size
    try:
        with h5py.File(path, "r", locking=False) as f:
            records = []
            for name in sorted(f):
                group = _hard(f, name)
                if isinstance(group, h5py.Group) and _nx_class(group) == "NXentry":
                    records.append({"file": rel, "size": size, "entry": name, **_entry(group)})
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, not fatal
        reason = " ".join(str(exc).split()) or type(exc).__name__
        log.warning("%s: cannot read as NeXus/HDF5: %s", path, reason)
        return [{"file": rel, "size": size, "error": f"cannot read as NeXus/HDF5: {reason}"}]
    if not records:
        log.info("%s: an HDF5 file without NXentry group; nothing to harvest", path)
    return records


def _entry(entry: Any) -> dict[str, Any]:
    import h5py

    rec: dict[str, Any] = {}
    for field in _ENTRY_FIELDS:
        _put(rec, field, _text(entry, field))
    doi = _plain(entry.attrs.get("DOI", entry.attrs.get("doi"))) or _text(entry, "DOI")
    _put(rec, "doi", doi if isinstance(doi, str) else None)
    groups = _children(entry)
    if "definition" not in rec:  # a multi-definition file names them in NXsubentry groups
        for g in groups.get("NXsubentry", ()):
            _put(rec, "definition", _text(g, "definition"))
            break
    for inst in groups.get("NXinstrument", ())[:1]:
        inst_rec = _fields(inst, ("name",))
        name = _hard(inst, "name")
        if isinstance(name, h5py.Dataset):
            _put(inst_rec, "short_name", _str(_plain(name.attrs.get("short_name"))))
        for src in _children(inst).get("NXsource", ())[:1]:
            _put(inst_rec, "source", _fields(src, ("name", "type", "probe")) or None)
        _put(rec, "instrument", inst_rec or None)
    for sample in groups.get("NXsample", ())[:1]:
        s = _fields(sample, ("name", "chemical_formula", "description"))
        s["group"] = sample.name.rsplit("/", 1)[-1]
        rec["sample"] = s
    users = [
        u
        for g in groups.get("NXuser", ())
        if (u := _fields(g, ("name", "affiliation", "role", "ORCID", "facility_user_id")))
    ]
    for u in users:
        if "ORCID" in u:
            u["orcid"] = u.pop("ORCID")
    _put(rec, "users", users or None)
    params: list[dict[str, Any]] = []
    _parameters(entry, params, 0)
    _put(rec, "parameters", params or None)
    return rec


def _parameters(group: Any, out: list[dict[str, Any]], depth: int) -> None:
    """Scalar fields with units of the base classes in PARAMETER_GROUPS, in file order."""
    import h5py

    cls = _nx_class(group)
    if cls in PARAMETER_GROUPS:
        for name in group:
            ds = _hard(group, name)
            if isinstance(ds, h5py.Dataset) and "units" in ds.attrs and ds.size == 1:
                value = _scalar(ds)
                if isinstance(value, int | float | str) and value != "":
                    units = _str(_plain(ds.attrs["units"])) or ""
                    prefix = cls.removeprefix("NX")
                    out.append({"name": f"{prefix}_{name}", "value": value, "units": units,
                                "path": ds.name})  # fmt: skip
    if depth < _MAX_DEPTH:
        for children in _children(group).values():
            for child in children:
                if _nx_class(child) != "NXdata":
                    _parameters(child, out, depth + 1)


def _children(group: Any) -> dict[str, list[Any]]:
    """Sub-groups by NX_class (hard links only: soft and external links are not followed)."""
    import h5py

    out: dict[str, list[Any]] = {}
    for name in group:
        child = _hard(group, name)
        if isinstance(child, h5py.Group):
            out.setdefault(_nx_class(child) or "", []).append(child)
    return out


def _hard(group: Any, name: str) -> Any:
    import h5py

    if not isinstance(group.get(name, getlink=True), h5py.HardLink):
        return None
    return group[name]


def _fields(group: Any, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        _put(out, name, _text(group, name))
    return out


def _put(rec: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "" and value != [] and value != {}:
        rec[key] = value


def _nx_class(obj: Any) -> str | None:
    return _str(_plain(obj.attrs.get("NX_class")))


def _text(group: Any, name: str) -> str | None:
    import h5py

    ds = _hard(group, name)
    if not isinstance(ds, h5py.Dataset) or ds.size != 1:
        return None
    value = _scalar(ds)
    if value is None or isinstance(value, bool):
        return None
    return str(value)[:_MAX_TEXT].strip() or None


_MAX_ITEM_BYTES = 64 * 1024


def _scalar(ds: Any) -> Any:
    """The value of a one-element dataset, or None for anything not to be read: types that are
    no metadata text, data stored in another file (external storage, virtual datasets: an
    untrusted file must not make us read local files) and items too big to be metadata (a few
    compressed bytes can declare a gigabyte string)."""
    if ds.dtype.kind not in "biufSUO":  # compound, enum, reference… types: not metadata text
        return None
    if ds.external or ds.is_virtual:
        return None
    if ds.dtype.itemsize > _MAX_ITEM_BYTES:
        return None
    if ds.dtype.kind == "O" and ds.id.get_storage_size() > _MAX_ITEM_BYTES:
        return None
    return _plain(ds[()])


def _str(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _plain(value: Any) -> Any:
    """bytes, numpy scalars and one-element arrays as plain JSON values (None otherwise)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.reshape(-1)[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, str) and not value.isascii():
        value = _valid_text(value)
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float):
        return value
    return None


def _valid_text(value: str) -> str:
    """``value`` with the bytes that were no UTF-8 as U+FFFD, as ``bytes`` are decoded above:
    h5py reads variable-length strings with ``surrogateescape``, so such bytes arrive as lone
    surrogates, which no RDF store can hold."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        raw = value.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")
