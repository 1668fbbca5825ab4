"""Who may see and change what, checked against every route the app has (read off `app.routes`, so a
route added later is covered without touching this file).

Clinic A's clinician tries every route with clinic B's ids; patient A1's invitation session tries
every route with other patients' ids; nobody without a session gets anything. Sessions expire, logout
ends them, login is rate limited, every access is audited, and application logs carry no patient data.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from scapula.api import create_app
from scapula.store import Settings
from scapula.store.models import AuditEntry

from ..conftest import live_server
from .conftest import (
    EXAMPLE_INTAKE,
    ClinicRecord,
    Endpoint,
    PatientRecord,
    World,
    bearer,
    call,
    endpoints,
    leaked,
    login,
    make_store,
    names_patient_in_body,
    seed_clinic,
    snapshot,
)

# Routes anyone may call: API docs, liveness, logging in, opening an invitation link, and the
# discovery documents the FHIR and CDS Hooks specifications require to be public (the
# CapabilityStatement, the intake Questionnaire definition, the CDS services list: no patient data). Every other route
# must answer 401 without a session: a new route that forgets authentication fails this file.
PUBLIC = {
    "GET /openapi.json",
    "GET /docs",
    "GET /docs/oauth2-redirect",
    "GET /redoc",
    "GET /api/health",
    "POST /api/auth/login",
    "POST /api/auth/invitations/{token}",
    "GET /fhir/metadata",
    "GET /fhir/Questionnaire/scapula-intake",
    "GET /cds-services",
    # The web app's front door: the home page, the anonymous self-check (stores nothing), opening
    # an invitation, and the clinician login form.
    "GET /",
    "GET /start",
    "POST /start",
    "GET /invite/{token}",
    "POST /invite/{token}",
    "GET /clinic/login",
    "POST /clinic/login",
    # General questions answered from the knowledge base: no patient data involved.
    "GET /ask",
}
# Routes only a clinician may use: a patient's own session gets 403 on them.
CLINICIAN_ONLY = {
    "GET /api/patients",
    "POST /api/patients",
    "POST /api/patients/{patient_id}/invitations",
    "PATCH /api/plans/{plan_id}",
    "GET /api/audit",
}
# Routes a patient's own session must be able to use on its own record.
PATIENT_OWN = {
    "GET /api/patients/{patient_id}",
    "GET /api/patients/{patient_id}/assessments",
    "GET /api/assessments/{assessment_id}",
    "GET /api/patients/{patient_id}/plan",
    "GET /api/patients/{patient_id}/tracking",
    "POST /api/patients/{patient_id}/tracking",
    "PUT /api/patients/{patient_id}/tracking/{entry_id}",
    "GET /api/patients/{patient_id}/decisions",
}
# Ends the caller's own session: left out of loops that go on using that session.
SESSION_ENDING = {"POST /api/auth/logout", "POST /clinic/logout", "POST /me/logout"}
# Reading the audit log is not itself audited (it holds ids only, never clinical content).
# A general question touches no patient data; one naming an assessment reads it through
# Store.get_assessment, which audits (tests/test_answers_faces.py checks that row).
# The same holds for the /me/ask page, which reads the patient's assessments through
# Store.list_assessments only when a question is asked (tests/web/test_ask_page.py).
NOT_AUDITED = {"GET /api/audit", "POST /api/answers", "GET /me/ask"}


def _spec(client: TestClient) -> dict[str, Any]:
    return client.app.openapi()  # type: ignore[attr-defined]


def _record_endpoints(client: TestClient) -> list[Endpoint]:
    return [e for e in endpoints(client.app) if e.record_params]  # type: ignore[arg-type]


def _fresh_entry(client: TestClient, patient: PatientRecord, headers: dict[str, str]) -> str:
    r = client.post(
        f"/api/patients/{patient.id}/tracking",
        json={"entry_date": "2026-11-06", "pain_now": 2},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _own_values(
    client: TestClient, ep: Endpoint, patient: PatientRecord, headers: dict[str, str]
) -> dict[str, str]:
    """Path values naming the patient's own records (a fresh, uncorrected entry for entry ids)."""
    values = {}
    for param in ep.params:
        kind = ep.kind(param)
        if kind == "entry":
            values[param] = _fresh_entry(client, patient, headers)
        elif kind in ("patient", "assessment", "plan"):
            values[param] = patient.ids()[kind][0]
        elif kind == "any":
            values[param] = patient.id
        else:
            values[param] = ep.path_default(param)
    return values


def _foreign_combinations(ep: Endpoint, own: PatientRecord, other: PatientRecord) -> list[dict[str, str]]:
    """Every way of filling the route's record parameters with `own`'s and `other`'s ids in which
    at least one id is `other`'s."""
    choices: list[list[tuple[bool, str]]] = []
    for param in ep.params:
        kind = ep.kind(param)
        if kind is None:
            choices.append([(False, ep.path_default(param))])
            continue
        mine = own.ids()[kind][:1] if kind != "any" else [own.id]
        theirs = other.ids()[kind] if kind != "any" else sorted(other.all_ids())
        choices.append([(False, v) for v in mine] + [(True, v) for v in theirs])
    combos = []
    for picked in itertools.product(*choices):
        if any(foreign for foreign, _ in picked):
            combos.append(dict(zip(ep.params, (v for _, v in picked), strict=True)))
    return combos


def _audit_count(client: TestClient) -> int:
    with client.app.state.store.db.session() as s:  # type: ignore[attr-defined]
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _audit_since(client: TestClient, last_id: int) -> list[AuditEntry]:
    with client.app.state.store.db.session() as s:  # type: ignore[attr-defined]
        return list(s.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)))


def _last_audit_id(client: TestClient) -> int:
    with client.app.state.store.db.session() as s:  # type: ignore[attr-defined]
        return s.scalar(select(func.max(AuditEntry.id))) or 0


# --------------------------------------------------------------------------- the catalogue itself


def test_the_route_catalogue_covers_the_whole_documented_api(client: TestClient) -> None:
    found = {e.id for e in endpoints(client.app)}  # type: ignore[arg-type]
    documented = {
        f"{method.upper()} {path}"
        for path, item in _spec(client)["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented <= found, (
        f"routes in the OpenAPI document the introspection missed: {documented - found}"
    )
    kinds = {k for e in endpoints(client.app) for k in e.record_params.values()}  # type: ignore[arg-type]
    assert {"patient", "assessment", "plan", "entry"} <= kinds
    assert len(_record_endpoints(client)) >= 10


# --------------------------------------------------------------------------- clinic A versus clinic B


def test_a_clinician_cannot_read_list_or_change_another_clinics_records(
    client: TestClient, world: World
) -> None:
    spec, a, b = _spec(client), world.a, world.b
    before = snapshot(client, b)
    failures, tried = [], 0
    for ep in _record_endpoints(client):
        for values in _foreign_combinations(ep, a.patients[0], b.patients[0]):
            r = call(client, ep, spec, values, a.headers, patient=b.patients[0].id)
            tried += 1
            shown = set(values.values())
            leaks = leaked(r.text, b.secrets() | (b.all_ids() - shown))
            if r.status_code != 404 or leaks:
                failures.append(f"{ep.id} {values}: {r.status_code} {leaks or r.text[:200]}")
    assert not failures, "clinic A reached clinic B's records:\n" + "\n".join(failures)
    assert tried >= 20
    assert snapshot(client, b) == before, "a refused request changed clinic B's records"


def _aim_bodies_at(
    client: TestClient, headers: dict[str, str], own: PatientRecord, other: PatientRecord
) -> list[str]:
    """Routes whose body names a patient (FHIR QuestionnaireResponse, CDS Hooks context): aimed at
    `own` they work; aimed at `other` they create nothing and show nothing."""
    spec, failures = _spec(client), []
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.params or not names_patient_in_body(ep, spec):
            continue
        r = call(client, ep, spec, {}, headers, patient=own.id)
        if not r.is_success:
            failures.append(f"{ep.id} about {own.id} (own): {r.status_code} {r.text[:200]}")
        r = call(client, ep, spec, {}, headers, patient=other.id)
        leaks = leaked(r.text, other.secrets() | (other.all_ids() - {other.id}))
        if r.status_code not in (200, 404) or leaks or (r.status_code == 200 and other.id in r.text):
            failures.append(f"{ep.id} about {other.id}: {r.status_code} {leaks or r.text[:200]}")
    return failures


def test_a_clinician_cannot_aim_a_request_body_at_another_clinics_patient(
    client: TestClient, world: World
) -> None:
    before = snapshot(client, world.b)
    failures = _aim_bodies_at(client, world.a.headers, world.a.patients[0], world.b.patients[0])
    # Searched for by the EHR id recorded as B's external reference (CDS Hooks looks those up too).
    spec = _spec(client)
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if not ep.params and names_patient_in_body(ep, spec):
            b1 = world.b.patients[0]
            r = call(client, ep, spec, {}, world.a.headers, patient=b1.external_ref)
            if r.status_code not in (200, 404, 422) or leaked(
                r.text, b1.secrets() - {b1.external_ref} | b1.all_ids()
            ):
                failures.append(f"{ep.id} about {b1.external_ref}: {r.status_code} {r.text[:200]}")
    assert not failures, "a body aimed at clinic B's patient:\n" + "\n".join(failures)
    assert snapshot(client, world.b) == before


def test_lists_and_searches_never_show_another_clinics_patients(client: TestClient, world: World) -> None:
    spec, a, b = _spec(client), world.a, world.b
    failures = []
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.method != "GET" or ep.record_params:
            continue
        defaults = {p: ep.path_default(p) for p in ep.params}
        r = call(client, ep, spec, defaults, a.headers)
        leaks = leaked(r.text, b.secrets() | b.all_ids())
        if r.status_code >= 500 or leaks:
            failures.append(f"{ep.id}: {r.status_code} {leaks or r.text[:200]}")
        # Any query parameter that names a patient, given clinic B's patient.
        for q in ep.query_params():
            if "patient" in q.lower() or "subject" in q.lower():
                for value in (b.patients[0].id, f"Patient/{b.patients[0].id}"):
                    r = call(client, ep, spec, defaults, a.headers, query={q: value})
                    leaks = leaked(r.text, b.secrets() | (b.all_ids() - {b.patients[0].id}))
                    if r.status_code >= 500 or leaks:
                        failures.append(f"{ep.id}?{q}={value}: {r.status_code} {leaks}")
    assert not failures, "clinic B's data in clinic A's lists:\n" + "\n".join(failures)

    listed = client.get("/api/patients", headers=a.headers).json()
    assert {p["id"] for p in listed} == {p.id for p in a.patients}
    assert (
        client.get("/api/audit", params={"patient_id": b.patients[0].id}, headers=a.headers).status_code
        == 404
    )
    audit = client.get("/api/audit", headers=a.headers)
    assert audit.status_code == 200 and not leaked(audit.text, b.all_ids())


# --------------------------------------------------------------------------- a patient's own session


def test_a_patient_session_reaches_only_its_own_record_and_no_clinician_route(
    client: TestClient, world: World
) -> None:
    spec = _spec(client)
    me, neighbour, stranger = world.a.patients[0], world.a.patients[1], world.b.patients[0]
    mine = bearer(me.token)
    failures, forbidden, allowed = [], set(), set()

    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.id in PUBLIC | SESSION_ENDING:
            continue
        values = _own_values(client, ep, me, world.a.headers)
        r = call(client, ep, spec, values, mine, patient=me.id)
        if r.status_code == 403:
            forbidden.add(ep.id)
        elif r.is_success:
            allowed.add(ep.id)
        elif r.status_code in (401,) or r.status_code >= 500:
            failures.append(f"own record {ep.id}: {r.status_code} {r.text[:200]}")
        others = neighbour.secrets() | neighbour.all_ids() | stranger.secrets() | stranger.all_ids()
        if leaks := leaked(r.text, others):
            failures.append(f"own record {ep.id}: other patients' data {leaks}")

    missing = CLINICIAN_ONLY - forbidden
    assert not missing, f"clinician-only routes a patient session could use: {missing}"
    assert allowed >= PATIENT_OWN, f"own-record routes refused to the patient: {PATIENT_OWN - allowed}"

    for other in (neighbour, stranger):
        for ep in _record_endpoints(client):
            for values in _foreign_combinations(ep, me, other):
                r = call(client, ep, spec, values, mine, patient=other.id)
                expected = 403 if ep.id in forbidden else 404
                leaks = leaked(r.text, other.secrets() | (other.all_ids() - set(values.values())))
                if r.status_code != expected or leaks:
                    failures.append(
                        f"{ep.id} {values}: {r.status_code} (expected {expected}) {leaks or r.text[:200]}"
                    )
        failures += _aim_bodies_at(client, mine, me, other)
    assert not failures, "a patient session went beyond its own record:\n" + "\n".join(failures)


# --------------------------------------------------------------------------- sessions


def test_every_protected_route_answers_401_without_a_valid_session(client: TestClient, world: World) -> None:
    spec, a = _spec(client), world.a
    failures, checked = [], 0
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.id in PUBLIC:
            continue
        values = {
            p: a.patients[0].ids().get(k, [a.patients[0].id])[0] if (k := ep.kind(p)) else ep.path_default(p)
            for p in ep.params
        }
        attempts: list[dict[str, str]] = [{}, {"Authorization": "Basic dXNlcjpwdw=="}]
        if ep.id not in SESSION_ENDING:  # ending an unknown session is a harmless no-op
            attempts += [bearer("not-a-real-token"), bearer(""), {"Cookie": "scapula_session=forged"}]
        for headers in attempts:
            r = call(client, ep, spec, values, headers, patient=a.patients[0].id)
            checked += 1
            ok = (
                r.status_code == 401
                and r.json().get("error", {}).get("code") == "unauthenticated"
                and "bearer" in r.headers.get("www-authenticate", "").lower()
            )
            if not ok:
                failures.append(f"{ep.id} with {headers or 'no credentials'}: {r.status_code} {r.text[:120]}")
            if leaks := leaked(r.text, a.secrets()):
                failures.append(f"{ep.id}: {leaks}")
    assert not failures, "protected routes open without a session:\n" + "\n".join(failures)
    assert checked >= 5 * 14


def test_sessions_and_invitations_expire(database, kb, clock) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(session_hours=1, patient_session_days=2, invitation_days=3)
    app = create_app(make_store(database, kb, clock, settings))
    with TestClient(app) as client:
        clinic = seed_clinic(client, app.state.store, "A", n_patients=1)
        patient = clinic.patients[0]
        link = client.post(f"/api/patients/{patient.id}/invitations", headers=clinic.headers).json()["path"]

        clock.advance(minutes=59)
        assert client.get("/api/patients", headers=clinic.headers).status_code == 200
        clock.advance(minutes=1, seconds=1)
        for path in ("/api/patients", f"/api/patients/{patient.id}", f"/api/patients/{patient.id}/tracking"):
            expired = client.get(path, headers=clinic.headers)
            assert expired.status_code == 401, path
            assert expired.json()["error"]["code"] == "unauthenticated"
        # A new login works again.
        assert (
            client.get(
                "/api/patients", headers=bearer(login(client, clinic.email, clinic.password))
            ).status_code
            == 200
        )

        # The patient's session (opened at the start) lasts 2 days; the unused link 3 days.
        assert client.get(f"/api/patients/{patient.id}", headers=bearer(patient.token)).status_code == 200
        clock.advance(days=2)
        assert client.get(f"/api/patients/{patient.id}", headers=bearer(patient.token)).status_code == 401
        assert client.post(link).status_code == 200
        clock.advance(days=1)
        assert client.post(link).status_code == 401


def test_logout_revokes_the_session_and_only_that_one(client: TestClient, world: World) -> None:
    a = world.a
    other = login(client, a.email, a.password)
    assert client.post("/api/auth/logout", headers=a.headers).status_code == 200
    for path in (
        "/api/patients",
        f"/api/patients/{a.patients[0].id}",
        f"/api/assessments/{a.patients[0].assessment_id}",
    ):
        assert client.get(path, headers=a.headers).status_code == 401, path
    assert client.get("/api/patients", headers=bearer(other)).status_code == 200
    # A patient's session ends the same way.
    patient = a.patients[0]
    assert client.post("/api/auth/logout", headers=bearer(patient.token)).status_code == 200
    assert client.get(f"/api/patients/{patient.id}", headers=bearer(patient.token)).status_code == 401
    assert client.post("/api/auth/logout").status_code == 401


def test_login_is_rate_limited_per_account(client: TestClient, world: World, clock) -> None:  # type: ignore[no-untyped-def]
    a, b = world.a, world.b
    wrong = {"email": a.email, "password": "wrong password!"}
    for attempt in range(1, 6):
        r = client.post("/api/auth/login", json=wrong)
        assert r.status_code == 401, f"attempt {attempt}: {r.status_code}"
    sixth = client.post("/api/auth/login", json=wrong)
    assert sixth.status_code == 429
    assert sixth.json()["error"]["code"] == "rate_limited"
    assert int(sixth.headers["retry-after"]) > 0
    # The right password is refused too while the account is limited, whatever the e-mail's case.
    for email in (a.email, a.email.upper()):
        right = client.post("/api/auth/login", json={"email": email, "password": a.password})
        assert right.status_code == 429 and "token" not in right.text
    clock.advance(minutes=14)
    assert client.post("/api/auth/login", json={"email": a.email, "password": a.password}).status_code == 429
    # Another account is not affected.
    assert client.post("/api/auth/login", json={"email": b.email, "password": b.password}).status_code == 200
    # Sessions opened before the limit still work.
    assert client.get("/api/patients", headers=a.headers).status_code == 200
    clock.advance(minutes=1, seconds=5)
    assert client.post("/api/auth/login", json={"email": a.email, "password": a.password}).status_code == 200


# --------------------------------------------------------------------------- the audit log


def test_the_audit_log_records_who_did_what_to_which_patient(client: TestClient, world: World) -> None:
    a = world.a
    p = a.patients[0]
    me = ("user", a.user_id)
    steps: list[tuple[str, str, dict[str, Any] | None, dict[str, str], tuple[str, str | None], str, str]] = [
        ("GET", "/api/patients", None, a.headers, me, "list", "patient"),
        ("GET", f"/api/patients/{p.id}", None, a.headers, me, "read", "patient"),
        ("POST", f"/api/patients/{p.id}/assessments", EXAMPLE_INTAKE, a.headers, me, "create", "assessment"),
        ("GET", f"/api/patients/{p.id}/assessments", None, a.headers, me, "list", "assessment"),
        ("GET", f"/api/assessments/{p.assessment_id}", None, a.headers, me, "read", "assessment"),
        ("GET", f"/api/patients/{p.id}/plan", None, a.headers, me, "read", "plan"),
        (
            "POST",
            f"/api/patients/{p.id}/tracking",
            {"entry_date": "2026-11-07", "pain_now": 2},
            a.headers,
            me,
            "create",
            "tracking",
        ),
        ("GET", f"/api/patients/{p.id}/tracking", None, a.headers, me, "list", "tracking"),
        ("GET", f"/api/patients/{p.id}/decisions", None, a.headers, me, "list", "decision"),
        ("POST", f"/api/patients/{p.id}/invitations", None, a.headers, me, "create", "invitation"),
        # The patient's own session is recorded as the patient.
        ("GET", f"/api/patients/{p.id}", None, bearer(p.token), ("patient", p.id), "read", "patient"),
        (
            "POST",
            f"/api/patients/{p.id}/tracking",
            {"entry_date": "2026-11-08", "pain_now": 1},
            bearer(p.token),
            ("patient", p.id),
            "create",
            "tracking",
        ),
        ("GET", f"/api/patients/{p.id}/plan", None, bearer(p.token), ("patient", p.id), "read", "plan"),
    ]
    for method, url, body, headers, (actor_type, actor_id), action, resource in steps:
        last = _last_audit_id(client)
        r = client.request(method, url, json=body, headers=headers)
        assert r.is_success, f"{method} {url}: {r.status_code} {r.text[:200]}"
        rows = _audit_since(client, last)
        matching = [
            row
            for row in rows
            if (row.actor_type, row.actor_id, row.action, row.resource)
            == (actor_type, actor_id, action, resource)
        ]
        assert matching, f"{method} {url}: no audit row {actor_type}/{action}/{resource}; got {rows}"
        expected_patient = None if url == "/api/patients" else p.id
        assert matching[0].patient_id == expected_patient, f"{method} {url}"
        assert matching[0].clinic_id == a.clinic_id
        assert matching[0].at is not None

    # Writes: the plan change, the correction and the new assessment name the resource.
    last = _last_audit_id(client)
    plan = client.get(f"/api/patients/{p.id}/plan", headers=a.headers).json()
    r = client.patch(f"/api/plans/{plan['id']}", json={"phase": 1, "reason": "flare"}, headers=a.headers)
    assert r.status_code == 200
    entry = _fresh_entry(client, p, a.headers)
    fixed = client.put(
        f"/api/patients/{p.id}/tracking/{entry}",
        json={"entry_date": "2026-11-06", "pain_now": 3},
        headers=a.headers,
    )
    assert fixed.status_code == 200
    seen = {(row.action, row.resource, row.resource_id, row.patient_id) for row in _audit_since(client, last)}
    assert ("update", "plan", plan["id"], p.id) in seen
    assert ("update", "tracking", fixed.json()["id"], p.id) in seen
    assert ("create", "tracking", entry, p.id) in seen

    # A clinician reads the trail of one patient through the API.
    trail = client.get("/api/audit", params={"patient_id": p.id}, headers=a.headers).json()
    assert trail and all(row["patient_id"] == p.id for row in trail)
    assert {"read", "create", "update", "list"} <= {row["action"] for row in trail}


def test_every_route_that_touches_a_patient_is_audited(client: TestClient, world: World) -> None:
    """Any route, present or future, that answers 2xx about a patient leaves an audit row naming the
    actor and the patient; lists leave one naming the actor."""
    spec, a = _spec(client), world.a
    p = a.patients[1]
    failures, checked = [], 0
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.id in PUBLIC | NOT_AUDITED | SESSION_ENDING:
            continue
        values = _own_values(client, ep, p, a.headers)
        last = _last_audit_id(client)
        r = call(client, ep, spec, values, a.headers, patient=p.id)
        if not r.is_success:
            continue
        checked += 1
        rows = [row for row in _audit_since(client, last) if row.actor_id == a.user_id]
        if not rows:
            failures.append(f"{ep.id}: {r.status_code} and no audit row")
        elif ep.record_params and not any(row.patient_id == p.id for row in rows):
            failures.append(
                f"{ep.id}: audit rows do not name patient {p.id}: {[(r_.action, r_.patient_id) for r_ in rows]}"
            )
    assert not failures, "unaudited access:\n" + "\n".join(failures)
    assert checked >= 10


def test_the_audit_log_holds_ids_never_clinical_content(client: TestClient, world: World) -> None:
    with client.app.state.store.db.session() as s:  # type: ignore[attr-defined]
        rows = s.scalars(select(AuditEntry)).all()
        text = " ".join(str(getattr(row, c.key)) for row in rows for c in AuditEntry.__table__.columns)
    assert len(rows) > 20
    assert not leaked(text, world.a.secrets() | world.b.secrets())


# --------------------------------------------------------------------------- logs


def _intake_phrases() -> set[str]:
    """Distinctive intake content: list values and the whole intake as JSON."""
    phrases = {"medial_scapular_border", "laptop_work", "end_of_day_spike", "massage_short_term"}
    return {p for p in phrases if p in str(EXAMPLE_INTAKE)}


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


def _full_scenario(client: TestClient, clinic: ClinicRecord) -> None:
    """Everything a clinic does in a day, right and wrong."""
    spec = _spec(client)
    p = clinic.patients[0]
    for ep in endpoints(client.app):  # type: ignore[arg-type]
        if ep.id in SESSION_ENDING:
            continue
        values = _own_values(client, ep, p, clinic.headers)
        call(client, ep, spec, values, clinic.headers, patient=p.id)
        call(client, ep, spec, values, bearer(p.token), patient=p.id)
        call(client, ep, spec, values, {})
    # Bad input that quotes patient data back.
    client.post("/api/patients", json={"display_name": p.display_name * 20}, headers=clinic.headers)
    client.post(
        f"/api/patients/{p.id}/tracking",
        json={"entry_date": "2026-13-40", "notes": p.notes[0]},
        headers=clinic.headers,
    )
    client.post(
        f"/api/patients/{p.id}/assessments", json={**EXAMPLE_INTAKE, "age": 7}, headers=clinic.headers
    )
    client.post("/api/auth/login", json={"email": clinic.email, "password": p.display_name})


def test_application_logs_hold_no_patient_names_notes_or_intake(
    client: TestClient,
    store,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy's statement echo is a debugging switch that prints bound parameters by design;
    # the application never turns it on.
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    clinic = seed_clinic(client, store, "A")
    _full_scenario(client, clinic)
    text = _log_text(caplog)
    assert not leaked(text, clinic.secrets() | _intake_phrases())


def test_an_unexpected_error_logs_an_incident_id_not_patient_data(
    app,
    world: World,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """A crash whose message quotes patient data (as database errors quote their parameters) is
    answered with an incident id, and neither the app's log nor the server's holds that data."""
    import httpx

    p = world.a.patients[0]

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"could not store {p.display_name!r}: {p.notes[0]!r}")

    monkeypatch.setattr(app.state.store, "get_patient", broken)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    with live_server(app, log_level="info") as base:
        r = httpx.get(f"{base}/api/patients/{p.id}", headers=world.a.headers, timeout=10)
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error" and "incident" in r.json()["error"]["message"]
    assert not leaked(r.text, p.secrets())
    text = _log_text(caplog)
    assert "incident" in text
    assert not leaked(text, p.secrets()), "patient data in the server's logs"


@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_ids_in_urls_reveal_nothing_about_other_records(client: TestClient, world: World, who: str) -> None:
    """A missing record and another clinic's record answer the same 404 body shape."""
    headers = world.a.headers if who == "clinician" else bearer(world.a.patients[0].token)
    theirs = client.get(f"/api/patients/{world.b.patients[0].id}", headers=headers)
    nobody = client.get("/api/patients/00000000-0000-4000-8000-000000000000", headers=headers)
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["error"]["code"] == nobody.json()["error"]["code"]
    assert theirs.json()["error"]["message"].replace(world.b.patients[0].id, "X") == nobody.json()["error"][
        "message"
    ].replace("00000000-0000-4000-8000-000000000000", "X")
