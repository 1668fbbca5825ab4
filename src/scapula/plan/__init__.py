"""The phased, individual care plan: build_plan(intake, assessment) -> Plan."""

from .build import ASSUMED_EQUIPMENT, build_plan, eligible_exercises, irritability_of, treatment_options
from .model import Dose, Excluded, Milestone, Option, Phase, Plan, PlannedExercise, Referral

__all__ = [
    "ASSUMED_EQUIPMENT", "Dose", "Excluded", "Milestone", "Option", "Phase", "Plan", "PlannedExercise",
    "Referral", "build_plan", "eligible_exercises", "irritability_of", "treatment_options",
]
