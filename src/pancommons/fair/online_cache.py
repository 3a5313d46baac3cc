"""What the online checks remember between runs: one :class:`Answer` per fetch, in sqlite.

An answer is everything a check needs from a fetch (status, final URL, media type, validators,
and whether the body mentioned what was asked or parsed), never the body itself. The file is
``{cache_dir}/online-cache.sqlite``, keyed by the fetch (kind, URL and what was looked for).
A cache that cannot be opened or written is logged and left out: the checks go on without it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import astuple, dataclass, field
from pathlib import Path

log = logging.getLogger("pancommons.fair.online")

FILE_NAME = "online-cache.sqlite"
_CREATE = (
    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, method TEXT, url TEXT, "
    "status INTEGER, final_url TEXT, content_type TEXT, etag TEXT, last_modified TEXT, "
    "body_ok INTEGER, note TEXT, checked REAL)"
)
_GET = (
    "SELECT method, url, status, final_url, content_type, etag, last_modified, body_ok, note, "
    "checked FROM answers WHERE key = ?"
)
_PUT = "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class Answer:
    """The outcome of one fetch, after redirects. Field order is the table's column order."""

    method: str
    url: str
    status: int | None
    """The last HTTP status; None when there was no answer (timeout, refused, loop, ...)."""
    final_url: str
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    body_ok: bool | None = None
    """page: the body mentions a needle; conneg: the body parses; None: not looked at."""
    note: str = ""
    """What went wrong, in a few words, when there is no status or the body is not ok."""
    checked: float = 0.0
    """When the server last gave this answer (seconds since the epoch)."""
    transient: bool = field(default=False, compare=False)
    """Likely to pass on another try (timeout, refused, 429/503): not kept."""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()


class AnswerCache:
    """Answers by key in ``{directory}/online-cache.sqlite``, or nowhere (``directory`` None).
    Safe to use from several threads."""

    def __init__(self, directory: Path | None) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / FILE_NAME, check_same_thread=False)
            self._db.execute(_CREATE)
        except (OSError, sqlite3.Error) as exc:
            log.warning("online cache in %s not used: %s", directory, exc)
            self.close()

    def get(self, key: str) -> Answer | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(_GET, (key,)).fetchone()
        except sqlite3.Error as exc:
            log.warning("online cache: %s", exc)
            return None
        if row is None:
            return None
        *head, body_ok, note, checked = row
        return Answer(*head, None if body_ok is None else bool(body_ok), note, checked)

    def put(self, key: str, answer: Answer) -> None:
        if self._db is None:
            return
        try:
            with self._lock, self._db:
                self._db.execute(_PUT, (key, *astuple(answer)[:-1]))
        except sqlite3.Error as exc:
            log.warning("online cache: %s", exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
