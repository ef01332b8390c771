"""Ingestion into a real Chroma store: page-true chunks, incremental updates, bad input that harms nothing."""

import io
from collections import Counter
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader, PdfWriter

from assistant.catalogue import read_catalogue
from assistant.generation import current_sources, generations, indexed_sources
from assistant.index import IndexStoreError, ingest, open_client, open_collection
from assistant.text import quote_on_page

PORTFOLIO = "corpus/documents/mcn-portefeuille-projets-prioritaires-2025-2026.pdf"


def stored_chunks(settings, embedder, generation_only: bool = True) -> list[tuple[str, str, dict]]:
    """The chunks readers see (the current generation's), or every chunk the store holds."""
    collection = open_collection(open_client(settings), settings, embedder)
    got = collection.get(include=["documents", "metadatas"])
    seen = {chunk_id for source in current_sources(collection, settings).values() for chunk_id in source.chunk_ids}
    return [(chunk_id, text, metadata)
            for chunk_id, text, metadata in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            if chunk_id in seen or not generation_only]


def test_every_pdf_chunk_is_found_on_the_page_it_names(repo_settings, embedder):
    report = ingest(repo_settings, embedder, progress=False)
    assert report.ok, report.failed
    chunks = stored_chunks(repo_settings, embedder)
    pdf_chunks = [(text, meta) for _, text, meta in chunks if meta["source"].endswith(".pdf")]
    assert len({meta["source"] for _, meta in pdf_chunks}) == 2

    pages: dict[str, list[str]] = {}
    for text, meta in pdf_chunks:
        if meta["source"] not in pages:
            reader = PdfReader(repo_settings.home / meta["source"])
            pages[meta["source"]] = [page.extract_text() for page in reader.pages]
        assert quote_on_page(text, pages[meta["source"]][meta["page"] - 1]), (meta["source"], meta["page"], text)
        assert {"title", "chunk", "content_hash", "source_hash", "indexed_at"} <= meta.keys()
    # every page of both documents has text, so every page is reached by at least one chunk
    for source, texts in pages.items():
        assert {meta["page"] for _, meta in pdf_chunks if meta["source"] == source} == set(range(1, len(texts) + 1))


def test_catalogue_chunks_carry_the_record_fields(repo_settings, embedder):
    ingest(repo_settings, embedder, progress=False)
    records, errors = read_catalogue(repo_settings.path(repo_settings.catalogue_dir), repo_settings.home)
    assert not errors
    by_record = {meta["record_id"]: meta for _, _, meta in stored_chunks(repo_settings, embedder)
                 if "record_id" in meta}
    assert by_record.keys() == {record.id for record in records}
    for record in records:
        meta = by_record[record.id]
        assert meta["kind"] == record.kind
        assert meta.get("level") == record.level
        assert meta.get("owner") == record.owner
        assert "page" not in meta


def test_second_ingest_of_an_unchanged_corpus_embeds_nothing(corpus_settings, embedder):
    first = ingest(corpus_settings, embedder, progress=False)
    assert first.chunks_embedded == first.chunks_total > 0
    second = ingest(corpus_settings, embedder, progress=False)
    assert second.chunks_embedded == 0
    assert not (second.added or second.updated or second.removed)
    assert sorted(second.skipped) == sorted(first.added)
    assert second.chunks_total == first.chunks_total


def test_a_changed_source_replaces_its_chunks_and_a_removed_one_leaves(corpus_settings, embedder):
    notes = corpus_settings.path(corpus_settings.documents_dir) / "notes.md"
    notes.write_text("# Notes\n\nLe registre des archives est tenu par la direction.\n", encoding="utf-8")
    ingest(corpus_settings, embedder, progress=False)
    before = stored_chunks(corpus_settings, embedder)

    notes.write_text("# Notes\n\nLa signature électronique est offerte aux organismes.\n", encoding="utf-8")
    report = ingest(corpus_settings, embedder, progress=False)
    assert report.updated == ["corpus/documents/notes.md"] and not report.added
    after = stored_chunks(corpus_settings, embedder)
    notes_texts = [text for _, text, meta in after if meta["source"] == "corpus/documents/notes.md"]
    assert any("signature électronique" in text for text in notes_texts)
    assert not any("registre des archives" in text for text in notes_texts)
    assert len(after) == len(before)
    # The version before stays in the store for the questions still under way on its generation, no longer.
    stored = [text for _, text, _ in stored_chunks(corpus_settings, embedder, generation_only=False)]
    assert any("registre des archives" in text for text in stored)

    notes.unlink()
    report = ingest(corpus_settings, embedder, progress=False)
    assert report.removed == ["corpus/documents/notes.md"]
    assert all(meta["source"] != "corpus/documents/notes.md" for _, _, meta in stored_chunks(corpus_settings, embedder))
    stored = [text for _, text, _ in stored_chunks(corpus_settings, embedder, generation_only=False)]
    assert not any("registre des archives" in text for text in stored)
    ingest(corpus_settings, embedder, progress=False)
    assert all(meta["source"] != "corpus/documents/notes.md"
               for _, _, meta in stored_chunks(corpus_settings, embedder, generation_only=False))


def test_overlapping_arguments_read_each_source_once(corpus_settings, embedder):
    documents = corpus_settings.path(corpus_settings.documents_dir)
    pdf = sorted(documents.glob("*.pdf"))[0]
    report = ingest(corpus_settings, embedder, paths=[documents, pdf, documents], progress=False)
    assert sorted(report.added) == sorted(corpus_settings.relative(p) for p in documents.glob("*.pdf"))
    assert report.chunks_embedded == report.chunks_total
    keys = Counter((meta["source"], meta["chunk"]) for _, _, meta in stored_chunks(corpus_settings, embedder))
    assert max(keys.values()) == 1


def test_a_source_cut_short_by_a_crash_is_indexed_again(corpus_settings, embedder):
    ingest(corpus_settings, embedder, progress=False)
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    pdf_chunks = collection.get(where={"source": {"$eq": PORTFOLIO}})["ids"]
    collection.delete(ids=pdf_chunks[-2:])
    # What a writer killed while writing leaves: the next ingest reads the whole store back, not the published list.
    (corpus_settings.path(corpus_settings.index_dir) / f".ingest-unfinished-{corpus_settings.collection}").touch()

    report = ingest(corpus_settings, embedder, progress=False)

    assert report.updated == [PORTFOLIO]
    assert sorted(collection.get(where={"source": {"$eq": PORTFOLIO}})["ids"]) == sorted(pdf_chunks)


def test_a_failure_while_writing_keeps_the_old_chunks_and_the_other_sources(corpus_settings, embedder, monkeypatch):
    import assistant.index as index

    notes = corpus_settings.path(corpus_settings.documents_dir) / "notes.md"
    notes.write_text("Première version des notes.\n", encoding="utf-8")
    ingest(corpus_settings, embedder, progress=False)
    before = [item for item in stored_chunks(corpus_settings, embedder) if item[2]["source"].endswith("notes.md")]
    notes.write_text("Deuxième version des notes.\n", encoding="utf-8")
    (notes.parent / "autres.md").write_text("Une autre note.\n", encoding="utf-8")

    real_add = index._add_chunks

    def add_failing_for_notes(collection, chunks, vectors, batch_size, indexed_at):
        if any(chunk.source.endswith("notes.md") for chunk in chunks):  # a batch holding it, or it alone
            raise RuntimeError("disque plein")
        real_add(collection, chunks, vectors, batch_size, indexed_at)

    monkeypatch.setattr(index, "_add_chunks", add_failing_for_notes)
    report = ingest(corpus_settings, embedder, progress=False)

    assert "disque plein" in report.failed["corpus/documents/notes.md"]
    assert report.added == ["corpus/documents/autres.md"]
    after = [item for item in stored_chunks(corpus_settings, embedder) if item[2]["source"].endswith("notes.md")]
    assert after == before


def test_a_record_id_is_indexed_from_one_file_only(corpus_settings, embedder):
    catalogue = corpus_settings.path(corpus_settings.catalogue_dir)
    ingest(corpus_settings, embedder, progress=False)
    (catalogue / "copies").mkdir()
    (catalogue / "copies" / "sag.yaml").write_bytes((catalogue / "sag.yaml").read_bytes())

    report = ingest(corpus_settings, embedder, progress=False)

    assert "corpus/catalogue/sag.yaml" in report.failed["corpus/catalogue/copies/sag.yaml"]
    record_ids = [meta.get("record_id") for _, _, meta in stored_chunks(corpus_settings, embedder)]
    assert {meta["source"] for _, _, meta in stored_chunks(corpus_settings, embedder)
            if meta.get("record_id") == "sag"} == {"corpus/catalogue/sag.yaml"}
    assert record_ids.count("sag") > 0


def pdf_bytes(make) -> bytes:
    writer = make()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def bad_inputs(real_pdf: Path) -> dict[str, tuple[bytes, str]]:
    """File name -> (content, a word the one-line reason must contain)."""
    def encrypted():
        writer = PdfWriter(clone_from=real_pdf)
        writer.encrypt(user_password="secret", algorithm="AES-256")
        return writer

    def scanned():
        writer = PdfWriter()
        writer.add_blank_page(612, 792)
        return writer

    return {
        "corrompu.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 8, "endommagé"),
        "tronque.pdf": (real_pdf.read_bytes()[:3000], "endommagé"),
        "chiffre.pdf": (pdf_bytes(encrypted), "mot de passe"),
        "vide.pdf": (b"", "vide"),
        "numerise.pdf": (pdf_bytes(scanned), "aucun texte"),
        "faux.pdf": (b"Ceci est une note, pas un PDF.", "%PDF"),
        "binaire.txt": (b"\x89PNG\r\n\x1a\n\x00\x00", "binaire"),
        "blanc.md": ("\ufeff\u200b \n\u200b".encode(), "vide"),
    }


def test_bad_files_are_reported_one_line_each_and_the_rest_is_indexed(corpus_settings, embedder):
    documents = corpus_settings.path(corpus_settings.documents_dir)
    catalogue = corpus_settings.path(corpus_settings.catalogue_dir)
    real_pdf = next(documents.glob("*.pdf"))
    cases = bad_inputs(real_pdf)
    for name, (content, _) in cases.items():
        (documents / name).write_bytes(content)
    (catalogue / "sans-nom.yaml").write_text("id: sans-nom\nkind: asset\ndescription: x\n", encoding="utf-8")

    report = ingest(corpus_settings, embedder, progress=False)

    assert not report.ok
    for name, (_, word) in cases.items():
        reason = report.failed[f"corpus/documents/{name}"]
        assert word in reason and "\n" not in reason, (name, reason)
    assert "name" in report.failed["corpus/catalogue/sans-nom.yaml"]
    assert len(report.failed) == len(cases) + 1
    assert len(report.added) == 2 + 22  # both PDFs and every curated record


def test_a_source_that_turns_bad_keeps_its_indexed_chunks(corpus_settings, embedder):
    ingest(corpus_settings, embedder, progress=False)
    before = stored_chunks(corpus_settings, embedder)
    pdf = next(corpus_settings.path(corpus_settings.documents_dir).glob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:2000])

    report = ingest(corpus_settings, embedder, progress=False)

    assert corpus_settings.relative(pdf) in report.failed
    assert not report.removed
    assert sorted(before) == sorted(stored_chunks(corpus_settings, embedder))


@pytest.mark.slow
def test_an_index_built_with_another_embedder_is_refused_with_the_rebuild_command(corpus_settings, embedder):
    from assistant.embed import get_embedder

    ingest(corpus_settings, embedder, progress=False)
    minilm = get_embedder("minilm")
    with pytest.raises(IndexStoreError, match="assistant ingest --rebuild"):
        ingest(corpus_settings, minilm, progress=False)
    rebuilt = ingest(corpus_settings, minilm, rebuild=True, progress=False)
    assert rebuilt.ok and rebuilt.chunks_embedded == rebuilt.chunks_total > 0
    collection = open_collection(open_client(corpus_settings), corpus_settings, minilm)
    assert collection.metadata["dimension"] == 384


def test_files_over_their_bounds_are_refused_by_name_and_the_rest_is_indexed(corpus_settings, embedder):
    catalogue = corpus_settings.path(corpus_settings.catalogue_dir)
    sag = (catalogue / "sag.yaml").read_text(encoding="utf-8")
    (catalogue / "enorme.yaml").write_text(sag.replace("id: sag", "id: enorme") + "# " + "x" * 5_000_000 + "\n",
                                           encoding="utf-8")
    (catalogue / "bombe.yaml").write_text('a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n', encoding="utf-8")
    (catalogue / "profonde.yaml").write_text("id: profonde\nname: " + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    talkative = yaml.safe_load(sag) | {"id": "bavarde", "description": "mot " * 6000}
    (catalogue / "bavarde.yaml").write_text(yaml.safe_dump(talkative, allow_unicode=True), encoding="utf-8")
    tight = corpus_settings.model_copy(update={"bounds": corpus_settings.bounds.model_copy(
        update={"document_pages": 3})})

    report = ingest(tight, embedder, progress=False)

    failed = report.failed
    assert failed["corpus/catalogue/enorme.yaml"].startswith("fichier trop volumineux (5 ")
    assert "au plus 256 000)" in failed["corpus/catalogue/enorme.yaml"]
    assert "alias YAML" in failed["corpus/catalogue/bombe.yaml"]
    assert "imbrication trop profonde (plus de 32 niveaux)" in failed["corpus/catalogue/profonde.yaml"]
    assert failed["corpus/catalogue/bavarde.yaml"].startswith("description: texte trop long (")
    assert failed["corpus/documents/mcn-reponse-acces-DA2425-39-mutualisation.pdf"].startswith(
        "PDF trop long (")
    assert "corpus/catalogue/sag.yaml" in report.added and "\n" not in "".join(failed.values())


def test_the_list_a_generation_publishes_is_what_the_store_holds(corpus_settings, embedder):
    ingest(corpus_settings, embedder, progress=False)
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    before = current_sources(collection, corpus_settings)
    catalogue = corpus_settings.path(corpus_settings.catalogue_dir)
    for name in ("seao.yaml", "sag.yaml", "sdm.yaml"):
        record = catalogue / name
        record.write_text(record.read_text(encoding="utf-8") + "\n# revu\n", encoding="utf-8")
    (catalogue / "dnf.yaml").unlink()
    ingest(corpus_settings, embedder, progress=False)
    following = current_sources(collection, corpus_settings)  # from the list the ingest published
    assert following == indexed_sources(collection, generations(corpus_settings).manifest())  # every chunk read
    assert "corpus/catalogue/dnf.yaml" not in following
    assert following["corpus/catalogue/seao.yaml"].source_hash != before["corpus/catalogue/seao.yaml"].source_hash


def generation_chunk_count(settings, collection) -> int:
    return sum(len(entry.chunk_ids) for entry in current_sources(collection, settings).values())


def test_an_ingest_cut_short_leaves_its_marker_and_the_next_deletes_what_it_wrote(corpus_settings, embedder,
                                                                                   monkeypatch):
    marker = corpus_settings.path(corpus_settings.index_dir) / f".ingest-unfinished-{corpus_settings.collection}"
    ingest(corpus_settings, embedder, progress=False)
    assert not marker.exists()
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    record = corpus_settings.path(corpus_settings.catalogue_dir) / "seao.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "\n# revu\n", encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what a stop between writing and publishing leaves

    monkeypatch.setattr("assistant.lock.Generations.publish", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(corpus_settings, embedder, progress=False)
    monkeypatch.undo()
    assert marker.exists() and collection.count() > generation_chunk_count(corpus_settings, collection)
    record.write_text(record.read_text(encoding="utf-8").replace("\n# revu\n", "\n# revu encore\n"), encoding="utf-8")
    ingest(corpus_settings, embedder, progress=False)
    ingest(corpus_settings, embedder, progress=False)  # the versions the last one retired go too
    assert not marker.exists() and collection.count() == generation_chunk_count(corpus_settings, collection)


def test_what_a_failed_write_left_is_deleted_even_when_nothing_is_published(corpus_settings, embedder, monkeypatch):
    import assistant.index as index

    ingest(corpus_settings, embedder, progress=False)
    collection = open_collection(open_client(corpus_settings), corpus_settings, embedder)
    notes = corpus_settings.path(corpus_settings.documents_dir) / "notes.md"
    notes.write_text("Une note assez longue pour deux fragments. " * 40, encoding="utf-8")
    real_add = index._add_chunks

    def half_written(collection, chunks, vectors, batch_size, indexed_at):
        if any(chunk.source.endswith("notes.md") for chunk in chunks):
            real_add(collection, chunks[:1], vectors[:1], batch_size, indexed_at)  # one chunk, then the disk fills
            raise RuntimeError("disque plein")
        real_add(collection, chunks, vectors, batch_size, indexed_at)

    monkeypatch.setattr(index, "_add_chunks", half_written)
    for _ in range(2):  # the second time the same refusal publishes nothing
        assert "disque plein" in ingest(corpus_settings, embedder, progress=False).failed["corpus/documents/notes.md"]
        assert collection.count() == generation_chunk_count(corpus_settings, collection)
