"""Compose stage: decisions and evidence -> an Answer in the question's language, every claim with [n].

No language model: the prose is fixed sentences around facts taken from the catalogue and quotes taken
word for word from the sources. A claim whose quote cannot be verified on its page is left out.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.decide import Decision, ScoredAsset, why_it_fits
from assistant.fit import Calibration
from assistant.labels import (
    ANSWER_TEXT,
    LEVEL_FACTS,
    QUOTED,
    Language,
    fit_label,
    kind_label,
    level_label,
    status_label,
)
from assistant.levels import LevelChoice
from assistant.lexical import analyze
from assistant.mcn import McnReference
from assistant.models import (
    Answer,
    AssetResult,
    CatalogueRecord,
    Citation,
    SourceRef,
    SuggestedLevel,
    Verdict,
)
from assistant.profiles import TermWeights
from assistant.text import match_form, shown_quote

DESCRIBING_TERMS = 3  # uncommon terms a quote shares with a record's description to say what the record does


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


def describing_source(record: CatalogueRecord, weights: TermWeights) -> SourceRef | None:
    """The record's source that says most about what it is: the quote sharing most uncommon terms with its
    description, if it shares enough of them to describe it at all (a cover letter that names the ministry shares
    only common words with it)."""
    terms = weights.distinctive(set(analyze(record.description)))
    shared, best = max(((len(terms & set(analyze(ref.quote))), ref) for ref in record.sources), key=lambda p: p[0])
    return best if shared >= DESCRIBING_TERMS else None


def record_facts(record: CatalogueRecord, citations: CitationList,
                 language: Language) -> tuple[list[str], list[str], set[str]]:
    """What a card states of a record, each fact with the marker of its source (a fact whose source does not
    verify is left out, the owner then said to be unnamed); the markers; which optional facts were stated."""
    text = ANSWER_TEXT[language]
    facts, markers = [kind_label(record.kind, language)], []
    level_cite = citations.cite(record.level_sources[0], record.id) if record.level else ""
    if level_cite:
        facts.append(text["level_of"].format(level=record.level, label=level_label(record.level, language))
                     + f" {level_cite}")
    owner_cite = citations.cite(supporting_source(record, record.owner), record.id)
    facts.append(text["owner"].format(owner=record.owner) + f" {owner_cite}" if owner_cite
                 else text["owner_unknown"])
    optional = {"status": record.status, "contact_fact": record.contact,
                "updated": record.verified.isoformat() if record.verified else None}
    stated = set()
    for key, value in optional.items():
        if marker := citations.cite(supporting_source(record, value), record.id):
            shown = status_label(value, language) if key == "status" and value else value
            facts.append(text[key].format(value=shown) + f" {marker}")
            markers.append(marker)
            stated.add(key)
    return facts, [level_cite, owner_cite, *markers], stated


def why_line(record: CatalogueRecord, need: str | None, citations: CitationList, language: Language,
             weights: TermWeights) -> tuple[list[str], str, str]:
    """The card's second line: the words of the need the record's quote covers, with that quote; else (or for a
    question about the documents, `need` None) what the record does. (words covered, line, marker)"""
    text = ANSWER_TEXT[language]
    words, covering = why_it_fits(need, record, weights) if need else ([], None)
    if covering and (marker := citations.cite(covering, record.id)):
        quoted = ", ".join(QUOTED[language].format(word) for word in words)
        line = text["covers"].format(words=quoted, quote=shown_quote(covering.quote), cite=marker)
        return words, "   > " + line, marker
    evidence = describing_source(record, weights)
    # Cited only when shown: a quote that merely repeats the name adds nothing to the card.
    shown = evidence if evidence and match_form(record.name) not in match_form(evidence.quote) else None
    if shown and (marker := citations.cite(shown, record.id)):
        return [], "   > " + text["does"].format(quote=shown_quote(shown.quote), cite=marker), marker
    return [], "", ""


def row_lines(record: CatalogueRecord, citations: CitationList) -> list[tuple[str, str]]:
    """For a question that names a record: the rest of its row in the document that lists it (the quotes on the
    page of its name: what it is, what it aims at, how many projects), each quoted and cited. (line, marker)"""
    named = supporting_source(record, record.acronym or record.name) or record.sources[0]
    shown = {(item.source, item.page, item.quote) for item in citations.items}
    row = [ref for ref in record.sources if (ref.document, ref.page) == (named.document, named.page)
           and (ref.document, ref.page, ref.quote) not in shown and ref != named]
    return [(f"   > « {shown_quote(ref.quote)} » {marker}", marker)
            for ref in row if (marker := citations.cite(ref, record.id))]


def asset_result(asset: ScoredAsset, need: str | None, citations: CitationList, language: Language,
                 as_percent: bool, weights: TermWeights) -> tuple[AssetResult, str]:
    """The record's card and its Markdown lines. For a need, its fit and the need's words it covers; for a
    question about the documents (`need` None), no fit: the record is listed because the question names it."""
    record, text = asset.record, ANSWER_TEXT[language]
    name_cite = citations.cite(supporting_source(record, record.acronym or record.name) or record.sources[0],
                               record.id)
    facts, markers, stated = record_facts(record, citations, language)
    shown_fit = fit_label(asset.probability, asset.band, as_percent, language) if need else ""
    if shown_fit:
        facts.append(text["fit"].format(fit=shown_fit))
    words, why, why_cite = why_line(record, need, citations, language, weights)
    lines = [f"**{record.display_name}** {name_cite} — " + " · ".join(facts), *([why] if why else [])]
    row = [] if need else row_lines(record, citations)
    lines += [line for line, _ in row]
    cited = {marker: True for marker in (name_cite, *markers, why_cite, *(marker for _, marker in row)) if marker}
    return AssetResult(
        id=record.id, name=record.name, acronym=record.acronym, owner=record.owner, kind=record.kind,
        level=record.level, level_label=level_label(record.level, language), status=record.status,
        score=round(asset.probability, 3), fits=bool(need) and asset.band == "fits", fit_label=shown_fit,
        covered=words, contact=record.contact if "contact_fact" in stated else None,
        verified=record.verified if "updated" in stated else None,
        citations=sorted(int(marker.strip("[]")) for marker in cited),
    ), "\n".join(lines)


def level_rationale(choice: LevelChoice, citations: CitationList, language: Language,
                    mcn: McnReference) -> SuggestedLevel:
    text = ANSWER_TEXT[language]
    label = level_label(choice.level, language)
    if choice.basis == "asset" and choice.record and choice.level:
        criteria = [f"« {shown_quote(c.source.quote)} » {marker}" for c in mcn.criteria if choice.level in c.levels
                    if (marker := citations.cite(c.source))]
        rationale = text["level_asset"].format(
            name=choice.record.display_name, level=choice.level, label=label,
            cite=citations.cite(choice.record.level_sources[0], choice.record.id), criteria="; ".join(criteria))
    else:
        evidence = "; ".join(dict.fromkeys(  # a criterion both boxes of the deck give, once
            text["level_evidence"].format(phrase=cue.phrases[0], quote=shown_quote(cue.criterion.source.quote),
                                          cite=marker)
            for cue in choice.cues if (marker := citations.cite(cue.criterion.source))))
        def aeg() -> str:  # cited only where it is said
            return text["aeg"].format(cite=citations.cite(mcn.step_2_level))

        if choice.basis == "need" and choice.level:
            rationale = text["level_need"].format(evidence=evidence, level=choice.level, label=label,
                                                  cite=citations.cite(mcn.headings[choice.level]))
        elif choice.basis == "likely" and choice.level:
            rationale = text["level_likely"].format(level=choice.level, label=label, aeg=aeg(),
                                                    fact=LEVEL_FACTS[language][choice.level],
                                                    cite=citations.cite(mcn.headings[choice.level]))
        else:
            settling = "; ".join(text["level_if"].format(fact=LEVEL_FACTS[language][level], level=level,
                                                         label=level_label(level, language),
                                                         cite=citations.cite(mcn.headings[level]))
                                 for level in choice.open_levels or mcn.headings)
            rationale = text["level_open" if evidence else "level_none"].format(evidence=evidence, settling=settling,
                                                                                 aeg=aeg())
    return SuggestedLevel(level=choice.level, label=label, basis=choice.basis, rationale=rationale)


def next_steps(verdict: Verdict, best: CatalogueRecord | None, citations: CitationList, language: Language,
               mcn: McnReference) -> list[str]:
    text = ANSWER_TEXT[language]
    if verdict == "existing_asset" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        contact = (text["step_contact_owner"].format(owner=best.owner, name=best.display_name,
                                                     cite=f"{owner_cite} {citations.cite(mcn.step_1_contact)}")
                   if owner_cite else text["step_contact_unknown"].format(name=best.display_name,
                                                                          cite=citations.cite(mcn.step_1_contact)))
        if contact_cite := citations.cite(supporting_source(best, best.contact), best.id):
            contact += " " + text["contact"].format(contact=best.contact, cite=contact_cite)
        return [text["step_check"].format(name=best.display_name, cite=citations.cite(mcn.step_1)), contact]
    if verdict == "similar_initiative" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        owner = f"{best.owner} {owner_cite}" if owner_cite else text["its_owner"]
        steps = [text["step_similar"].format(owner=owner, name=best.display_name, cite=citations.cite(mcn.step_2)),
                 text["step_level"].format(cite=citations.cite(mcn.step_2_level))]
        if contact_cite := citations.cite(supporting_source(best, best.contact), best.id):
            steps[0] += " " + text["contact"].format(contact=best.contact, cite=contact_cite)
        return steps
    return [text["step_none_found"].format(cite=citations.cite(mcn.step_1)),
            text["step_others"].format(cite=citations.cite(mcn.step_2)),
            text["step_level"].format(cite=citations.cite(mcn.step_2_level))]


UNDERSTOOD_WORDS = 18  # how much of the earlier turn the «Compris» line repeats


def understood_line(before: str, question: str, language: Language) -> str:
    """What a follow-up was read as: the need it refines (its first words) and the refinement."""
    words = before.split()
    shown = " ".join(words[:UNDERSTOOD_WORDS]) + ("…" if len(words) > UNDERSTOOD_WORDS else "")
    return ANSWER_TEXT[language]["understood"].format(before=shown, now=question.strip())


def compose_need(question: str, need: str, language: Language, decision: Decision, choice: LevelChoice,
                 citations: CitationList, calibration: Calibration, mcn: McnReference,
                 weights: TermWeights, refines: str | None = None) -> Answer:
    """The answer to "does an asset exist for my need?" (`need`: what was matched; `refines`: the earlier turn the
    question refines, said first when there is one): the verdict, the records listed (the named one first, or the
    closest when nothing fits), the level and why, the next steps."""
    text = ANSWER_TEXT[language]
    best = decision.named
    verdict: Verdict = "no_match" if not best else "existing_asset" if best.kind == "asset" else "similar_initiative"
    verdict_text = text[verdict]
    opening = verdict_text.format(name=best.display_name if best else "",
                                  cite=citations.cite(mcn.step_2) if "{cite}" in verdict_text else "")
    also = decision.also
    if also and (also_cite := citations.cite(supporting_source(also, also.acronym or also.name), also.id)):
        opening += " " + text["also"].format(kind=kind_label(also.kind, language), name=also.display_name,
                                             cite=also_cite, step_1=citations.cite(mcn.step_1))
    parts = [*([understood_line(refines, question, language)] if refines else []), opening]
    results = []
    if decision.listed:
        parts.append(f"## {text['assets'] if best else text['closest']}")
        for rank, asset in enumerate(decision.listed, start=1):
            result, lines = asset_result(asset, need, citations, language, calibration.shows_percent, weights)
            results.append(result)
            parts.append(f"{rank}. {lines}")
    suggested = level_rationale(choice, citations, language, mcn)
    colon = " : " if language == "fr" else ": "
    heading = f"## {text['level']}" + (f"{colon}{suggested.level} – {suggested.label}" if suggested.level else "")
    parts += [heading, suggested.rationale]
    steps = next_steps(verdict, best, citations, language, mcn)
    parts += [f"## {text['steps']}", *(f"{n}. {step}" for n, step in enumerate(steps, start=1))]
    return Answer(question=question, language=language, intent="need", verdict=verdict,
                  verdict_record=best.id if best else None, answer="\n\n".join(parts),
                  existing_asset_found=bool(best), assets=results, suggested_level=suggested, next_steps=steps,
                  citations=citations.items)


def compose_information(question: str, language: Language, evidence: list[SourceRef],
                        named: list[ScoredAsset], citations: CitationList, weights: TermWeights,
                        examples: list[SourceRef] | None = None) -> Answer:
    """The answer to a question about the documents: the passages that answer it, quoted, best first; those in
    `examples` (assets the deck gives as examples of a level) said to be such."""
    text = ANSWER_TEXT[language]
    lines = []
    for ref in evidence:
        if marker := citations.cite(ref):
            where = text["page"].format(page=ref.page) if ref.page else text["record"]
            lines.append("- " + text["example" if ref in (examples or []) else "passage"].format(
                quote=shown_quote(ref.quote), cite=marker, title=citations.titles.get(ref.document, ref.document),
                where=where))
    parts = [text["from_sources"], *lines] if lines else [text["nothing"]]
    results = []
    for asset in named:
        result, card = asset_result(asset, None, citations, language, False, weights)
        results.append(result)
        parts.append(f"- {card}")
    return Answer(question=question, language=language, intent="question", verdict="information",
                  answer="\n".join(parts), existing_asset_found=bool(results), assets=results,
                  suggested_level=SuggestedLevel(basis="none", rationale=text["no_level"]),
                  next_steps=[], citations=citations.items)
