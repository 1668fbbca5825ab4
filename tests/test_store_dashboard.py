"""The clinician's dashboard and plan additions in the Store: alerts from the tracking core, urgency
order, clinic isolation, audit, and exercises added only when the plan builder would allow them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scapula.errors import Conflict, Forbidden, NotFound
from scapula.intake import parse_intake
from scapula.knowledge import Knowledge
from scapula.store import Actor, Database, Store
from scapula.store.models import AuditEntry
from scapula.store.plan_edit import addable

ROOT = Path(__file__).resolve().parent.parent
DESK: dict[str, Any] = json.loads((ROOT / "examples" / "desk-worker.json").read_text())
CHEST = {"age": 60, "associated": ["chest_pain", "sweating"]}
TODAY = date(2026, 3, 2)


@pytest.fixture
def store(tmp_path: Path, kb: Knowledge) -> Iterator[Store]:
    db = Database(f"sqlite:///{tmp_path / 'dash.db'}")
    db.upgrade()
    yield Store(db, kb=kb, clock=lambda: datetime(2026, 3, 2, 12, tzinfo=UTC))
    db.dispose()


def clinician(store: Store, label: str) -> Actor:
    clinic = store.create_clinic(f"Clinic {label}")
    email = f"dr.{label}@example.org"
    store.create_user(clinic, email, f"Dr {label}", "long-enough-password")
    return store.actor(store.login(email, "long-enough-password")[0])


def patient(store: Store, actor: Actor, name: str, intake: dict[str, Any], weeks_ago: int = 0) -> str:
    pid = store.create_patient(actor, name)["id"]
    store.add_assessment(actor, pid, parse_intake(intake), today=TODAY - timedelta(weeks=weeks_ago))
    return pid


def diary(store: Store, actor: Actor, pid: str, days: int, **values: Any) -> None:
    """One check-in a day for the last `days` days, all with the same values."""
    for back in range(days, 0, -1):
        store.add_entry(actor, pid, {"entry_date": TODAY - timedelta(days=back), **values})


def row(rows: list[dict[str, Any]], pid: str) -> dict[str, Any]:
    return next(r for r in rows if r["id"] == pid)


def kinds(r: dict[str, Any]) -> set[str]:
    return {a["kind"] for a in r["alerts"]}


def test_no_meaningful_fall_in_pain_after_five_weeks_is_an_alert(store: Store) -> None:
    dr = clinician(store, "a")
    stuck = patient(store, dr, "Stuck", DESK, weeks_ago=5)
    better = patient(store, dr, "Better", DESK, weeks_ago=5)
    diary(store, dr, stuck, 35, pain_now=5, pain_worst=7)
    diary(store, dr, better, 35, pain_now=2, pain_worst=3)
    rows = store.clinic_dashboard(dr)
    alert = next(a for a in row(rows, stuck)["alerts"] if a["kind"] == "no_improvement")
    assert "4 weeks" in alert["title"] and alert["citations"]
    assert "no_improvement" not in kinds(row(rows, better))


def test_three_weeks_without_change_is_too_early_to_alert(store: Store) -> None:
    dr = clinician(store, "a")
    early = patient(store, dr, "Early", DESK, weeks_ago=3)
    diary(store, dr, early, 21, pain_now=5, pain_worst=7)
    assert "no_improvement" not in kinds(row(store.clinic_dashboard(dr), early))


def test_a_training_load_spike_followed_by_a_flare_is_an_alert(store: Store) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Climber", DESK, weeks_ago=5)
    start = TODAY - timedelta(weeks=5)
    for day in range(28):
        store.add_entry(dr, pid, {"entry_date": start + timedelta(days=day), "pain_now": 3, "training_volume": 10})
    for day in range(28, 33):
        store.add_entry(dr, pid, {"entry_date": start + timedelta(days=day), "pain_now": 3, "training_volume": 30})
    store.add_entry(dr, pid, {"entry_date": start + timedelta(days=33), "pain_now": 6, "flare": True})
    alert = next(a for a in row(store.clinic_dashboard(dr), pid)["alerts"] if a["kind"] == "load_spike")
    assert "week 5" in alert["title"] and "flare" in alert["detail"]


def test_a_new_red_flag_symptom_puts_the_patient_at_the_top(store: Store) -> None:
    dr = clinician(store, "a")
    calm = patient(store, dr, "Aaron Calm", DESK, weeks_ago=1)
    flagged = patient(store, dr, "Zoe Flagged", DESK, weeks_ago=1)
    store.add_entry(dr, flagged, {"entry_date": TODAY, "pain_now": 4, "new_symptoms": ["saddle_anesthesia"]})
    rows = store.clinic_dashboard(dr)
    assert [r["id"] for r in rows][:1] == [flagged]
    assert "red_flag" in kinds(row(rows, flagged))
    assert row(rows, calm)["alerts"] == []


def test_emergency_first_then_urgent_alerts_then_the_rest(store: Store) -> None:
    dr = clinician(store, "a")
    ordinary = patient(store, dr, "A Ordinary", DESK)
    stuck = patient(store, dr, "B Stuck", DESK, weeks_ago=5)
    diary(store, dr, stuck, 35, pain_now=5, pain_worst=7)
    emergency = patient(store, dr, "C Chest", CHEST)
    unassessed = store.create_patient(dr, "D New")["id"]
    order = [r["id"] for r in store.clinic_dashboard(dr)]
    assert order == [emergency, stuck, ordinary, unassessed]


def test_the_dashboard_shows_only_the_clinics_own_patients_and_is_audited(store: Store) -> None:
    a, b = clinician(store, "a"), clinician(store, "b")
    mine = patient(store, a, "Mine", DESK)
    patient(store, b, "Theirs", DESK)
    assert [r["id"] for r in store.clinic_dashboard(a)] == [mine]
    with store.db.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.resource == "dashboard")).all()
    assert [(r.actor_id, r.action, r.clinic_id) for r in audit] == [(a.id, "list", a.clinic_id)]


def test_a_patient_session_cannot_read_the_dashboard(store: Store) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Self", DESK)
    token, _ = store.invite(dr, pid)
    me = store.actor(store.accept_invitation(token)[0])
    with pytest.raises(Forbidden):
        store.clinic_dashboard(me)


def test_the_trend_holds_the_latest_pain_ratings_in_date_order(store: Store) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Trend", DESK, weeks_ago=3)
    for back, pain in ((3, 6), (2, 5), (1, 4)):
        store.add_entry(dr, pid, {"entry_date": TODAY - timedelta(days=back), "pain_now": pain})
    r = row(store.clinic_dashboard(dr), pid)
    assert [p for _, p in r["pain"]] == [6, 5, 4]
    assert r["last_entry"] == (TODAY - timedelta(days=1)).isoformat()


# --------------------------------------------------------------------------- adding exercises


def _plan(store: Store, actor: Actor, pid: str) -> dict[str, Any]:
    return store.get_plan(actor, pid)


def test_a_clinician_adds_a_suitable_exercise_and_the_change_is_recorded(store: Store, kb: Knowledge) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Desk", DESK)
    plan = _plan(store, dr, pid)
    choice = addable(kb, plan["plan"], DESK, 2)[0][0]
    store.add_plan_exercises(dr, plan["id"], 2, [choice], "needs more thoracic extension work")
    after = _plan(store, dr, pid)
    phase2 = next(p for p in after["plan"]["phases"] if p["number"] == 2)
    assert choice in [e["id"] for e in phase2["exercises"]]
    assert after["changes"][-1]["change"] == {"add_exercises": [choice], "exercise_phase": 2}
    assert after["changes"][-1]["reason"] == "needs more thoracic extension work"


def test_an_exercise_the_builder_would_not_offer_is_refused(store: Store) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Desk", DESK)
    plan = _plan(store, dr, pid)
    present = plan["plan"]["phases"][0]["exercises"][0]["id"]
    for bad in (["no-such-exercise"], [present], []):
        with pytest.raises(Conflict) as caught:
            store.add_plan_exercises(dr, plan["id"], 1, bad, "try")
        assert caught.value.problems[0].where == "exercise"
    assert _plan(store, dr, pid)["changes"] == []


def test_a_referral_plan_takes_no_exercise(store: Store, kb: Knowledge) -> None:
    dr = clinician(store, "a")
    pid = patient(store, dr, "Chest", CHEST)
    plan = _plan(store, dr, pid)
    assert plan["plan"]["kind"] == "referral" and addable(kb, plan["plan"], CHEST, 1) == []
    with pytest.raises(Conflict):
        store.add_plan_exercises(dr, plan["id"], 1, [next(iter(kb.exercises))], "why not")


def test_adding_needs_a_reason_a_clinician_and_the_clinics_own_plan(store: Store, kb: Knowledge) -> None:
    a, b = clinician(store, "a"), clinician(store, "b")
    pid = patient(store, a, "Desk", DESK)
    plan = _plan(store, a, pid)
    choice = addable(kb, plan["plan"], DESK, 2)[0][0]
    with pytest.raises(Conflict) as caught:
        store.add_plan_exercises(a, plan["id"], 2, [choice], "  ")
    assert caught.value.problems[0].where == "reason"
    with pytest.raises(NotFound):
        store.add_plan_exercises(b, plan["id"], 2, [choice], "not my patient")
    token, _ = store.invite(a, pid)
    me = store.actor(store.accept_invitation(token)[0])
    with pytest.raises(Forbidden):
        store.add_plan_exercises(me, plan["id"], 2, [choice], "self-service")
    assert _plan(store, a, pid)["changes"] == []
