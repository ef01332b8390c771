"""One writer at a time, and readers that follow it: an ingest holds the index's writer lock from its first write
to its last (a second one is refused at once, told who holds it), then publishes a new generation of the index,
which every running engine notices before its next question and opens.

Generations without copies: chunk ids carry their source's content hash, so an ingest adds a changed source's
new chunks beside the old ones and publishes a manifest (source -> hash) naming what the new generation holds.
Readers see only the chunks their manifest names: a killed ingest leaves chunks no manifest names (invisible,
removed by the next ingest), and the chunks of the generation before stay until the next ingest, for the
questions still under way on it.

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
GENERATION_FILE = ".generation"  # + -<collection>, in the index folder: what the last complete ingest published
MANIFEST_PREFIX = ".manifest-"  # + <collection>-<generation>.json: the sources (path -> content hash) it holds
DETAIL_PREFIX = ".sources-"  # + <collection>-<generation>.json: what the ingest that published it says of them


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


class Generations:
    """The generations of one collection of an index folder: `<folder>/.generation-<collection>` names the current
    one, `<folder>/.manifest-<collection>-<generation>.json` holds its sources, and
    `<folder>/.sources-<collection>-<generation>.json` what its writer said of them (`generation.Published`)."""

    def __init__(self, index_dir: Path, collection: str):
        self.index_dir = index_dir
        self.pointer = index_dir / f"{GENERATION_FILE}-{collection}"
        self.prefix = f"{MANIFEST_PREFIX}{collection}-"
        self.detail_prefix = f"{DETAIL_PREFIX}{collection}-"

    def _manifest_path(self, generation: str) -> Path:
        return self.index_dir / f"{self.prefix}{generation}.json"

    def _detail_path(self, generation: str) -> Path:
        return self.index_dir / f"{self.detail_prefix}{generation}.json"

    def publish(self, sources: dict[str, str], detail: str | None = None) -> str:
        """Say that the index is complete again with these sources (path -> content hash, the chunks readers see),
        and what the writer says of them (`detail`): both are written under new names first, then the pointer
        names them, replaced whole (a reader sees the old generation or the new one, never half of one). The
        files of generations older than the one before go."""
        generation, current = f"{time.time_ns()}-{os.getpid()}", self.current()
        kept = {path(name).name for path in (self._manifest_path, self._detail_path) for name in (generation, current)}
        if detail is not None:
            _write_whole(self._detail_path(generation), detail)
        _write_whole(self._manifest_path(generation), json.dumps(sources, sort_keys=True))
        _write_whole(self.pointer, generation)
        for prefix in (self.prefix, self.detail_prefix):
            for old in self.index_dir.glob(f"{prefix}*.json"):
                if old.name not in kept:
                    old.unlink(missing_ok=True)
        return generation

    def detail(self, generation: str | None = None) -> str | None:
        """What the writer said of a generation's sources (the current one by default); None when it said nothing
        (an index published before it did)."""
        generation = self.current() if generation is None else generation
        try:
            return self._detail_path(generation).read_text(encoding="utf-8") if generation else None
        except OSError:
            return None

    def current(self) -> str:
        """The generation the index is at ("" before any ingest published one): cheap enough to read per question."""
        try:
            return self.pointer.read_text(encoding="utf-8")
        except OSError:
            return ""

    def manifest(self, generation: str | None = None) -> dict[str, str] | None:
        """The sources of a generation (the current one by default), path -> content hash; None for an index that
        published none (built before generations had manifests: every complete source it holds is then read)."""
        generation = self.current() if generation is None else generation
        if not generation:
            return None
        try:
            found = json.loads(self._manifest_path(generation).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return {str(source): str(digest) for source, digest in found.items()} if isinstance(found, dict) else None


def _write_whole(path: Path, text: str) -> None:
    staging = path.with_name(f"{path.name}.{os.getpid()}")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)
