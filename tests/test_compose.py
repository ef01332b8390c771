"""The composed answer to a need, on hand-made decisions: every fact it states carries a marker, every citation is
marked in the text, and the contact, the record's date and a comparable project are said only with their quotes."""

import re
from datetime import date

import numpy as np
from conftest import REPO

from assistant.compose import CitationList, compose_need
from assistant.decide import Decision, ScoredAsset
from assistant.fit import FEATURES, Calibration
from assistant.levels import choose_level
from assistant.mcn import mcn_reference
from assistant.models import CatalogueRecord, SourceRef
from assistant.profiles import TermWeights
from assistant.settings import Settings

MCN = mcn_reference(Settings(_env_file=None, home=REPO).deck_source)
CALIBRATION = Calibration(embedder="e", features=list(FEATURES), mean=[0.0] * len(FEATURES),
                          scale=[1.0] * len(FEATURES), weights=[0.0] * len(FEATURES), bias=0.0, threshold=0.3,
                          fitted_on="test", held_out_ece=0.01)
WEIGHTS = TermWeights.count([{"signatur"}, {"electron"}, {"courriel"}] + [{"commun"}] * 30)


def quoted(*quotes: str) -> list[SourceRef]:
    return [SourceRef(document="catalogue/raw.yml", quote=quote) for quote in quotes]


SERVICE = CatalogueRecord(
    id="signature", name="Service de signature", kind="asset", owner="Ministère X", contact="signature@x.gouv.qc.ca",
    verified=date(2025, 3, 1), description="Service de signature électronique des documents.",
    sources=quoted("Service de signature", "Ministère X", "Signature électronique des documents",
                   "signature@x.gouv.qc.ca", "metadataLastUpdated: '2025-03-01'"))
PROJECT = CatalogueRecord(id="projet", name="Projet de signature", kind="project", contact="projet@x.gouv.qc.ca",
                          description="Projet de signature en ligne.", sources=quoted("Projet de signature"))
NEED = "Nous voulons la signature électronique de nos documents"


def answer(decision: Decision, verify=lambda ref: True):
    citations = CitationList({}, verify)
    choice = choose_level(NEED, [], decision.named, MCN)
    return compose_need(NEED, NEED, "fr", decision, choice, citations, CALIBRATION, MCN, WEIGHTS)


def assert_every_claim_marked(result) -> None:
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", " ".join([result.answer, *result.next_steps]))}
    assert markers == {c.n for c in result.citations}


def test_the_named_assets_contact_and_date_are_shown_with_their_quotes_and_a_comparable_project_said_beside():
    decision = Decision(SERVICE, [ScoredAsset(SERVICE, 0.8, "fits"), ScoredAsset(PROJECT, 0.85, "fits")],
                        also=PROJECT)
    result = answer(decision)
    first = result.answer.split("\n\n")[0]
    assert first.startswith("**Un actif existant répond probablement à votre besoin : Service de signature.**")
    assert "Le projet « Projet de signature » [" in first and "y répond aussi ; l’étape 1" in first
    card = result.answer.split("\n\n")[2]
    assert "contact : signature@x.gouv.qc.ca [" in card and "fiche mise à jour le 2025-03-01 [" in card
    assert "pertinence estimée : 80 %" in card and "Couvre « signature », « électronique »" in card
    assert any("Coordonnées : signature@x.gouv.qc.ca [" in step for step in result.next_steps)
    service = result.assets[0]
    assert (service.contact, service.verified, service.covered) == ("signature@x.gouv.qc.ca", date(2025, 3, 1),
                                                                     ["signature", "électronique", "documents"])
    assert result.assets[1].contact is None  # the project's contact has no quote: not stated
    assert_every_claim_marked(result)


def test_a_fact_whose_quote_does_not_verify_is_not_stated():
    decision = Decision(SERVICE, [ScoredAsset(SERVICE, 0.8, "fits")])
    result = answer(decision, verify=lambda ref: "@" not in ref.quote and "metadata" not in ref.quote)
    assert "signature@x.gouv.qc.ca" not in result.answer + " ".join(result.next_steps)
    assert "2025-03-01" not in result.answer and result.assets[0].contact is None
    assert_every_claim_marked(result)


def test_nothing_fits_lists_the_closest_as_such():
    decision = Decision(None, [ScoredAsset(PROJECT, 0.2, "may_fit")])
    result = answer(decision)
    assert result.verdict == "no_match" and result.verdict_record is None
    assert "## Les plus proches, sans correspondance sûre" in result.answer
    assert not result.assets[0].fits and result.assets[0].fit_label == "20 %"
    assert_every_claim_marked(result)


def test_an_uncalibrated_fit_is_shown_in_words():
    decision = Decision(None, [ScoredAsset(PROJECT, 0.2, "may_fit")])
    citations = CitationList({}, lambda ref: True)
    words = CALIBRATION.model_copy(update={"held_out_ece": 0.2})
    result = compose_need(NEED, NEED, "en", decision, choose_level(NEED, [], None, MCN), citations, words, MCN,
                          WEIGHTS)
    assert result.assets[0].fit_label == "may fit" and "estimated fit: may fit" in result.answer
    assert np.isclose(result.assets[0].score, 0.2)


def test_a_level_left_open_says_which_facts_would_settle_it_each_with_its_level_cited():
    decision = Decision(None, [ScoredAsset(PROJECT, 0.2, "may_fit")])
    tied = "Un registre offert à tous les ministères par un fournisseur désigné"
    result = compose_need(tied, tied, "fr", decision, choose_level(tied, [], None, MCN),
                          CitationList({}, lambda ref: True), CALIBRATION, MCN, WEIGHTS)
    rationale = result.suggested_level.rationale
    assert result.suggested_level.level is None and rationale.startswith("Votre besoin ne fixe pas le niveau")
    assert "« tous les ministères » renvoie au critère" in rationale and rationale.count("tous les ministères") == 1
    assert re.search(r"si ce serait une brique .*niveau 3 – Fondation numérique gouvernementale \[\d+\]; si ce "
                     r"serait une solution d’affaires complète.*niveau 4 – Solution d’affaires gouvernementale \[\d+\]",
                     rationale)
    assert "niveau 1" not in rationale and "niveau 2" not in rationale
    likely = compose_need(tied, tied, "fr", decision, choose_level(tied, [], None, MCN, [0, 0, 0, 0.1, 0.9]),
                          CitationList({}, lambda ref: True), CALIBRATION, MCN, WEIGHTS)
    assert likely.suggested_level.level == 4 and likely.suggested_level.basis == "likely"
    assert re.search(r"^Niveau probable, à confirmer.*niveau 4 – Solution d’affaires gouvernementale, qui s’applique "
                     r"si ce serait une solution d’affaires complète.* \[\d+\]\. L’équipe de l’AEG .* \[\d+\]\.$",
                     likely.suggested_level.rationale)
    assert_every_claim_marked(likely)
    silent = answer(decision).suggested_level.rationale  # the need says nothing of sharing: all four facts
    assert silent.startswith("Les sources ne permettent pas") and all(f"niveau {n} –" in silent for n in (1, 2, 3, 4))
    assert_every_claim_marked(result)
