"""Every text normaliser of the package, each named by what it is for, and the small text helpers around them.

- `display_form`: NFC, runs of whitespace as one space. For showing a quote, and for comparing a quote with its
  page word for word.
- `quote_form`: compatibility forms split, typographic quotes straight, no accents, case folded. For finding a
  quote's letters on a page (`locate`), whatever the PDF's spacing.
- `match_form`: lower case, no accents, straight apostrophes, one character for one (a match's span in the result
  is its span in the text). For the phrases of a need (level cues), names in passages, owners.
- `lexical_form`: accents folded, case and everything else kept. For BM25 analysis (`lexical.analyze` lowers and
  stems after it).
- `identifier_form`: lower-case ASCII, œ → oe. For record ids and catalogue searches.
- `shown_quote`: footnote marks out. For a quote shown to a reader (the citation keeps the page's own text).

An accent fix belongs to the normaliser whose use it concerns, and nowhere else.
"""

import hashlib
import re
import unicodedata
from typing import Literal

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "‐": "-", "‑": "-",
                             "–": "-", "—": "-"})


def clean_page_text(text: str) -> str:
    """Text as extracted from a page, made safe to store: NFC, no control characters, lines stripped,
    paragraphs kept apart by one blank line."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    lines = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_RUNS.sub("\n\n", lines).strip()


def display_form(text: str) -> str:
    """One canonical spacing: what a quote and a page are compared on (line wraps do not count)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def quote_form(text: str) -> str:
    """Compatibility-decomposed (ligatures split), accents dropped, case folded: 'é' and 'e'+U+0301 compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


# The Unicode blocks of combining diacritical marks: what NFKD splits off a Latin letter (a regular expression
# strips them about ten times faster than testing each character).
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def lexical_form(text: str) -> str:
    """Accents folded (NFKD without combining marks), case kept."""
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))


def match_form(text: str) -> str:
    """Lower case, no accents, straight apostrophes, character for character: a match's span in the result is
    the span of the phrase in the text."""
    return "".join((lexical_form(char).lower() or char)[:1] for char in text.replace("’", "'"))


def contains_form(text: str) -> str:
    """`match_form` with every run of spaces one space: what a «contains» filter compares (an owner's name)."""
    return " ".join(match_form(text).split())


def identifier_form(text: str) -> str:
    """Lower-case ASCII: 'Québec Œuvre' -> 'quebec oeuvre' (what record ids and catalogue searches compare)."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae").replace("’", "'"))
    return folded.encode("ascii", "ignore").decode()


# A footnote's mark glued to the word it annotates («gouvernemental*», «équité2»), and a note that starts with one.
# After a word («équité2»), or after the full stop that ends a sentence («…requis.3 »); one or two digits.
_FOOTNOTE_MARK = re.compile(r"(?<=\S)(\*+)(?=[\s,.;:!?»)\]]|$)"
                            r"|(?<=[a-zà-ÿ])([0-9¹²³]{1,2})(?=[\s,.;:!?»)\]]|$)"
                            r"|(?<=[a-zà-ÿ]{2}[.)])([0-9¹²³]{1,2})(?=\s|$)")
_SUPERSCRIPTS = str.maketrans("¹²³", "123")
_NOTE = re.compile(r"^(\*+|[0-9¹²³]{1,2})[.)]?\s+\S")


def shown_quote(quote: str) -> str:
    """A quote as a reader sees it: without the footnote marks glued to its words («gouvernemental*», «équité2»).
    The citation keeps the quote as it is on the page, which is what is verified."""
    return _FOOTNOTE_MARK.sub("", quote)


def marks_in(text: str) -> set[str]:
    """The footnote marks a text carries («équité2» → «2», «gouvernemental*» → «*»)."""
    return {stars or (number or ending).translate(_SUPERSCRIPTS)
            for stars, number, ending in _FOOTNOTE_MARK.findall(text)}


def note_mark(text: str) -> str | None:
    """The mark a footnote starts with («* Il s’agit…» → «*», «2. Les deux…» → «2»), or None."""
    found = _NOTE.match(text)
    return found.group(1).translate(_SUPERSCRIPTS) if found else None


def quote_on_page(quote: str, page_text: str) -> bool:
    """True when the quote appears word for word on the page, whatever the line breaks."""
    needle = display_form(quote)
    return bool(needle) and needle in display_form(page_text)


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where the quote lies in the text, as (start, end) indices of the text; None when it is not there.

    Compared without whitespace, case, accents, ligatures or typographic quotes: a PDF's text layer breaks lines and
    spaces words its own way, but the letters of a quote are the letters on the page.
    """
    letters: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        for letter in quote_form(char):
            if not letter.isspace():
                letters.append(letter)
                origins.append(index)
    needle = "".join(letter for letter in quote_form(quote) if not letter.isspace())
    at = "".join(letters).find(needle) if needle else -1
    if at < 0:
        return None
    end = origins[at + len(needle) - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):  # an accent written after its letter
        end += 1
    return origins[at], end


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý«“\"(])|\s*•\s*")
_EN_WORDS = frozenset("the a an is are was were do does did we our us you your i my it this that what which who "
                      "how when where why there for with to of and or can could would should need needs have has "
                      "any one".split())
_FR_WORDS = frozenset("le la les un une des du de est sont nous notre nos vous votre je mon ce cet cette qui que "
                      "quoi quel quelle quels quelles pour avec et ou dans sur au aux il elle on pas y a ça ca "
                      "faut est-ce c'est".split())


def sentences(text: str) -> list[str]:
    """A passage cut into sentences and bullet items, lines joined: each can be quoted as it is on the page."""
    return [part.strip() for part in _SENTENCE_END.split(display_form(text)) if len(part.strip()) > 3]


# A line that ends on one of these runs on into the next one, however short it is.
_RUNS_ON = re.compile(r"(?:[,:(/–-]|\b(?:à|au|aux|de|des|du|d’|d'|l’|l'|et|ou|en|la|le|les|par|pour|sur|avec|dans|"
                      r"un|une|the|of|and|or|to|for|in|on|by|with|a|an))$", re.IGNORECASE)
_STARTS_BLOCK = re.compile(r"^(?:[A-ZÀ-Ý0-9«“\"•▪■◦-])")  # not «(»: an acronym on its own line ends its name
BULLET_GLYPHS = "•▪■◦●"  # what a PDF draws as a bullet, often as a piece of text of its own
_BULLET = re.compile(rf"^(?:[{BULLET_GLYPHS}]|[-–]\s|\d{{1,2}}[.)]\s|\*\s)")


def starts_item(line: str) -> bool:
    """A line that starts a list item or a note: a bullet, a dash, «1.», «2)», «* »."""
    return bool(_BULLET.match(line.lstrip()))
SHORT_LINE = 0.75  # of the passage's long lines: a line this short ends its box unless it runs on
FULL_LINE_FLOOR = 40  # characters: a diagram's boxes are all narrow, so its long lines are no yardstick


def units(text: str) -> list[str]:
    """A passage cut as its page shapes it: blocks of lines (a slide's box, a letterhead line, a bullet), each cut
    into sentences. A bullet starts a block; a line ends its block when it is short, does not run on, and the next
    line starts one (capital, digit): so a quote never runs from one box of a slide into the next."""
    lines = [line.strip() for line in text.splitlines()]
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return []
    long_line = max(widths[(len(widths) - 1) * 4 // 5], FULL_LINE_FLOOR)
    blocks: list[list[str]] = [[]]
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if line:
            blocks[-1].append(line)
        ends_box = not line or bool(_BULLET.match(following)) or (
            len(line) < SHORT_LINE * long_line and not _RUNS_ON.search(line) and bool(_STARTS_BLOCK.match(following)))
        if ends_box and blocks[-1]:
            blocks.append([])
    return [sentence for block in blocks for sentence in sentences(" ".join(block))]


_DATE = re.compile(r"\b(?:\d{1,2}(?:er)? (?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|"
                   r"novembre|decembre) \d{4}|(?:january|february|march|april|may|june|july|august|september|"
                   r"october|november|december) \d{1,2},? \d{4}|\d{4}-\d{2}-\d{2})\b")


def has_date(text: str) -> bool:
    """A calendar date written out («3 octobre 2024», «October 3, 2024», «2024-10-03»)."""
    return bool(_DATE.search(match_form(display_form(text))))


LIST_ITEM = 90  # characters: a unit this short next to others like it is an item of a list, a box of a diagram
LIST_ITEMS = 8


def list_around(parts: list[str], at: int) -> list[int]:
    """The indices of the run of short units that `parts[at]` belongs to (itself included), in order: the other
    items of its list, the other boxes of its diagram. Only `at` when it is not short."""
    if len(parts[at]) > LIST_ITEM:
        return [at]
    start = at
    while start > 0 and len(parts[start - 1]) <= LIST_ITEM and at - start + 1 < LIST_ITEMS:
        start -= 1
    end = at
    while end + 1 < len(parts) and len(parts[end + 1]) <= LIST_ITEM and end + 1 - start < LIST_ITEMS:
        end += 1
    return list(range(start, end + 1))


# A sentence that opens on one of these goes on from the one before it («De plus, nous vous invitons…»).
_GOES_ON = re.compile(r"^(?:de plus|en outre|par ailleurs|de même|also|moreover|furthermore|in addition)\b",
                      re.IGNORECASE)


def announced(parts: list[str], at: int) -> list[int]:
    """The indices of the units that `parts[at]` announces or leads to: the bullets after a colon («répartis de la
    manière suivante :», or else the one unit after it), the unit after a comma (a signature's title, then its
    name), the sentence after it that goes on from it («De plus, …»)."""
    unit = parts[at].rstrip()
    following = range(at + 1, min(len(parts), at + 1 + LIST_ITEMS))
    if unit.endswith(":"):
        bullets = [index for index in following if _BULLET.match(parts[index])]
        return bullets or list(following)[:1]
    if unit.endswith(",") or (at + 1 < len(parts) and _GOES_ON.match(parts[at + 1])):
        return list(following)[:1]
    return []


def detect_language(text: str, default: Literal["fr", "en"] = "fr") -> Literal["fr", "en"]:
    """'en' or 'fr' by counting each language's function words; the default when neither leads."""
    words = re.findall(r"[\w'’-]+", text.lower().replace("’", "'"))
    english = sum(word in _EN_WORDS for word in words)
    french = sum(word in _FR_WORDS for word in words) + sum(1 for char in text if char in "éèêàçùâîôû")
    if english == french:
        return default
    return "en" if english > french else "fr"
