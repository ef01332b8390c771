"""The catalogue: one YAML file per record, read and checked, written atomically.

Records in other formats come in through assistant.importers.
"""

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.errors import RecordError, too_big
from assistant.models import CatalogueRecord
from assistant.settings import Bounds, source_name
from assistant.text import identifier_form


def slugify(text: str) -> str:
    """ASCII, lowercase, words joined by '-', at most 80 characters: 'Québec Œuvre' -> 'quebec-oeuvre'."""
    return re.sub(r"[^a-z0-9]+", "-", identifier_form(text)).strip("-")[:80].strip("-")


_SEARCH_WORD = re.compile(r"[a-z0-9]+")  # a query's words, once folded by identifier_form


def searchable_text(record: CatalogueRecord) -> str:
    parts = [record.id, record.name, record.acronym or "", record.description, record.owner or "", record.status or "",
             *record.users, *(project.name for project in record.sub_projects), *record.keywords.fr,
             *record.keywords.en]
    return identifier_form(" ".join(parts))


def filter_records(records: Iterable[CatalogueRecord], query: str = "", kind: str | None = None,
                   owner: str | None = None, level: int | None = None) -> list[CatalogueRecord]:
    """The records that match every given criterion: each word of the query (accents and case ignored) at the
    start of a word of the record («SAG» finds the SAG, not «usagers»; «authentif» finds «authentification»), the
    kind, the owner (exact), the level."""
    starts = [re.compile(rf"(?<![a-z0-9]){re.escape(word)}") for word in _SEARCH_WORD.findall(identifier_form(query))]
    return [record for record in records
            if (kind is None or record.kind == kind) and (owner is None or record.owner == owner)
            and (level is None or record.level == level)
            and all(start.search(searchable_text(record)) for start in starts)]


# ---- the catalogue's own files


# libyaml's parser (ten times faster than PyYAML's own: reading 10,000 records at start-up takes 3 s, not 35 s).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _shape_problem(raw: str, nesting: int) -> str | None:
    """Why the YAML is refused before anything is built from it, from the parser's events: an alias (a few lines
    of `&a [*a, *a, …]` expand to billions of nodes), or nesting deeper than `nesting`."""
    depth = 0
    for event in yaml.parse(raw, Loader=_LOADER):
        where = f" (ligne {event.start_mark.line + 1})" if event.start_mark else ""
        if isinstance(event, yaml.AliasEvent):
            return f"les alias YAML (*nom) ne sont pas acceptés{where}"
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > nesting:
                return f"imbrication trop profonde (plus de {nesting} niveaux){where}"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def refuse_oversized_file(path: Path, document: str, max_bytes: int) -> None:
    """RecordError when the file is over `max_bytes`: refused before it is read."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise RecordError(document, None, f"lecture impossible ({err.strerror})") from err
    if size > max_bytes:
        raise RecordError(document, None, too_big("fichier trop volumineux", size, max_bytes, "octets"))


def load_text(path: Path, home: Path, max_bytes: int) -> tuple[str, str]:
    """A UTF-8 text file (a CSV table) as (its document name under `home`, its text), refused over `max_bytes`."""
    document = source_name(path, home)
    refuse_oversized_file(path, document, max_bytes)
    try:
        return document, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RecordError(document, None, f"lecture impossible comme texte UTF-8 : {err}") from err


def load_yaml(path: Path, home: Path, max_bytes: int, nesting: int) -> tuple[str, str, Any]:
    """A YAML file as (its document name under `home`, its raw text, its parsed content), refused when it is over
    `max_bytes` or nested deeper than `nesting`, or uses aliases."""
    document = source_name(path, home)
    refuse_oversized_file(path, document, max_bytes)
    try:
        raw = path.read_text(encoding="utf-8-sig")
        if problem := _shape_problem(raw, nesting):
            raise RecordError(document, None, problem)
        return document, raw, yaml.load(raw, Loader=_LOADER)  # noqa: S506  # a safe loader (C or Python)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        raise RecordError(document, None, f"YAML invalide : {err.problem or err.context}{where}") from err
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise RecordError(document, None, f"lecture impossible comme YAML : {err}") from err
    except (ValueError, OverflowError) as err:  # a value YAML cannot build: a date «2024-02-30», a huge integer
        raise RecordError(document, None, f"valeur YAML impossible : {str(err)[:120]}") from err


def _overlong(data: Any, limit: int, field: str = "") -> tuple[str, int] | None:
    """The first field (dotted path) whose text is over `limit` characters, and its length."""
    if isinstance(data, str):
        return (field, len(data)) if len(data) > limit else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        if found := _overlong(value, limit, f"{field}.{key}" if field else str(key)):
            return found
    return None


def record_from(document: str, **fields: Any) -> CatalogueRecord:
    """A record from its fields, checked against the model; RecordError naming the document and the field."""
    try:
        return CatalogueRecord.model_validate(fields)
    except ValidationError as err:
        raise RecordError.from_validation(document, err) from err


def read_record(path: Path, home: Path, bounds: Bounds = Bounds()) -> CatalogueRecord:
    """One catalogue file, checked against the model, its file name and the bounds; errors name it relative to
    `home`."""
    document, _, data = load_yaml(path, home, bounds.record_bytes, bounds.nesting)
    if not isinstance(data, dict):
        raise RecordError(document, None, f"un dictionnaire de champs était attendu, reçu {type(data).__name__}")
    if overlong := _overlong(data, bounds.field_chars):
        field, length = overlong
        raise RecordError(document, field, too_big("texte trop long", length, bounds.field_chars, "caractères"))
    record = record_from(document, **{str(key): value for key, value in data.items()})
    if record.id != path.stem:
        raise RecordError(document, "id", f"« {record.id} » ne correspond pas au nom du fichier « {path.stem} »")
    return record


def unique_records(found: Iterable[tuple[CatalogueRecord, str]]) -> tuple[list[CatalogueRecord], list[RecordError]]:
    """The first record of each id, from (record, its file) pairs; the later ones reported as duplicates."""
    seen: dict[str, str] = {}
    kept, errors = [], []
    for record, document in found:
        if record.id in seen:
            reason = f"identifiant « {record.id} » en double, déjà dans {seen[record.id]}"
            errors.append(RecordError(document, "id", reason))
        else:
            seen[record.id] = document
            kept.append(record)
    return kept, errors


def files_with_suffix(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def read_catalogue(directory: Path, home: Path,
                   bounds: Bounds = Bounds()) -> tuple[list[CatalogueRecord], list[RecordError]]:
    """Every record of a catalogue directory; the files that cannot be read are reported, not raised."""
    found: list[tuple[CatalogueRecord, str]] = []
    errors: list[RecordError] = []
    for path in files_with_suffix(directory, (".yaml", ".yml")):
        try:
            found.append((read_record(path, home, bounds), source_name(path, home)))
        except RecordError as err:
            errors.append(err)
    records, duplicates = unique_records(found)
    return records, errors + duplicates


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so descriptions stay readable in the files."""


_Dumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def _dump(record: CatalogueRecord) -> str:
    """A record as the YAML text of its file: fields in model order, empty ones left out."""
    data = record.model_dump(exclude_defaults=True)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def without_clashes(
    records: list[CatalogueRecord], out_dir: Path, home: Path
) -> tuple[list[CatalogueRecord], list[RecordError]]:
    """The records whose id is not yet in the catalogue folder, and an error naming the file of each one that is."""
    existing = {path.stem: path for path in files_with_suffix(out_dir, (".yaml", ".yml"))} if out_dir.is_dir() else {}
    errors = [RecordError(source_name(existing[r.id], home), "id",
                          f"« {r.id} » est déjà au catalogue (--replace pour la remplacer)")
              for r in records if r.id in existing]
    return [r for r in records if r.id not in existing], errors


def write_records(records: list[CatalogueRecord], out_dir: Path) -> list[Path]:
    """Write each record to `<out_dir>/<id>.yaml`; each file is replaced whole or not at all."""
    ids = [r.id for r in records]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise ValueError(f"duplicate record ids: {', '.join(duplicates)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        target = out_dir / f"{record.id}.yaml"
        text = _dump(record)
        handle, name = tempfile.mkstemp(dir=out_dir, prefix=f".{record.id}.", suffix=".tmp")
        tmp = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            tmp.chmod(0o644)
            os.replace(tmp, target)
            target.with_suffix(".yml").unlink(missing_ok=True)  # a record lives in one file: <id>.yaml
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(target)
    return written
