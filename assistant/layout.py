"""A PDF page's text as its layout shapes it: lines (pypdf's own, with where each starts and its font size) grouped
into blocks (a paragraph, a slide's box, a table cell), blocks that share a baseline grouped into a table's rows.

Pure functions over positions: `load.py` reads the positions with pypdf, the pipeline reads the blocks to quote a
whole cell, a table's column, a row, the body under a heading, the note a footnote mark points to.
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.text import (
    BULLET_GLYPHS,
    announced,
    clean_page_text,
    display_form,
    list_around,
    marks_in,
    note_mark,
    starts_item,
    units,
)

LINE_STEP = 1.6  # font sizes: a line further below the previous one than this starts a new block (a blank line)
SAME_SIZE = 0.5  # points: font sizes this close are the same style
SAME_BASELINE = 0.3  # points: blocks whose first lines sit this close are cells of one row
SAME_COLUMN = 2.0  # points: cells whose lines start this close are one column
RELATED_UNITS = 6  # at most this many units brought beside a quoted one (its row's cells, a heading's body)
COLUMN_ITEMS = 20  # at most this many cells of a table's column quoted as a list
HELD_PART = 30  # characters of a page's unit found in a passage for the passage to hold a part of it


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # where the line's words start (after a bullet glyph), in points from the page's left
    y: float  # its baseline, in points from the page's bottom
    size: float  # its font size, in points
    upright: bool = True  # written left to right; a turned line (a table's rotated header) has no usable geometry


@dataclass(frozen=True)
class Block:
    text: str
    x: float
    top: float  # the first line's baseline
    size: float


@dataclass(frozen=True)
class Fragment:
    """One piece of text pypdf hands its visitor, where it starts and its font size."""
    text: str
    x: float
    y: float
    size: float
    upright: bool = True


def lines_of(fragments: Iterable[Fragment]) -> list[Line]:
    """The page's lines, exactly as pypdf's text extraction breaks them, each placed where its first word is."""
    lines: list[Line] = []
    text, place = "", None
    for fragment in fragments:
        pieces = fragment.text.split("\n")
        for index, piece in enumerate(pieces):
            words_start = piece.strip() and piece.strip() not in BULLET_GLYPHS
            if place is None and words_start:
                place = fragment
            text += piece
            if index < len(pieces) - 1:
                lines.append(_line(text, place))
                text, place = "", None
    if text.strip():
        lines.append(_line(text, place))
    return lines


def _line(text: str, place: Fragment | None) -> Line:
    return Line(text, place.x, place.y, place.size, place.upright) if place else Line(text, 0.0, 0.0, 0.0)


def blocks_of(lines: list[Line]) -> list[Block]:
    """Lines grouped into blocks: a line continues the block above it when it sits one line below it in the same
    font size and does not start an item (a bullet, «1.», «* »); a cell's lines come one after the other, so the
    next cell of a row (back up to the row's top) or the next row (a gap) starts a new block. Turned lines run on
    together, placed nowhere (never a row or a column). Each block's text is cleaned as a page's is."""
    groups: list[list[Line]] = []
    for line in lines:
        if not line.text.strip():
            continue
        if groups and _continues(groups[-1][-1], line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [Block(clean_page_text("\n".join(line.text for line in group)), *_place(group[0])) for group in groups]


def _continues(previous: Line, line: Line) -> bool:
    if starts_item(line.text):
        return False
    if not (line.upright and previous.upright):
        return not line.upright and not previous.upright
    return abs(line.size - previous.size) <= SAME_SIZE and 0 < previous.y - line.y <= LINE_STEP * max(line.size, 1.0)


def _place(line: Line) -> tuple[float, float, float]:
    """(x, top, size) of a block that starts with this line: not a number for a turned one."""
    return (line.x, line.y, line.size) if line.upright else (math.nan, math.nan, line.size)


def page_text(blocks: list[Block]) -> str:
    """The page's text: one block per paragraph, a blank line between blocks."""
    return "\n\n".join(block.text for block in blocks)


def row_of(blocks: list[Block], at: int) -> list[int]:
    """The blocks of the table row that block `at` is a cell of (itself included, left to right); only `at` when
    no other block shares its first baseline in the same style."""
    here = blocks[at]
    row = [index for index, block in enumerate(blocks)
           if abs(block.top - here.top) <= SAME_BASELINE and abs(block.size - here.size) <= SAME_SIZE]
    return sorted(row, key=lambda index: blocks[index].x) if len(row) > 1 else [at]


def column_of(blocks: list[Block], at: int) -> list[int]:
    """The cells of the table column that block `at` belongs to, top to bottom: the blocks that start at its left
    edge in its style and are cells of a row. Only `at` when it is not a table cell."""
    if len(row_of(blocks, at)) == 1:
        return [at]
    here = blocks[at]
    column = [index for index, block in enumerate(blocks)
              if abs(block.x - here.x) <= SAME_COLUMN and abs(block.size - here.size) <= SAME_SIZE
              and len(row_of(blocks, index)) > 1]
    return sorted(column, key=lambda index: -blocks[index].top)


def headed_by(blocks: list[Block], at: int) -> list[int]:
    """The blocks under block `at` when it is a heading (set larger than the block after it and not ending a
    sentence): those that follow it up to the next block set as large."""
    here = blocks[at]
    if at + 1 >= len(blocks) or here.text.rstrip().endswith((".", ":", ";")) or (
            here.size - blocks[at + 1].size <= SAME_SIZE):
        return []
    body = []
    for index in range(at + 1, len(blocks)):
        if blocks[index].size >= here.size - SAME_SIZE:
            break
        body.append(index)
    return body


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per page of a file version
class PageUnits:
    """What a page's text is quoted by: its units (`text.units` of each block: a cell's lines, a bullet, a sentence),
    each with the block it comes from, so that a quote can bring its row, its column, or the body of its heading."""
    source: str
    page: int | None
    texts: list[str]
    block_of: list[int] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def of_blocks(cls, source: str, page: int | None, blocks: list[Block]) -> "PageUnits":
        pairs = [(unit, index) for index, block in enumerate(blocks) for unit in units(block.text)]
        return cls(source, page, [unit for unit, _ in pairs], [index for _, index in pairs], blocks)

    @classmethod
    def of_text(cls, source: str, page: int | None, text: str) -> "PageUnits":
        """A text without layout (a record, a page changed since it was indexed): one block."""
        found = units(text)
        return cls(source, page, found, [0] * len(found), [Block(text, 0.0, 0.0, 0.0)])

    def held(self, passage: str) -> list[int]:
        """The units that a passage (a chunk of this page) holds a part of: a unit the chunk cuts at its start or
        end is read whole on the page."""
        held = display_form(passage)
        return [index for index, unit in enumerate(self.texts) if (
            unit[:HELD_PART] in held or unit[-HELD_PART:] in held if len(unit) >= HELD_PART
            else re.search(rf"(?<!\w){re.escape(unit)}(?!\w)", held))]  # a short cell («Oui») as a whole word

    def _units_of(self, blocks: list[int]) -> list[int]:
        return [index for index, block in enumerate(self.block_of) if block in blocks]

    def related(self, at: int) -> list[int]:
        """The units quoted beside unit `at`: what it announces (the bullets after «…suivante :»), the body of the
        heading it is, the other cells of its table row (a name's description and owner)."""
        block = self.block_of[at]
        beside = [*announced(self.texts, at)]
        if note_mark(self.blocks[block].text):  # a footnote, a numbered item: all of its sentences
            beside += self._units_of([block])
        if at + 1 == len(self.texts) or self.block_of[at + 1] != block:  # a heading's last line: its body follows
            beside += self._units_of(headed_by(self.blocks, block))
        beside += self._units_of([cell for cell in row_of(self.blocks, block) if cell != block])
        beside = [index for index in dict.fromkeys(beside) if index != at]
        return beside[:RELATED_UNITS]

    def list_of(self, at: int) -> list[int]:
        """The list unit `at` is an item of, in order: its table's column (each cell's first unit; a table's title
        gives the table's first column), else the run of short units around it (`text.list_around`)."""
        block = self.block_of[at]
        body = headed_by(self.blocks, block)
        column = column_of(self.blocks, body[0] if body else block)  # a table's title: the table's first column
        if len(column) > 1:
            return [self.block_of.index(block) for block in column if block in self.block_of][:COLUMN_ITEMS]
        return list_around(self.texts, at)


def notes_for(document: list[PageUnits], page: PageUnits, at: int) -> list[tuple[PageUnits, int]]:
    """For each footnote mark glued to unit `at`'s words («équité2», «gouvernemental*»), the first unit of the first
    note after it in the document that starts with that mark («2. Les deux projets…»): a note comes after what it
    annotates, so a numbered list before it is never taken for one. `PageUnits.related` brings the rest of a
    note."""
    marks = marks_in(page.texts[at])
    if not marks:
        return []
    found: dict[str, tuple[PageUnits, int]] = {}
    start = document.index(page) if page in document else len(document)
    for later in document[start:]:
        first_block = page.block_of[at] + 1 if later is page else 0
        for block in range(first_block, len(later.blocks)):
            mark = note_mark(later.blocks[block].text)
            if mark in marks and mark not in found and block in later.block_of:
                found[mark] = (later, later.block_of.index(block))
        if len(found) == len(marks):
            break
    return list(found.values())


def marked_by(document: list[PageUnits], note: str) -> list[tuple[PageUnits, int]]:
    """The units of the document that carry the mark a footnote starts with, in order (for «* Il s’agit d’un
    nouveau projet»: every name marked «*»)."""
    mark = note_mark(note)
    return [(page, index) for page in document for index, unit in enumerate(page.texts)
            if mark and mark in marks_in(unit) and not note_mark(page.blocks[page.block_of[index]].text)
            ][:COLUMN_ITEMS]
