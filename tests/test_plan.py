"""The care plan: phased for every driver, a referral for urgent levels, safe, cited."""

from __future__ import annotations

import pytest
import yaml

from scapula.engine import assess
from scapula.intake import parse_intake
from scapula.knowledge import facts_of, load_knowledge, parse_condition
from scapula.knowledge.loader import CompiledRule
from scapula.plan import build_plan, eligible_exercises, treatment_options
from scapula.testing.witness import example_intake
from scapula.vocabulary import DriverId, Level

from .conftest import CROWDED, ROOT

KB = load_knowledge()
VIGNETTES = [
    *yaml.safe_load((ROOT / "tests" / "spec" / "vignettes.yaml").read_text()),
    *yaml.safe_load((ROOT / "tests" / "spec" / "vignettes_holdout.yaml").read_text()),
]


def plan_for(data: dict, audience: str = "patient"):
    intake = parse_intake(data)
    return build_plan(intake, assess(intake, KB, audience=audience), KB)


def _case_for_driver(driver: DriverId) -> dict:
    return next(c["intake"] for c in VIGNETTES
                if c["gold"]["driver"] == driver.value and c["gold"]["level"] == "conservative")


@pytest.mark.parametrize("driver", list(DriverId), ids=str)
def test_every_driver_gets_a_three_phase_plan_aimed_at_it(driver: DriverId) -> None:
    plan = plan_for(_case_for_driver(driver))
    assert plan.kind == "rehabilitation"
    assert [p.number for p in plan.phases] == [1, 2, 3]
    assert [p.weeks for p in plan.phases] == [(1, 2), (3, 6), (6, 10)]
    served = {d for p in plan.phases for e in p.exercises for d in e.drivers}
    assert plan.drivers[0] in served
    for phase in plan.phases:
        assert len(phase.exercises) >= 2, f"phase {phase.number} is nearly empty"
        assert phase.milestones and phase.advance_when and phase.step_back_when and phase.visits


@pytest.mark.parametrize("level", [Level.emergency, Level.urgent])
def test_urgent_levels_get_a_referral_and_no_exercise(level: Level) -> None:
    case = next(c for c in VIGNETTES if c["gold"]["level"] == level.value
                and assess(parse_intake(c["intake"]), KB).triage.level is level)
    plan = plan_for(case["intake"])
    assert plan.kind == "referral"
    assert plan.referral is not None and plan.referral.level is level
    assert plan.phases == [] and plan.treatments == [] and plan.medicines == []
    assert plan.safety_net, "the safety net is always there"


def test_a_person_who_feels_low_is_told_where_to_turn_with_thoughts_of_self_harm() -> None:
    base = {"age": 40, "duration_weeks": 3, "locations": ["interscapular"], "aggravators": ["sitting"]}
    low = plan_for({**base, "associated": ["anxiety_low_mood"]})
    assert "sn-thoughts-of-self-harm" in [o.id for o in low.safety_net]
    assert "crisis line" in next(o.text for o in low.safety_net if o.id == "sn-thoughts-of-self-harm")
    assert "sn-thoughts-of-self-harm" not in [o.id for o in plan_for(base).safety_net]


def test_medical_review_gets_the_referral_and_phase_one_only() -> None:
    plan = plan_for({"age": 35, "duration_weeks": 8, "conservative_care_weeks": 6, "improving": False,
                     "locations": ["interscapular"], "aggravators": ["sitting"]})
    assert plan.triage_level is Level.medical_review
    assert plan.referral is not None
    assert [p.number for p in plan.phases] == [1]


def test_conservative_plan_has_no_referral(crowded) -> None:
    plan = plan_for(crowded)
    assert plan.referral is None and len(plan.phases) == 3


def test_high_irritability_gets_gentler_doses() -> None:
    calm = plan_for({**CROWDED, "pain_now": 2, "pain_worst_week": 3})
    sore = plan_for({**CROWDED, "pain_now": 8, "pain_worst_week": 8})
    assert calm.irritability == "low" and sore.irritability == "high"
    volume = lambda plan: sum((e.dose.sets or 1) * (e.dose.reps or 1) for e in plan.phases[0].exercises)  # noqa: E731
    assert volume(sore) < volume(calm)
    assert "2 visits a week" in sore.phases[0].visits or sore.phases[0].visits != calm.phases[0].visits


def test_only_the_equipment_at_hand_is_used() -> None:
    plan = plan_for({**CROWDED, "equipment": []})
    used = {eq for p in plan.phases for e in p.exercises for eq in e.equipment}
    assert used <= {"towel", "wall", "door", "chair"}
    assert not plan.equipment_assumed
    assumed = plan_for(CROWDED)
    assert assumed.equipment_assumed and "band" in assumed.equipment


def _fires(when) -> dict | None:
    rule = CompiledRule(spec=None, condition=(c := parse_condition(when)), check=c.compile(), from_exam=False)  # type: ignore[arg-type]
    intake = example_intake(rule)
    return intake.model_dump(exclude_none=True, mode="json") if intake else None


GUARDED = [(section, entry, guard)
           for section in ("self_care", "ergonomics", "passive", "medicines", "avoid", "specialist")
           for entry in getattr(KB.treatments, section) for guard in entry.contraindications]


@pytest.mark.parametrize("section,entry,guard", GUARDED, ids=lambda x: getattr(x, "id", None) or str(x)[:30])
def test_every_contraindication_marks_its_treatment_not_suitable(section, entry, guard) -> None:
    when = guard.when if entry.when is None else {"all": [entry.when, guard.when]}
    data = _fires(when)
    assert data is not None, f"no intake makes {entry.id}'s contraindication hold"
    options = {o.id: o for o in treatment_options(getattr(KB.treatments, section), KB, facts_of(parse_intake(data)))}
    assert entry.id in options
    assert options[entry.id].suitable is False
    assert guard.patient in options[entry.id].reasons


def test_tens_follows_the_seed_contraindications() -> None:
    tens = next(e for e in KB.treatments.passive if e.id == "tens")
    for history in ("pregnant", "cancer", "pacemaker"):
        option = next(o for o in treatment_options([tens], KB, facts_of(parse_intake({"age": 40, "pain_now": 6, "history": [history]}))))
        assert not option.suitable, history
    assert next(iter(treatment_options([tens], KB, facts_of(parse_intake({"age": 40, "pain_now": 6}))))).suitable


EXERCISE_BLOCKS = [(e, fact) for e in KB.exercises.values() for fact in e.contraindications]


@pytest.mark.parametrize("exercise,fact", EXERCISE_BLOCKS, ids=lambda x: getattr(x, "id", None) or str(x))
def test_every_exercise_contraindication_removes_the_exercise(exercise, fact) -> None:
    field, value = fact.split(".")
    facts = facts_of(parse_intake({"age": 40, field: [value]}))
    for phase in exercise.phases:
        irritability = exercise.irritability[0]
        pool, excluded = eligible_exercises(KB, phase, irritability, set(exercise.equipment) | {"towel"}, facts)
        assert exercise.id not in {e.id for e in pool}
        assert exercise.id in {e.exercise for e in excluded}


def test_every_plan_item_cites_known_sources() -> None:
    for case in VIGNETTES:
        for audience in ("patient", "clinician"):
            plan = plan_for(case["intake"], audience)
            items = [*plan.self_care, *plan.ergonomics, *plan.treatments, *plan.medicines, *plan.avoid,
                     *plan.specialist, *plan.safety_net]
            items += [x for p in plan.phases for x in (p, *p.exercises, *p.milestones)]
            if plan.referral:
                items.append(plan.referral)
            for item in items:
                assert item.citations, f"{case['id']}: {getattr(item, 'id', item)} has no citation"
                assert all(c in KB.sources for c in item.citations)
            assert set(plan.citations) >= {c for item in items for c in item.citations}


def test_plan_json_round_trips_as_json(crowded) -> None:
    import json

    data = json.loads(plan_for(crowded).to_json())
    assert data["kind"] == "rehabilitation" and len(data["phases"]) == 3
    assert data["phases"][0]["exercises"][0]["dose"]["text"]
