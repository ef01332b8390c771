"""Typed data passed between the stages of the pipeline."""

import re
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from assistant.labels import Kind, Language, display_name, level_label

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MIN_ACRONYM = 3  # a shorter acronym («QC») is found in too many texts to stand for a record
CONTACT_MAX_LENGTH = 254  # the longest e-mail address SMTP carries (RFC 5321)
_EMAIL = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"  # local part; then the domain:
                    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}")  # labels, a top level of letters
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_email(text: str) -> bool:
    """An e-mail address as people write one: 'prenom.nom@mcn.gouv.qc.ca' (accented domains allowed)."""
    return bool(_EMAIL.fullmatch(text))


def _is_https_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    host = parts.hostname or ""
    return parts.scheme == "https" and "." in host.strip(".") and not any(char.isspace() for char in text)


def iso_date(value: Any) -> date | None:
    """A date, or a text 'YYYY-MM-DD' that names an existing day, as a date; None for anything else."""
    if isinstance(value, date):
        return None if isinstance(value, datetime) else value  # a datetime is not a day
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:  # 2019-02-30
        return None


class SourceRef(BaseModel):
    """Where a fact comes from: a document (path relative to the project root), a page, an exact quote."""

    model_config = ConfigDict(extra="forbid")

    document: str = Field(min_length=1)
    page: int | None = Field(None, ge=1, description="1-based page for PDFs; empty for other sources.")
    quote: str = Field(min_length=3)


class SubProject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    status: str | None = None


class Keywords(BaseModel):
    """The words a user with this need would type, in each language."""

    model_config = ConfigDict(extra="forbid")

    fr: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class CatalogueRecord(BaseModel):
    """One asset, project or program, each of its facts backed by a source."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    name: str = Field(min_length=1)
    acronym: str | None = None
    kind: Kind
    level: int | None = Field(None, ge=1, le=4, description="Mutualisation level; empty when no source states it.")
    level_sources: list[SourceRef] = Field(default_factory=list, description="The quotes that state the level.")
    owner: str | None = Field(None, description="Organisme responsable; empty when no source names it.")
    contact: str | None = Field(None, max_length=CONTACT_MAX_LENGTH, description="Whom to contact about the asset: "
                                "an e-mail address or the https URL of the owner's desk page; empty when no "
                                "source gives one.")
    users: list[str] = Field(default_factory=list, description="Bodies known to use the asset.")
    status: str | None = None
    description: str = Field(min_length=1)
    sub_projects: list[SubProject] = Field(default_factory=list)
    keywords: Keywords = Field(default_factory=Keywords)
    url: str | None = None
    verified: date | None = Field(None, description="The day the record's facts were last verified at their "
                                  "source (YYYY-MM-DD); empty when no source dates them.")
    sources: list[SourceRef] = Field(min_length=1)

    @field_validator("contact")
    @classmethod
    def _contact_is_an_address(cls, value: str | None) -> str | None:
        if value is not None and not (is_email(value) or _is_https_url(value)):
            raise PydanticCustomError("contact", "adresse courriel ou URL https attendue, reçu « {value} »",
                                      {"value": value})
        return value

    @field_validator("verified", mode="before")
    @classmethod
    def _verified_is_a_day(cls, value: Any) -> date | None:
        if value is None:
            return None
        if (day := iso_date(value)) is None:
            raise PydanticCustomError("verified", "date AAAA-MM-JJ attendue (un jour qui existe), reçu « {value} »",
                                      {"value": str(value)})
        return day

    @model_validator(mode="after")
    def _level_needs_its_quote(self) -> "CatalogueRecord":
        if self.level is not None and not self.level_sources:
            raise ValueError("level_sources: a level needs the quote that states it")
        if self.level is None and self.level_sources:
            raise ValueError("level: level_sources are given but the level is empty")
        if self.sub_projects and self.kind != "program":
            raise ValueError("sub_projects: only a program has sub-projects")
        return self

    @property
    def level_label(self) -> str | None:
        return level_label(self.level)

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.acronym)

    @property
    def searchable_acronym(self) -> str | None:
        """The acronym when it is long enough to stand for the record in a text («SAG», not «QC»)."""
        return self.acronym if self.acronym and len(self.acronym) >= MIN_ACRONYM else None

    def text(self) -> str:
        """The record as the text that is chunked and embedded: what a user's need would match."""
        lines = [self.display_name, self.description]
        if self.sub_projects:
            lines.append("Projets : " + "; ".join(p.name for p in self.sub_projects))
        if self.owner:
            lines.append(f"Organisme responsable : {self.owner}")
        if self.users:
            lines.append("Utilisé par : " + ", ".join(self.users))
        if self.level:
            lines.append(f"Niveau de mutualisation : {self.level} – {self.level_label}")
        keywords = self.keywords.fr + self.keywords.en
        if keywords:
            lines.append("Mots-clés : " + ", ".join(keywords))
        return "\n".join(lines)


class Page(BaseModel):
    number: int | None = Field(None, description="1-based page number for PDFs; empty for other sources.")
    text: str


class LoadedSource(BaseModel):
    """A source file read from disk: a document split into pages, or one catalogue record."""

    path: str = Field(description="Path relative to the project root (absolute when outside it).")
    title: str
    source_hash: str = Field(description="SHA-256 of the file's bytes.")
    pages: list[Page]
    record: CatalogueRecord | None = None


class Chunk(BaseModel):
    """A piece of a source as stored in the index, with everything needed to cite it."""

    id: str
    text: str
    source: str
    title: str
    page: int | None = None
    chunk: int = Field(description="0-based number of the chunk within its source.")
    content_hash: str
    source_hash: str
    record_id: str | None = None
    kind: Kind | None = None
    level: int | None = None
    owner: str | None = None

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata: every field but id and text, empty ones left out (Chroma stores no nulls)."""
        return {k: v for k, v in self.model_dump(exclude={"id", "text"}).items() if v is not None}


class IndexedSource(BaseModel):
    source: str
    title: str
    source_hash: str
    pages: int
    chunk_ids: list[str]
    chunks_expected: int
    record_id: str | None = None
    indexed_at: str

    @property
    def complete(self) -> bool:
        """False when a crash cut the writing of this source's chunks short: it is then indexed again."""
        return len(self.chunk_ids) == self.chunks_expected


class Filters(BaseModel):
    """Narrow a search. Kind, owner and level apply to catalogue records; source to any passage."""

    kind: Kind | None = None
    owner: str | None = Field(None, description="Part of the owner's name, case and accents ignored.")
    level: int | None = Field(None, ge=1, le=4)
    source: str | None = Field(None, description="A source path relative to the project root.")

    def active(self) -> bool:
        return any(value is not None for value in self.model_dump().values())


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    failed: dict[str, str] = Field(default_factory=dict, description="Source path -> reason.")
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


# --- Answers --------------------------------------------------------------------------------------------

Verdict = Literal["existing_asset", "similar_initiative", "no_match", "information"]


class Citation(BaseModel):
    """[n] in an answer: an exact quote of a source, on the page an advisor can open."""

    n: int = Field(ge=1)
    source: str = Field(description="Path relative to the project root.")
    title: str
    page: int | None = Field(None, description="1-based page for PDFs; empty for other sources.")
    record_id: str | None = Field(None, description="The catalogue record this citation supports, if any.")
    quote: str

    @property
    def ref(self) -> SourceRef:
        return SourceRef(document=self.source, page=self.page, quote=self.quote)


class AssetResult(BaseModel):
    id: str
    name: str
    acronym: str | None = None
    owner: str | None = None
    kind: Kind
    level: int | None = None
    level_label: str | None = None
    status: str | None = None
    score: float = Field(description="Estimated probability that the record fits the need (0-1).")
    fits: bool = Field(True, description="Whether it passes the fit threshold; the closest records shown when "
                       "nothing fits do not.")
    fit_label: str = Field("", description="The fit as the answer shows it: a percentage, or words for its band "
                           "when the probabilities are not calibrated well enough to show one.")
    covered: list[str] = Field(default_factory=list, description="The words of the need its record covers.")
    contact: str | None = Field(None, description="Whom to contact: an e-mail address or the owner's page.")
    verified: date | None = Field(None, description="When the record's facts were last verified.")
    citations: list[int] = Field(default_factory=list, description="The [n] backing this asset's facts.")

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.acronym)


class SuggestedLevel(BaseModel):
    level: int | None = Field(None, ge=1, le=4)
    label: str | None = None
    basis: Literal["asset", "need", "likely", "none"] = Field(
        description="asset: the level of the fitting record; need: the criteria the need's wording evokes; "
        "none: the sources do not settle it.")
    rationale: str = Field(description="Markdown with [n] markers.")


class Answer(BaseModel):
    question: str
    language: Language
    intent: Literal["need", "question"]
    verdict: Verdict
    verdict_record: str | None = Field(None, description="The id of the record the verdict names (the asset to "
                                       "contact, or the similar initiative); None when nothing fits.")
    answer: str = Field(description="Markdown with [n] markers.")
    existing_asset_found: bool
    assets: list[AssetResult] = Field(default_factory=list)
    suggested_level: SuggestedLevel
    next_steps: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    generator: str = Field("extractive", description="Who wrote the prose: 'extractive', or the language model.")
    notice: str | None = Field(None, description="Why the language model's text was not used, when it was not.")
    seconds: float = 0.0


class Restart(BaseModel):
    """A stream event: what was written so far is withdrawn; the extractive answer follows, after the notice."""

    notice: str


Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels


class PageImage(BaseModel):
    png: bytes
    page: int
    pages: int
    width: int
    height: int
    highlighted: bool
    boxes: list[Box]
