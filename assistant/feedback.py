"""Advisors' feedback on answers, kept in SQLite: a thumb, a reason, a comment, with the question and the full
answer as it was shown, so that a reviewer can replay exactly what the user saw."""

import csv
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Literal, TextIO, get_args

from pydantic import BaseModel, Field

from assistant.errors import FeedbackError
from assistant.labels import Reason
from assistant.models import Answer

Rating = Literal["up", "down"]
COMMENT_LIMIT = 4000  # characters of an advisor's comment

CSV_COLUMNS = ["id", "created_at", "rating", "reason", "comment", "question", "language", "verdict", "assets",
               "suggested_level", "answer_json"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reason TEXT CHECK (reason IS NULL OR reason IN ({reasons})),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL
)
""".replace("{reasons}", ", ".join(f"'{reason}'" for reason in get_args(Reason)))


class Feedback(BaseModel):
    rating: Rating
    reason: Reason | None = None
    comment: str = Field("", max_length=COMMENT_LIMIT)
    answer: Answer


class StoredFeedback(Feedback):
    id: int
    created_at: str = Field(description="ISO 8601, UTC.")


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as error:
            raise FeedbackError(f"{self.path}: ouverture impossible ({error})") from error
        try:
            with connection:  # one transaction: committed whole or rolled back
                connection.execute(_SCHEMA)
                yield connection
        except sqlite3.Error as error:
            raise FeedbackError(f"{self.path}: {error}") from error
        finally:
            connection.close()

    def add(self, feedback: Feedback, now: datetime | None = None) -> int:
        created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        with self._connection() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created_at, rating, reason, comment, question, answer_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (created, feedback.rating, feedback.reason, feedback.comment.strip(), feedback.answer.question,
                 feedback.answer.model_dump_json()))
            return int(cursor.lastrowid or 0)

    def all(self) -> list[StoredFeedback]:
        with self._connection() as db:
            rows = db.execute("SELECT id, created_at, rating, reason, comment, answer_json FROM feedback "
                              "ORDER BY id").fetchall()
        return [StoredFeedback(id=row[0], created_at=row[1], rating=row[2], reason=row[3], comment=row[4],
                               answer=Answer.model_validate_json(row[5])) for row in rows]


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): a leading ' when it starts
    with = + - @ or a control character."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def local_time(stamp: str, zone: tzinfo | None = None) -> str:
    """A stored UTC time as a reader of the export expects it: «2026-12-01 10:15» in the local zone (the machine's
    unless `zone` is given)."""
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def csv_row(item: StoredFeedback, zone: tzinfo | None = None) -> list[str]:
    answer = item.answer
    cells = [str(item.id), local_time(item.created_at, zone), item.rating, item.reason or "", item.comment,
             answer.question, answer.language, answer.verdict, " ".join(asset.id for asset in answer.assets),
             str(answer.suggested_level.level or ""), answer.model_dump_json()]
    return [spreadsheet_safe(cell) for cell in cells]


SEPARATORS = (";", ",")  # «;» first: what a spreadsheet set for French reads as columns


def export_csv(items: list[StoredFeedback], out: TextIO, separator: str = SEPARATORS[0],
               zone: tzinfo | None = None) -> None:
    """The items as CSV, times in the local zone. A file for a spreadsheet is opened as «utf-8-sig» (with the
    byte-order mark by which French Excel knows UTF-8)."""
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(item, zone) for item in items)
