"""The labelled set (eval/dev-set.yaml by default): needs with the assets and level expected, document questions
with the page and the words expected.

The needs are split in two halves by the parity of their number: thresholds are fitted on the odd half
(`tune`) and every figure is also reported on the even half (`held_out`), which fitting never sees.
"""

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.labels import Language

Half = Literal["tune", "held_out"]


class DevNeed(BaseModel):
    id: str
    history: list[str] = Field(default_factory=list)
    question: str
    language: Language
    expected_assets: list[str]
    expected_level: int | None
    no_match: bool
    note: str = ""

    @property
    def half(self) -> Half:
        return "tune" if int(re.sub(r"\D", "", self.id) or 0) % 2 else "held_out"


class DevQuestion(BaseModel):
    id: str
    question: str
    language: Language
    expected_source: str
    expected_pages: list[int]
    expected_answer_contains: list[str]


class DevSet(BaseModel):
    needs: list[DevNeed]
    questions: list[DevQuestion] = Field(default_factory=list)


def load_dev_set(path: Path) -> DevSet:
    return DevSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
