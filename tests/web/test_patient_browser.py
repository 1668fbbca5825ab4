"""A patient's pages in headless Chromium, from a fresh database: the intake by the body map, the
emergency result, and three check-ins with the chart. Each main page is screenshotted at desktop
and phone width (docs/screens/) and checked with axe-core."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from scapula.store import Store

from .conftest import EXAMPLE_INTAKE, ClinicSeed, Live, axe, seed_assessment, shoot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def check_page(page: Page, name: str) -> None:
    """Screenshot at both widths and assert no serious or critical accessibility violation."""
    shoot(page, name)
    problems = axe(page)
    assert problems == [], f"{name}: {problems}"


def open_invitation(page: Page, live: Live, clinic: ClinicSeed, shot: str | None = None) -> None:
    page.goto(live.url(clinic.patients[0].invite_path))
    if shot:
        check_page(page, shot)
    page.get_by_role("button", name="Open my record").click()


def next_step(page: Page) -> None:
    page.locator("section.step.current [data-next]").click()


def test_an_invited_patient_answers_by_the_body_map_and_sees_the_result(
    live: Live, page: Page, clinic: ClinicSeed, web_store: Store
) -> None:
    page.goto(live.url("/"))
    check_page(page, "home")
    open_invitation(page, live, clinic, shot="invitation")
    page.wait_for_url("**/me/intake")
    # Step 1: safety first.
    page.get_by_label("How old are you?").fill("38")
    page.get_by_label("None of these").check()
    page.get_by_label("Slowly, over hours or days").check()
    assert page.locator("#q-trauma").is_hidden(), "an injury question after a gradual onset is irrelevant"
    check_page(page, "intake-safety")
    next_step(page)
    page.get_by_label("Female").check()
    assert page.locator("#q-pregnant").is_visible()
    next_step(page)
    # Step 3: the body map, by clicking (and one region by keyboard).
    page.click("[data-region='back:interscapular:right']")
    page.click("[data-region='back:medial_scapular_border:right']")
    page.focus("[data-region='back:upper_trapezius:right']")
    page.keyboard.press("Space")
    region = page.locator("[data-region='back:interscapular:right']")
    assert region.get_attribute("aria-checked") == "true"
    assert "Between the shoulder blades, right side" in page.locator("#bodymap-chosen").inner_text()
    check_page(page, "intake-bodymap")
    next_step(page)
    page.get_by_label("How bad is the pain right now?").fill("4")
    page.get_by_label("How bad was it at its worst in the last 7 days?").fill("6")
    page.get_by_label("How many weeks ago did this pain start?").fill("3")
    page.get_by_label("Aching pain").check()
    page.get_by_label("Worse towards the end of the day").check()
    next_step(page)
    page.get_by_label("Worse when sitting").check()
    page.get_by_label("Eased by moving around").check()
    next_step(page)
    page.get_by_label("About how many hours a day do you sit at a desk or screen?").fill("9")
    page.get_by_label("Yes", exact=True).first.check()
    next_step(page)
    page.get_by_role("button", name="Review my answers").click()

    page.wait_for_selector("dl.review")
    review = page.locator("dl.review").inner_text()
    assert "Between the shoulder blades, right side" in review and "38" in review
    check_page(page, "review")
    page.get_by_role("button", name="Send my answers and see my result").click()

    page.wait_for_url("**/me/result")
    assert page.locator("#triage h1").inner_text() == "Self-care and physical therapy"
    assert page.locator("ul.exercises img").count() >= 3
    assert "does not diagnose" in page.locator("main").inner_text() + page.locator("footer").inner_text()
    check_page(page, "result")
    stored = web_store.list_assessments(clinic.actor(web_store), clinic.patients[0].id)
    assert stored[0]["intake"]["side"] == "right"
    assert set(stored[0]["intake"]["locations"]) == {"interscapular", "medial_scapular_border", "upper_trapezius"}

    page.get_by_role("link", name="Clinical").click()
    page.wait_for_url("**/me/result?audience=clinician")
    assert "Likely drivers" in page.locator("main").inner_text()
    # The handout link, fetched with the page's own session (WeasyPrint's first PDF takes seconds).
    href = page.get_by_role("link", name="Download the handout (PDF)").get_attribute("href")
    pdf = page.request.get(live.url(href or ""), timeout=60_000)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def test_a_red_flag_intake_shows_the_emergency_message_first(live: Live, page: Page) -> None:
    page.goto(live.url("/start"))
    page.get_by_label("How old are you?").fill("61")
    page.get_by_label("Chest pain").check()
    page.get_by_label("Breaking out in a sweat").check()
    notice = page.locator("#red-notice")
    assert notice.is_visible()
    notice.get_by_role("button").click()
    page.get_by_role("button", name="See my result").click()

    first = page.locator("main > *").first
    assert first.get_attribute("id") == "triage" and first.get_attribute("role") == "alert"
    assert first.locator("h1").inner_text() == "Call your emergency number now"
    assert "emergency" in first.inner_text().lower()
    assert page.locator("ul.exercises").count() == 0, "an emergency gets a referral, never exercises"
    check_page(page, "result-emergency")


def test_a_patient_logs_three_check_ins_and_sees_the_chart(
    live: Live, page: Page, clinic: ClinicSeed, web_store: Store
) -> None:
    seed_assessment(web_store, clinic, clinic.patients[0], EXAMPLE_INTAKE)
    open_invitation(page, live, clinic)
    page.wait_for_url("**/me/result")
    start = date.today() - timedelta(days=2)
    for n, (now, worst) in enumerate(((6, 7), (5, 6), (3, 5))):
        page.goto(live.url("/me/checkin"))
        if n == 0:
            check_page(page, "checkin")
        page.get_by_label("Which day is this about?").fill((start + timedelta(days=n)).isoformat())
        page.get_by_label("How bad is the pain right now?").fill(str(now))
        page.get_by_label("How bad was it at its worst today?").fill(str(worst))
        page.get_by_label("How long could you sit today before the pain rose?").fill(str(20 + 10 * n))
        page.locator("#q-exercises_done").get_by_label("Yes").check()
        page.get_by_role("button", name="Save my check-in").click()
        page.wait_for_url("**/me/progress*")
        assert "Check-in saved" in page.locator("main").inner_text()

    chart = page.locator("svg.trend")
    assert chart.is_visible()
    assert chart.locator("circle.now").count() == 3
    assert "phase 1" in page.locator(".phase-now").inner_text().lower()
    check_page(page, "progress")


def test_error_pages_are_friendly_pages(live: Live, page: Page) -> None:
    response = page.goto(live.url("/me/progress"))
    assert response is not None and response.status == 401
    assert "Please open your link again" in page.locator("h1").inner_text()
    response = page.goto(live.url("/no-such-page"))
    assert response is not None and response.status == 404
    check_page(page, "error-404")
