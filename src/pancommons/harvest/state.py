"""The on-disk state of a harvest run: what a checkpoint needs so that ``--resume`` goes on.

``{state}/{source}/`` holds ``mapped.nt`` (the N-Triples of every record mapped so far),
``quarantine.jsonl`` (records refused, with reasons) and ``checkpoint.json`` (where the next
page starts and how many bytes of both files belong to completed pages). The checkpoint is
written after the files are on disk, and replaced atomically, so a run killed at any moment
resumes from its last complete page: bytes written after it are cut off on resume.

``{state}/{source}.lock`` serialises runs of one source: a run holds an exclusive ``flock`` on
it from before it reads the checkpoint until it has swapped its graph in, so a second run of the
same source (another process, or another thread) is refused instead of interleaving pages or
wiping the first one's files. The kernel releases the lock when its holder exits, however it
exits (SIGKILL included), so a lock is never stale.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Checkpoint:
    run_id: str
    source: str
    started: str
    since: str | None
    cursor: dict[str, Any] = field(default_factory=lambda: {"collection": 0, "skip": 0})
    pages: int = 0
    seen: int = 0
    mapped: int = 0
    quarantined: int = 0
    nt_bytes: int = 0
    quarantine_bytes: int = 0
    attempt: int = 1
    """1, then +1 for each ``--resume``: each attempt is its own PROV activity."""


class SourceBusy(RuntimeError):
    """Another run of the same source holds its lock."""


class RunState:
    def __init__(self, root: str | os.PathLike[str], source: str) -> None:
        self.dir = Path(root) / source
        self.checkpoint_path = self.dir / "checkpoint.json"
        self.nt_path = self.dir / "mapped.nt"
        self.quarantine_path = self.dir / "quarantine.jsonl"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the source's run lock; ``SourceBusy`` (naming the holder) if another run has it."""
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        path = self.dir.parent / f"{self.dir.name}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
                raise SourceBusy(
                    f"another harvest of {self.dir.name} is running (process and start: "
                    f"{holder}; lock {path}); runs of one source are serialised: wait for it "
                    "to end, then run again"
                ) from None
            started = datetime.now(UTC).isoformat(timespec="seconds")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} since {started}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def load(self) -> Checkpoint | None:
        try:
            data = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
            return Checkpoint(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise RuntimeError(
                f"{self.checkpoint_path} is damaged ({exc}); run without --resume to start over"
            ) from exc

    def start(self, checkpoint: Checkpoint) -> None:
        """A fresh run: empty files, first checkpoint."""
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.nt_path.write_bytes(b"")
        self.quarantine_path.write_bytes(b"")
        self.save(checkpoint)

    def reopen(self, checkpoint: Checkpoint) -> None:
        """Resume: cut both files back to what the checkpoint vouches for."""
        for path, size in (
            (self.nt_path, checkpoint.nt_bytes),
            (self.quarantine_path, checkpoint.quarantine_bytes),
        ):
            if not path.exists() or path.stat().st_size < size:
                raise RuntimeError(
                    f"{path} is shorter than its checkpoint says; run without --resume to "
                    "start over"
                )
            with open(path, "r+b") as f:
                f.truncate(size)

    def save(self, checkpoint: Checkpoint) -> None:
        tmp = self.checkpoint_path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(asdict(checkpoint), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.checkpoint_path)

    def quarantine(self) -> list[dict[str, Any]]:
        if not self.quarantine_path.exists():
            return []
        with open(self.quarantine_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
