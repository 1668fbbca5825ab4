"""`assess`: the one core that every face (CLI, API, web) calls. Pure: values in, values out."""

from __future__ import annotations

from .assessment import Assessment, Audience
from .drivers import rank_drivers
from .intake import Intake
from .knowledge import Knowledge, facts_of, load_knowledge
from .triage import triage
from .vocabulary import Level

__all__ = ["ENGINE_VERSION", "assess"]

ENGINE_VERSION = "0.1.0"


def assess(
    intake: Intake, kb: Knowledge | None = None, *, audience: Audience | str = Audience.patient
) -> Assessment:
    """Triage an intake and rank its drivers. Decision support, not a diagnosis."""
    kb = kb or load_knowledge()
    audience = Audience(audience)
    facts = facts_of(intake)
    outcome = triage(facts, kb, audience)
    # In an emergency nothing should compete with the referral for attention.
    drivers = [] if outcome.triage.level is Level.emergency else rank_drivers(facts, kb, audience)
    texts = kb.texts
    disclaimer = texts.disclaimer_patient if audience is Audience.patient else texts.disclaimer_clinician
    return Assessment(
        triage=outcome.triage,
        red_flags=outcome.red_flags,
        suspected_conditions=outcome.suspected,
        drivers=drivers,
        plan=None,
        audience=audience,
        disclaimer=disclaimer,
        engine_version=ENGINE_VERSION,
        knowledge_version=kb.version,
    )
