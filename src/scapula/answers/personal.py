"""The person's own assessment, in the words of an answer: their triage level and why, their
imaging advice, and the driver ranked first. Urgent and emergency triage is always mentioned, whatever
was asked; the rest only where the answer says it matters (`context` in answers.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from ..assessment import Assessment
from ..knowledge import Knowledge
from ..vocabulary import Level

__all__ = ["PersonalNote", "personal_notes"]

ALWAYS = (Level.emergency, Level.urgent)


@dataclass(frozen=True, slots=True)
class PersonalNote:
    part: str
    """triage, imaging or drivers."""
    text: str
    cite: tuple[str, ...]


def personal_notes(assessment: Assessment, context: tuple[str, ...], kb: Knowledge,
                   clinician: bool) -> list[PersonalNote]:
    triage = assessment.triage
    notes: list[PersonalNote] = []
    if triage.level in ALWAYS or "triage" in context:
        notes.append(_triage(assessment, kb, clinician))
    if "imaging" in context and triage.imaging:
        first = triage.imaging[0]
        lead = "Imaging advice in this assessment" if clinician else "The imaging advice in your assessment"
        notes.append(PersonalNote("imaging", f"{lead}: {first.title}. {first.text}", tuple(first.citations)))
    if "drivers" in context and triage.level not in ALWAYS and assessment.drivers:
        top = assessment.drivers[0]
        if top.score > 0 and top.reasons:
            cite = tuple(dict.fromkeys(c for r in top.reasons for c in r.citations))
            lead = "Leading driver in this assessment" if clinician else "What your assessment ranked first"
            notes.append(PersonalNote("drivers", f"{lead}: {top.name}.", cite))
    return [n for n in notes if n.cite]


def _triage(assessment: Assessment, kb: Knowledge, clinician: bool) -> PersonalNote:
    triage = assessment.triage
    words = kb.texts.levels[triage.level]
    reasons = [r for r in triage.reasons if r.level == triage.level] or triage.reasons
    if not reasons:
        text = (f"This assessment found no red flags ({words.title})." if clinician
                else f"Your assessment found no warning signs: {words.title.lower()}.")
        return PersonalNote("triage", text, tuple(kb.texts.cite))
    because = "; ".join(r.title for r in reasons[:3])
    if clinician:
        text = f"This assessment's triage: {words.title}, because of: {because}."
    else:
        text = f"You were advised: {words.title}, because of: {because}. {words.patient}"
    cite = tuple(dict.fromkeys(c for r in reasons[:3] for c in r.citations))
    return PersonalNote("triage", text, cite)
