"""The plain LangChain RAG a user would copy from LangChain's documentation, run beside the assistant.

The recipe: load the PDFs page by page and the catalogue records as text, RecursiveCharacterTextSplitter
(1000 characters, 200 of overlap), Chroma through langchain-chroma, all-MiniLM-L6-v2 through
sentence-transformers, top-4 similarity search. Two substitutions, both behaviour-neutral: pages are read with
pypdf directly (what PyPDFLoader does, without langchain-community), and the embeddings are the project's
sentence-transformers wrapper (langchain-huggingface's pins conflict with the installed huggingface-hub).

Its answer is its four passages, cited; its assets are the catalogue records among its hits, in order. It
decides no level and never says that nothing fits: the evaluation reports those as not applicable.
"""

import time
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter
from pypdf import PdfReader

from assistant.catalogue import read_record
from assistant.embed import get_embedder
from assistant.errors import RecordError
from assistant.load import PDF_SUFFIXES, RECORD_SUFFIXES, discover
from assistant.models import Answer, AssetResult, Citation, SuggestedLevel
from assistant.settings import Settings
from assistant.text import detect_language

OFFERED_AS_FITTING = 0.5  # a relevance score at or above it counts as offering the record as fitting

TOP_K = 4


def load_documents(settings: Settings) -> list[Document]:
    """PDF pages (metadata: source, 0-based page, as PyPDFLoader gives them) and record files as text."""
    documents = []
    for folder in settings.source_dirs:
        for path in discover(folder):
            source = settings.relative(path)
            if path.suffix.lower() in PDF_SUFFIXES:
                for number, page in enumerate(PdfReader(path).pages):
                    documents.append(Document(page_content=page.extract_text() or "",
                                              metadata={"source": source, "page": number}))
            else:
                metadata = {"source": source}
                if path.suffix.lower() in RECORD_SUFFIXES:
                    try:
                        metadata["record_id"] = read_record(path, settings.home, settings.bounds).id
                    except RecordError:
                        continue
                documents.append(Document(page_content=path.read_text(encoding="utf-8"), metadata=metadata))
    return documents


class Baseline:
    """`ask(question, history)` over a LangChain Chroma store built from the project's sources."""

    def __init__(self, settings: Settings, persist_dir: Path):
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = splitter.split_documents(load_documents(settings))
        client = chromadb.PersistentClient(path=str(persist_dir), settings=ChromaSettings(anonymized_telemetry=False))
        if "baseline" in [collection.name for collection in client.list_collections()]:
            client.delete_collection("baseline")
        self.store = Chroma.from_documents(chunks, get_embedder("minilm"), client=client, collection_name="baseline",
                                           collection_metadata={"hnsw:space": "cosine"})
        self.records = {}
        for folder in settings.source_dirs:
            for path in discover(folder):
                if path.suffix.lower() in RECORD_SUFFIXES:
                    try:
                        record = read_record(path, settings.home, settings.bounds)
                    except RecordError:
                        continue
                    self.records[record.id] = record

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        query = " ".join([*(history or []), question])  # the recipe keeps no conversation; this is the fairest
        hits = self.store.similarity_search_with_relevance_scores(query, k=TOP_K)
        citations: list[Citation] = []
        assets: list[AssetResult] = []
        lines: list[str] = []
        for n, (document, relevance) in enumerate(hits, start=1):
            page = document.metadata.get("page")
            source = document.metadata["source"]
            citations.append(Citation(n=n, source=source, title=source, page=page + 1 if page is not None else None,
                                      record_id=document.metadata.get("record_id"), quote=document.page_content))
            lines.append(f"{n}. « {document.page_content} » [{n}]")
            record = self.records.get(document.metadata.get("record_id") or "")
            if record and record.id not in [asset.id for asset in assets]:
                assets.append(AssetResult(id=record.id, name=record.name, acronym=record.acronym, owner=record.owner,
                                          kind=record.kind, level=record.level, level_label=record.level_label,
                                          status=record.status, score=round(max(relevance, 0.0), 3),
                                          fits=relevance >= OFFERED_AS_FITTING, citations=[n]))
        text = "\n".join(lines)
        return Answer(question=question, language=detect_language(text), intent="question", verdict="information",
                      answer=text, existing_asset_found=bool(assets), assets=assets,
                      suggested_level=SuggestedLevel(basis="none", rationale=""), next_steps=[],
                      citations=citations, seconds=round(time.perf_counter() - started, 3))
