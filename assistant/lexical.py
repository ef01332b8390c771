"""The keyword side of the index: BM25 (bm25s) over the same chunks as Chroma, with French-aware analysis.

Kept in step with the Chroma collection by ingestion and persisted beside it, with a stamp of the chunk ids
it was built from, so that a start never rebuilds it and a stale copy is never used.
"""

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

from assistant.text import lexical_form, sha256_hex

_ELISION = re.compile(r"\b(?:qu|jusqu|lorsqu|puisqu|quoiqu|[cdjlmnst])['’]", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("french")
_ENGLISH_STEMMER = Stemmer.Stemmer("english")
STAMP_FILE = "stamp.json"
TERMS_FILE = "terms.json"


_STOP_WORDS = frozenset(lexical_form(word) for word in (*STOPWORDS_FRENCH, *STOPWORDS_EN))


def analyze(text: str) -> list[str]:
    """Terms for BM25: lower case, elisions split (l’actif -> actif), accents folded before stemming so that
    text typed without accents meets the corpus («securisee» and «sécurisées» give one stem), stop words
    out, French stems."""
    words = _WORD.findall(lexical_form(_ELISION.sub(" ", text.lower())))
    return _STEMMER.stemWords([word for word in words if word not in _STOP_WORDS and (len(word) > 1 or word.isdigit())])


def loose_forms(terms: set[str]) -> set[str]:
    """Terms (from `analyze`) with English endings stripped too, so that an English «signing» meets «sign»: for
    telling whether a turn adds words to a conversation, not for the index."""
    return set(_ENGLISH_STEMMER.stemWords(sorted(terms)))


ANALYSIS = "fr-snowball-1"  # how texts are analysed (`analyze`): part of every stamp, so a change rebuilds all


def corpus_stamp(chunk_ids: list[str]) -> str:
    """What a BM25 index (or terms counted from it) was built from; chunk ids embed their source's hash, so any
    change shows."""
    return sha256_hex("\n".join([ANALYSIS, *sorted(chunk_ids)]))


@dataclass
class LexicalIndex:
    retriever: bm25s.BM25
    chunk_ids: list[str]
    stamp: str
    terms: list[list[str]] | None = None  # each chunk's terms, when built here (what the next build reuses)

    @classmethod
    def build(cls, chunk_ids: list[str], terms: list[list[str]]) -> "LexicalIndex":
        """Over the chunks' terms (`analyze` of each chunk's text)."""
        retriever = bm25s.BM25()
        # An empty term list would make bm25s fail; a placeholder term keeps the chunk's row (and an index with no
        # chunk at all, its every source gone, one row that no chunk id names).
        retriever.index([own or ["∅"] for own in terms] or [["∅"]], show_progress=False)
        return cls(retriever, list(chunk_ids), corpus_stamp(chunk_ids), terms)

    def save(self, folder: Path) -> None:
        """Written to a sibling folder first, then swapped in: a reader never sees half an index."""
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        self.retriever.save(str(staging), show_progress=False)
        (staging / STAMP_FILE).write_text(json.dumps({"stamp": self.stamp, "chunk_ids": self.chunk_ids}),
                                          encoding="utf-8")
        if self.terms is not None:
            (staging / TERMS_FILE).write_text(json.dumps({"stamp": self.stamp, "terms": self.terms},
                                                         ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        """The saved index, or None when there is none (or it cannot be read: it is then rebuilt)."""
        try:
            saved = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
            retriever = bm25s.BM25.load(str(folder), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, saved["chunk_ids"], saved["stamp"])

    @staticmethod
    def saved_terms(folder: Path) -> dict[str, list[str]]:
        """The terms of each chunk the saved index was built over (none when they cannot be read)."""
        try:
            saved = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
            terms = json.loads((folder / TERMS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            return {}
        same = isinstance(terms, dict) and terms.get("stamp") == saved.get("stamp") and len(saved["chunk_ids"]) == len(
            terms.get("terms", []))
        return dict(zip(saved["chunk_ids"], terms["terms"], strict=True)) if same else {}  # both from one save

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids with their BM25 scores, best first; only chunks sharing a term with the query."""
        terms = analyze(query)
        if not terms or not self.chunk_ids:
            return []
        documents, scores = self.retriever.retrieve([terms], k=min(k, len(self.chunk_ids)), show_progress=False)
        return [(self.chunk_ids[i], float(s)) for i, s in zip(documents[0], scores[0], strict=True) if s > 0]
