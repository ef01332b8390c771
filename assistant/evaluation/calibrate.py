"""Fit the "does this record fit the need?" model (fit.Calibration) on the development half of the labelled set,
and measure on the held-out half how honest its probabilities are.

A logistic regression over fit.FEATURES, one row per (need, record) pair, positive when the record is among the
need's acceptable ones. The cases are the Québec needs, the follow-ups (read with
their history, as an answer reads them) and, when the grown catalogue is given, its needs over it. The
threshold is the probability that gets most verdicts of the development half right (the middle one of the
cuts that tie). The held-out half then gives the expected calibration error of the fits an answer lists, which
decides whether they are shown as percentages, and what was observed in each band of words.

The features come from the engine exactly as an answer reads them (`Engine.evidence_for`), and the
probabilities from `fit.probabilities`, the function that serves.
"""

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.decide import LISTED
from assistant.embed import get_embedder
from assistant.engine import Engine
from assistant.evaluation.dataset import LabelledNeed, LabelledSet
from assistant.evaluation.metrics import expected_calibration_error, verdict_correct
from assistant.fit import (
    FEATURES,
    BandMeasure,
    Calibration,
    Exemplar,
    band_lowers,
    band_of,
    exemplar_vectors_file,
    packaged_calibration_file,
    probabilities,
)
from assistant.intent import IntentModel
from assistant.levels import LevelModel
from assistant.profiles import Exemplars, cached_vectors
from assistant.settings import Settings


def fit_logistic(rows: np.ndarray, labels: np.ndarray, l2: float = 1.0,
                 iterations: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardised features, L2-penalised maximum likelihood by Newton's method: (mean, scale, weights, bias).
    Classes keep their real shares (few records fit a need), so that the probabilities mean what they say; `l2`
    weighs the penalty against the summed log-likelihood (the bias is not penalised)."""
    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-9
    design = np.hstack([(rows - mean) / scale, np.ones((len(rows), 1))])
    penalty = np.diag([l2] * rows.shape[1] + [0.0])
    theta = np.zeros(design.shape[1])
    for _ in range(iterations):
        predicted = 1 / (1 + np.exp(-(design @ theta)))
        gradient = design.T @ (predicted - labels) + penalty @ theta
        hessian = (design * (predicted * (1 - predicted))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, theta[:-1], float(theta[-1])


Case = tuple[LabelledNeed, list[str], np.ndarray]  # a need, the record ids, their features (one row each)


def best_threshold(tops: list[tuple[str, float, list[str]]], weights: list[float] | None = None) -> float:
    """tops: (the record ranked first, its probability, the acceptable ids). The cut that gets most verdicts
    right (each weighing its `weights`, 1 by default); of the cuts that tie, the middle one."""
    def right(cut: float) -> float:
        return sum(weight * verdict_correct(record if probability >= cut else None, acceptable)
                   for (record, probability, acceptable), weight in zip(tops, weights or [1.0] * len(tops),
                                                                        strict=True))

    cuts = sorted({round(probability, 4) for _, probability, _ in tops} | {1.0})
    scores = [right(cut) for cut in cuts]
    best = [cut for cut, score in zip(cuts, scores, strict=True) if score == max(scores)]
    return best[len(best) // 2]


def listed_outcomes(case: Case, calibration: Calibration) -> list[tuple[float, bool]]:
    """(probability, acceptable) of the records an answer would list for this need."""
    need, ids, rows = case
    fit = probabilities(rows, calibration)
    return [(float(fit[i]), ids[i] in need.acceptable) for i in np.argsort(-fit, kind="stable")[:LISTED]]


def band_measures(outcomes: list[tuple[float, bool]], threshold: float) -> list[BandMeasure]:
    measures = []
    for band, lower in band_lowers(threshold).items():
        inside = [hit for probability, hit in outcomes if band_of(probability, threshold) == band]
        measures.append(BandMeasure(band=band, lower=round(lower, 4), cases=len(inside),
                                    observed=round(sum(inside) / len(inside), 3) if inside else None))
    return measures


def gather(engine: Engine, needs: list[LabelledNeed], exemplars: Exemplars) -> list[Case]:
    return [(need, *engine.evidence_for(need.question, need.history, exemplars)) for need in needs]


def fit_intent(labelled: LabelledSet, settings: Settings) -> IntentModel:
    """«Need or question about the documents» over the turn's embedding, fitted on the dev half: needs and
    grown-catalogue needs are needs; document questions are not. Follow-ups are left out: a turn read with a need
    is answered as one whatever its own wording («c’est quel niveau, ça?»), and alone it is not a need."""
    turns = [(need.question, 1.0) for need in [*labelled.needs, *labelled.grown]
             if need.split == "dev"] + [(question.question, 0.0) for question in labelled.documents
                                        if question.split == "dev"]
    if not turns or len({label for _, label in turns}) < 2:
        raise NoDevelopmentCases("le jeu étiqueté n’a pas, dans sa moitié de développement, à la fois des besoins et "
                                 "des questions sur les documents")
    embedder = get_embedder(settings.embedder)
    vectors = np.asarray(embedder.embed_documents([text for text, _ in turns]))
    mean, scale, weights, bias = fit_logistic(vectors, np.array([label for _, label in turns]))
    return IntentModel(mean=mean.tolist(), scale=scale.tolist(), weights=weights.tolist(), bias=bias)


LEVEL_L2 = 30.0  # the penalty of each level's model (chosen by cross-validation on dev, with `LIKELY_AT_LEAST`)


def fit_levels(labelled: LabelledSet, engine: Engine) -> LevelModel | None:
    """The level each dev need that nothing meets is labelled with (0: its wording settles none), from its
    embedding: one logistic model per level."""
    needs = [need for need in labelled.needs if need.split == "dev" and not need.acceptable]
    labels = np.array([need.expected_level or 0 for need in needs])
    if len(set(labels.tolist())) < 5:
        return None
    vectors = np.asarray(get_embedder(engine.settings.embedder).embed_documents([need.question for need in needs]))
    fitted = [fit_logistic(vectors, (labels == level).astype(float), l2=LEVEL_L2) for level in range(5)]
    return LevelModel(mean=fitted[0][0].tolist(), scale=fitted[0][1].tolist(),
                      weights=[weights.tolist() for _, _, weights, _ in fitted], biases=[bias for *_, bias in fitted])


Run = tuple[Engine, list[LabelledNeed]]  # an engine and the needs read over its catalogue


def runs_of(labelled: LabelledSet, engine: Engine, grown: Engine | None) -> list[Run]:
    """The Québec needs and follow-ups over the shipped catalogue; the grown needs over the grown one."""
    return [(engine, [*labelled.needs, *labelled.follow_ups])] + ([(grown, labelled.grown)] if grown else [])


def exemplars_of(runs: list[Run], keep: Callable[[LabelledNeed], bool]) -> list[Exemplar]:
    return [Exemplar(text=run.matched_text(need.question, need.history), records=need.acceptable)
            for run, needs in runs for need in needs if keep(need)]


def read_cases(runs: list[Run], needs: Callable[[LabelledNeed], bool], examples: list[Exemplar]) -> list[Case]:
    """The chosen needs read through their engines with these exemplars (a case's own exemplar left out)."""
    texts, records = [e.text for e in examples], [e.records for e in examples]
    return [case for run, run_needs in runs
            for case in gather(run, [need for need in run_needs if needs(need)], run.exemplars(texts, records))]


def fit_cases(cases: list[Case], embedder: str, examples: list[Exemplar], fitted_on: str,
              case_weights: list[float] | None = None) -> Calibration:
    """The logistic model over these cases' pairs, and the threshold that gets most of their verdicts right
    (each case weighing its `case_weights`)."""
    rows = np.concatenate([case_rows for _, _, case_rows in cases])
    labels = np.array([rid in need.acceptable for need, ids, _ in cases for rid in ids], dtype=float)
    mean, scale, weights, bias = fit_logistic(rows, labels)
    fitted = Calibration(embedder=embedder, features=list(FEATURES), mean=mean.tolist(), scale=scale.tolist(),
                         weights=weights.tolist(), bias=bias, threshold=0.0, exemplars=examples, fitted_on=fitted_on)
    fitted.threshold = best_threshold([top_of(case, fitted) for case in cases], case_weights)
    return fitted


def top_of(case: Case, calibration: Calibration) -> tuple[str, float, list[str]]:
    """(the record ranked first, its probability, the acceptable ids)."""
    need, ids, rows = case
    fit = probabilities(rows, calibration)
    return ids[int(np.argmax(fit))], float(fit.max()), need.acceptable


def calibrate(labelled: LabelledSet, engine: Engine, grown: Engine | None = None) -> Calibration:
    """Fit on the development half through uncalibrated engines, measure on the held-out half, and save it beside
    the other embedders' calibrations (in the file the settings name, else the one shipped in the package).

    The development cases are also the exemplars the model reads (each case without itself: an exemplar with
    the need's own text is left out), and ship with it."""
    runs = runs_of(labelled, engine, grown)
    examples = exemplars_of(runs, lambda need: need.split == "dev")
    cases = read_cases(runs, lambda need: True, examples)
    dev = [case for case in cases if case[0].split == "dev"]
    held_out = [case for case in cases if case[0].split == "held_out"]
    if not dev:
        raise NoDevelopmentCases("le jeu étiqueté n’a aucun cas de développement (split: dev)")
    fitted = fit_cases(dev, engine.embedder_name, examples,
                       f"{len(dev)} cases of the development half of the labelled set"
                       + (" (Québec and grown catalogues)" if grown is not None else ""),
                       catalogue_weights(dev, labelled))
    fitted.intent = engine.intent or fit_intent(labelled, engine.settings)
    fitted.levels = fit_levels(labelled, engine)
    outcomes = [outcome for case in held_out for outcome in listed_outcomes(case, fitted)]
    fitted.held_out_ece = expected_calibration_error(outcomes)
    fitted.bands = band_measures(outcomes, fitted.threshold)
    save_calibration(fitted, engine.settings.calibration_path or packaged_calibration_file())
    # The exemplars' vectors, saved beside it for this embedder (another embedder's are embedded at its start).
    cached_vectors(get_embedder(engine.settings.embedder), [example.text for example in examples],
                   exemplar_vectors_file(engine.settings.calibration_path))
    return fitted


def catalogue_weights(cases: list[Case], labelled: LabelledSet) -> list[float]:
    """Each catalogue's cases weigh as much in all as the other's: the threshold serves both, not the one with
    more labelled needs (the Québec needs outnumber the grown catalogue's four to one)."""
    grown = {need.id for need in labelled.grown}
    counts = Counter(case[0].id in grown for case in cases)
    return [1.0 / counts[case[0].id in grown] for case in cases]


def cross_validate(labelled: LabelledSet, engine: Engine, grown: Engine | None = None, folds: int = 5,
                   seed: int = 0) -> dict[str, float]:
    """Verdict accuracy on the development half alone, each fold fitted (model, threshold, exemplars) on the other
    folds: how a change to the fit is chosen without reading the held-out half. By catalogue, and over all."""
    runs = runs_of(labelled, engine, grown)
    dev = [(run, need) for run, needs in runs for need in needs if need.split == "dev"]
    if len(dev) < folds:
        raise NoDevelopmentCases(f"le jeu étiqueté a moins de {folds} cas de développement")
    fold_of = {need.id: fold for (_, need), fold in
               zip(dev, np.random.default_rng(seed).permutation(len(dev)) % folds, strict=True)}
    grown_ids = {need.id for need in labelled.grown}
    right: dict[str, list[bool]] = {"quebec": [], "grown": []}
    for fold in range(folds):
        def trains(need: LabelledNeed, fold: int = fold) -> bool:
            return need.split == "dev" and fold_of[need.id] != fold

        examples = exemplars_of(runs, trains)
        fitted = fit_cases(read_cases(runs, trains, examples), engine.embedder_name, examples, f"fold {fold}")
        for case in read_cases(runs, lambda need: need.split == "dev" and not trains(need), examples):
            record, probability, acceptable = top_of(case, fitted)
            right["grown" if case[0].id in grown_ids else "quebec"].append(
                verdict_correct(record if probability >= fitted.threshold else None, acceptable))
    scores = {variant: float(np.mean(hits)) for variant, hits in right.items() if hits}
    return scores | {"all": float(np.mean([hit for hits in right.values() for hit in hits]))}


class NoDevelopmentCases(Exception):
    """The labelled set has no case to fit on."""


class CalibrationNotSaved(Exception):
    """The calibrations file cannot be written (an installed package is read-only): set ASSISTANT_CALIBRATION_FILE."""


def save_calibration(calibration: Calibration, path: Path) -> None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        saved[calibration.embedder] = calibration.model_dump()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise CalibrationNotSaved(f"{path} : écriture impossible ({error.strerror}); indiquez un fichier inscriptible "
                                  "dans ASSISTANT_CALIBRATION_FILE") from error
