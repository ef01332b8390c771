"""Does a record fit the need? A logistic model over the records' signals (`RECORD_SIGNALS`: the catalogue's four;
how close the need is to labelled needs the record met, and the record's share of the vote of the need's nearest
labelled needs), each read three ways: its value, its margin over the best other record, and how far it stands
above the catalogue's mean in standard deviations; and one signal of the need itself (how close it is to labelled
needs that nothing met). The margin and the standing make a record that merely shares words with every need (all
records score alike) count less than one that stands out.

Fitted by `assistant calibrate` on the development half of the labelled set (hard negatives included); its
threshold is the one that gets most verdicts right there (`assistant calibrate --folds 5` cross-validates a
change on that half alone). A probability is shown as a percentage only when its calibration error on the
held-out half is small (`PERCENT_ECE`); otherwise as words for bands of probability (from the threshold; from half
of it; below), whose observed shares on the held-out half calibration saves.
"""

import json
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.intent import IntentModel
from assistant.labels import Band
from assistant.levels import LevelModel
from assistant.profiles import EXEMPLAR_SIGNALS, SIGNALS

RECORD_SIGNALS = (*SIGNALS, *EXEMPLAR_SIGNALS)
NEED_SIGNALS = ("like_no_match",)
FORMS = ("value", "margin", "z")
FEATURES = (*(f"{signal}_{form}" for signal in RECORD_SIGNALS for form in FORMS), *NEED_SIGNALS)
PACKAGED_CALIBRATION = "calibration.json"  # package data: ships in the wheel beside this module
PERCENT_ECE = 0.05  # the largest held-out calibration error at which a percentage may be shown


def features(signals: np.ndarray, need: np.ndarray) -> np.ndarray:
    """(records × RECORD_SIGNALS), (NEED_SIGNALS,) -> (records × FEATURES): for each record signal its value, its
    margin over the best other record, and its standard score among the records compared; then the need's own."""
    if not len(signals):
        return np.zeros((0, len(FEATURES)))
    ordered = np.partition(signals, -2, axis=0) if len(signals) > 1 else signals  # the two best, in place
    best = ordered[-1]
    runner_up = ordered[-2] if len(signals) > 1 else np.zeros(signals.shape[1])
    best_other = np.where(signals >= best, runner_up, best)
    spread = signals.std(axis=0)
    alike = spread < 1e-9  # every record scores the same: none stands out
    standard = np.where(alike, 0.0, (signals - signals.mean(axis=0)) / np.where(alike, 1.0, spread))
    columns = [np.stack([signals[:, i], signals[:, i] - best_other[:, i], standard[:, i]], axis=1)
               for i in range(signals.shape[1])]
    return np.concatenate([*columns, np.tile(need, (len(signals), 1))], axis=1)


class BandMeasure(BaseModel):
    """A band of probabilities shown as words, with what was observed in it on the held-out half."""

    band: Band
    lower: float = Field(description="Least probability of the band.")
    cases: int = 0
    observed: float | None = Field(None, description="Share of the records shown in this band that fit.")


class Exemplar(BaseModel):
    """A labelled need as it is matched (`levels.topic_of` of its text), and the records that meet it."""

    text: str
    records: list[str]


class Calibration(BaseModel):
    """The fitted model, its threshold, and how honest its probabilities proved on the held-out half."""

    embedder: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float = Field(description="Least probability at which a record counts as fitting.")
    fitted_on: str = Field(description="Which cases the model and threshold were fitted on.")
    held_out_ece: float | None = Field(None, description="Expected calibration error of the shown probabilities "
                                       "on the held-out half.")
    bands: list[BandMeasure] = Field(default_factory=list, description="The bands shown as words, highest first.")
    intent: IntentModel | None = Field(None, description="Tells a need from a question about the documents.")
    levels: LevelModel | None = Field(None, description="The level that needs nothing meets are worded for.")
    exemplars: list[Exemplar] = Field(default_factory=list, description="The labelled needs the model was fitted "
                                      "with, read again at each question (the `exemplar` and `like_no_match` "
                                      "signals).")

    @property
    def shows_percent(self) -> bool:
        return self.held_out_ece is not None and self.held_out_ece <= PERCENT_ECE

    def band(self, probability: float) -> Band:
        return band_of(probability, self.threshold)


def band_lowers(threshold: float) -> dict[Band, float]:
    """«fits» from the threshold on; «may fit» from half of it; «unlikely» below."""
    return {"fits": threshold, "may_fit": threshold / 2, "unlikely": 0.0}


def band_of(probability: float, threshold: float) -> Band:
    return next(band for band, lower in band_lowers(threshold).items() if probability >= lower)


def probabilities(rows: np.ndarray, calibration: Calibration) -> np.ndarray:
    """The probability that each record (a row of FEATURES) fits."""
    if not len(rows):
        return np.zeros(0)
    standard = (rows - np.asarray(calibration.mean)) / np.asarray(calibration.scale)
    return 1.0 / (1.0 + np.exp(-(standard @ np.asarray(calibration.weights) + calibration.bias)))


def calibration_text(path: Path | None) -> str:
    """The calibrations file: the one the settings name, else the one shipped in the package."""
    if path is not None:
        return path.read_text(encoding="utf-8")
    return resources.files("assistant").joinpath(PACKAGED_CALIBRATION).read_text(encoding="utf-8")


def packaged_calibration_file() -> Path:
    """The calibrations shipped in the package (in a source checkout, the file under assistant/)."""
    return Path(str(resources.files("assistant").joinpath(PACKAGED_CALIBRATION)))


def exemplar_vectors_file(path: Path | None) -> Path:
    """The labelled needs' vectors, saved by calibration beside the calibrations file (the settings', else the
    package's), so that no start embeds them again."""
    return (path or packaged_calibration_file()).with_suffix(".vectors.npz")


def load_calibration(embedder: str, path: Path | None = None) -> Calibration | None:
    """The calibration for this embedder, or None when there is none or it was fitted on other features (the
    figures would mean nothing)."""
    try:
        saved = json.loads(calibration_text(path))
    except (OSError, ValueError):
        return None
    if embedder not in saved:
        return None
    calibration = Calibration.model_validate(saved[embedder])
    return calibration if tuple(calibration.features) == FEATURES else None
