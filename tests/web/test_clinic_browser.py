"""A clinician in headless Chromium, from a fresh database: logs in, finds the most urgent patient
first, opens the rule-by-rule reasons and their sources, adjusts the plan; a clinician of another
clinic cannot open that patient. Each main page is screenshot at desktop and phone width and checked
with axe-core for serious or critical violations."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from scapula.intake import parse_intake
from scapula.store import Store

from .conftest import EXAMPLE_INTAKE, ClinicSeed, Live, PatientSeed, add_patient, axe, seed_assessment, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHEST = {"age": 60, "associated": ["chest_pain", "sweating"]}


def log_in(page: Page, live: Live, clinic: ClinicSeed) -> None:
    page.goto(live.url("/clinic"))
    assert page.url.startswith(live.url("/clinic/login"))
    page.get_by_label("E-mail address").fill(clinic.email)
    page.get_by_label("Password").fill(clinic.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live.url("/clinic"))


def five_weeks_without_progress(store: Store, clinic: ClinicSeed) -> PatientSeed:
    """A patient five weeks into care, pain unchanged, whose training tripled in week 5 before a flare."""
    patient = add_patient(store, clinic, "Patient stuck")
    actor, today = clinic.actor(store), store.clock().date()
    start = today - timedelta(weeks=5)
    store.add_assessment(actor, patient.id, parse_intake(EXAMPLE_INTAKE), today=start)
    for day in range(35):
        volume = 30 if day >= 28 else 10
        values = {"pain_now": 5, "pain_worst": 7, "training_volume": volume, "flare": day == 33}
        store.add_entry(actor, patient.id, {"entry_date": start + timedelta(days=day), **values})
    return patient


def no_serious_violations(page: Page, name: str) -> None:
    shoot(page, name)
    found = axe(page)
    assert found == [], f"{name}: {found}"


def test_a_clinician_triages_opens_reasons_and_adjusts_the_plan(
    live: Live, page: Page, web_store: Store, clinic: ClinicSeed
) -> None:
    ordinary, emergency = clinic.patients
    seed_assessment(web_store, clinic, ordinary, EXAMPLE_INTAKE)
    seed_assessment(web_store, clinic, emergency, CHEST)
    stuck = five_weeks_without_progress(web_store, clinic)

    page.goto(live.url("/clinic/login"))
    no_serious_violations(page, "clinic-login")
    log_in(page, live, clinic)
    rows = page.locator("tr.urgency-row")
    order = [rows.nth(i).get_attribute("data-patient") for i in range(rows.count())]
    assert order == [emergency.id, stuck.id, ordinary.id]
    assert "Emergency" in rows.first.inner_text()
    alerts = rows.nth(1).locator(".alerts").inner_text()
    assert "No meaningful improvement" in alerts and "Training load spike" in alerts
    assert rows.nth(1).locator("svg.spark").is_visible()
    no_serious_violations(page, "clinic-dashboard")

    # The emergency: every fired rule with its reasons and sources, one click away.
    rows.first.get_by_role("link", name=emergency.display_name).click()
    reason = page.locator("details.reason").first
    reason.locator("summary").click()
    assert reason.locator("ul.citations li").count() >= 1
    assert reason.locator("ul.citations li").first.is_visible()
    no_serious_violations(page, "clinic-patient-emergency")

    # The ordinary patient: move to phase 2, drop an exercise, say why; the history shows it.
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name=ordinary.display_name).click()
    page.locator("details.driver").first.locator("summary").click()
    assert page.get_by_role("heading", name="Evidence against").first.is_visible()
    no_serious_violations(page, "clinic-patient")
    page.get_by_label("Phase", exact=True).select_option("2")
    first = page.locator("input[name=remove]").first
    removed = first.get_attribute("value")
    first.check()
    page.get_by_label("Reason for the change").fill("Settled quickly; progress to mechanics")
    page.get_by_role("button", name="Save change").click()
    history = page.locator("ol.history")
    assert "Settled quickly; progress to mechanics" in history.inner_text()
    assert f"removed {removed}" in history.inner_text()
    assert "current" in page.locator(".phase.current h3").inner_text()
    assert "Phase 2" in page.locator(".phase.current h3").inner_text()


def test_a_clinician_adds_a_patient_and_copies_the_invitation(
    live: Live, page: Page, clinic: ClinicSeed
) -> None:
    log_in(page, live, clinic)
    page.get_by_role("button", name="Add patient").click()
    assert page.locator("#display_name-error").inner_text() == "Name is required"
    page.get_by_label("Name", exact=True).fill("Ada Newcomer")
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Invitation link").input_value()
    assert "/invite/" in link
    no_serious_violations(page, "clinic-invitation")


def test_the_outcome_report_is_readable_and_accessible(
    live: Live, page: Page, web_store: Store, clinic: ClinicSeed
) -> None:
    patient = clinic.patients[0]
    seed_assessment(web_store, clinic, patient, EXAMPLE_INTAKE)
    web_store.add_entry(clinic.actor(web_store), patient.id, {"entry_date": web_store.clock().date(), "pain_now": 4})
    log_in(page, live, clinic)
    page.get_by_role("link", name="Outcomes", exact=True).click()
    page.wait_for_function("() => { const img = document.querySelector('img.plot'); "
                           "return img && img.complete && img.naturalWidth > 0; }")
    no_serious_violations(page, "clinic-outcomes")


def test_a_clinician_of_another_clinic_cannot_open_the_patient(
    live: Live, page: Page, web_store: Store, clinic: ClinicSeed, other_clinic: ClinicSeed
) -> None:
    patient = clinic.patients[0]
    seed_assessment(web_store, clinic, patient, EXAMPLE_INTAKE)
    log_in(page, live, other_clinic)
    assert patient.display_name not in page.content()
    response = page.goto(live.url(f"/clinic/patients/{patient.id}"))
    assert response is not None and response.status == 404
    assert patient.display_name not in page.content()
