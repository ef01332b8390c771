"""Measuring the assistant: labelled sets (dataset), per-answer scores and figures (metrics), the systems compared,
the LangChain baseline among them (systems, baseline), the report and charts (report), and the fit decision's
calibration on the development half (calibrate).

Runtime commands never import this package; `assistant eval` and `assistant calibrate` do.
"""

from assistant.evaluation.calibrate import (
    CalibrationNotSaved,
    NoDevelopmentCases,
    calibrate,
    cross_validate,
    fit_intent,
)
from assistant.evaluation.dataset import LabelledSet, load_labelled_set
from assistant.evaluation.report import VARIANTS, run_evaluation
from assistant.evaluation.systems import DEFAULT_SYSTEMS, SYSTEM_NAMES
from assistant.evaluation.variants import grown_engine

__all__ = ["DEFAULT_SYSTEMS", "SYSTEM_NAMES", "VARIANTS", "CalibrationNotSaved", "LabelledSet",
           "NoDevelopmentCases", "calibrate", "cross_validate", "fit_intent",
           "grown_engine", "load_labelled_set", "run_evaluation"]
