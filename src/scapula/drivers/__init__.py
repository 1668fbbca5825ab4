"""Rank the musculoskeletal drivers by evidence points, with the facts for and against each.

Points come from the driver rules; rules resting on the clinician's examination are multiplied by
`exam_multiplier` because a reproduced finding weighs more than a self-report. Ties keep the order
of drivers.yaml (most common first).
"""

from __future__ import annotations

from ..assessment import Audience, Differentiator, DriverEvidence, DriverResult
from ..knowledge import Facts, Knowledge
from ..knowledge.schema import DriverRuleSpec
from ..vocabulary import DriverId

__all__ = ["LEADING", "rank_drivers"]

LEADING = 3
"""How many leading candidates get the tests that would tell them apart."""


def rank_drivers(facts: Facts, kb: Knowledge, audience: Audience) -> list[DriverResult]:
    """All nine drivers, best first."""
    points: dict[DriverId, float] = dict.fromkeys(kb.drivers, 0.0)
    reasons: dict[DriverId, list[DriverEvidence]] = {d: [] for d in kb.drivers}
    patient = audience is Audience.patient
    factor_exam = kb.exam_multiplier
    for rule in kb.driver_rules.fire(facts):
        spec: DriverRuleSpec = rule.spec  # type: ignore[assignment]
        factor = factor_exam if rule.from_exam else 1.0
        matched = rule.condition.matched(facts)
        text = spec.patient if patient else spec.clinician
        cites = list(spec.cite)
        for driver, weight in spec.drivers.items():
            weighted = weight * factor
            points[driver] += weighted
            reasons[driver].append(DriverEvidence(spec.id, round(weighted, 2), matched, text, cites))
    order = {d: i for i, d in enumerate(kb.drivers)}
    ranked = sorted(kb.drivers, key=lambda d: (-round(points[d], 6), order[d]))
    return [
        _result(d, points[d], reasons[d], kb, facts, patient, leading=rank < LEADING and points[d] > 0)
        for rank, d in enumerate(ranked)
    ]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _result(
    driver: DriverId,
    score: float,
    evidence: list[DriverEvidence],
    kb: Knowledge,
    facts: Facts,
    patient: bool,
    *,
    leading: bool,
) -> DriverResult:
    info = kb.drivers[driver]
    tells: list[Differentiator] = []
    if leading:
        for item in info.tells_apart:
            # A test already done (positive or negative) no longer tells anything apart.
            if item.test and (
                f"exam.{item.test}" in facts.tokens or f"exam_negative.{item.test}" in facts.tokens
            ):
                continue
            tells.append(Differentiator(test=item.test, question=item.question, text=item.text))
    return DriverResult(
        id=driver,
        name=info.patient_name if patient else info.name,
        score=round(score, 2),
        evidence=_unique([f for e in evidence if e.points > 0 for f in e.facts]),
        against=_unique([f for e in evidence if e.points < 0 for f in e.facts]),
        reasons=evidence,
        tells_apart=tells,
    )
