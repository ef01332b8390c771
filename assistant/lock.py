"""One writer at a time, and readers that follow it: an ingest holds the index's writer lock from its first write
to its last (a second one is refused at once, told who holds it), then publishes a new generation of the index,
which every running engine notices before its next question and opens.

`WriterLock` is the interface an ingest uses; `FileLock` is the one the embedded store needs (an advisory lock on
a file of the index folder, which the system releases when its holder dies, however it dies). Machines that share
one index through a Chroma server need a lock they all see (a row of the shared database): another
`WriterLock`, the ingest unchanged.
"""

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from assistant.errors import IndexBusy

LOCK_FILE = ".ingest.lock"  # in the index folder; hidden, never indexed or served
GENERATION_FILE = ".generation"  # in the index folder: what the last complete ingest published


class WriterLock(Protocol):
    def held(self) -> AbstractContextManager[None]:
        """Held for the duration of the `with` block; IndexBusy at once when another writer holds it."""
        ...


class FileLock:
    """An exclusive `flock` on `<index folder>/.ingest.lock`, whose content names the holder (pid, host, since)."""

    def __init__(self, index_dir: Path):
        self.path = index_dir / LOCK_FILE

    @contextmanager
    def held(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy(self.path, holder(handle)) from None
            handle.seek(0)
            handle.truncate()
            json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                       "since": datetime.now(UTC).isoformat(timespec="seconds")}, handle)
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)


def holder(handle: IO[str]) -> dict[str, str]:
    """Who the lock file says holds it (empty when it says nothing readable)."""
    handle.seek(0)
    try:
        found = json.loads(handle.read() or "{}")
    except ValueError:
        return {}
    return {key: str(found[key]) for key in ("pid", "host", "since") if key in found} if isinstance(found, dict) else {}


def publish_generation(index_dir: Path) -> str:
    """Say that the index changed and is complete again: a new generation, written whole (a reader sees the old
    one or the new one, never half of one)."""
    generation = f"{time.time_ns()}-{os.getpid()}"
    staging = index_dir / f"{GENERATION_FILE}.{os.getpid()}"
    staging.write_text(generation, encoding="utf-8")
    staging.replace(index_dir / GENERATION_FILE)
    return generation


def current_generation(index_dir: Path) -> str:
    """The generation the index is at ("" before any ingest published one): cheap enough to read per question."""
    try:
        return (index_dir / GENERATION_FILE).read_text(encoding="utf-8")
    except OSError:
        return ""
