"""Importers: publiccode.yml files, Canada's Open Resource Exchange (ORE) records and CSV tables -> records.

An input record that breaks its format is refused with a `RecordError` naming its file and field; the
valid ones are kept. The formats and their mapping are described in docs/catalogue-formats.md.
"""

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ValidationError

from assistant.catalogue import (
    files_with_suffix,
    load_text,
    load_yaml,
    record_from,
    slugify,
    unique_records,
    without_clashes,
    write_records,
)
from assistant.errors import Loc, RecordError
from assistant.models import CONTACT_MAX_LENGTH, CatalogueRecord, SourceRef, is_email, iso_date
from assistant.settings import Bounds, source_name
from assistant.text import quote_on_page

Format = Literal["publiccode", "ore", "csv"]
FORMATS: tuple[Format, ...] = get_args(Format)
Imported = tuple[list[CatalogueRecord], list[RecordError]]  # the records read, and those refused


# ---- checking parsed YAML against a small schema

# A spec is a type (the value must be an instance), a tuple (allowed values), a dict (a mapping with
# these keys; a key ending in '?' is optional) or a one-item list (a list whose items fit that spec).
# An empty value (null) counts as missing.
Spec = type | tuple[str, ...] | dict[str, Any] | list[Any]


_TYPE_NAMES = {str: "texte", bool: "booléen", int: "nombre entier", dict: "dictionnaire", list: "liste"}


def _problem(value: Any, spec: Spec, field: str = "") -> tuple[str, str] | None:
    """The first way `value` breaks `spec`, as (field, reason); None when it fits."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return field, f"un dictionnaire de champs était attendu, reçu {type(value).__name__}"
        for key, sub in spec.items():
            name = key.removesuffix("?")
            path = f"{field}.{name}" if field else name
            if value.get(name) is None:
                if key.endswith("?"):
                    continue
                return path, "manquant"
            if problem := _problem(value[name], sub, path):
                return problem
        return None
    if isinstance(spec, list):
        if not isinstance(value, list):
            return field, f"une liste était attendue, reçu {type(value).__name__}"
        return next((p for i, item in enumerate(value) if (p := _problem(item, spec[0], f"{field}.{i}"))), None)
    if isinstance(spec, tuple):
        return None if value in spec else (field, f"valeur non permise : « {value} » (attendu : {', '.join(spec)})")
    expected = _TYPE_NAMES.get(spec, spec.__name__)
    return None if isinstance(value, spec) else (field, f"type {expected} attendu, reçu {type(value).__name__}")


def _check(document: str, value: Any, spec: Spec, field: str = "") -> None:
    if problem := _problem(value, spec, field):
        raise RecordError(document, *problem)


def _quote(value: str, raw: str) -> str | None:
    """An exact excerpt of the raw file for a parsed value: the value itself when the file shows it
    (whitespace aside), else its longest run of words free of the characters YAML escapes or doubles."""
    pieces = sorted(re.split(r"\S*['\"\\]\S*", value), key=len, reverse=True)
    candidates = [value.strip()] + [p.strip() for p in pieces if len(p.strip()) >= 10]
    return next((c for c in candidates if len(c) >= 3 and quote_on_page(c, raw)), None)


def _sources(document: str, raw: str, values: Iterable[str | None]) -> list[SourceRef]:
    """One source per value that can be quoted from the file (page is empty: a YAML file has none)."""
    quotes = dict.fromkeys(q for v in values if v and (q := _quote(v, raw)))
    if not quotes:
        raise RecordError(document, "sources",
                          "aucune valeur de la fiche n’a pu être citée telle quelle à partir du fichier")
    return [SourceRef(document=document, page=None, quote=q) for q in quotes]


def _words(*lists: Iterable[str] | None) -> list[str]:
    return list(dict.fromkeys(w.strip() for words in lists for w in words or () if w.strip()))


def _dig(data: Any, *keys: str) -> Any:
    """data[k1][k2]…, None where a level is missing or not a mapping."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


# Placeholder domains (RFC 2606, 6761: example.com, *.test…) and unread mailboxes (noreply@, tbd@) name nobody.
_PLACEHOLDER = re.compile(r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$", re.IGNORECASE)
_NOBODY = re.compile(r"^(?:no-?reply|do-?not-?reply|tbd|todo|none|n/?a)$", re.IGNORECASE)


def _contact(value: Any, raw: str) -> str | None:
    """An e-mail address of the file as a record's contact; None when the value is not one, is a placeholder,
    or is not in the file as it is (it could not be quoted)."""
    if not isinstance(value, str) or len(value := value.strip()) > CONTACT_MAX_LENGTH or not is_email(value):
        return None
    mailbox, _, domain = value.rpartition("@")
    return value if value in raw and not _PLACEHOLDER.search(domain) and not _NOBODY.match(mailbox) else None


def _verified(value: Any, raw: str) -> tuple[date, str] | None:
    """A metadataLastUpdated value as a date, with the excerpt of the file that states it; None when the value
    is not a YYYY-MM-DD date or the file does not show it so."""
    if (day := iso_date(value)) is None:
        return None
    found = re.search(rf"metadataLastUpdated:[ \t]*(['\"]?){day}\1(?!\S)", raw)
    return (day, found.group()) if found else None


# ---- publiccode.yml (https://yml.publiccode.tools, core standard)

_PUBLICCODE: dict[str, Spec] = {
    "publiccodeYmlVersion": object,
    "name": str,
    "url": str,
    "platforms": object,  # a string or a list of strings
    "categories?": [str],
    "usedBy?": [str],
    "developmentStatus": ("concept", "development", "beta", "stable", "obsolete"),
    "softwareType": (
        "standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
        "standalone/backend", "standalone/other", "addon", "library", "configurationFiles",
    ),
    "description": dict,
    "legal": {"license": str, "mainCopyrightOwner?": str, "repoOwner?": str},
    "maintenance": {
        "type": ("internal", "contract", "community", "none"),
        "contractors?": [{"name": str, "until": object}],
        "contacts?": [{"name": str}],
    },
    "localisation": {"localisationReady": bool, "availableLanguages": [str]},
}
_PUBLICCODE_DESCRIPTION: dict[str, Spec] = {"shortDescription": str, "longDescription?": str, "features?": [str]}
_MAINTAINERS = {"contract": "contractors", "internal": "contacts", "community": "contacts"}


def _language(tag: str) -> str:
    """The primary subtag of a BCP 47 tag: 'fr-CA' -> 'fr'."""
    return tag.split("-")[0].lower()


def from_publiccode(data: Any, raw: str, document: str) -> CatalogueRecord:
    """A publiccode.yml file (parsed `data`, `raw` text) as an asset record."""
    _check(document, data, _PUBLICCODE)
    descriptions: dict[str, Any] = data["description"]
    if not descriptions:
        raise RecordError(document, "description", "au moins une langue est requise")
    for lang, text in descriptions.items():
        _check(document, text, _PUBLICCODE_DESCRIPTION, f"description.{lang}")
        if (length := len(text["shortDescription"].strip())) > 150:
            raise RecordError(document, f"description.{lang}.shortDescription", f"{length} caractères, 150 au plus")
    for key in ("longDescription", "features"):
        if not any(text.get(key) for text in descriptions.values()):
            raise RecordError(document, f"description.*.{key}", "manquant dans toutes les langues")
    maintenance = data["maintenance"]
    if (needed := _MAINTAINERS.get(maintenance["type"])) and not maintenance.get(needed):
        raise RecordError(document, f"maintenance.{needed}",
                          f"obligatoire quand maintenance.type vaut « {maintenance['type']} »")

    def in_language(lang: str) -> list[dict[str, Any]]:
        return [text for tag, text in descriptions.items() if _language(str(tag)) == lang]

    chosen = (in_language("fr") or in_language("en") or list(descriptions.values()))[0]
    owner = data["legal"].get("mainCopyrightOwner") or data["legal"].get("repoOwner")
    users = _words(data.get("usedBy"))
    contact = next(filter(None, (_contact(c.get("email"), raw) for c in maintenance.get("contacts") or ())), None)
    return record_from(
        document,
        id=slugify(data["name"]),
        name=data["name"].strip(),
        kind="asset",
        owner=owner,
        contact=contact,
        users=users,
        status=data["developmentStatus"],
        description=(chosen.get("longDescription") or chosen["shortDescription"]).strip(),
        keywords={
            "fr": _words(*(text.get("features") for text in in_language("fr"))),
            "en": _words(data.get("categories"), *(text.get("features") for text in in_language("en"))),
        },
        url=data["url"],
        sources=_sources(document, raw, [data["name"], chosen["shortDescription"], owner, *users, contact]),
    )


# ---- Canada's Open Resource Exchange (https://github.com/canada-ca/ore-ero, schemaCode/schemaSoftware.yaml)

_LANG: dict[str, Spec] = {"en": str, "fr": str}
_LICENCE: dict[str, Spec] = {"URL": _LANG, "spdxID": str, "level?": _LANG, "scope?": _LANG}
_DESCRIPTION: dict[str, Spec] = {"whatItDoes": _LANG, "howItWorks?": _LANG}
_TAGS: dict[str, Spec] = {"en": [str], "fr": [str]}
_ORE_RELEASE: dict[str, Spec] = {
    "contact?": object,  # contact.email and date.metadataLastUpdated are read, not checked: a missing or
    "date": {"created": str, "metadataLastUpdated?": object},  # malformed one leaves the record's field empty
    "description": _DESCRIPTION,
    "category": str,
    "name": _LANG,
    "licences": [_LICENCE],
    "repositoryURL": _LANG,
    "tags": _TAGS,
    "downloadURL?": _LANG,
    "homepageURL?": _LANG,
    "languages?": [str],
    "partners?": [{"adminCode": str, "email": str, "name": str, "email_suffix?": str}],
    "relatedCode?": [{"URL": _LANG, "name": _LANG}],
    "status?": ("Alpha", "Beta", "Maintained", "Deprecated", "Retired"),
    "team?": _LANG,
}
_ORE_CODE: dict[str, Spec] = {"schemaVersion": str, "adminCode": str, "releases": list}
_ORE_SOFTWARE: dict[str, Spec] = {
    "schemaVersion": str,
    "description": _DESCRIPTION,
    "category": str,
    "homepageURL": _LANG,
    "licences": [_LICENCE],
    "name": _LANG,
    "tags": _TAGS,
    "administrations": [
        {
            "adminCode": str,
            "uses": [
                {"contact?": object, "date": {"started": str, "metadataLastUpdated?": object}, "team?": _LANG}
            ],
        }
    ],
}


def _fr(text: dict[str, str]) -> str:
    """The French text of a bilingual {en, fr} value, the English one when the French is empty."""
    return (text["fr"] or text["en"]).strip()


def _contact_and_date(uses: list[Any], raw: str) -> tuple[dict[str, Any], list[str | None]]:
    """The fields `contact` (the first usable `contact.email` of the releases or uses) and `verified` (the latest
    usable `date.metadataLastUpdated`), and the quotes that state them."""
    contact = next(filter(None, (_contact(_dig(use, "contact", "email"), raw) for use in uses)), None)
    dates = [found for use in uses if (found := _verified(_dig(use, "date", "metadataLastUpdated"), raw))]
    verified, quote = max(dates) if dates else (None, None)
    return {"contact": contact, "verified": verified}, [contact, quote]


def _ore_release(release: Any, admin: str, raw: str, document: str, field: str) -> CatalogueRecord:
    _check(document, release, _ORE_RELEASE, field)
    name, description = _fr(release["name"]), _fr(release["description"]["whatItDoes"])
    users = _words(p["adminCode"] for p in release.get("partners") or ())
    known, quotes = _contact_and_date([release], raw)
    return record_from(
        document,
        id=slugify(f"{admin} {name}"),
        name=name,
        kind="asset",
        owner=admin,
        users=users,
        status=release.get("status"),
        description=description,
        keywords={"fr": _words(release["tags"]["fr"]), "en": _words(release["tags"]["en"])},
        url=_fr(release["repositoryURL"]),
        sources=_sources(document, raw, [name, description, admin, *users, *quotes]),
        **known,
    )


def from_ore(data: Any, raw: str, document: str) -> Imported:
    """An ORE file as records: one per release of a code file (an administration's `releases`),
    one for a software file (with the `administrations` that use it)."""
    if isinstance(data, dict) and "releases" in data:
        _check(document, data, _ORE_CODE)
        records, errors = [], []
        for i, release in enumerate(data["releases"]):
            try:
                records.append(_ore_release(release, data["adminCode"], raw, document, f"releases.{i}"))
            except RecordError as err:
                errors.append(err)
        return records, errors
    if isinstance(data, dict) and "administrations" in data:
        _check(document, data, _ORE_SOFTWARE)
        name, description = _fr(data["name"]), _fr(data["description"]["whatItDoes"])
        users = _words(a["adminCode"] for a in data["administrations"])
        known, quotes = _contact_and_date([use for a in data["administrations"] for use in a["uses"]], raw)
        known["contact"] = quotes[0] = None  # its users' mailboxes, not an owner's: a software file names no owner
        record = record_from(
            document,
            id=slugify(name),
            name=name,
            kind="asset",
            users=users,
            description=description,
            keywords={"fr": _words(data["tags"]["fr"]), "en": _words(data["tags"]["en"])},
            url=_fr(data["homepageURL"]),
            sources=_sources(document, raw, [name, description, *users, *quotes]),
            **known,
        )
        return [record], []
    raise RecordError(document, None,
                      "ni un fichier de code ORE (releases) ni un fichier de logiciel ORE (administrations)")


# ---- CSV

CSV_COLUMNS = (
    "id", "name", "acronym", "kind", "level", "level_source_document", "level_source_page", "level_source_quote",
    "owner", "users", "status", "description", "keywords_fr", "keywords_en", "url",
    "source_document", "source_page", "source_quote",
)
_SOURCE_COLUMNS = {c for c in CSV_COLUMNS if c.startswith(("source_", "level_source_"))}
_KEYWORD_COLUMNS = {"keywords_fr", "keywords_en"}
_LIST_COLUMNS = {"users"} | _KEYWORD_COLUMNS
_INT_COLUMNS = {"level", "level_source_page", "source_page"}


def _csv_column(loc: Loc) -> str:
    """The CSV column of a record field: ('sources', 0, 'quote') -> 'source_quote'."""
    head = str(loc[0]) if loc else ""
    if head in ("sources", "level_sources") and len(loc) > 2:
        return f"{head[:-1]}_{loc[2]}"
    if head == "keywords" and len(loc) > 1:
        return f"keywords_{loc[1]}"
    return head


def _csv_cells(row: dict[str, str], where: str) -> dict[str, Any]:
    """A row's cells typed: empty -> None, lists split on ';', numbers as int."""
    cells: dict[str, Any] = {}
    for column, text in row.items():
        text = text.strip()
        if column in _LIST_COLUMNS:
            cells[column] = [part.strip() for part in text.split(";") if part.strip()]
        elif not text:
            cells[column] = None
        elif column in _INT_COLUMNS:
            if not text.isdecimal():
                raise RecordError(where, column, f"nombre entier attendu, reçu « {text} »")
            cells[column] = int(text)
        else:
            cells[column] = text
    return cells


def _csv_source(cells: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    ref = {key: cells[prefix + key] for key in ("document", "page", "quote")}
    return [ref] if any(v is not None for v in ref.values()) else []


def from_csv(text: str, document: str) -> Imported:
    """A CSV table as records: one row per record; a later row with the same id and no other cells
    than source cells adds its source (and level source) to that record."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [c.strip() for c in next(reader, [])]
    if missing := [c for c in CSV_COLUMNS if c not in header]:
        raise RecordError(f"{document}:1", None, f"colonnes manquantes : {', '.join(missing)}")
    if unknown := [c for c in header if c not in CSV_COLUMNS]:
        raise RecordError(f"{document}:1", None, f"colonnes inconnues : {', '.join(unknown)}")
    records: dict[str, CatalogueRecord | str] = {}  # id -> its record, or where the refused one was
    errors: list[RecordError] = []
    start = reader.line_num + 1
    for row in reader:
        where, start = f"{document}:{start}", reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        record_id = row[header.index("id")].strip() if len(row) == len(header) else ""
        try:
            if len(row) != len(header):
                raise RecordError(where, None, f"{len(header)} cellules attendues, reçu {len(row)}")
            cells = _csv_cells(dict(zip(header, row, strict=True)), where)
            records[record_id] = _csv_record(cells, records.get(record_id) if record_id else None, where)
        except RecordError as err:
            errors.append(err)
            if record_id:
                records.setdefault(record_id, where)
    return [r for r in records.values() if isinstance(r, CatalogueRecord)], errors


def _csv_record(cells: dict[str, Any], previous: CatalogueRecord | str | None, where: str) -> CatalogueRecord:
    """The record a row makes, or `previous` completed with the row's sources."""
    if previous is not None and any(cells[c] for c in CSV_COLUMNS if c not in _SOURCE_COLUMNS and c != "id"):
        raise RecordError(where, "id", f"identifiant « {cells['id']} » en double")
    if isinstance(previous, str):
        raise RecordError(where, "id", f"ajoute des sources à la fiche de {previous}, qui a été refusée")
    if previous is None:
        fields = {k: v for k, v in cells.items() if v is not None and k not in _SOURCE_COLUMNS | _KEYWORD_COLUMNS}
        fields |= {"keywords": {"fr": cells["keywords_fr"], "en": cells["keywords_en"]}}
        fields |= {"sources": [], "level_sources": []}
    else:
        fields = previous.model_dump()
    fields["sources"] += _csv_source(cells, "source_")
    fields["level_sources"] += _csv_source(cells, "level_source_")
    try:
        return CatalogueRecord.model_validate(fields)
    except ValidationError as err:
        raise RecordError.from_validation(where, err, _csv_column) from err


# ---- importing files


def _import_file(path: Path, fmt: Format, home: Path, bounds: Bounds) -> Imported:
    if fmt == "csv":
        document, text = load_text(path, home, bounds.document_bytes)
        return from_csv(text, document)
    document, raw, data = load_yaml(path, home, bounds.document_bytes, bounds.nesting)
    return ([from_publiccode(data, raw, document)], []) if fmt == "publiccode" else from_ore(data, raw, document)


def import_records(path: Path, fmt: Format, home: Path, bounds: Bounds = Bounds()) -> Imported:
    """Records from a file, or from every file of a directory (not its sub-directories) with the
    format's suffix: .csv for csv, .yml/.yaml otherwise. Invalid or duplicate records are reported; files are
    named (in errors and in the records' sources) relative to `home`."""
    files = [path] if path.is_file() else files_with_suffix(path, (".csv",) if fmt == "csv" else (".yml", ".yaml"))
    found: list[tuple[CatalogueRecord, str]] = []
    errors: list[RecordError] = []
    for file in files:
        try:
            records, refused = _import_file(file, fmt, home, bounds)
        except RecordError as err:
            records, refused = [], [err]
        found += [(record, source_name(file, home)) for record in records]
        errors += refused
    unique, duplicates = unique_records(found)
    return unique, errors + duplicates


def import_into_catalogue(path: Path, fmt: Format, target: Path, home: Path, replace: bool = False,
                          bounds: Bounds = Bounds()) -> tuple[list[Path], list[RecordError]]:
    """Import the records of `path` into the catalogue folder `target`: the files written, and the records
    refused (invalid, duplicate, or already in the catalogue without `replace`)."""
    records, errors = import_records(path, fmt, home, bounds)
    if not replace:
        records, clashes = without_clashes(records, target, home)
        errors += clashes
    return write_records(records, target), errors
