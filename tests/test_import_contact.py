"""A record's contact and the date its facts were last verified: checked in the model, read by the importers
from real publiccode.yml and ORE files (each quoted from its file), left empty when missing or malformed."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from pydantic import ValidationError

from assistant.catalogue import RecordError, read_catalogue, read_record, write_records
from assistant.compose import supporting_source
from assistant.importers import import_records
from assistant.models import CatalogueRecord
from assistant.settings import Settings
from assistant.text import quote_on_page

ASSISTANT = Path(sys.executable).with_name("assistant")


@pytest.fixture(scope="module")
def samples() -> Path:
    settings = Settings(_env_file=None, home=REPO)
    folder = settings.path(settings.samples_dir)
    if not folder.is_dir():
        pytest.fail(f"the shared samples are missing: expected them in {folder}")
    return folder


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _raw(record: CatalogueRecord) -> str:
    document = Path(record.sources[0].document)
    return (document if document.is_absolute() else REPO / document).read_text(encoding="utf-8")


def _assert_cited(record: CatalogueRecord) -> None:
    """The contact and the date are each in a quote of the record's file, found by compose's citation helper."""
    raw = _raw(record)
    assert {s.document for s in record.sources} == {record.sources[0].document}
    if record.contact:
        ref = supporting_source(record, record.contact)
        assert ref is not None and record.contact in ref.quote and record.contact in raw
        assert quote_on_page(ref.quote, raw)
    if record.verified:
        ref = supporting_source(record, record.verified.isoformat())
        day = record.verified.isoformat()
        assert ref is not None and ref.quote in (f"metadataLastUpdated: '{day}'", f"metadataLastUpdated: {day}")
        assert quote_on_page(ref.quote, raw)


# ---- the model


BASE = {"id": "a", "name": "A", "kind": "asset", "description": "d", "sources": [{"document": "d.txt", "quote": "abc"}]}


@pytest.mark.parametrize("contact", [
    "gcconnex@tbs-sct.gc.ca", "Christopher.Jaja@tbs-sct.gc.ca", "info@mcn.gouv.qc.ca", "accueil@ville.québec.qc.ca",
    "https://www.quebec.ca/gouvernement/ministere/cybersecurite-numerique/coordonnees", "https://mcn.gouv.qc.ca",
])
def test_a_contact_is_an_email_or_an_https_url(contact: str) -> None:
    assert CatalogueRecord.model_validate(BASE | {"contact": contact}).contact == contact


@pytest.mark.parametrize("contact", [
    "Francesco Rossi", "mailto:info@mcn.gouv.qc.ca", "info@mcn", "info mcn@gouv.qc.ca", "@mcn.gouv.qc.ca",
    "http://mcn.gouv.qc.ca", "https://localhost/bureau", "https://", "ftp://mcn.gouv.qc.ca", "+1 418 555-0100",
    "https://[::1", "",
])
def test_anything_else_is_refused_naming_the_field(contact: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CatalogueRecord.model_validate(BASE | {"contact": contact})
    err = RecordError.from_validation("a.yaml", caught.value)
    assert err.field == "contact"
    assert str(err) == " ".join(f"a.yaml: contact: adresse courriel ou URL https attendue, reçu « {contact} »".split())


def test_a_contact_is_at_most_254_characters() -> None:
    longest = "a" * 65 + "@" + ".".join(["b" * 61] * 3) + ".ca"
    assert len(longest) == 254 and CatalogueRecord.model_validate(BASE | {"contact": longest}).contact == longest
    with pytest.raises(ValidationError) as caught:
        CatalogueRecord.model_validate(BASE | {"contact": "a" + longest})
    assert str(RecordError.from_validation("a.yaml", caught.value)) == (
        "a.yaml: contact: texte trop long (254 caractères au plus)")


@pytest.mark.parametrize(("value", "day"), [
    ("2019-01-31", date(2019, 1, 31)), (date(2031, 12, 1), date(2031, 12, 1)), (None, None),
])
def test_verified_is_a_day(value: object, day: date | None) -> None:
    assert CatalogueRecord.model_validate(BASE | {"verified": value}).verified == day


@pytest.mark.parametrize("value", ["2019-02-30", "20190131", "2019-1-31", "31/01/2019", "hier", 20190131,
                                   "2019-01-31T10:00:00"])
def test_verified_refuses_what_is_not_a_day(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        CatalogueRecord.model_validate(BASE | {"verified": value})
    err = RecordError.from_validation("a.yaml", caught.value)
    assert err.field == "verified" and "\n" not in str(err)
    assert str(err).startswith("a.yaml: verified: date AAAA-MM-JJ attendue")


# ---- catalogue files


def _catalogue_file(folder: Path, record_id: str, extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record_id}.yaml"
    path.write_text(f"id: {record_id}\nname: Un actif\nkind: asset\ndescription: Un actif.\n{extra}"
                    "sources:\n- document: doc.txt\n  quote: Un actif\n", encoding="utf-8")
    return path


def test_a_catalogue_file_with_a_bad_contact_or_date_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    good = _catalogue_file(folder, "bon", "contact: info@mcn.gouv.qc.ca\nverified: 2025-09-12\n")
    _catalogue_file(folder, "contact-nom", "contact: Francesco Rossi\n")
    _catalogue_file(folder, "date-inexistante", "verified: '2019-02-30'\n")
    assert read_record(good, tmp_path) == CatalogueRecord.model_validate(
        {"id": "bon", "name": "Un actif", "kind": "asset", "description": "Un actif.",
         "contact": "info@mcn.gouv.qc.ca", "verified": date(2025, 9, 12),
         "sources": [{"document": "doc.txt", "quote": "Un actif"}]})
    with pytest.raises(RecordError) as caught:
        read_record(folder / "contact-nom.yaml", tmp_path)
    assert caught.value.field == "contact"
    assert str(caught.value) == ("catalogue/contact-nom.yaml: contact: adresse courriel ou URL https attendue, "
                                 "reçu « Francesco Rossi »")

    records, errors = read_catalogue(folder, tmp_path)
    assert [r.id for r in records] == ["bon"]
    assert [(e.file, e.field) for e in errors] == [("catalogue/contact-nom.yaml", "contact"),
                                                  ("catalogue/date-inexistante.yaml", "verified")]

    result = subprocess.run([str(ASSISTANT), "catalogue", "validate", str(folder)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert lines[0].startswith("Invalide : ") and lines[0].endswith(
        "contact-nom.yaml: contact: adresse courriel ou URL https attendue, reçu « Francesco Rossi »")
    assert "date-inexistante.yaml: verified: date AAAA-MM-JJ attendue" in lines[1]
    assert "1 fiches valides, 2 invalides" in result.stdout


def test_contact_and_date_round_trip_through_a_catalogue_file(tmp_path: Path) -> None:
    record = CatalogueRecord.model_validate(BASE | {"contact": "https://mcn.gouv.qc.ca/nous-joindre",
                                                    "verified": "2024-01-15"})
    [path] = write_records([record], tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "contact: https://mcn.gouv.qc.ca/nous-joindre\n" in text and "verified: 2024-01-15\n" in text
    assert read_record(path, REPO) == record


# ---- the shared samples


def test_ore_code_releases_carry_their_contact_and_date(samples: Path) -> None:
    files = sorted((samples / "ore-ero" / "code").glob("*.yml"))
    records, errors = import_records(samples / "ore-ero" / "code", "ore", REPO)
    releases = [release for file in files for release in _load(file)["releases"]]
    assert errors == [] and len(records) == len(releases) == 44
    unusable = 0
    for record, release in zip(records, releases, strict=True):
        email = release["contact"]["email"]
        nobody = email.endswith("@example.com") or email.split("@")[0].lower() in {"noreply", "no-reply", "tbd"}
        unusable += nobody
        assert record.contact == (None if nobody else email), record.id
        assert record.verified == date.fromisoformat(release["date"]["metadataLastUpdated"])
        _assert_cited(record)
    assert 1 <= unusable < len(records) // 2  # tbd@example.com (phac-aspc), noreply@canada.ca…

    gcconnex = next(r for r in records if r.id == "tbs-sct-gcconnex")
    assert (gcconnex.contact, gcconnex.verified) == ("gcconnex@tbs-sct.gc.ca", date(2019, 1, 31))
    assert {"gcconnex@tbs-sct.gc.ca", "metadataLastUpdated: '2019-01-31'"} <= {s.quote for s in gcconnex.sources}
    owner_ref = supporting_source(gcconnex, gcconnex.owner)
    assert owner_ref is not None and owner_ref.quote == "tbs-sct"  # the owner is still cited by its own quote


def test_ore_software_takes_the_latest_date_and_no_users_mailbox_as_contact(samples: Path) -> None:
    files = sorted((samples / "ore-ero" / "software").glob("*.yml"))
    records, errors = import_records(samples / "ore-ero" / "software", "ore", REPO)
    assert errors == [] and len(records) == len(files) == 97
    for record, file in zip(records, files, strict=True):
        uses = [use for admin in _load(file)["administrations"] for use in admin["uses"]]
        assert record.contact is None, record.id  # the mailboxes are its users', not an owner's
        assert record.verified == max(date.fromisoformat(use["date"]["metadataLastUpdated"]) for use in uses)
        _assert_cited(record)
    by_id = {r.id: r for r in records}
    assert by_id["docker"].verified == date(2019, 5, 13)
    assert by_id["apache"].verified == date(2020, 12, 8)  # of three uses, updated 2019-05-16, 2020-01-14, 2020-12-08


def test_publiccode_contact_comes_from_maintenance_contacts(samples: Path) -> None:
    [record], errors = import_records(samples / "publiccode" / "publiccode.yml", "publiccode", REPO)
    assert errors == []
    assert record.contact == "francesco.rossi@comune.reggioemilia.it"  # not the contractor's dario.bianchi@…
    assert record.verified is None  # releaseDate: "2017-04-15" dates the release, not a check of the facts
    assert "francesco.rossi@comune.reggioemilia.it" in {s.quote for s in record.sources}
    _assert_cited(record)

    [minimal], errors = import_records(samples / "publiccode" / "publiccode.minimal.yml", "publiccode", REPO)
    assert errors == [] and (minimal.contact, minimal.verified) == (None, None)  # its one contact has no e-mail


# ---- hand-made files: a missing or malformed value leaves the field empty, the record is imported


ORE_RELEASE = """\
  - contact:
      email: {email}
    date:
      created: '2023-04-01'
{date}
    description:
      whatItDoes:
        en: Release {n}
        fr: Version {n} du service
    category: '43232600'
    name:
      en: Service {n}
      fr: Service {n}
    licences:
      - URL:
          en: 'https://git.mcn.gouv.qc.ca/licence'
          fr: 'https://git.mcn.gouv.qc.ca/licence'
        spdxID: MIT
    repositoryURL:
      en: 'https://git.mcn.gouv.qc.ca/service-{n}'
      fr: 'https://git.mcn.gouv.qc.ca/service-{n}'
    tags:
      en: [Authentication]
      fr: [Authentification]
"""


def test_malformed_ore_contacts_and_dates_leave_the_fields_empty(tmp_path: Path) -> None:
    cases = [  # (contact.email, the date line, expected contact, expected verified)
        ("soutien@mcn.gouv.qc.ca", "      metadataLastUpdated: '2024-01-15'", "soutien@mcn.gouv.qc.ca",
         date(2024, 1, 15)),
        ("N/A", "      metadataLastUpdated: '2019-02-30'", None, None),
        ("[soutien@mcn.gouv.qc.ca]", "      metadataLastUpdated: 15 janvier 2024", None, None),
        ("tbd@example.com", "      metadataLastUpdated: 2024-01-16", None, date(2024, 1, 16)),  # a YAML date
        ("'mcn@mcn'", "      metadataLastUpdated: ['2024-01-17']", None, None),
        ("12", "", None, None),
    ]
    releases = "".join(ORE_RELEASE.format(email=email, date=line, n=n) for n, (email, line, *_) in enumerate(cases))
    releases += ORE_RELEASE.format(email="x", date="", n=len(cases)).replace(  # a release without a contact
        "  - contact:\n      email: x\n    date:", "  - date:")
    (tmp_path / "mcn.yml").write_text(f"schemaVersion: '1.0'\nadminCode: mcn\nreleases:\n{releases}", encoding="utf-8")

    records, errors = import_records(tmp_path, "ore", REPO)
    assert errors == [], [str(e) for e in errors]
    assert [r.name for r in records] == [f"Service {n}" for n in range(len(cases) + 1)]  # no contact at all: kept
    expected = [(contact, day) for _, _, contact, day in cases] + [(None, None)]
    assert [(r.contact, r.verified) for r in records] == expected
    for record in records:
        _assert_cited(record)
    assert "metadataLastUpdated: 2024-01-16" in {s.quote for s in records[3].sources}


def test_ore_software_skips_unusable_dates_for_the_next_use(samples: Path, tmp_path: Path) -> None:
    software = _load(samples / "ore-ero" / "software" / "docker.yml")
    software["administrations"][0]["uses"][0]["contact"]["email"] = "michael.goit"
    software["administrations"][0]["uses"][0]["date"]["metadataLastUpdated"] = "2031-02-30"
    del software["administrations"][1]["uses"][0]["contact"]
    software["administrations"].append({"adminCode": "mcn", "uses": [
        {"contact": {"email": "info@mcn.gouv.qc.ca"}, "date": {"started": "2024-01-01"}}]})
    (tmp_path / "docker.yml").write_text(yaml.safe_dump(software, allow_unicode=True), encoding="utf-8")
    [record], errors = import_records(tmp_path / "docker.yml", "ore", REPO)
    assert errors == []
    assert record.users == ["statcan", "tbs-sct", "mcn"]
    assert (record.contact, record.verified) == (None, date(2019, 5, 13))
    _assert_cited(record)


def test_publiccode_takes_the_first_contact_with_a_usable_email(samples: Path, tmp_path: Path) -> None:
    data = _load(samples / "publiccode" / "publiccode.minimal.yml")
    data["maintenance"]["contacts"] = [
        {"name": "Sans courriel"},
        {"name": "Courriel invalide", "email": "jean.roy at mcn.gouv.qc.ca"},
        {"name": "Espace réservé", "email": "jean.roy@mcn.test"},
        {"name": "Boîte non lue", "email": "noreply@mcn.gouv.qc.ca"},
        {"name": "Jean Roy", "email": "jean.roy@mcn.gouv.qc.ca"},
        {"name": "Marie Roy", "email": "marie.roy@mcn.gouv.qc.ca"},
    ]
    path = tmp_path / "publiccode.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [record], errors = import_records(path, "publiccode", REPO)
    assert errors == [] and (record.contact, record.verified) == ("jean.roy@mcn.gouv.qc.ca", None)
    _assert_cited(record)

    data["maintenance"]["contacts"] = [{"name": "Courriel invalide", "email": "jean.roy@"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    [record], errors = import_records(path, "publiccode", REPO)
    assert errors == [] and record.contact is None
    assert not any("jean.roy" in s.quote for s in record.sources)
