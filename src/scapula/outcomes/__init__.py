"""Outcomes per patient and per clinic, and their plots. Pure functions over diary entries.

The plots load matplotlib on first use, so reports alone never pay for (or need) it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .report import DROPOUT_DAYS, ClinicReport, PatientOutcome, WeekFigure, clinic_report, patient_outcome

if TYPE_CHECKING:
    from .plots import clinic_cohort, patient_trend

__all__ = [
    "DROPOUT_DAYS", "ClinicReport", "PatientOutcome", "WeekFigure", "clinic_cohort", "clinic_report",
    "patient_outcome", "patient_trend",
]


def __getattr__(name: str) -> Any:
    if name in ("clinic_cohort", "patient_trend"):
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
