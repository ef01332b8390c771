"""Measuring the assistant: labelled sets (dataset), per-answer scores and figures (metrics), the systems compared,
the LangChain baseline among them (systems, baseline), the report and charts (report), and the fit decision's
calibration on the tune half (calibrate).

Runtime commands never import this package; `assistant eval` and `assistant calibrate` do.
"""

from assistant.evaluation.calibrate import CalibrationNotSaved, calibrate
from assistant.evaluation.dataset import DevSet, load_dev_set
from assistant.evaluation.report import run_evaluation
from assistant.evaluation.systems import SYSTEM_NAMES

__all__ = ["SYSTEM_NAMES", "CalibrationNotSaved", "DevSet", "calibrate", "load_dev_set", "run_evaluation"]
