"""The `assistant` command as a user runs it: real processes, real files, one line per problem, no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SHARED

from assistant.catalogue import read_catalogue
from assistant.settings import Settings

ASSISTANT = Path(sys.executable).with_name("assistant")
DATA = Path(__file__).parent / "data" / "catalogue"


def run(*args: str, settings: Settings | None = None, input: str | None = None,
        **env: str) -> subprocess.CompletedProcess:
    environment = os.environ | env
    if settings:
        environment |= {"ASSISTANT_HOME": str(settings.home), "ASSISTANT_INDEX_DIR": str(settings.index_dir)}
    result = subprocess.run([str(ASSISTANT), *args], capture_output=True, text=True, env=environment, input=input,
                            cwd=settings.home if settings else REPO, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_ingest_then_reingest_says_nothing_to_embed(corpus_settings):
    first = run("ingest", settings=corpus_settings)
    assert first.returncode == 0, first.stderr
    assert "24 ajoutées" in first.stdout and "0 en échec" in first.stdout

    second = run("ingest", settings=corpus_settings)
    assert second.returncode == 0
    assert "Rien à vectoriser" in second.stdout and "0 vectorisés" in second.stdout


def test_ingest_names_each_bad_file_and_exits_non_zero(corpus_settings):
    documents = corpus_settings.path(corpus_settings.documents_dir)
    (documents / "scan.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (documents / "image.md").write_bytes(b"\x00\x01\x02")

    result = run("ingest", "--quiet", settings=corpus_settings)

    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()
    assert [line.split(" : ")[0] for line in problems] == ["corpus/documents/image.md", "corpus/documents/scan.pdf"]
    assert "24 ajoutées" in result.stdout and "2 en échec" in result.stdout


def test_a_bad_setting_is_one_line_error(corpus_settings):
    result = run("ingest", settings=corpus_settings, ASSISTANT_EMBEDDER="word2vec")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "word2vec" in result.stderr


@pytest.mark.parametrize("broken", [{"ASSISTANT_LLM_TIMEOUT": "abc"}, {"ASSISTANT_WEB_USERNAME": ""},
                                    {"ASSISTANT_BOUNDS__NESTING": "-1"}])
def test_a_misconfigured_start_names_the_setting_and_never_a_secret(corpus_settings, broken):
    secrets = {"ASSISTANT_LLM_API_KEY": "sk-NE-PAS-AFFICHER", "ASSISTANT_WEB_USERNAME": "conseil",
               "ASSISTANT_WEB_PASSWORD": "mot-de-passe-secret"}
    environment = os.environ | secrets | broken | {"ASSISTANT_HOME": str(corpus_settings.home)}
    for command in ([str(ASSISTANT), "ask", "Bonjour"], [sys.executable, str(REPO / "app.py")]):
        result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and output.strip().count("\n") == 0, output
        assert "ASSISTANT_" in output or "réglages invalides" in output
        assert "NE-PAS-AFFICHER" not in output and "mot-de-passe-secret" not in output and "Traceback" not in output


def test_import_ore_samples_then_validate(tmp_path):
    out = tmp_path / "catalogue"
    result = run("catalogue", "import", str(SHARED / "samples" / "ore-ero" / "software"), "--format", "ore",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = sorted(out.glob("*.yaml"))
    assert len(written) == len(list((SHARED / "samples" / "ore-ero" / "software").glob("*.yml")))
    assert f"{len(written)} fiches écrites" in result.stdout

    validated = run("catalogue", "validate", str(out))
    assert validated.returncode == 0 and f"{len(written)} fiches valides, 0 invalides" in validated.stdout


def test_import_never_overwrites_a_record_unless_asked(tmp_path):
    out = tmp_path / "catalogue"
    source = SHARED / "samples" / "publiccode" / "publiccode.yml"
    assert run("catalogue", "import", str(source), "--format", "publiccode", "--out", str(out)).returncode == 0
    (record,) = out.glob("*.yaml")
    record.write_text(record.read_text(encoding="utf-8") + "# edited by an advisor\n", encoding="utf-8")

    again = run("catalogue", "import", str(source), "--format", "publiccode", "--out", str(out))
    assert again.returncode == 1 and "--replace" in again.stderr
    assert record.read_text(encoding="utf-8").endswith("# edited by an advisor\n")

    replaced = run("catalogue", "import", str(source), "--format", "publiccode", "--out", str(out), "--replace")
    assert replaced.returncode == 0 and "advisor" not in record.read_text(encoding="utf-8")


def test_import_refuses_bad_rows_and_writes_the_good_ones(tmp_path):
    out = tmp_path / "catalogue"
    result = run("catalogue", "import", str(DATA / "csv" / "records.csv"), "--format", "csv", "--out", str(out))
    assert result.returncode == 1
    refused = [line for line in result.stderr.splitlines() if line.startswith("Refusée")]
    assert refused and all("records.csv:" in line for line in refused)
    records, errors = read_catalogue(out, REPO)
    assert records and not errors
    assert not list(out.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("folder, expected_code", [("corpus/catalogue", 0), ("tests/data/catalogue/records", 1)])
def test_validate(folder, expected_code):
    result = run("catalogue", "validate", str(REPO / folder))
    assert result.returncode == expected_code
    if expected_code:
        assert all(line.startswith("Invalide : ") for line in result.stderr.strip().splitlines())
    else:
        assert "22 fiches valides, 0 invalides" in result.stdout


def test_settings_come_from_the_environment_and_a_dotenv_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ASSISTANT_EMBEDDER=minilm\nASSISTANT_CHROMA_PORT=9123\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")
    settings = Settings()
    assert (settings.embedder, settings.chroma_host, settings.chroma_port) == ("minilm", "127.0.0.1", 9123)
    assert settings.relative(settings.home / "corpus" / "x.pdf") == "corpus/x.pdf"
