"""The records' signals (profiles.py), with the real multilingual embedder."""

import numpy as np
import pytest

import assistant.profiles as profiles_module
from assistant.lexical import analyze
from assistant.models import CatalogueRecord, Filters, Keywords, SourceRef
from assistant.profiles import SIGNALS, Exemplars, RecordProfiles, TermCounts, TermWeights, best_rows


def record(record_id: str, name: str, description: str, keywords: list[str], kind: str = "asset",
           owner: str | None = None, level: int | None = None) -> CatalogueRecord:
    ref = SourceRef(document=f"corpus/catalogue/{record_id}.yaml", quote=name)
    return CatalogueRecord(id=record_id, name=name, kind=kind, owner=owner, description=description,
                           keywords=Keywords(fr=keywords), level=level, level_sources=[ref] if level else [],
                           sources=[ref])


RECORDS = {
    "corpus/catalogue/icpg.yaml": record("icpg", "Infrastructure à clés publiques", "Signer des documents "
                                         "numériques avec une valeur juridique.", ["signature électronique"],
                                         owner="Ministère de la Cybersécurité et du Numérique", level=3),
    "corpus/catalogue/courriel.yaml": record("courriel", "Messagerie des employés", "Le courriel et l’agenda "
                                             "partagés des employés.", ["signature de courriel", "messagerie"],
                                             kind="project", owner="Centre de services partagés"),
    "corpus/catalogue/paie.yaml": record("paie", "Système de paie", "Calculer et verser la rémunération des "
                                         "employés de l’État.", ["rémunération", "paie"], kind="program"),
}
DOCUMENTS = ["Les employés de l’État et leurs documents.", "La signature des ententes entre organismes."]


@pytest.fixture(scope="module")
def profiles(embedder, tmp_path_factory) -> RecordProfiles:
    return RecordProfiles.build(RECORDS, embedder, TermCounts.of_texts(DOCUMENTS),
                                tmp_path_factory.mktemp("index") / "profiles.npz")


def signals_of(profiles, embedder, need: str) -> dict[str, dict[str, float]]:
    rows = profiles.signals(np.asarray(embedder.embed_query(need)), analyze(need))
    return {r.id: dict(zip(SIGNALS, row, strict=True)) for r, row in zip(profiles.records, rows, strict=True)}


def test_a_need_meets_the_record_whose_key_phrase_it_holds_whole(profiles, embedder):
    found = signals_of(profiles, embedder, "Nous voulons la signature électronique de nos formulaires")
    assert (found["icpg"]["phrase"], found["courriel"]["phrase"], found["paie"]["phrase"]) == (1.0, 0.5, 0.0)
    assert found["icpg"]["coverage"] > found["courriel"]["coverage"] > found["paie"]["coverage"] == 0.0
    assert found["icpg"]["facet"] > found["paie"]["facet"]
    assert all(-1.0 <= value <= 1.0 for signals in found.values() for value in signals.values())


def test_a_need_in_english_meets_the_french_record_by_meaning(profiles, embedder):
    found = signals_of(profiles, embedder, "We need to pay our employees' salaries")
    assert max(found, key=lambda rid: found[rid]["profile"]) == "paie"
    assert max(found, key=lambda rid: found[rid]["facet"]) == "paie"


def test_rare_terms_weigh_more_than_common_ones_and_unseen_ones_most():
    weights = TermWeights.count([{"employ", "paie"}, {"employ", "courriel"}, {"employ"}])
    assert weights.of("paie") > weights.of("employ") and weights.of("jamais") > weights.of("paie")


def test_a_need_of_unknown_words_covers_nothing(profiles, embedder):
    found = signals_of(profiles, embedder, "xylophone zeppelin")
    assert all(signals["coverage"] == 0.0 and signals["phrase"] == 0.0 for signals in found.values())


@pytest.mark.parametrize("filters, kept", [
    (None, ["courriel", "icpg", "paie"]),
    (Filters(kind="project"), ["courriel"]),
    (Filters(level=3), ["icpg"]),
    (Filters(owner="cybersecurite et du NUMERIQUE"), ["icpg"]),
    (Filters(owner="absent"), []),
    (Filters(source="corpus/catalogue/paie.yaml"), ["paie"]),
])
def test_filters_keep_the_records_they_name(profiles, filters, kept):
    keep = profiles.kept(filters)
    assert [r.id for r, k in zip(profiles.records, keep, strict=True) if k] == kept


def test_vectors_come_from_the_cache_when_the_texts_are_the_same(embedder, tmp_path, monkeypatch):
    cache = tmp_path / "profiles.npz"
    first = RecordProfiles.build(RECORDS, embedder, TermCounts.of_texts(DOCUMENTS), cache)

    def refuse(texts):
        raise AssertionError("embedded again")

    monkeypatch.setattr(embedder, "embed_documents", refuse)
    again = RecordProfiles.build(RECORDS, embedder, TermCounts.of_texts(DOCUMENTS), cache)
    assert np.array_equal(first.profiles, again.profiles) and np.array_equal(first.facets, again.facets)
    changed = {**RECORDS, "corpus/catalogue/paie.yaml": record("paie", "Système de paie", "Autre texte.", [])}
    with pytest.raises(AssertionError, match="embedded again"):
        RecordProfiles.build(changed, embedder, TermCounts.of_texts(DOCUMENTS), cache)


def test_labelled_needs_vectors_shipped_beside_the_calibration_are_read_not_embedded(embedder, tmp_path, monkeypatch):
    texts = ["Verser le salaire des employés", "Réserver une salle de réunion"]
    shipped = tmp_path / "calibration.vectors.npz"
    first = Exemplars.embed(texts, [["paie"], []], ["paie"], embedder, shipped)  # what calibration saves

    def refuse(texts):
        raise AssertionError("embedded again")

    monkeypatch.setattr(embedder, "embed_documents", refuse)
    index_cache = tmp_path / "index" / "exemplars.npz"  # a new index: nothing of its own yet
    again = Exemplars.embed(texts, [["paie"], []], ["paie"], embedder, index_cache, seed=shipped)
    assert np.array_equal(first.vectors, again.vectors) and not index_cache.exists()  # nothing new to keep
    with pytest.raises(AssertionError, match="embedded again"):  # a need the shipped file lacks is embedded
        Exemplars.embed([*texts, "Un autre besoin"], [["paie"], [], []], ["paie"], embedder, index_cache, seed=shipped)


def test_one_changed_record_embeds_only_its_own_texts(embedder, tmp_path, monkeypatch):
    cache = tmp_path / "profiles.npz"
    RecordProfiles.build(RECORDS, embedder, TermCounts.of_texts(DOCUMENTS), cache)
    embedded: list[str] = []
    real = embedder.embed_documents
    monkeypatch.setattr(embedder, "embed_documents", lambda texts: embedded.extend(texts) or real(texts))
    changed = {**RECORDS, "corpus/catalogue/paie.yaml": record("paie", "Système de paie", "Verser la paie.", [])}
    rebuilt = RecordProfiles.build(changed, embedder, TermCounts.of_texts(DOCUMENTS), cache)
    assert embedded and all("paie" in text.lower() for text in embedded)  # the other records: from the cache
    fresh = RecordProfiles.build(changed, embedder, TermCounts.of_texts(DOCUMENTS), tmp_path / "fresh.npz")
    assert np.allclose(rebuilt.profiles, fresh.profiles, atol=1e-6) and np.allclose(rebuilt.facets, fresh.facets,
                                                                                   atol=1e-6)


def test_the_next_generation_keeps_the_parts_of_the_records_that_did_not_change(embedder, tmp_path, monkeypatch):
    documents = TermCounts.of_texts(DOCUMENTS)
    first = RecordProfiles.build(RECORDS, embedder, documents, tmp_path / "profiles.npz")
    analysed: list[str] = []
    embedded: list[str] = []
    real, terms_of = embedder.embed_documents, profiles_module.record_terms
    monkeypatch.setattr(embedder, "embed_documents", lambda texts: embedded.extend(texts) or real(texts))
    monkeypatch.setattr(profiles_module, "record_terms", lambda record: analysed.append(record.id) or terms_of(record))
    changed = {**RECORDS, "corpus/catalogue/paie.yaml": record("paie", "Système de paie", "Verser la paie.", [])}
    following = RecordProfiles.build(changed, embedder, documents, tmp_path / "profiles.npz", previous=first)
    assert analysed == ["paie"] and embedded and all("paie" in text.lower() for text in embedded)
    monkeypatch.undo()
    fresh = RecordProfiles.build(changed, embedder, documents, tmp_path / "fresh.npz")
    need = "verser la paie des employés"
    assert np.allclose(following.signals(np.asarray(embedder.embed_query(need)), analyze(need)),
                       fresh.signals(np.asarray(embedder.embed_query(need)), analyze(need)), atol=1e-6)
    assert following.weights == fresh.weights
    assert [r.id for r in following.records] == [r.id for r in fresh.records]


def test_an_empty_catalogue_has_no_signals(embedder, tmp_path):
    empty = RecordProfiles.build({}, embedder, TermCounts.of_texts(DOCUMENTS), tmp_path / "profiles.npz")
    assert empty.signals(np.ones(embedder.dimension), ["paie"]).shape == (0, len(SIGNALS))


def test_exemplars_vouch_for_the_records_they_met_but_never_for_the_need_itself(embedder, tmp_path):
    texts = ["Verser le salaire des employés", "Signer nos contrats en ligne", "Réserver une salle de réunion"]
    exemplars = Exemplars.embed(texts, [["paie"], ["icpg", "absent"], []], ["courriel", "icpg", "paie"], embedder,
                                tmp_path / "exemplars.npz")
    need = "Payer nos employés chaque deux semaines"
    signals, like_no_match = exemplars.signals(np.asarray(embedder.embed_query(need)))
    met, vote = signals[:, 0], signals[:, 1]
    assert met[2] > met[1] > 0.0 and met[0] == 0.0  # paie, then icpg; courriel met no exemplar
    assert 0.0 < like_no_match < met[2]
    assert vote[2] > 0.5 > vote[1] > 0.0 and vote[0] == 0.0 and vote.sum() <= 1.0  # the nearest exemplar weighs most
    same = np.asarray(embedder.embed_query(texts[0]))
    assert exemplars.signals(same)[0][2, 0] == pytest.approx(1.0, abs=1e-5)  # nothing left out: it counts
    assert exemplars.signals(same, leave_out=texts[0])[0][2, 0] < 0.99  # left out (as the pipeline always does)


def test_the_nearest_exemplars_vote_and_one_that_nothing_met_votes_for_no_record(embedder, tmp_path):
    texts = ["Réserver une salle de réunion", "Réserver un local pour une formation", "Verser le salaire des employés"]
    exemplars = Exemplars.embed(texts, [[], [], ["paie"]], ["paie"], embedder, tmp_path / "exemplars.npz")
    booking, _ = exemplars.signals(np.asarray(embedder.embed_query("Réserver une salle pour notre comité")))
    payroll, _ = exemplars.signals(np.asarray(embedder.embed_query("Payer le salaire de nos employés")))
    assert booking[0, 1] < 0.05 < 0.9 < payroll[0, 1]
    alone, _ = exemplars.signals(np.asarray(embedder.embed_query(texts[2])), leave_out=texts[2])
    assert alone[0, 1] < 0.05  # its own case left out, only the booking exemplars are left to vote


def test_exemplars_that_are_all_far_from_the_need_carry_little_vote(embedder, tmp_path):
    texts = ["Verser le salaire des employés", "Payer nos employés chaque deux semaines"]
    exemplars = Exemplars.embed(texts, [["paie"], ["paie"]], ["paie"], embedder, tmp_path / "exemplars.npz")
    near, _ = exemplars.signals(np.asarray(embedder.embed_query("Payer le salaire de nos employés")))
    far, _ = exemplars.signals(np.asarray(embedder.embed_query("Observer les oiseaux migrateurs au printemps")))
    assert far[0, 1] < 0.1 < 0.5 < near[0, 1]  # the nearest exemplars are the same two: only their closeness differs


def test_no_exemplars_give_no_signal(embedder, tmp_path):
    empty = Exemplars.embed([], [], ["a", "b"], embedder, tmp_path / "exemplars.npz")
    signals, like_no_match = empty.signals(np.ones(embedder.dimension))
    assert signals.tolist() == [[0.0, 0.0], [0.0, 0.0]] and like_no_match == 0.0


def test_the_rows_worth_comparing_are_the_best_of_any_signal_and_every_row_of_a_small_catalogue():
    columns = np.array([[2.0, 0.0], [1.5, 0.0], [1.0, 0.9], [0.5, 0.0], [1.2, 0.0]])
    assert best_rows(columns, 5).tolist() == [0, 1, 2, 3, 4]
    assert best_rows(columns, 2).tolist() == [0, 1, 2]  # the two best by the first column, the one with a second
    assert best_rows(np.array([[1.0], [0.0], [-1.0]]), 2).tolist() == [0]  # no signal, no place


def test_a_shortlist_gets_the_same_signals_as_the_whole_catalogue_and_keeps_what_a_filter_allows(
        profiles, embedder, monkeypatch):
    monkeypatch.setattr(profiles_module, "SHORTLIST", 1)
    ids, everything, nothing_beside = [r.id for r in profiles.records], np.ones(3, dtype=bool), np.zeros((3, 0))
    need = "Nous voulons la signature électronique de nos formulaires"
    vector, terms = np.asarray(embedder.embed_query(need)), analyze(need)
    rows, signals = profiles.compared(vector, terms, nothing_beside, everything)
    assert rows.tolist() == [ids.index("icpg")]  # its 3 facets of 11 alone compared with the need
    assert np.allclose(signals, profiles.signals(vector, terms)[rows], atol=1e-6)

    need = "Nous voulons verser la paie de nos employés"
    vector, terms = np.asarray(embedder.embed_query(need)), analyze(need)
    beside = np.array([[9.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # the first record leads an exemplar signal
    rows, signals = profiles.compared(vector, terms, beside, everything)
    assert rows.tolist() == [0, ids.index("paie")]
    assert np.allclose(signals, np.column_stack([profiles.signals(vector, terms)[rows], beside[rows]]), atol=1e-6)
    projects = profiles.kept(Filters(kind="project"))  # the messaging project alone: still compared
    rows, _ = profiles.compared(vector, terms, nothing_beside, projects)
    assert "courriel" in [ids[row] for row in rows]
