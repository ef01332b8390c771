"""Fit the "does this record fit the need?" model (decide.Calibration) on the tune half of the dev set.

A logistic regression over decide.FEATURES, one row per (need, record) pair, positive when the record is
among the need's expected assets; classes weighted equally. The threshold is the probability, among those
the tune half produces, that maximises no-match accuracy plus hit@3 there. The held-out half is not read.

The features come from the engine exactly as an answer reads them (`Engine.evidence_for`: same retrieval, same
conversation rule), and the probabilities from `decide.fit_probability`, the function that serves.
"""

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.decide import FEATURES, PACKAGED_CALIBRATION, Calibration, fit_probability
from assistant.engine import Engine
from assistant.evaluation.dataset import DevSet
from assistant.evaluation.metrics import hit_at


def fit_logistic(rows: np.ndarray, labels: np.ndarray, l2: float = 0.01, steps: int = 5000,
                 rate: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardised features, balanced classes, L2-regularised gradient descent: (mean, scale, weights, bias)."""
    mean, scale = rows.mean(axis=0), rows.std(axis=0) + 1e-9
    standard = (rows - mean) / scale
    positive_share = labels.mean()
    balance = np.where(labels == 1, 0.5 / positive_share, 0.5 / (1 - positive_share))
    weights, bias = np.zeros(rows.shape[1]), 0.0
    for _ in range(steps):
        predicted = 1 / (1 + np.exp(-(standard @ weights + bias)))
        gradient = (predicted - labels) * balance
        weights -= rate * (standard.T @ gradient / len(labels) + l2 * weights)
        bias -= rate * gradient.mean()
    return mean, scale, weights, float(bias)


def best_threshold(cases: list[tuple[list[str], list[float], list[str]]]) -> float:
    """cases: (record ids best first, their probabilities, expected ids). The probability cut that
    maximises no-match accuracy + hit@3 (ties: the lowest cut)."""
    def merit(cut: float) -> float:
        decided = [(probabilities[0] >= cut, ids, expected) for ids, probabilities, expected in cases]
        no_match = np.mean([found == bool(expected) for found, _, expected in decided])
        matches = [(found, ids, expected) for found, ids, expected in decided if expected]
        hits = np.mean([found and hit_at(3, ids, expected) for found, ids, expected in matches])
        return float(no_match + hits)
    # Rounded down, so that a cut taken from a case still keeps that case.
    cuts = sorted({math.floor(1000 * probabilities[0]) / 1000 for _, probabilities, _ in cases})
    return max(cuts, key=lambda cut: (merit(cut), -cut))


def calibrate(dev: DevSet, engine: Engine) -> Calibration:
    """Fit on the tune half through an uncalibrated engine, and save it beside the other embedders' calibrations
    (in the file the settings name, else the one shipped in the package)."""
    tune = [need for need in dev.needs if need.half == "tune"]
    per_need = [(need, engine.evidence_for(need.question, need.history)) for need in tune]
    rows = np.array([features for _, found in per_need for features in found.values()])
    labels = np.array([rid in need.expected_assets for need, found in per_need for rid in found], dtype=float)
    mean, scale, weights, bias = fit_logistic(rows, labels)
    fitted = Calibration(
        embedder=engine.embedder_name, features=list(FEATURES), mean=mean.tolist(), scale=scale.tolist(),
        weights=weights.tolist(), bias=bias, threshold=0.0,
        fitted_on=f"{len(tune)} needs of the tune half (odd ids) of the dev set",
    )
    cases = []
    for need, found in per_need:
        ranked = sorted(((fit_probability(features, fitted), rid) for rid, features in found.items()), reverse=True)
        cases.append(([rid for _, rid in ranked], [probability for probability, _ in ranked], need.expected_assets))
    fitted.threshold = best_threshold(cases)
    save_calibration(fitted, engine.settings.calibration_path or packaged_calibration_file())
    return fitted


class CalibrationNotSaved(Exception):
    """The calibrations file cannot be written (an installed package is read-only): set ASSISTANT_CALIBRATION_FILE."""


def packaged_calibration_file() -> Path:
    """The calibrations shipped in the package (in a source checkout, the file under assistant/)."""
    return Path(str(resources.files("assistant").joinpath(PACKAGED_CALIBRATION)))


def save_calibration(calibration: Calibration, path: Path) -> None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        saved[calibration.embedder] = calibration.model_dump()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise CalibrationNotSaved(f"{path} : écriture impossible ({error.strerror}); indiquez un fichier inscriptible "
                                  "dans ASSISTANT_CALIBRATION_FILE") from error
