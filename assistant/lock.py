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
GENERATION_FILE = ".generation"  # in the index folder: what the last complete ingest published
MANIFEST_PREFIX = ".manifest-"  # + generation + .json: the sources (path -> content hash) a generation holds


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


def _manifest_path(index_dir: Path, generation: str) -> Path:
    return index_dir / f"{MANIFEST_PREFIX}{generation}.json"


def publish_generation(index_dir: Path, sources: dict[str, str]) -> str:
    """Say that the index is complete again with these sources (path -> content hash, the chunks readers see): its
    manifest is written under a new name first, then the generation file names it, replaced whole (a reader sees
    the old generation or the new one, never half of one). Manifests older than the one before are removed."""
    generation = f"{time.time_ns()}-{os.getpid()}"
    previous = current_generation(index_dir)
    _write_whole(_manifest_path(index_dir, generation), json.dumps(sources, sort_keys=True))
    _write_whole(index_dir / GENERATION_FILE, generation)
    for manifest in index_dir.glob(f"{MANIFEST_PREFIX}*.json"):
        if manifest.name not in {_manifest_path(index_dir, g).name for g in (generation, previous)}:
            manifest.unlink(missing_ok=True)
    return generation


def _write_whole(path: Path, text: str) -> None:
    staging = path.with_name(f"{path.name}.{os.getpid()}")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)


def current_generation(index_dir: Path) -> str:
    """The generation the index is at ("" before any ingest published one): cheap enough to read per question."""
    try:
        return (index_dir / GENERATION_FILE).read_text(encoding="utf-8")
    except OSError:
        return ""


def read_manifest(index_dir: Path, generation: str | None = None) -> dict[str, str] | None:
    """The sources of a generation (the current one by default), path -> content hash; None for an index that
    published none (built before generations had manifests: every complete source it holds is then read)."""
    generation = current_generation(index_dir) if generation is None else generation
    if not generation:
        return None
    try:
        found = json.loads(_manifest_path(index_dir, generation).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {str(source): str(digest) for source, digest in found.items()} if isinstance(found, dict) else None
