"""Harness for the web app: the real app on a fresh SQLite database, a Store to seed, a TestClient
that asks for HTML like a browser, a live server, and headless Chromium driven by Playwright.

Browser tests use the `page` fixture (or `browser`) and are marked `browser` automatically. They
skip when Debian's chromium is absent, unless SCAPULA_REQUIRE_BROWSER=1 (CI), where they fail.
Nothing here downloads a browser: Playwright launches /usr/bin/chromium.

    def test_something(live: Live, page: Page, clinic: ClinicSeed) -> None:
        page.goto(live.url(clinic.patients[0].invite_path))
        shoot(page, "intake")
        assert axe(page) == []
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scapula.api import create_app
from scapula.intake import parse_intake
from scapula.knowledge import Knowledge
from scapula.store import Actor, Database, Settings, Store

from ..conftest import Clock, live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "docs" / "screens"
CHROMIUM = Path(os.environ.get("SCAPULA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("SCAPULA_REQUIRE_BROWSER") == "1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
EXAMPLE_INTAKE: dict[str, Any] = json.loads((ROOT / "examples" / "desk-worker.json").read_text())
BROWSER_FIXTURES = {"browser", "page", "browser_context"}


# --------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Any test that uses the browser is a `browser` test (select with `-m browser`)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- time, store, app


@pytest.fixture
def web_store(tmp_path: Path, kb: Knowledge, clock: Clock) -> Iterator[Store]:
    """A Store on a fresh, migrated SQLite file in tmp_path."""
    db = Database(f"sqlite:///{tmp_path / 'scapula.db'}")
    db.upgrade()
    yield Store(db, kb=kb, settings=Settings(), clock=clock)
    db.dispose()


@pytest.fixture
def web_app(web_store: Store) -> FastAPI:
    return create_app(web_store)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    """A TestClient that asks for HTML, as a browser does (so errors come back as pages)."""
    with TestClient(web_app, headers={"Accept": "text/html,application/xhtml+xml"}) as c:
        yield c


# --------------------------------------------------------------------------- seeding


@dataclass
class PatientSeed:
    id: str
    display_name: str
    invite_token: str

    @property
    def invite_path(self) -> str:
        return f"/invite/{self.invite_token}"


@dataclass
class ClinicSeed:
    label: str
    clinic_id: str
    user_id: str
    email: str
    password: str
    token: str
    """The clinician's session token (the value of the `scapula_session` cookie)."""
    patients: list[PatientSeed] = field(default_factory=list)

    def actor(self, store: Store) -> Actor:
        return store.actor(self.token)


def seed_clinic(store: Store, label: str = "A", n_patients: int = 1) -> ClinicSeed:
    """A clinic with one clinician (logged in) and patients, each with an unused invitation."""
    clinic_id = store.create_clinic(f"Clinic {label}")
    email, password = f"clinician.{label.lower()}@clinic-{label.lower()}.example", f"password-{label}-long"
    user_id = store.create_user(clinic_id, email, f"Dr {label}", password)
    token, _ = store.login(email, password)
    clinic = ClinicSeed(label, clinic_id, user_id, email, password, token)
    for i in range(1, n_patients + 1):
        clinic.patients.append(add_patient(store, clinic, f"Patient {label}{i}-{secrets.token_hex(2)}"))
    return clinic


def add_patient(store: Store, clinic: ClinicSeed, name: str) -> PatientSeed:
    actor = clinic.actor(store)
    patient = store.create_patient(actor, name)
    invite, _ = store.invite(actor, patient["id"])
    return PatientSeed(patient["id"], name, invite)


def seed_assessment(store: Store, clinic: ClinicSeed, patient: PatientSeed, intake: dict[str, Any]) -> str:
    """Assess the patient as their clinician (creates the plan too); returns the assessment id."""
    return store.add_assessment(clinic.actor(store), patient.id, parse_intake(intake))["id"]


@pytest.fixture
def clinic(web_store: Store) -> ClinicSeed:
    return seed_clinic(web_store, "A", n_patients=2)


@pytest.fixture
def other_clinic(web_store: Store) -> ClinicSeed:
    return seed_clinic(web_store, "B", n_patients=1)


# --------------------------------------------------------------------------- a real server


@dataclass(frozen=True)
class Live:
    base: str
    app: FastAPI

    def url(self, path: str = "/") -> str:
        return self.base + path


@pytest.fixture
def live(web_app: FastAPI) -> Iterator[Live]:
    """The app served for real on a fresh database (the same one `web_store` seeds)."""
    with live_server(web_app, keep_alive=5) as base:
        yield Live(base, web_app)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium for the whole session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if REQUIRE_BROWSER:
            pytest.fail(f"SCAPULA_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE_BROWSER:
            pytest.fail("SCAPULA_REQUIRE_BROWSER=1 but playwright is not installed", pytrace=False)
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: no cookies carried from one test to the next."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", reduced_motion="reduce")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.new_page()


def shoot(page: Page, name: str) -> list[Path]:
    """Save full-page screenshots at desktop and phone width: docs/screens/NAME-{desktop,phone}.png."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or DESKTOP
    saved = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = SCREENS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        saved.append(path)
    page.set_viewport_size(before)
    return saved


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    # axe-core as bundled by the axe-playwright-python wheel: read from disk, never from a CDN.
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
    return _AXE_SOURCE


def axe(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) in the page; return the violations of those impacts,
    each as {id, impact, help, targets}."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'] })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v.get("impact") in impacts
    ]
