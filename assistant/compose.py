"""Compose stage: decisions and evidence -> an Answer in the question's language, every claim with [n].

No language model: the prose is fixed sentences around facts taken from the catalogue and quotes taken
word for word from the sources. A claim whose quote cannot be verified on its page is left out.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from assistant.decide import (
    CRITERIA,
    LEVEL_HEADINGS,
    LEVEL_LABELS_EN,
    STEP_1,
    STEP_1_CONTACT,
    STEP_2,
    STEP_2_LEVEL,
    LevelChoice,
    ScoredAsset,
    fold,
)
from assistant.models import (
    LEVEL_LABELS_FR,
    Answer,
    AssetResult,
    CatalogueRecord,
    Citation,
    Language,
    SourceRef,
    SuggestedLevel,
    Verdict,
)

KIND_LABELS = {
    "fr": {"asset": "actif en service", "project": "projet", "program": "programme"},
    "en": {"asset": "asset in service", "project": "project", "program": "program"},
}

TEXT = {
    "fr": {
        "existing_asset": "**Un actif existant répond probablement à votre besoin : {name}.**",
        "similar_initiative": "**Aucun actif en service ne répond exactement, mais une initiative semblable existe : "
                              "{name}.**",
        "no_match": "**Aucun actif du catalogue ne répond à ce besoin.** Le processus passe donc à l’étape 2 : "
                    "vérifier si d’autres organismes ont un besoin ou une initiative semblable {cite}.",
        "assets": "Actifs et initiatives",
        "level": "Niveau de mutualisation suggéré",
        "steps": "Prochaines étapes",
        "owner": "organisme responsable : {owner}",
        "owner_unknown": "organisme responsable : non nommé dans les sources",
        "level_of": "niveau {level} – {label}",
        "status": "statut : {status}",
        "fit": "pertinence estimée : {percent} %",
        "level_asset": "« {name} » est classé au niveau {level} – {label} {cite}. Au niveau {level}, selon le MCN : "
                       "{criteria}.",
        "level_need": "Aucun actif en service ne fixe le niveau ; d’après la formulation de votre besoin, {evidence}. "
                      "Ces critères sont ceux du niveau {level} – {label} {cite}.",
        "level_evidence": "« {phrase} » renvoie au critère « {quote} » {cite}",
        "level_none": "Les sources ne permettent pas de fixer le niveau : il dépend de qui opère l’actif et du nombre "
                      "d’organismes qui l’utilisent ({levels}). {aeg}",
        "aeg": "L’équipe de l’AEG accompagne l’organisme pour identifier le niveau applicable {cite}.",
        "step_check": "Étape 1 : vérifier que « {name} » comble le besoin, en tout ou en partie {cite}.",
        "step_contact_owner": "Communiquer avec {owner}, responsable de « {name} » {cite}.",
        "step_contact_unknown": "Communiquer avec l’organisme responsable de « {name} » ; les sources ne le nomment "
                                "pas, le MCN peut l’indiquer {cite}.",
        "step_similar": "Étape 2 : vérifier avec {owner} si « {name} » peut être mis en commun avec votre besoin "
                        "{cite}.",
        "step_none_found": "Étape 1 : aucun actif existant du catalogue ne comble ce besoin {cite}.",
        "step_others": "Étape 2 : vérifier si d’autres organismes publics ont des besoins similaires ou une "
                       "initiative similaire {cite}.",
        "step_level": "Si oui, identifier le niveau de mutualisation applicable avec l’accompagnement de l’équipe "
                      "de l’AEG {cite}.",
        "its_owner": "son organisme responsable",
        "from_sources": "D’après les sources :",
        "passage": "« {quote} » {cite} ({title}, {where})",
        "page": "p. {page}",
        "record": "fiche du catalogue",
        "nothing": "Je n’ai trouvé dans les sources aucun passage qui réponde à cette question. Reformulez-la, ou "
                   "décrivez votre besoin pour chercher un actif existant.",
        "no_level": "Sans objet : la question ne décrit pas un besoin.",
    },
    "en": {
        "existing_asset": "**An existing asset probably meets your need: {name}.**",
        "similar_initiative": "**No asset in service meets it exactly, but a similar initiative exists: {name}.**",
        "no_match": "**Nothing in the catalogue meets this need.** The process therefore moves to step 2: check "
                    "whether other public bodies have a similar need or initiative {cite}.",
        "assets": "Assets and initiatives",
        "level": "Suggested mutualisation level",
        "steps": "Next steps",
        "owner": "responsible body: {owner}",
        "owner_unknown": "responsible body: not named in the sources",
        "level_of": "level {level} – {label}",
        "status": "status: {status}",
        "fit": "estimated fit: {percent}%",
        "level_asset": "“{name}” is classified at level {level} – {label} {cite}. At level {level}, according to the "
                       "MCN: {criteria}.",
        "level_need": "No asset in service sets the level; from the wording of your need, {evidence}. These are the "
                      "criteria of level {level} – {label} {cite}.",
        "level_evidence": "“{phrase}” points to the criterion « {quote} » {cite}",
        "level_none": "The sources do not settle the level: it depends on who operates the asset and how many "
                      "bodies use it ({levels}). {aeg}",
        "aeg": "The AEG team helps the body identify the applicable level {cite}.",
        "step_check": "Step 1: check that “{name}” meets the need, in whole or in part {cite}.",
        "step_contact_owner": "Contact {owner}, responsible for “{name}” {cite}.",
        "step_contact_unknown": "Contact the body responsible for “{name}”; the sources do not name it, the MCN can "
                                "tell you {cite}.",
        "step_similar": "Step 2: check with {owner} whether “{name}” can be pooled with your need {cite}.",
        "step_none_found": "Step 1: no existing asset in the catalogue meets this need {cite}.",
        "step_others": "Step 2: check whether other public bodies have similar needs or a similar initiative "
                       "{cite}.",
        "step_level": "If so, identify the applicable mutualisation level, with the support of the AEG team {cite}.",
        "its_owner": "its responsible body",
        "from_sources": "From the sources:",
        "passage": "« {quote} » {cite} ({title}, {where})",
        "page": "p. {page}",
        "record": "catalogue record",
        "nothing": "I found no passage in the sources that answers this question. Rephrase it, or describe your "
                   "need to look for an existing asset.",
        "no_level": "Not applicable: the question does not describe a need.",
    },
}


def level_label(level: int | None, language: Language) -> str | None:
    return (LEVEL_LABELS_FR if language == "fr" else LEVEL_LABELS_EN).get(level) if level else None


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
    folded = fold(value)
    return next((ref for ref in record.sources if folded in fold(ref.quote)), None)


def describing_source(record: CatalogueRecord, least_shared_words: int = 5) -> SourceRef | None:
    """The record's source that says most about what it is: the quote sharing most words with its
    description, if it shares enough of them to describe it at all."""
    words = set(fold(record.description).split())
    best = max(record.sources, key=lambda ref: len(words & set(fold(ref.quote).split())))
    return best if len(words & set(fold(best.quote).split())) >= least_shared_words else None


def display_name(record: CatalogueRecord) -> str:
    return f"{record.name} ({record.acronym})" if record.acronym else record.name


def asset_result(asset: ScoredAsset, citations: CitationList, language: Language) -> tuple[AssetResult, str]:
    """The asset's card and its Markdown lines, each fact with the marker of its source."""
    record, text = asset.record, TEXT[language]
    name_cite = citations.cite(supporting_source(record, record.acronym or record.name) or record.sources[0],
                               record.id)
    facts = [KIND_LABELS[language][record.kind]]
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
    lines = [f"**{display_name(record)}** {name_cite} — " + " · ".join(facts)]
    evidence = describing_source(record)
    # Cited only when shown: a quote that merely repeats the name adds nothing to the card.
    shown = evidence if evidence and fold(record.name) not in fold(evidence.quote) else None
    evidence_cite = citations.cite(shown, record.id)
    if evidence_cite:
        lines.append(f"   > « {shown.quote} » {evidence_cite}")
    markers = (name_cite, level_cite, owner_cite, status_cite, evidence_cite)
    used = sorted({int(marker.strip("[]")) for marker in markers if marker})
    return AssetResult(
        id=record.id, name=record.name, acronym=record.acronym, owner=record.owner, kind=record.kind,
        level=record.level, level_label=level_label(record.level, language), status=record.status,
        score=round(asset.probability, 3), citations=used,
    ), "\n".join(lines)


def level_rationale(choice: LevelChoice, citations: CitationList, language: Language) -> SuggestedLevel:
    text = TEXT[language]
    label = level_label(choice.level, language)
    if choice.basis == "asset" and choice.record and choice.level:
        criteria = [f"« {c.source.quote} » {marker}" for c in CRITERIA if choice.level in c.levels
                    if (marker := citations.cite(c.source))]
        rationale = text["level_asset"].format(
            name=display_name(choice.record), level=choice.level, label=label,
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
    text = TEXT[language]
    if verdict == "existing_asset" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        contact = (text["step_contact_owner"].format(owner=best.owner, name=display_name(best),
                                                     cite=f"{owner_cite} {citations.cite(STEP_1_CONTACT)}")
                   if owner_cite else text["step_contact_unknown"].format(name=display_name(best),
                                                                          cite=citations.cite(STEP_1_CONTACT)))
        return [text["step_check"].format(name=display_name(best), cite=citations.cite(STEP_1)), contact]
    if verdict == "similar_initiative" and best:
        owner_cite = citations.cite(supporting_source(best, best.owner), best.id)
        owner = f"{best.owner} {owner_cite}" if owner_cite else text["its_owner"]
        return [text["step_similar"].format(owner=owner, name=display_name(best), cite=citations.cite(STEP_2)),
                text["step_level"].format(cite=citations.cite(STEP_2_LEVEL))]
    return [text["step_none_found"].format(cite=citations.cite(STEP_1)),
            text["step_others"].format(cite=citations.cite(STEP_2)),
            text["step_level"].format(cite=citations.cite(STEP_2_LEVEL))]


def compose_need(question: str, language: Language, assets: list[ScoredAsset], best: CatalogueRecord | None,
                 choice: LevelChoice, citations: CitationList) -> Answer:
    """The answer to "does an asset exist for my need?": verdict, the assets worth a look (best is the one
    that fits, None when nothing does), the level and why, the next steps."""
    text = TEXT[language]
    verdict: Verdict = "no_match" if not best else "existing_asset" if best.kind == "asset" else "similar_initiative"
    verdict_text = text[verdict]
    parts = [verdict_text.format(name=display_name(best) if best else "",
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
                  answer="\n\n".join(parts), existing_asset_found=bool(best), assets=results,
                  suggested_level=suggested, next_steps=steps, citations=citations.items)


def compose_information(question: str, language: Language, evidence: list[SourceRef],
                        named: list[ScoredAsset], citations: CitationList) -> Answer:
    """The answer to a question about the documents: the passages that answer it, quoted, best first."""
    text = TEXT[language]
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


def citation_line(citation: Citation) -> str:
    """A citation as an advisor files it: [n], title, file, page, the exact quote."""
    page = f", p. {citation.page}" if citation.page else ""
    return f"[{citation.n}] {citation.title} ({citation.source}{page}) — « {citation.quote} »"


def sources_markdown(answer: Answer) -> str:
    """The list of an answer's citations, under its heading; empty when it cites nothing."""
    if not answer.citations:
        return ""
    heading = "Sources :" if answer.language == "fr" else "Sources:"
    return "\n".join([heading, "", *(f"- {citation_line(citation)}" for citation in answer.citations)])


def answer_with_sources(answer: Answer) -> str:
    """The answer's Markdown (after its notice, if the language model's text was set aside), then its sources."""
    parts = [f"_{answer.notice}_"] if answer.notice else []
    parts.append(answer.answer)
    if answer.citations:
        parts.append(sources_markdown(answer))
    return "\n\n".join(parts)


def conversation_markdown(answers: list[Answer], exported_at: datetime) -> str:
    """A whole conversation for an advisor's file: each question, its answer, its sources with file, page, quote."""
    english = bool(answers) and all(answer.language == "en" for answer in answers)
    title = "Conversation with the pooling assistant" if english else "Conversation avec l’assistant de mutualisation"
    stamp = exported_at.isoformat(timespec="minutes")
    lines = [f"# {title}", "", f"{'Exported' if english else 'Exportée le'} {stamp}", ""]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## {number}. {answer.question}", "", answer_with_sources(answer), ""]
    return "\n".join(lines)
