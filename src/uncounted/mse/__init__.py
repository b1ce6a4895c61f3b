"""Multiple systems estimation: capture tables and population-size estimators.

This sub-package depends on nothing else in uncounted: an ecologist with a capture table uses it alone.
"""

from .closed_form import ChaoLowerBound, LincolnPetersen
from .result import Estimate, Estimator, sum_strata
from .table import CaptureTable, pattern_label, pattern_matrix, read_capture_table

__all__ = ["CaptureTable", "ChaoLowerBound", "Estimate", "Estimator", "LincolnPetersen",
           "pattern_label", "pattern_matrix", "read_capture_table", "sum_strata"]
