"""Build the individual care plan from an intake and its assessment. Pure: values in, values out.

Emergency and urgent triage give a referral plan with no exercise in it: nothing may compete with
getting care. A medical review gives the referral plus phase 1 only, to continue until the review.
Otherwise three phases follow the seeds' roadmap, with exercises chosen by the person's drivers,
the phase, their irritability (pain now) and the equipment they have, and doses that follow the
irritability. Every item carries its citations.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..assessment import Assessment, Audience
from ..engine import ENGINE_VERSION
from ..exercises.catalogue import Exercise
from ..intake import Intake
from ..knowledge import Facts, Knowledge, facts_of, load_knowledge
from ..knowledge.schema import PhaseSpec, TreatmentEntry
from ..vocabulary import DriverId, Level
from .model import Dose, Excluded, Irritability, Milestone, Option, Phase, Plan, PlannedExercise, Referral

__all__ = ["ASSUMED_EQUIPMENT", "build_plan", "eligible_exercises", "irritability_of", "treatment_options"]

ASSUMED_EQUIPMENT = ("towel", "wall", "door", "chair", "band")
"""What a person is assumed to have when the intake does not say: household items and a band."""

_IRRITABILITY_ORDER: tuple[Irritability, ...] = ("high", "moderate", "low")
_DECAY = 0.5
"""Each chosen exercise halves the pull of the drivers it serves, so a plan covers the leading
driver first without ignoring the second."""
_REPEAT_PENALTY = 0.3
"""An exercise already used in an earlier phase is kept only if clearly the best fit."""


class _Citations:
    def __init__(self) -> None:
        self.order: dict[str, None] = {}

    def add(self, ids: Iterable[str]) -> list[str]:
        ids = list(ids)
        self.order.update(dict.fromkeys(ids))
        return ids


def irritability_of(intake: Intake, kb: Knowledge) -> Irritability:
    """High, moderate or low from pain now (worst pain in the week stands in when now is missing)."""
    pain = intake.pain_now if intake.pain_now is not None else intake.pain_worst_week
    if pain is None:
        return "moderate"
    if pain >= kb.plan.irritability_high_from:
        return "high"
    return "moderate" if pain >= kb.plan.irritability_moderate_from else "low"


def build_plan(intake: Intake, assessment: Assessment, kb: Knowledge | None = None) -> Plan:
    """The care plan for this person, in the assessment's audience."""
    kb = kb or load_knowledge()
    audience = assessment.audience
    clinician = audience is Audience.clinician
    facts = facts_of(intake)
    level = assessment.triage.level
    refs = _Citations()
    referral = _referral(assessment, kb, clinician, refs) if level is not Level.conservative else None
    options = lambda entries: _options(entries, kb, facts, clinician, refs)  # noqa: E731
    safety_net = options(kb.treatments.safety_net)
    equipment, assumed = _equipment(intake)
    if level in (Level.emergency, Level.urgent):
        return Plan(
            kind="referral",
            audience=audience,
            triage_level=level,
            summary=referral.what_to_do_now,  # type: ignore[union-attr]
            referral=referral,
            irritability=None,
            drivers=[],
            equipment=equipment,
            equipment_assumed=assumed,
            phases=[],
            self_care=[],
            ergonomics=[],
            treatments=[],
            medicines=[],
            avoid=[],
            specialist=[],
            safety_net=safety_net,
            escalate=[],
            excluded_exercises=[],
            disclaimer=assessment.disclaimer,
            engine_version=ENGINE_VERSION,
            knowledge_version=kb.version,
            citations=list(refs.order),
        )
    irritability = irritability_of(intake, kb)
    weights = _driver_weights(assessment, kb)
    excluded: dict[str, Excluded] = {}
    phases: list[Phase] = []
    used: set[str] = set()
    specs = kb.plan.phases[:1] if level is Level.medical_review else kb.plan.phases
    for index, spec in enumerate(specs):
        expected = _IRRITABILITY_ORDER[min(_IRRITABILITY_ORDER.index(irritability) + index, 2)]
        chosen = _choose(kb, spec, expected, weights, set(equipment), facts, used, excluded, clinician)
        used.update(e.id for e in chosen)
        phases.append(_phase(spec, chosen, irritability, expected, weights, kb, facts, clinician, refs))
    medicines = sorted(options(kb.treatments.medicines), key=lambda o: (o.step or 99, o.id))
    targets = [d for d, w in weights.items() if w >= 0.4][:3]
    return Plan(
        kind="rehabilitation",
        audience=audience,
        triage_level=level,
        summary=_summary(targets, phases, irritability, level, kb, clinician),
        referral=referral,
        irritability=irritability,
        drivers=targets,
        equipment=equipment,
        equipment_assumed=assumed,
        phases=phases,
        self_care=options(kb.treatments.self_care),
        ergonomics=options(kb.treatments.ergonomics),
        treatments=options(kb.treatments.passive),
        medicines=medicines,
        avoid=options(kb.treatments.avoid),
        specialist=options(kb.treatments.specialist),
        safety_net=safety_net,
        escalate=[e.clinician if clinician else e.patient for e in kb.plan.escalate],
        excluded_exercises=list(excluded.values()),
        disclaimer=assessment.disclaimer,
        engine_version=ENGINE_VERSION,
        knowledge_version=kb.version,
        citations=list(dict.fromkeys([*refs.order, *kb.plan.cite])),
    )


def _equipment(intake: Intake) -> tuple[list[str], bool]:
    if intake.equipment is None:
        return list(ASSUMED_EQUIPMENT), True
    # Household items are always at hand; the person tells us about the rest.
    return sorted({*ASSUMED_EQUIPMENT[:4], *(e.value for e in intake.equipment)}), False


def _driver_weights(assessment: Assessment, kb: Knowledge) -> dict[DriverId, float]:
    """Each driver's pull on exercise choice: its score relative to the leading driver."""
    positive = [d for d in assessment.drivers if d.score > 0]
    if not positive:
        # No evidence either way: start from the most common drivers (drivers.yaml order).
        return dict(zip(list(kb.drivers)[:3], (1.0, 0.6, 0.4), strict=False))
    top = positive[0].score
    return {d.id: round(d.score / top, 3) for d in positive}


def eligible_exercises(
    kb: Knowledge,
    phase: int,
    irritability: Irritability,
    equipment: set[str],
    facts: Facts,
    clinician: bool = False,
) -> tuple[list[Exercise], list[Excluded]]:
    """Exercises that fit the phase, irritability and equipment, and those a contraindication removes."""
    pool: list[Exercise] = []
    excluded: list[Excluded] = []
    for exercise in kb.exercises.values():
        if phase not in exercise.phases or irritability not in exercise.irritability:
            continue
        if not set(exercise.equipment) <= equipment:
            continue
        blocked = [fact for fact in exercise.contraindications if kb.holds(fact, facts)]
        if blocked:
            reason = "; ".join(kb.labels.fact(fact, clinician) for fact in blocked)
            excluded.append(Excluded(exercise.id, _name(exercise, clinician), reason))
            continue
        pool.append(exercise)
    return pool, excluded


def _choose(
    kb: Knowledge,
    spec: PhaseSpec,
    irritability: Irritability,
    weights: dict[DriverId, float],
    equipment: set[str],
    facts: Facts,
    used: set[str],
    excluded: dict[str, Excluded],
    clinician: bool,
) -> list[Exercise]:
    pool, blocked = eligible_exercises(kb, spec.number, irritability, equipment, facts, clinician)
    for item in blocked:
        excluded.setdefault(item.exercise, item)
    pull = {str(d): w for d, w in weights.items()}
    # Scoring is the hot loop of plan building (every exercise, every pick, every phase), so each
    # exercise keeps only the drivers in play; one that serves none can never fit (its score is 0
    # or less) and is left out.
    candidates = [
        (e, drivers, e.id in used) for e in pool if (drivers := [d for d in e.drivers if d in pull])
    ]
    chosen: list[Exercise] = []
    for _ in range(spec.exercise_count):
        best, best_fit = None, 0.0
        for exercise, drivers, repeat in candidates:
            fit = 0.0
            for driver in drivers:
                fit += pull[driver]
            if repeat:
                fit -= _REPEAT_PENALTY
            if best is None or fit > best_fit:  # strictly better: catalogue order breaks ties
                best, best_fit = exercise, fit
        if best is None or best_fit <= 0:
            break
        chosen.append(best)
        candidates = [c for c in candidates if c[0] is not best]  # identity: equality compares fields
        for driver in best.drivers:
            if driver in pull:
                pull[driver] *= _DECAY
    return chosen


def _name(exercise: Exercise, clinician: bool) -> str:
    return exercise.name if clinician else exercise.patient_name


def _dose(exercise: Exercise, irritability: Irritability, clinician: bool) -> Dose:
    d = exercise.dose
    sets, reps = d.sets, d.reps
    if irritability == "high":
        # Highly irritable tissue: less volume, same frequency; the response decides the next step.
        sets = max(1, sets - 1) if sets else sets
        reps = max(5, round(reps * 0.7)) if reps else reps
    parts: list[str] = []
    if clinician:
        if sets and reps:
            parts.append(f"{sets}×{reps}")
        elif reps:
            parts.append(f"{reps} reps")
        elif sets:
            parts.append(f"{sets} sets")
        if d.hold_seconds:
            parts.append(f"{d.hold_seconds} s hold")
        if d.minutes:
            parts.append(f"{d.minutes:g} min")
        parts.append(f"{d.per_day}×/day, {d.days_per_week} d/wk")
    else:
        if sets and reps:
            parts.append(f"{sets} set{'s' if sets > 1 else ''} of {reps}")
        elif reps:
            parts.append(f"{reps} times")
        elif sets:
            parts.append(f"{sets} round{'s' if sets > 1 else ''}")
        if d.hold_seconds:
            parts.append(f"hold each for {d.hold_seconds} seconds")
        if d.minutes:
            parts.append(f"for {d.minutes:g} minutes")
        per_day = "once a day" if d.per_day == 1 else f"{d.per_day} times a day"
        days = "every day" if d.days_per_week == 7 else f"{d.days_per_week} days a week"
        parts.append(f"{per_day}, {days}")
    return Dose(sets, reps, d.hold_seconds, d.minutes, d.per_day, d.days_per_week, d.effort, ", ".join(parts))


def _phase(
    spec: PhaseSpec,
    chosen: list[Exercise],
    irritability: Irritability,
    expected: Irritability,
    weights: dict[DriverId, float],
    kb: Knowledge,
    facts: Facts,
    clinician: bool,
    refs: _Citations,
) -> Phase:
    pick = (lambda w: w.clinician) if clinician else (lambda w: w.patient)
    visits = getattr(spec.visits, irritability if spec.number == 1 else expected)
    exercises = []
    for exercise in chosen:
        served = [DriverId(d) for d in exercise.drivers if DriverId(d) in weights]
        names = [kb.drivers[d].name if clinician else kb.drivers[d].patient_name.lower() for d in served]
        exercises.append(
            PlannedExercise(
                id=exercise.id,
                name=_name(exercise, clinician),
                drivers=served,
                equipment=list(exercise.equipment),
                dose=_dose(exercise, expected, clinician),
                cues=list(exercise.cues),
                progression=exercise.progression,
                regression=exercise.regression,
                cautions=list(exercise.cautions),
                why=("Targets: " if clinician else "Helps with: ") + ", ".join(names),
                citations=refs.add(exercise.cite),
            )
        )
    milestones = [
        Milestone(
            id=m.id,
            measure=m.measure,
            unit=m.unit,
            target=m.targets[spec.number],
            better=m.better,
            text=pick(m).replace("{target}", f"{m.targets[spec.number]:g}"),
            citations=refs.add(m.cite),
        )
        for m in kb.plan.milestones
        if spec.number in m.targets and kb.holds(m.when, facts)
    ]
    return Phase(
        number=spec.number,
        name=spec.name if clinician else spec.patient_name,
        weeks=spec.weeks,
        goals=[pick(g) for g in spec.goals],
        milestones=milestones,
        exercises=exercises,
        visits=visits,
        advance_when=pick(spec.advance_when),
        stay_when=pick(spec.stay_when),
        step_back_when=pick(spec.step_back_when),
        citations=refs.add(spec.cite),
    )


def treatment_options(
    entries: Iterable[TreatmentEntry], kb: Knowledge, facts: Facts, audience: Audience = Audience.patient
) -> list[Option]:
    """Options that apply to these facts, each marked not suitable where a contraindication holds."""
    return _options(entries, kb, facts, audience is Audience.clinician, _Citations())


def _options(
    entries: Iterable[TreatmentEntry], kb: Knowledge, facts: Facts, clinician: bool, refs: _Citations
) -> list[Option]:
    pick = (lambda w: w.clinician) if clinician else (lambda w: w.patient)
    out = []
    for entry in entries:
        if not kb.holds(entry.when, facts):
            continue
        reasons = [pick(g) for g in entry.contraindications if kb.holds(g.when, facts)]
        cautions = [pick(g) for g in entry.cautions if kb.holds(g.when, facts)]
        out.append(
            Option(
                id=entry.id,
                name=entry.name if clinician or not entry.patient_name else entry.patient_name,
                text=pick(entry),
                suitable=not reasons,
                reasons=reasons,
                cautions=cautions,
                because=[kb.labels.fact(f, clinician) for f in kb.matched(entry.when, facts)],
                step=entry.step,
                level=entry.level,
                citations=refs.add(entry.cite),
            )
        )
    return out


def _referral(assessment: Assessment, kb: Knowledge, clinician: bool, refs: _Citations) -> Referral:
    level = assessment.triage.level
    words = kb.plan.referral[level]
    reasons = [r for r in assessment.triage.reasons if r.level is level]
    cites = [c for r in reasons for c in r.citations] + [
        c for i in assessment.triage.imaging for c in i.citations
    ]
    return Referral(
        level=level,
        title=kb.texts.levels[level].title,
        what_to_do_now=words.clinician if clinician else words.patient,
        reasons=[f"{r.title}: {r.text}" for r in reasons],
        imaging=[f"{i.title}: {i.text}" for i in assessment.triage.imaging],
        citations=refs.add(dict.fromkeys(cites)),
    )


def _summary(
    targets: list[DriverId],
    phases: list[Phase],
    irritability: Irritability,
    level: Level,
    kb: Knowledge,
    clinician: bool,
) -> str:
    names = [kb.drivers[d].name if clinician else kb.drivers[d].patient_name.lower() for d in targets]
    weeks = phases[-1].weeks[1] if phases else 0
    if clinician:
        text = (
            f"{len(phases)}-phase plan over {weeks} weeks targeting {', '.join(names)}; "
            f"irritability {irritability}."
        )
        if level is Level.medical_review:
            text += " Phase 1 only until the medical review."
        return text
    text = f"A step-by-step plan over {weeks} weeks, aimed at {' and '.join(names[:2]) or 'easing the pain'}."
    if level is Level.medical_review:
        text += " Start with the first stage while you wait for the medical review."
    return text
