"""The simplest signal we know of, as a second baseline: the cosine between the need and one embedded profile
per record (name, acronym, description, keywords, sub-projects) with the project's embedder; the verdict names
the top record when its cosine reaches a threshold chosen on the development half, else says nothing fits.

It cites nothing and answers no question about the documents; its «fit» is a cosine, not a probability.
"""

import time

import numpy as np

from assistant.embed import get_embedder
from assistant.engine import Engine
from assistant.evaluation.dataset import LabelledNeed
from assistant.evaluation.metrics import verdict_correct
from assistant.labels import ANSWER_TEXT
from assistant.models import Answer, AssetResult, CatalogueRecord, SuggestedLevel
from assistant.profiles import profile_text
from assistant.text import detect_language

SHOWN = 5


class ProfileBaseline:
    def __init__(self, engine: Engine):
        self.records = engine.records()
        self.embedder = get_embedder(engine.settings.embedder)
        vectors = np.asarray(self.embedder.embed_documents([profile_text(record) for record in self.records]))
        self.vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self.threshold = 0.0

    def ranked(self, text: str) -> list[tuple[CatalogueRecord, float]]:
        query = np.asarray(self.embedder.embed_query(text))
        cosines = self.vectors @ (query / (np.linalg.norm(query) or 1.0))
        order = np.argsort(-cosines)
        return [(self.records[i], float(cosines[i])) for i in order]

    def fit(self, needs: list[LabelledNeed]) -> float:
        """The threshold that gets most verdicts of these needs right (ties: the lowest)."""
        tops = [(self.ranked(query_text(need.question, need.history))[0], need.acceptable) for need in needs]

        def right(cut: float) -> int:
            return sum(verdict_correct(record.id if cosine >= cut else None, acceptable)
                       for (record, cosine), acceptable in tops)

        cuts = sorted({cosine for (_, cosine), _ in tops} | {1.01})
        self.threshold = max(cuts, key=lambda cut: (right(cut), -cut))
        return self.threshold

    def ask(self, question: str, history: list[str]) -> Answer:
        started = time.perf_counter()
        ranked = self.ranked(query_text(question, history))[:SHOWN]
        best = ranked[0][0] if ranked and ranked[0][1] >= self.threshold else None
        language = detect_language(question)
        text = ANSWER_TEXT[language]
        verdict = "no_match" if best is None else "existing_asset" if best.kind == "asset" else "similar_initiative"
        sentence = text[verdict].format(name=best.display_name if best else "", cite="").replace(" .", ".")
        assets = [AssetResult(id=r.id, name=r.name, acronym=r.acronym, owner=r.owner, kind=r.kind, level=r.level,
                              level_label=r.level_label, status=r.status, score=round(cosine, 3),
                              fits=cosine >= self.threshold)
                  for r, cosine in ranked] if best else []
        level = SuggestedLevel(level=best.level if best else None, basis="asset" if best and best.level else "none",
                               rationale="")
        return Answer(question=question, language=language, intent="need", verdict=verdict,
                      verdict_record=best.id if best else None, answer=sentence, existing_asset_found=bool(best),
                      assets=assets, suggested_level=level, seconds=round(time.perf_counter() - started, 3))


def query_text(question: str, history: list[str]) -> str:
    return " ".join([*history, question])
