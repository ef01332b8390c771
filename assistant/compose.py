"""Compose stage: decisions and evidence -> an Answer in the question's language, every claim with [n].

No language model: the prose is fixed sentences around facts taken from the catalogue and quotes taken
word for word from the sources. A claim whose quote cannot be verified on its page is left out.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.decide import LevelChoice, ScoredAsset
from assistant.labels import ANSWER_TEXT, Language, kind_label, level_label
from assistant.mcn import CRITERIA, LEVEL_HEADINGS, STEP_1, STEP_1_CONTACT, STEP_2, STEP_2_LEVEL
from assistant.models import (
    Answer,
    AssetResult,
    CatalogueRecord,
    Citation,
    SourceRef,
    SuggestedLevel,
    Verdict,
)
from assistant.text import match_form


@dataclass
class CitationList:
    """The [n] of one answer: one number per distinct quote, only for quotes found on their page."""

    titles: dict[str, str]
    verify: Callable[[SourceRef], bool]
    items: list[Citation] = field(default_factory=list)

    def cite(self, ref: SourceRef | None, record_id: str | None = None) -> str:
        """The marker for this quote ("[n]"), or "" when it cannot be verified (the caller drops the claim)."""
        if ref is None:
            return ""
        for item in self.items:
            if (item.source, item.page, item.quote) == (ref.document, ref.page, ref.quote):
                return f"[{item.n}]"
        if not self.verify(ref):
            return ""
        n = len(self.items) + 1
        self.items.append(Citation(n=n, source=ref.document, title=self.titles.get(ref.document, ref.document),
                                   page=ref.page, record_id=record_id, quote=ref.quote))
        return f"[{n}]"


def supporting_source(record: CatalogueRecord, value: str | None) -> SourceRef | None:
    """The record's source whose quote contains the value (a name, an owner), if any."""
    if not value:
        return None
    folded = match_form(value)
    return next((ref for ref in record.sources if folded in match_form(ref.quote)), None)


def describing_source(record: CatalogueRecord, least_shared_words: int = 5) -> SourceRef | None:
    """The record's source that says most about what it is: the quote sharing most words with its
    description, if it shares enough of them to describe it at all."""
    words = set(match_form(record.description).split())
    best = max(record.sources, key=lambda ref: len(words & set(match_form(ref.quote).split())))
    return best if len(words & set(match_form(best.quote).split())) >= least_shared_words else None


def asset_result(asset: ScoredAsset, citations: CitationList, language: Language) -> tuple[AssetResult, str]:
    """The asset's card and its Markdown lines, each fact with the marker of its source."""
    record, text = asset.record, ANSWER_TEXT[language]
    name_cite = citations.cite(supporting_source(record, record.acronym or record.name) or record.sources[0],
                               record.id)
    facts = [kind_label(record.kind, language)]
    level_cite = citations.cite(record.level_sources[0], record.id) if record.level else ""
    if level_cite:
        facts.append(text["level_of"].format(level=record.level, label=level_label(record.level, language))
                     + f" {level_cite}")
    owner_cite = citations.cite(supporting_source(record, record.owner), record.id)
    facts.append(text["owner"].format(owner=record.owner) + f" {owner_cite}" if owner_cite
                 else text["owner_unknown"])
    status_cite = citations.cite(supporting_source(record, record.status), record.id)
    if status_cite:
        facts.append(text["status"].format(status=record.status) + f" {status_cite}")
    facts.append(text["fit"].format(percent=round(100 * asset.probability)))
    lines = [f"**{record.display_name}** {name_cite} — " + " · ".join(facts)]
    evidence = describing_source(record)
    # Cited only when shown: a quote that merely repeats the name adds nothing to the card.
    shown = evidence if evidence and match_form(record.name) not in match_form(evidence.quote) else None
    evidence_cite = citations.cite(shown, record.id)
    if shown and evidence_cite:
        lines.append(f"   > « {shown.quote} » {evidence_cite}")
    markers = (name_cite, level_cite, owner_cite, status_cite, evidence_cite)
    used = sorted({int(marker.strip("[]")) for marker in markers if marker})
    return AssetResult(
        id=record.id, name=record.name, acronym=record.acronym, owner=record.owner, kind=record.kind,
        level=record.level, level_label=level_label(record.level, language), status=record.status,
        score=round(asset.probability, 3), citations=used,
    ), "\n".join(lines)


def level_rationale(choice: LevelChoice, citations: CitationList, language: Language) -> SuggestedLevel:
    text = ANSWER_TEXT[language]
    label = level_label(choice.level, language)
    if choice.basis == "asset" and choice.record and choice.level:
        criteria = [f"« {c.source.quote} » {marker}" for c in CRITERIA if choice.level in c.levels
                    if (marker := citations.cite(c.source))]
        rationale = text["level_asset"].format(
            name=choice.record.display_name, level=choice.level, label=label,
            cite=citations.cite(choice.record.level_sources[0], choice.record.id), criteria="; ".join(criteria))
    elif choice.basis == "need" and choice.level:
        evidence = [text["level_evidence"].format(phrase=cue.phrases[0], quote=cue.criterion.source.quote,
                                                  cite=marker)
                    for cue in choice.cues if (marker := citations.cite(cue.criterion.source))]
        rationale = text["level_need"].format(evidence="; ".join(evidence), level=choice.level, label=label,
                                              cite=citations.cite(LEVEL_HEADINGS[choice.level]))
    else:
        levels = ", ".join(f"{level} – {level_label(level, language)} {citations.cite(ref)}"
                           for level, ref in LEVEL_HEADINGS.items())
        rationale = text["level_none"].format(levels=levels,
                                              aeg=text["aeg"].format(cite=citations.cite(STEP_2_LEVEL)))
    return SuggestedLevel(level=choice.level, label=label, basis=choice.basis, rationale=rationale)


def next_steps(verdict: Verdict, best: CatalogueRecord | None, citations: CitationList,
               language: Language) -> list[str]:
    text = ANSWER_TEXT[language]
    if verdict == "existing_asset" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        contact = (text["step_contact_owner"].format(owner=best.owner, name=best.display_name,
                                                     cite=f"{owner_cite} {citations.cite(STEP_1_CONTACT)}")
                   if owner_cite else text["step_contact_unknown"].format(name=best.display_name,
                                                                          cite=citations.cite(STEP_1_CONTACT)))
        return [text["step_check"].format(name=best.display_name, cite=citations.cite(STEP_1)), contact]
    if verdict == "similar_initiative" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        owner = f"{best.owner} {owner_cite}" if owner_cite else text["its_owner"]
        return [text["step_similar"].format(owner=owner, name=best.display_name, cite=citations.cite(STEP_2)),
                text["step_level"].format(cite=citations.cite(STEP_2_LEVEL))]
    return [text["step_none_found"].format(cite=citations.cite(STEP_1)),
            text["step_others"].format(cite=citations.cite(STEP_2)),
            text["step_level"].format(cite=citations.cite(STEP_2_LEVEL))]


def compose_need(question: str, language: Language, assets: list[ScoredAsset], best: CatalogueRecord | None,
                 choice: LevelChoice, citations: CitationList) -> Answer:
    """The answer to "does an asset exist for my need?": verdict, the assets worth a look (best is the one
    that fits, None when nothing does), the level and why, the next steps."""
    text = ANSWER_TEXT[language]
    verdict: Verdict = "no_match" if not best else "existing_asset" if best.kind == "asset" else "similar_initiative"
    verdict_text = text[verdict]
    parts = [verdict_text.format(name=best.display_name if best else "",
                                 cite=citations.cite(STEP_2) if "{cite}" in verdict_text else "")]
    results = []
    if best:
        parts.append(f"### {text['assets']}")
        for rank, asset in enumerate(assets, start=1):
            result, lines = asset_result(asset, citations, language)
            results.append(result)
            parts.append(f"{rank}. {lines}")
    suggested = level_rationale(choice, citations, language)
    colon = " : " if language == "fr" else ": "
    heading = f"### {text['level']}" + (f"{colon}{suggested.level} – {suggested.label}" if suggested.level else "")
    parts += [heading, suggested.rationale]
    steps = next_steps(verdict, best, citations, language)
    parts += [f"### {text['steps']}", *(f"{n}. {step}" for n, step in enumerate(steps, start=1))]
    return Answer(question=question, language=language, intent="need", verdict=verdict,
                  verdict_record=best.id if best else None, answer="\n\n".join(parts),
                  existing_asset_found=bool(best), assets=results, suggested_level=suggested, next_steps=steps,
                  citations=citations.items)


def compose_information(question: str, language: Language, evidence: list[SourceRef],
                        named: list[ScoredAsset], citations: CitationList) -> Answer:
    """The answer to a question about the documents: the passages that answer it, quoted, best first."""
    text = ANSWER_TEXT[language]
    lines = []
    for ref in evidence:
        if marker := citations.cite(ref):
            where = text["page"].format(page=ref.page) if ref.page else text["record"]
            lines.append("- " + text["passage"].format(quote=ref.quote, cite=marker,
                                                       title=citations.titles.get(ref.document, ref.document),
                                                       where=where))
    parts = [text["from_sources"], *lines] if lines else [text["nothing"]]
    results = []
    for asset in named:
        result, card = asset_result(asset, citations, language)
        results.append(result)
        parts.append(f"- {card}")
    return Answer(question=question, language=language, intent="question", verdict="information",
                  answer="\n".join(parts), existing_asset_found=bool(results), assets=results,
                  suggested_level=SuggestedLevel(basis="none", rationale=text["no_level"]),
                  next_steps=[], citations=citations.items)
