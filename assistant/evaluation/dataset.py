"""The labelled set (eval/labelled-set.yaml, written per eval/LABELLING.md): needs with the records acceptable
and the level expected, document questions with the facts and their pages, follow-ups, and needs for the grown
catalogue. Each case belongs to one half, `dev` (what calibration fits on) or `held_out` (what it is reported
on), assigned once by eval/split.py.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.labels import Language
from assistant.models import CatalogueRecord
from assistant.text import match_form, quote_form

# --- The labelled set of what users read (eval/labelled-set.yaml, eval/LABELLING.md) ---------------------

Split = Literal["dev", "held_out"]
Style = Literal["short", "long", "colloquial", "english", "negative"]


class LabelledNeed(BaseModel):
    """A need (or a follow-up, with its history): the records that meet it, [] when none does."""

    model_config = ConfigDict(extra="forbid")

    id: str
    history: list[str] = Field(default_factory=list)
    question: str = Field(min_length=3)
    language: Language
    style: Style = "short"
    acceptable: list[str]
    expected_level: int | None = Field(None, ge=1, le=4)
    note: str = ""
    split: Split | None = None


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=2)
    source: str
    page: int = Field(ge=1)


class DocumentQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str = Field(min_length=3)
    language: Language
    facts: list[Fact] = Field(min_length=1)
    note: str = ""
    split: Split | None = None


class LabelledSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    needs: list[LabelledNeed] = Field(default_factory=list)
    documents: list[DocumentQuestion] = Field(default_factory=list)
    follow_ups: list[LabelledNeed] = Field(default_factory=list)
    grown: list[LabelledNeed] = Field(default_factory=list)

    def cases(self) -> list[LabelledNeed | DocumentQuestion]:
        return [*self.needs, *self.documents, *self.follow_ups, *self.grown]


def load_labelled_set(path: Path) -> LabelledSet:
    return LabelledSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def shared_runs(text: str, other: str, length: int = 4) -> list[str]:
    """The runs of `length` words that two texts share (accents, case and punctuation aside)."""
    def runs(value: str) -> set[str]:
        words = re.findall(r"\w+", match_form(value))
        return {" ".join(words[i:i + length]) for i in range(len(words) - length + 1)}
    return sorted(runs(text) & runs(other))


def labelling_problems(labelled: LabelledSet, records: dict[str, CatalogueRecord],
                       page_text: Callable[[str, int], str]) -> list[str]:
    """What breaks the labelling guide: duplicate ids, unknown records, a record's own phrases reused, a fact not
    printed on its page. `records` holds every record a need may name (the grown ones included)."""
    problems = []
    ids = [case.id for case in labelled.cases()]
    problems += [f"{case_id}: id en double" for case_id in sorted({i for i in ids if ids.count(i) > 1})]
    for need in [*labelled.needs, *labelled.follow_ups, *labelled.grown]:
        problems += [f"{need.id}: fiche inconnue « {rid} »" for rid in need.acceptable if rid not in records]
        if need.style == "negative" and need.acceptable:
            problems.append(f"{need.id}: un cas négatif n’a aucune fiche acceptable")
        for record in records.values():
            own = " ".join([record.name, record.description, *record.keywords.fr, *record.keywords.en])
            if reused := shared_runs(need.question, own):
                problems.append(f"{need.id}: reprend « {reused[0]} » de la fiche {record.id}")
    for question in labelled.documents:
        for fact in question.facts:
            try:
                printed = quote_form(page_text(fact.source, fact.page))
            except Exception as error:  # a wrong path or page is a labelling problem, said in one line
                problems.append(f"{question.id}: {fact.source} p. {fact.page} illisible ({error})")
                continue
            if quote_form(" ".join(fact.text.split())) not in " ".join(printed.split()):
                problems.append(f"{question.id}: « {fact.text} » n’est pas à la page {fact.page} de {fact.source}")
    return problems
