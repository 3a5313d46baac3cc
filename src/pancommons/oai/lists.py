"""Frozen lists behind resumption tokens, so that a harvest in pages sees one consistent list.

The first request of a ListIdentifiers/ListRecords harvest selects the matching records and
freezes their identifiers (in order) under a random list id; every resumption token names that
list and a position in it. A page shows each record as it is *now* (a record deleted meanwhile
comes as a deleted header, once), but the list itself never shifts: records added or changed
after the first request are not in it (their datestamps are later than the harvest's start, so
the harvester's next incremental run, ``from`` = this run's first ``responseDate``, gets them).
Nothing is lost and nothing is repeated, whatever the graph does between pages.

Lists live in SQLite under ``{state}/oai`` (shared by the server's workers; in memory when no
state directory is given) and expire after ``ttl`` seconds (the token's ``expirationDate``).
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOKEN = re.compile(r"^([0-9a-f]{24})\.(\d{1,9})$")


@dataclass(frozen=True)
class Frozen:
    list_id: str
    verb: str
    prefix: str
    total: int
    expires: float


class Lists:
    def __init__(self, directory: str | os.PathLike[str] | None, ttl: float = 86_400) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if directory is None:
            self._path = ":memory:"
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self._path = str(Path(directory) / "lists.sqlite")
        with self._db() as db:
            db.executescript(
                "CREATE TABLE IF NOT EXISTS lists (id TEXT PRIMARY KEY, verb TEXT, prefix TEXT, "
                "total INTEGER, expires REAL);"
                "CREATE TABLE IF NOT EXISTS items (list TEXT, pos INTEGER, dataset TEXT, "
                "PRIMARY KEY (list, pos)) WITHOUT ROWID;"
            )

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._lock, self._memory:
                yield self._memory
            return
        db = sqlite3.connect(self._path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def freeze(self, verb: str, prefix: str, datasets: Sequence[str]) -> Frozen:
        """Keep ``datasets`` (in order) as a new list; expired lists are dropped."""
        list_id = secrets.token_hex(12)
        expires = time.time() + self.ttl
        with self._db() as db:
            old = [
                r[0] for r in db.execute("SELECT id FROM lists WHERE expires < ?", (time.time(),))
            ]
            for x in old:
                db.execute("DELETE FROM items WHERE list = ?", (x,))
                db.execute("DELETE FROM lists WHERE id = ?", (x,))
            db.execute(
                "INSERT INTO lists VALUES (?, ?, ?, ?, ?)",
                (list_id, verb, prefix, len(datasets), expires),
            )
            db.executemany(
                "INSERT INTO items VALUES (?, ?, ?)",
                ((list_id, i, d) for i, d in enumerate(datasets)),
            )
        return Frozen(list_id, verb, prefix, len(datasets), expires)

    def resume(self, token: str, verb: str) -> tuple[Frozen, int] | None:
        """The list and position a token names, or None when it is not one of ours, is for
        another verb, or has expired."""
        m = TOKEN.match(token)
        if not m:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT verb, prefix, total, expires FROM lists WHERE id = ?", (m.group(1),)
            ).fetchone()
        if row is None or row[0] != verb or row[3] < time.time():
            return None
        pos = int(m.group(2))
        if pos <= 0 or pos >= row[2]:
            return None
        return Frozen(m.group(1), row[0], row[1], row[2], row[3]), pos

    def page(self, frozen: Frozen, pos: int, size: int) -> list[str]:
        with self._db() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT dataset FROM items WHERE list = ? AND pos >= ? AND pos < ? "
                    "ORDER BY pos",
                    (frozen.list_id, pos, pos + size),
                )
            ]
