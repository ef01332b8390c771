"""The catalogue and its importers: reading, atomic writing, and importing publiccode.yml, ORE and CSV on real files."""

from pathlib import Path

import pytest
import yaml
from conftest import REPO
from pydantic import ValidationError

from assistant.catalogue import RecordError, read_catalogue, read_record, slugify, write_records
from assistant.importers import CSV_COLUMNS, from_csv, import_records
from assistant.models import CatalogueRecord, SourceRef
from assistant.settings import source_name
from assistant.text import quote_on_page

DATA = Path(__file__).parent / "data" / "catalogue"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(scope="module")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"the shared samples are missing: expected them in {SAMPLES}")
    return SAMPLES


@pytest.fixture(scope="module")
def sample_records(samples: Path) -> list[CatalogueRecord]:
    records = []
    for path, fmt in [
        (samples / "publiccode" / "publiccode.yml", "publiccode"),
        (samples / "publiccode" / "publiccode.minimal.yml", "publiccode"),
        (samples / "ore-ero" / "code", "ore"),
        (samples / "ore-ero" / "software", "ore"),
    ]:
        found, errors = import_records(path, fmt, REPO)
        assert errors == [], [str(e) for e in errors]
        records += found
    return records


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _one_line(err: RecordError, *parts: str) -> str:
    message = str(err)
    assert "\n" not in message
    for part in parts:
        assert part in message
    return message


# ---- slugs and errors


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Québec Œuvre", "quebec-oeuvre"),
        ("  Service québécois d'authentification (SQA) ", "service-quebecois-d-authentification-sqa"),
        ("tbs-sct Échange de Ressource Ouvert", "tbs-sct-echange-de-ressource-ouvert"),
        ("C++ / .NET", "c-net"),
        ("a" * 79 + " b", "a" * 79),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_record_error_from_validation_is_one_line() -> None:
    with pytest.raises(ValidationError) as caught:
        CatalogueRecord.model_validate({"id": "Not A Slug", "kind": "asset", "description": "d", "sources": []})
    err = RecordError.from_validation("x.yaml", caught.value)
    assert err.file == "x.yaml" and err.field == "id"
    assert _one_line(err).startswith("x.yaml: id: format invalide (attendu : ")
    assert str(err).endswith("(+2 autres)")  # name is missing, sources is empty

    with pytest.raises(ValidationError) as caught:
        CatalogueRecord.model_validate(
            {"id": "a", "name": "A", "kind": "asset", "level": 2, "description": "d",
             "sources": [{"document": "doc.txt", "quote": "abc"}]}
        )
    err = RecordError.from_validation("a.yaml", caught.value)
    assert (err.field, str(err)) == ("level_sources", "a.yaml: level_sources: a level needs the quote that states it")
    assert str(RecordError("f.csv:3", None, "two\nlines")) == "f.csv:3: two lines"


# ---- the shared samples


def test_publiccode_sample(samples: Path) -> None:
    [record], errors = import_records(samples / "publiccode" / "publiccode.yml", "publiccode", REPO)
    assert errors == []
    data = _load(samples / "publiccode" / "publiccode.yml")
    assert (record.id, record.name, record.kind) == ("medusa", data["name"], "asset")
    assert record.owner == data["legal"]["mainCopyrightOwner"] == "City of Chicago"
    assert record.users == data["usedBy"] == ["Comune di Firenze", "Comune di Roma"]
    assert record.status == "development"
    assert record.url == data["url"]
    assert record.description.startswith("Very long description of this software")  # English: no French one
    assert record.keywords.fr == []
    assert record.keywords.en == data["categories"] + data["description"]["en"]["features"]
    assert record.level is None
    assert {s.page for s in record.sources} == {None}
    assert {s.quote for s in record.sources} >= {"Medusa", "City of Chicago", "Comune di Roma"}
    assert any(s.quote.startswith("This description can have a maximum 150 characters long.") for s in record.sources)


def test_publiccode_minimal_sample(samples: Path) -> None:
    [record], errors = import_records(samples / "publiccode" / "publiccode.minimal.yml", "publiccode", REPO)
    assert errors == []
    assert (record.id, record.name, record.owner, record.users) == ("medusa", "Medusa", None, [])
    assert record.keywords.en == ["Just one feature"]
    assert record.description.endswith("We can potentially have many pages of text here.")


def test_ore_code_samples(samples: Path) -> None:
    files = sorted((samples / "ore-ero" / "code").glob("*.yml"))
    records, errors = import_records(samples / "ore-ero" / "code", "ore", REPO)
    assert errors == []
    assert len(records) == sum(len(_load(f)["releases"]) for f in files) == 44
    by_id = {r.id: r for r in records}

    exchange = by_id["tbs-sct-echange-de-ressource-ouvert"]
    assert exchange.name == "Échange de Ressource Ouvert"
    assert (exchange.owner, exchange.users) == ("tbs-sct", ["city-of-montreal-qc"])
    assert exchange.url == "https://github.com/canada-ca/ore-ero"
    assert exchange.keywords.fr == ["Site Web", "Données"] and exchange.keywords.en == ["Website", "Data"]
    assert exchange.status is None  # this release states no status

    apogy = by_id["asc-csa-apogy"]
    assert apogy.description == "Un logiciel polyvalent pour faire fonctionner des robots et des satellites"
    assert by_id["eccc-scenarios"].status == "Maintained"
    assert all(r.owner == _load(Path(r.sources[0].document))["adminCode"] for r in records)


def test_ore_software_samples(samples: Path) -> None:
    files = sorted((samples / "ore-ero" / "software").glob("*.yml"))
    records, errors = import_records(samples / "ore-ero" / "software", "ore", REPO)
    assert errors == []
    assert len(records) == len(files)
    for record, file in zip(records, files, strict=True):
        assert record.sources[0].document == source_name(file, REPO)
        assert record.users == [a["adminCode"] for a in _load(file)["administrations"]]
        assert record.owner is None
    docker = next(r for r in records if r.id == "docker")
    assert docker.users == ["statcan", "tbs-sct"]
    assert docker.description.startswith("Effectue une virtualisation au niveau du système d'exploitation")
    assert docker.keywords.fr == ["Plate-forme de conteneur", "Développement", "Infrastructure"]
    assert docker.url == "https://www.docker.com"


def _document_text(document: str) -> str:
    return (REPO / document).read_text(encoding="utf-8")


def test_every_sample_quote_is_in_its_file(sample_records: list[CatalogueRecord]) -> None:
    assert len(sample_records) == 2 + 44 + 97
    for record in sample_records:
        assert record.sources, record.id
        for source in record.sources:
            assert quote_on_page(source.quote, _document_text(source.document)), (record.id, source.quote)


def test_records_round_trip(sample_records: list[CatalogueRecord], tmp_path: Path) -> None:
    csv_records, _ = import_records(DATA / "csv", "csv", REPO)
    fixtures, _ = import_records(DATA / "publiccode", "publiccode", REPO)
    records = {r.id: r for r in [*sample_records, *csv_records, *fixtures]}  # both publiccode samples are 'medusa'
    paths = write_records(list(records.values()), tmp_path)
    assert [p.name for p in paths] == [f"{i}.yaml" for i in records]
    for path in paths:
        assert read_record(path, REPO) == records[path.stem]
    read, errors = read_catalogue(tmp_path, REPO)
    assert errors == [] and read == sorted(records.values(), key=lambda r: r.id)
    text = (tmp_path / "carnet-sante.yaml").read_text(encoding="utf-8")
    assert "Ministère de la Santé" in text and "null" not in text and "sub_projects" not in text
    assert text.splitlines()[:4] == ["id: carnet-sante", "name: Carnet santé Québec", "acronym: CSQ", "kind: asset"]


# ---- the hand-made fixtures


def test_publiccode_in_french_and_bad_files() -> None:
    records, errors = import_records(DATA / "publiccode", "publiccode", REPO)
    [record] = records
    assert record.id == "signature-quebec"
    assert record.description.startswith("Signature Québec permet aux employés")  # fr-CA before en
    assert record.owner == "Ministère de la Cybersécurité et du Numérique"  # legal.repoOwner
    assert record.keywords.fr == ["Signature électronique", "Vérification des signatures"]
    assert record.keywords.en == ["document-management", "Electronic signature"]
    # A single-quoted value with a doubled quote is not verbatim: its longest clean run of words is quoted.
    assert "Signature électronique des documents" in {s.quote for s in record.sources}
    raw = (DATA / "publiccode" / "signature.yml").read_text(encoding="utf-8")
    assert all(quote_on_page(s.quote, raw) for s in record.sources)

    by_file = {Path(e.file).name: e for e in errors}
    assert sorted(by_file) == [
        "contract-without-contractors.yml", "long-short-description.yml", "no-name.yml", "not-yaml.yml",
    ]
    assert by_file["no-name.yml"].field == "name"
    _one_line(by_file["no-name.yml"], "no-name.yml: name: manquant")
    assert by_file["long-short-description.yml"].field == "description.en.shortDescription"
    _one_line(by_file["long-short-description.yml"], "long-short-description.yml", "caractères, 150 au plus")
    _one_line(by_file["contract-without-contractors.yml"], "maintenance.contractors", "obligatoire", "« contract »")
    _one_line(by_file["not-yaml.yml"], "not-yaml.yml: YAML invalide : ", "(ligne 2, colonne")


def test_ore_fixtures_code_and_software_side_by_side() -> None:
    records, errors = import_records(DATA / "ore", "ore", REPO)
    by_id = {r.id: r for r in records}
    assert sorted(by_id) == ["mcn-service-quebecois-d-authentification-gouvernementale", "postgresql"]
    release = by_id["mcn-service-quebecois-d-authentification-gouvernementale"]
    assert (release.owner, release.users, release.status) == ("mcn", ["saaq"], "Maintained")
    software = by_id["postgresql"]
    assert software.name == "PostgreSQL"  # the French name is empty: the English one is used
    assert software.users == ["mcn", "ville-de-quebec"]
    assert sorted((Path(e.file).name, e.field) for e in errors) == [
        ("mcn.yml", "releases.1.repositoryURL"),
        ("no-category.yml", "category"),
    ]
    _one_line(errors[0], "mcn.yml: releases.1.repositoryURL: manquant")


def test_ore_file_of_neither_kind(tmp_path: Path) -> None:
    (tmp_path / "schema.yml").write_text("software:\n  schemaVersion: str()\n", encoding="utf-8")
    records, [err] = import_records(tmp_path, "ore", REPO)
    assert records == []
    _one_line(err, "schema.yml", "ni un fichier de code ORE")


def test_csv_fixture() -> None:
    records, errors = import_records(DATA / "csv", "csv", REPO)
    by_id = {r.id: r for r in records}
    assert sorted(by_id) == ["carnet-sante", "plateforme-donnees", "zone-bom"]  # zone-bom's file starts with a BOM
    carnet = by_id["carnet-sante"]
    assert (carnet.acronym, carnet.level, carnet.owner) == ("CSQ", 3, "Ministère de la Santé")
    assert carnet.level_sources == [
        SourceRef(document="exemples/portefeuille.pdf", page=12, quote="Carnet santé Québec : niveau 3")
    ]
    assert carnet.users == ["RAMQ", "CISSS de Laval"]
    assert carnet.keywords.fr == ["santé", "dossier"] and carnet.keywords.en == ["health record"]
    assert [(s.document, s.page) for s in carnet.sources] == [
        ("exemples/portefeuille.pdf", 12), ("exemples/reponse.txt", None),
    ]
    assert by_id["plateforme-donnees"].description == "Une plateforme, sur\ndeux lignes"
    assert by_id["zone-bom"].url is None and by_id["zone-bom"].acronym is None

    csv_file = source_name(DATA / "csv" / "records.csv", REPO)
    assert [(e.file, e.field) for e in errors] == [
        (f"{csv_file}:4", "level"),
        (f"{csv_file}:5", "name"),
        (f"{csv_file}:8", "source_page"),  # line 6 holds a cell on two lines
    ]
    _one_line(errors[0], f"{csv_file}:4: level: valeur hors limites (maximum : 4)")
    _one_line(errors[1], f"{csv_file}:5: name: champ obligatoire manquant")


def test_csv_rows_that_cannot_make_a_record() -> None:
    header = ",".join(CSV_COLUMNS)
    rows = [
        "ok,Valide,,asset,,,,,,,,Un actif,,,,doc.txt,,Un actif valide",
        "ok,Autre,,asset,,,,,,,,Un doublon,,,,doc.txt,,Un doublon",
        "refus,Refusé,,asset,2,,,,,,,Un niveau sans citation,,,,doc.txt,,Un niveau",
        "refus,,,,,,,,,,,,,,,doc.txt,,Une source de plus",
        "court,Trop court",
    ]
    records, errors = from_csv("\n".join([header, *rows]) + "\n", "t.csv")
    assert [r.id for r in records] == ["ok"]
    assert [str(e) for e in errors] == [
        "t.csv:3: id: identifiant « ok » en double",
        "t.csv:4: level_sources: a level needs the quote that states it",
        "t.csv:5: id: ajoute des sources à la fiche de t.csv:4, qui a été refusée",
        "t.csv:6: 18 cellules attendues, reçu 2",
    ]
    with pytest.raises(RecordError, match=r"^t.csv:1: colonnes manquantes : source_quote$"):
        from_csv(header.removesuffix(",source_quote") + "\n", "t.csv")


def test_read_catalogue_reports_bad_files() -> None:
    records, errors = read_catalogue(DATA / "records", REPO)
    assert [r.id for r in records] == ["carnet-sante"]
    by_file = {Path(e.file).name: e for e in errors}
    assert sorted(by_file) == ["a-list.yml", "bad-level.yaml", "broken.yaml", "carnet-sante.yml", "wrong-id.yaml"]
    _one_line(by_file["wrong-id.yaml"],
              "wrong-id.yaml: id: « another-id » ne correspond pas au nom du fichier « wrong-id »")
    _one_line(by_file["broken.yaml"], "broken.yaml: YAML invalide : ")
    _one_line(by_file["a-list.yml"], "a-list.yml: un dictionnaire de champs était attendu, reçu list")
    _one_line(by_file["bad-level.yaml"], "bad-level.yaml: level_sources:")
    _one_line(by_file["carnet-sante.yml"], "carnet-sante.yml: id: identifiant « carnet-sante » en double, déjà dans")
    with pytest.raises(RecordError, match="wrong-id.yaml: id:"):
        read_record(DATA / "records" / "wrong-id.yaml", REPO)


# ---- atomic writing


def _record(record_id: str) -> CatalogueRecord:
    return CatalogueRecord(
        id=record_id, name=record_id.title(), kind="asset", description=f"L'actif {record_id}.",
        sources=[SourceRef(document="doc.txt", quote=f"L'actif {record_id}")],
    )


def test_write_records_is_atomic(tmp_path: Path) -> None:
    (tmp_path / "ancien.yaml").write_text("id: ancien\n", encoding="utf-8")
    (tmp_path / "deux.yaml").mkdir()  # the second target cannot be replaced
    with pytest.raises(OSError):
        write_records([_record("un"), _record("deux"), _record("trois")], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ancien.yaml", "deux.yaml", "un.yaml"]
    assert (tmp_path / "ancien.yaml").read_text(encoding="utf-8") == "id: ancien\n"
    assert (tmp_path / "deux.yaml").is_dir()
    assert read_record(tmp_path / "un.yaml", REPO) == _record("un")


def test_write_records_replaces_and_refuses_duplicates(tmp_path: Path) -> None:
    write_records([_record("un")], tmp_path / "new")
    changed = _record("un").model_copy(update={"status": "En production"})
    write_records([changed], tmp_path / "new")
    assert read_record(tmp_path / "new" / "un.yaml", REPO) == changed
    with pytest.raises(ValueError, match="duplicate record ids: un"):
        write_records([_record("un"), _record("un")], tmp_path / "new")
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["un.yaml"]


@pytest.mark.parametrize("content", ["id: a\nverified: 2024-02-30\n", "id: a\nx: 2024-13-45\n",
                                     "id: a\nn: " + "9" * 5000 + "\n"])
def test_a_value_yaml_cannot_build_is_one_record_error_not_a_traceback(tmp_path, content):
    (tmp_path / "a.yaml").write_text(content, encoding="utf-8")
    records, errors = read_catalogue(tmp_path, tmp_path)
    assert records == [] and len(errors) == 1 and "\n" not in str(errors[0])
