"""The catalogue variants an evaluation runs on: the shipped corpus, and the grown catalogue (every record of the
shared samples imported beside the Québec records), each indexed in a store of its own under the index folder."""

import shutil
from pathlib import Path

from assistant.engine import Engine
from assistant.importers import Format, import_into_catalogue
from assistant.intent import IntentModel

# (folder under the samples, import format): publiccode.yml files, and the Open Resource Exchange's records
SAMPLE_SOURCES: tuple[tuple[str, Format], ...] = (
    ("publiccode", "publiccode"), ("ore-ero/code", "ore"), ("ore-ero/software", "ore"))


def import_shared_samples(samples: Path, target: Path, home: Path) -> Path:
    """Every importable record of the shared samples written into `target` (records refused by the importers,
    such as a second file with the same id, are left out as `assistant catalogue import` leaves them)."""
    for folder, fmt in SAMPLE_SOURCES:
        if (samples / folder).exists():
            import_into_catalogue(samples / folder, fmt, target, home)
    return target


def grown_engine(engine: Engine, samples: Path, progress: bool = False, calibrated: bool = True,
                 intent: IntentModel | None = None) -> Engine | None:
    """An engine over the grown catalogue: the Québec records and every record of the shared samples, in a
    catalogue folder and a collection of their own under the index folder; None when the samples are absent."""
    if not samples.is_dir():
        return None
    settings = engine.settings
    folder = settings.path(settings.index_dir) / "grown-catalogue"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(settings.path(settings.catalogue_dir), folder)
    import_shared_samples(samples, folder, settings.home)
    grown = Engine(settings.model_copy(update={"catalogue_dir": folder, "collection": f"{settings.collection}-grown"}),
                   calibrated=calibrated, intent=intent)
    grown.ingest(progress=progress)
    return grown
