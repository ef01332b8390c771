"""Fit the "does this record fit the need?" model (decide.Calibration) on the tune half of the dev set.

A logistic regression over decide.FEATURES, one row per (need, record) pair, positive when the record is
among the need's expected assets; classes weighted equally. The threshold is the probability, among those
the tune half produces, that maximises no-match accuracy plus hit@3 there. The held-out half is not read.
"""

import json
import math
from pathlib import Path

import numpy as np

from assistant.decide import CALIBRATION_FILE, FEATURES, Calibration
from assistant.evaluate import DevSet, hit_at


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
        return no_match + hits
    # Rounded down, so that a cut taken from a case still keeps that case.
    cuts = sorted({math.floor(1000 * probabilities[0]) / 1000 for _, probabilities, _ in cases})
    return max(cuts, key=lambda cut: (merit(cut), -cut))


def calibrate(dev: DevSet, evidence_for, embedder: str, path: Path = CALIBRATION_FILE) -> Calibration:
    """Fit on the tune half with `evidence_for(text) -> {record id: features}` and save beside the others."""
    tune = [need for need in dev.needs if need.half == "tune"]
    per_need = [(need, evidence_for(" ".join([*need.history[-1:], need.question]))) for need in tune]
    rows = np.array([features for _, found in per_need for features in found.values()])
    labels = np.array([rid in need.expected_assets for need, found in per_need for rid in found], dtype=float)
    mean, scale, weights, bias = fit_logistic(rows, labels)
    cases = []
    for need, found in per_need:
        ids = list(found)
        probabilities = 1 / (1 + np.exp(-(((np.array([found[i] for i in ids]) - mean) / scale) @ weights + bias)))
        order = np.argsort(-probabilities)
        cases.append(([ids[i] for i in order], [float(probabilities[i]) for i in order], need.expected_assets))
    calibration = Calibration(
        embedder=embedder, features=list(FEATURES), mean=mean.tolist(), scale=scale.tolist(),
        weights=weights.tolist(), bias=bias, threshold=best_threshold(cases),
        fitted_on=f"{len(tune)} needs of the tune half (odd ids) of the dev set",
    )
    saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    saved[embedder] = calibration.model_dump()
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return calibration
