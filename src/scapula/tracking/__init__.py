"""Progress tracking: diary entries in, meaningful change, weekly summaries, load spikes and the
next step in the plan out. Pure functions over values; storage and HTTP live elsewhere."""

from .decide import RedFlagCheck, decide, red_flag_check_from
from .load import flare_runs, load_spikes, weekly_volumes
from .model import (
    Baseline,
    Change,
    Decision,
    DecisionKind,
    DecisionReason,
    Direction,
    MilestoneCheck,
    Spike,
    TrackingEntry,
    Week,
)
from .progress import (
    baseline_from_entries,
    meaningful_change,
    measures,
    median,
    milestone_checks,
    pain_summary,
    weekly_series,
)
from .rules import ProgressionRules, load_progression

__all__ = [
    "Baseline", "Change", "Decision", "DecisionKind", "DecisionReason", "Direction", "MilestoneCheck",
    "ProgressionRules", "RedFlagCheck", "Spike", "TrackingEntry", "Week", "baseline_from_entries", "decide",
    "flare_runs", "load_progression", "load_spikes", "meaningful_change", "measures", "median",
    "milestone_checks", "pain_summary", "red_flag_check_from", "weekly_series", "weekly_volumes",
]
