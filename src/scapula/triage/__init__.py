"""Red-flag triage: which rules fire, the level they demand, imaging advice and reasons.

The level is the most urgent level demanded by any fired rule. Rules only add urgency; weak flags
are weighed together inside the rules themselves (see `at_least` in rules_triage.yaml), so the
combination logic is reviewable data, not code.
"""

from __future__ import annotations

from ..assessment import Audience, ImagingResult, Reason, Triage
from ..knowledge import CompiledRule, Facts, Knowledge
from ..knowledge.schema import TriageRuleSpec
from ..vocabulary import LEVEL_ORDER, ConditionId, Level

__all__ = ["TriageOutcome", "triage"]


class TriageOutcome:
    """The triage result plus the ids the assessment lists at top level."""

    __slots__ = ("red_flags", "suspected", "triage")

    def __init__(self, triage: Triage, red_flags: list[str], suspected: list[ConditionId]) -> None:
        self.triage, self.red_flags, self.suspected = triage, red_flags, suspected


def _spec(rule: CompiledRule) -> TriageRuleSpec:
    assert isinstance(rule.spec, TriageRuleSpec)
    return rule.spec


def _urgency(rule: CompiledRule) -> tuple[int, int]:
    spec = _spec(rule)
    return (-LEVEL_ORDER[spec.level], 0 if spec.kind == "red_flag" else 1)


def triage(facts: Facts, kb: Knowledge, audience: Audience) -> TriageOutcome:
    """Fire the triage rules over `facts` and combine them into a level with reasons."""
    fired = sorted(kb.triage_rules.fire(facts), key=_urgency)
    specs = [_spec(r) for r in fired]
    level = specs[0].level if specs else Level.conservative
    reasons = [
        Reason(
            rule=s.id,
            kind=s.kind,
            level=s.level,
            title=s.title,
            text=getattr(s, audience.value),
            facts=r.condition.matched(facts),
            citations=list(s.cite),
        )
        for r, s in zip(fired, specs, strict=True)
    ]
    imaging_ids = list(dict.fromkeys(s.imaging for s in specs if s.imaging)) or [kb.texts.default_imaging]
    advice = sorted((kb.imaging[i] for i in imaging_ids), key=lambda a: -a.priority)
    if level in (Level.emergency, Level.urgent):
        # Waiting-game advice from a co-firing caution would contradict the red flag's urgency.
        advice = [a for a in advice if not a.conservative_only] or advice
    reviews = [s.review_weeks for s in specs if s.review_weeks]
    level_text = kb.texts.levels[level]
    result = Triage(
        level=level,
        summary=getattr(level_text, audience.value),
        reasons=reasons,
        imaging=[
            ImagingResult(id=a.id, title=a.title, text=getattr(a, audience.value), citations=list(a.cite))
            for a in advice
        ],
        review_in_weeks=min(reviews) if reviews else None,
    )
    red_flags = [s.id for s in specs if s.kind == "red_flag"]
    suspected = list(dict.fromkeys(c for s in specs for c in s.suspects))
    return TriageOutcome(result, red_flags, suspected)
