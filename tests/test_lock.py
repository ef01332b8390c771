"""One writer at a time on the index: real `assistant ingest` processes, a real file lock, a holder that dies."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO
from test_cli import run

from assistant.errors import IndexBusy
from assistant.generation import generations
from assistant.index import ingest
from assistant.lock import LOCK_FILE, FileLock
from assistant.settings import Settings

HOLD = ("import sys, time; from pathlib import Path; from assistant.lock import FileLock\n"
        "with FileLock(Path(sys.argv[1])).held():\n    print('held', flush=True); time.sleep(600)\n")


def small_home(tmp_path) -> Settings:
    """A corpus of one short document: an ingest of a few seconds."""
    home = tmp_path / "project"
    (home / "corpus" / "documents").mkdir(parents=True)
    (home / "corpus" / "catalogue").mkdir()
    (home / "corpus" / "documents" / "note.md").write_text("# Note\n\nUne note du corpus sur la mutualisation.",
                                                          encoding="utf-8")
    return Settings(_env_file=None, home=home)


def holding(index_dir) -> subprocess.Popen:
    """Another process that holds the index's writer lock until it is killed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(index_dir)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_ingest_is_refused_at_once_and_names_who_holds_the_index(tmp_path):
    settings = small_home(tmp_path)
    index_dir = settings.path(settings.index_dir)
    holder = holding(index_dir)
    try:
        started = time.perf_counter()
        refused = run("ingest", "--quiet", settings=settings)
        elapsed = time.perf_counter() - started
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding it: nothing released by hand
        holder.wait()
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "une indexation est déjà en cours" in refused.stderr and f"processus {holder.pid}" in refused.stderr
    assert elapsed < 1 + startup_seconds(), elapsed  # refused before any model is loaded
    done = run("ingest", "--quiet", settings=settings)  # the dead holder's lock is free again
    assert done.returncode == 0, done.stderr
    assert json.loads((index_dir / LOCK_FILE).read_text() or "{}") == {}  # released, no holder named


def startup_seconds() -> float:
    """What `assistant --help` takes here (Python and the package starting): the floor of any command."""
    started = time.perf_counter()
    assert run("--help").returncode == 0
    return time.perf_counter() - started


def start_ingest(settings: Settings) -> subprocess.Popen:
    return subprocess.Popen([str(REPO / ".venv" / "bin" / "assistant"), "ingest", "--quiet"],
                            env=os.environ | {"ASSISTANT_HOME": str(settings.home),
                                              "ASSISTANT_INDEX_DIR": str(settings.index_dir)},
                            cwd=settings.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_ingests_started_together_one_completes_the_other_is_refused(tmp_path):
    settings = small_home(tmp_path)
    note = settings.path(settings.documents_dir) / "note.md"
    for attempt in range(10):  # the race shows only some of the times: at least ten tries
        note.write_text(f"# Note\n\nVersion {attempt} de la note sur la mutualisation.", encoding="utf-8")
        commands = [start_ingest(settings) for _ in range(2)]
        results = [(command.wait(timeout=300), *command.communicate()) for command in commands]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], (attempt, results)
        refused = next(err for code, _, err in results if code == 2)
        assert "une indexation est déjà en cours" in refused and "Traceback" not in refused
        answered = run("ask", "--json", "Que dit la note sur la mutualisation?", settings=settings)
        assert answered.returncode == 0 and f"Version {attempt} " in answered.stdout, (attempt, answered.stdout)


KILLS = 20


def test_an_ingest_killed_at_random_points_leaves_the_old_generation_or_the_new_one(tmp_path):
    """A writer killed (-9) anywhere: model loading, embedding, writing chunks, saving BM25, publishing. The index
    then opens and answers, from exactly the generation before or exactly the new one, never a mix."""
    from assistant import Engine
    from assistant.generation import current_sources
    from assistant.index import open_client, open_collection

    settings = small_home(tmp_path)
    documents = settings.path(settings.documents_dir)

    def write_version(version: int) -> None:  # two sources change together: a mix would show
        for name in ("note.md", "annexe.md"):
            paragraphs = [f"Paragraphe {n} de {name}, version {version} : la mutualisation des actifs entre les "
                          f"organismes publics, repère v{version}x." for n in range(60)]
            (documents / name).write_text("# Texte\n\n" + "\n\n".join(paragraphs), encoding="utf-8")

    write_version(0)
    assert run("ingest", "--quiet", settings=settings).returncode == 0
    started = time.perf_counter()
    write_version(1)
    assert run("ingest", "--quiet", settings=settings).returncode == 0
    whole_run = time.perf_counter() - started
    random = __import__("random").Random(17)
    mid_write, held = 0, 1  # held: the version the index's generation holds
    for version in range(2, 2 + KILLS):
        before = generations(settings).manifest()
        write_version(version)
        writer = start_ingest(settings)
        time.sleep(random.uniform(0, whole_run))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        after = generations(settings).manifest()
        assert after in (before, {**before, **{f"corpus/documents/{name}": after[f"corpus/documents/{name}"]
                                                for name in ("note.md", "annexe.md")}}), version
        new = after != before
        changed = {source for source in after if after[source] != before.get(source)}
        assert changed in (set(), {"corpus/documents/note.md", "corpus/documents/annexe.md"}), version  # no mix
        engine = Engine(settings, calibrated=False)
        sources = {source.source: source.source_hash for source in engine.indexed_documents()}
        assert sources == after
        found = " ".join(p.text for p in engine.pipeline().retriever.search(f"repère v{version}x", k=50))
        assert (f"v{version}x" in found) == new, version  # a killed run's chunks stay out of sight
        held = version if new else held
        assert f"v{held}x" in found, version
        answer = engine.ask("Que dit le texte sur la mutualisation des actifs?")
        # Quotes are checked against the files: those of the generation before no longer match the edited ones.
        assert answer.answer and (answer.citations or not new), version
        collection = open_collection(open_client(settings), settings, engine.pipeline().retriever.embedder)
        stored = collection.count()
        mid_write += new or stored > sum(len(s.chunk_ids) for s in current_sources(collection, settings).values())
    assert mid_write, "no kill landed once chunks were being written: the test tested nothing"


def test_the_lock_is_one_writer_within_a_process_too(tmp_path):
    with FileLock(tmp_path).held():
        with pytest.raises(IndexBusy, match=f"processus {os.getpid()} "), FileLock(tmp_path).held():
            pass
    with FileLock(tmp_path).held():  # released: taken again
        pass


def test_a_link_out_of_the_corpus_is_refused_and_an_indexed_one_leaves(embedder, tmp_path):
    corpus_settings = small_home(tmp_path)
    outside = tmp_path / "ailleurs.md"
    outside.write_text("# Hors corpus\n\nUn texte qui n’appartient pas au corpus.", encoding="utf-8")
    documents = corpus_settings.path(corpus_settings.documents_dir)
    link = documents / "lien.md"
    link.symlink_to(outside)
    report = ingest(corpus_settings, embedder, progress=False)
    assert report.failed == {"corpus/documents/lien.md": "lien symbolique vers un fichier hors des dossiers du "
                                                        "corpus : refusé"}
    assert "corpus/documents/lien.md" not in report.added
    # An older index took it in (as the project did before): the next ingest takes it out.
    inside = documents / "note.md"
    assert "corpus/documents/note.md" in report.added
    inside.unlink()
    inside.symlink_to(outside)
    later = ingest(corpus_settings, embedder, progress=False)
    assert "corpus/documents/note.md" in later.removed and "corpus/documents/note.md" in later.failed


def test_a_running_engine_follows_an_ingest_made_by_another_process(tmp_path):
    from assistant import Engine

    settings = small_home(tmp_path)
    assert run("ingest", "--quiet", settings=settings).returncode == 0
    engine = Engine(settings)
    assert engine.records() == []
    record = settings.path(settings.catalogue_dir) / "sag.yaml"
    record.write_text((REPO / "corpus" / "catalogue" / "sag.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run("ingest", "--quiet", settings=settings).returncode == 0  # another process, the engine still open
    assert [r.id for r in engine.records()] == ["sag"]  # no restart, no reload(): it followed
    assert "sag" in [asset.id for asset in engine.ask("Nos citoyens doivent se connecter à notre portail").assets]
    nothing_new = generations(settings).current()
    assert run("ingest", "--quiet", settings=settings).returncode == 0  # nothing changed: nothing published
    assert generations(settings).current() == nothing_new
