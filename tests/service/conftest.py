"""Fixtures for the clinic service tests: a database on SQLite and (when configured) PostgreSQL, an
app, two clinics with everything a clinic holds, the catalogue of routes read off the app itself,
and helpers to log in and call any route.

PostgreSQL runs when SCAPULA_TEST_POSTGRES names a server, for example
`SCAPULA_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/test`. The tests never touch that
database's tables: they create a throwaway database `scapula_t_<random>` on the same server for the
session (each test starts from an empty schema in it) and drop it at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from scapula.api import create_app
from scapula.store import Database, Settings, Store

from ..conftest import Clock

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ENV = "SCAPULA_TEST_POSTGRES"
EXAMPLE_INTAKE: dict[str, Any] = json.loads((ROOT / "examples" / "desk-worker.json").read_text())


# --------------------------------------------------------------------------- databases


def _libpq(url: str) -> str:
    """A URL psycopg.connect accepts (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _terminate_and_reset(url: str) -> None:
    """Empty the throwaway database: close stray connections to it, then drop and recreate `public`."""
    import psycopg

    name = make_url(url).database
    assert name and name.startswith("scapula_t_"), f"refusing to reset {name!r}: not a throwaway database"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """URL of a fresh database created for this test session on the SCAPULA_TEST_POSTGRES server."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV}=postgresql://user@host:port/db")
    import psycopg

    name = f"scapula_t_{secrets.token_hex(6)}"
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file in tmp_path, or the session's throwaway PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scapula.db'}"
    url = request.getfixturevalue("postgres_database")
    _terminate_and_reset(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.upgrade()
    yield db
    db.dispose()


# --------------------------------------------------------------------------- time and the store


def make_store(
    db: Database, kb: Any, clock: Callable[[], datetime], settings: Settings | None = None
) -> Store:
    return Store(db, kb=kb, settings=settings or Settings(), clock=clock)


@pytest.fixture
def store(database: Database, kb: Any, clock: Clock) -> Store:
    return make_store(database, kb, clock)


@pytest.fixture
def app(store: Store) -> FastAPI:
    return create_app(store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


# --------------------------------------------------------------------------- logging in


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, email: str, password: str) -> str:
    """Log in through the API and return the bearer token."""
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def open_invitation(client: TestClient, clinician_token: str, patient_id: str) -> str:
    """Invite a patient through the API and open the link: returns the patient's session token."""
    response = client.post(f"/api/patients/{patient_id}/invitations", headers=bearer(clinician_token))
    assert response.status_code == 201, response.text
    opened = client.post(response.json()["path"])
    assert opened.status_code == 200, opened.text
    assert opened.json()["patient_id"] == patient_id
    return opened.json()["token"]


# --------------------------------------------------------------------------- two clinics


@dataclass
class PatientRecord:
    id: str
    display_name: str
    external_ref: str
    assessment_id: str
    plan_id: str
    entry_ids: list[str]
    """Every tracking entry, the corrected original included."""
    notes: list[str]
    token: str = ""
    """The patient's own session (from an invitation)."""

    def ids(self) -> dict[str, list[str]]:
        return {
            "patient": [self.id],
            "assessment": [self.assessment_id],
            "plan": [self.plan_id],
            "entry": list(self.entry_ids),
        }

    def secrets(self) -> set[str]:
        """What must never reach anyone outside this patient's clinic (or another patient)."""
        return {self.display_name, self.external_ref, *self.notes}

    def all_ids(self) -> set[str]:
        return {i for values in self.ids().values() for i in values}


@dataclass
class ClinicRecord:
    label: str
    clinic_id: str
    user_id: str
    email: str
    password: str
    token: str
    patients: list[PatientRecord] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def secrets(self) -> set[str]:
        return {s for p in self.patients for s in p.secrets()}

    def all_ids(self) -> set[str]:
        return {i for p in self.patients for i in p.all_ids()}


@dataclass
class World:
    a: ClinicRecord
    b: ClinicRecord


def seed_clinic(client: TestClient, store: Store, label: str, n_patients: int = 2) -> ClinicRecord:
    """A clinic with a clinician and patients, each with an assessment, a plan (adjusted once),
    three tracking entries (one a correction) and a patient session from an invitation."""
    clinic_id = store.create_clinic(f"Clinic {label}")
    email, password = (
        f"clinician.{label.lower()}@clinic-{label.lower()}.example",
        f"password-{label}-long-enough",
    )
    user_id = store.create_user(clinic_id, email, f"Dr {label}", password)
    token = login(client, email, password)
    clinic = ClinicRecord(label, clinic_id, user_id, email, password, token)
    for i in range(1, n_patients + 1):
        tag = f"{label}{i}-{secrets.token_hex(3)}"
        name, ref = f"Quimby Zanzibar-{tag}", f"EHR-{tag}"
        created = client.post(
            "/api/patients", json={"display_name": name, "external_ref": ref}, headers=clinic.headers
        )
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        assessed = client.post(
            f"/api/patients/{pid}/assessments", json=EXAMPLE_INTAKE, headers=clinic.headers
        )
        assert assessed.status_code == 201, assessed.text
        assessment_id, plan_id = assessed.json()["id"], assessed.json()["plan"]["id"]
        notes = [f"private note {n} of {tag}" for n in range(3)]
        entries = []
        for n, day in enumerate(("2026-11-02", "2026-11-03")):
            r = client.post(
                f"/api/patients/{pid}/tracking",
                json={"entry_date": day, "pain_now": 5 - n, "notes": notes[n]},
                headers=clinic.headers,
            )
            assert r.status_code == 201, r.text
            entries.append(r.json()["id"])
        corrected = client.put(
            f"/api/patients/{pid}/tracking/{entries[0]}",
            json={"entry_date": "2026-11-02", "pain_now": 4, "notes": notes[2]},
            headers=clinic.headers,
        )
        assert corrected.status_code == 200, corrected.text
        entries.append(corrected.json()["id"])
        adjusted = client.patch(
            f"/api/plans/{plan_id}", json={"phase": 2, "reason": "settled quickly"}, headers=clinic.headers
        )
        assert adjusted.status_code == 200, adjusted.text
        patient = PatientRecord(pid, name, ref, assessment_id, plan_id, entries, notes)
        patient.token = open_invitation(client, token, pid)
        clinic.patients.append(patient)
    return clinic


@pytest.fixture
def world(client: TestClient, store: Store) -> World:
    return World(a=seed_clinic(client, store, "A"), b=seed_clinic(client, store, "B"))


def snapshot(client: TestClient, clinic: ClinicRecord) -> dict[str, Any]:
    """Everything the clinic's clinician can read about its patients (to prove nothing changed)."""
    out: dict[str, Any] = {}
    for p in clinic.patients:
        for path in (
            f"/api/patients/{p.id}",
            f"/api/patients/{p.id}/assessments",
            f"/api/patients/{p.id}/plan",
            f"/api/patients/{p.id}/tracking?history=true",
            f"/api/patients/{p.id}/decisions",
        ):
            r = client.get(path, headers=clinic.headers)
            out[path] = (r.status_code, r.json())
    return out


# --------------------------------------------------------------------------- the routes, read off the app

PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?}")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
RECORD_KINDS = ("patient", "assessment", "plan", "entry")
# A generic `{id}` after a FHIR resource type (or similar) names this kind of record.
TYPE_KINDS = {
    "patient": "patient",
    "patients": "patient",
    "riskassessment": "assessment",
    "clinicalimpression": "assessment",
    "questionnaireresponse": "assessment",
    "assessments": "assessment",
    "careplan": "plan",
    "plans": "plan",
    "observation": "entry",
    "tracking": "entry",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """Path template, `{name}` for each parameter."""
    operation: dict[str, Any] | None = None
    """The OpenAPI operation, when the route is documented."""
    spec: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The whole OpenAPI document (to resolve references)."""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def url(self, values: dict[str, str]) -> str:
        return PARAM.sub(lambda m: values[m.group(1)], self.path)

    def kind(self, param: str) -> str | None:
        """Which kind of record a path parameter names: patient, assessment, plan, entry, any, or None."""
        name = param.lower()
        for kind in RECORD_KINDS:
            if kind in name:
                return kind
        if name.endswith("id"):  # `id`, `resource_id`, ...: named by the path segment before it
            before = self.path.split("{" + param)[0].rstrip("/").rsplit("/", 1)[-1]
            return TYPE_KINDS.get(re.sub(r"[^a-z]", "", before.lower()), "any")
        return None

    def path_default(self, param: str) -> str:
        """A valid value for a path parameter that names no record (`fmt` of `plot.{fmt}` -> `png`)."""
        for p in (self.operation or {}).get("parameters", []):
            if p.get("in") == "path" and p.get("name") == param:
                value = minimal_instance(p.get("schema", {}), self.spec or {})
                return str(value) if value not in (None, "") else "x"
        return "x"

    @property
    def record_params(self) -> dict[str, str]:
        return {p: k for p in self.params if (k := self.kind(p)) is not None}

    def query_params(self) -> list[str]:
        return [p["name"] for p in (self.operation or {}).get("parameters", []) if p.get("in") == "query"]

    def body_schema(self, spec: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(content type, schema) of the JSON request body, if the route takes one."""
        content = ((self.operation or {}).get("requestBody") or {}).get("content") or {}
        for ctype, media in content.items():
            if "json" in ctype:
                return ctype, media.get("schema") or {}
        return None


def _flat_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, set[str], Any]]:
    """(path, methods, route) for every HTTP route, through included routers and mounts."""
    from starlette.routing import Mount

    try:  # FastAPI >= 0.13x keeps included routers as lazy nodes in app.routes
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        items: Iterable[Any] = routes
    else:
        items = iter_route_contexts(list(routes))
    for route in items:
        original = getattr(route, "original_route", route)
        path = getattr(route, "path", None)
        if isinstance(original, Mount):
            yield from _flat_routes(route.routes, prefix + (path or ""))
            continue
        methods = getattr(route, "methods", None)
        if path is None or not methods:
            continue  # websockets and the like
        yield prefix + path, set(methods), route


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every HTTP method of every route of the app, present and future, with its OpenAPI operation."""
    spec = app.openapi()
    out: dict[str, Endpoint] = {}
    for raw_path, methods, _ in _flat_routes(app.routes):
        path = PARAM.sub(lambda m: "{" + m.group(1) + "}", raw_path)
        for method in sorted(methods - IGNORED_METHODS):
            operation = spec.get("paths", {}).get(path, {}).get(method.lower())
            ep = Endpoint(method, path, operation, spec)
            out.setdefault(ep.id, ep)
    return list(out.values())


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def minimal_instance(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """The smallest value that satisfies a JSON schema (required properties only)."""
    schema = resolve(schema, spec)
    if depth > 8:
        return None
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s, spec).get("type") != "null"] or schema[key]
            return minimal_instance(options[0], spec, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = minimal_instance(part, spec, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            name: minimal_instance(props[name], spec, depth + 1)
            for name in schema.get("required", [])
            if name in props
        }
    if kind == "array":
        return [
            minimal_instance(schema.get("items", {}), spec, depth + 1)
            for _ in range(schema.get("minItems", 0))
        ]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return "2026-11-05"
        if fmt == "date-time":
            return "2026-11-05T10:00:00+00:00"
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return int(low) + (1 if "exclusiveMinimum" in schema else 0) if kind == "integer" else float(low) + 1
    if kind == "boolean":
        return False
    return None


def _questionnaire_response(kb: Any, patient_id: str) -> Any:
    """A FHIR QuestionnaireResponse of the example intake about the patient (FHIR face)."""
    from scapula.fhir.questionnaire import response_from_intake
    from scapula.intake import parse_intake

    return response_from_intake(parse_intake(EXAMPLE_INTAKE), kb, patient_id)


def _cds_request(_: Any, patient_id: str) -> Any:
    return {
        "hook": "patient-view",
        "hookInstance": "5f8b4e0c-0a8e-4e55-9d55-0c2f7b7cfa11",
        "context": {"userId": "Practitioner/1", "patientId": patient_id},
    }


# Valid, harmless request bodies, by route or by OpenAPI component name; (kb, patient id) -> body.
# Anything else gets the smallest body its schema allows.
BODY_BY_ROUTE: dict[str, Callable[[Any, str], Any]] = {
    "POST /fhir/QuestionnaireResponse": _questionnaire_response,
}
BODY_BY_MODEL: dict[str, Callable[[Any, str], Any]] = {
    "Intake": lambda _kb, _p: json.loads(json.dumps(EXAMPLE_INTAKE)),
    "TrackingIn": lambda _kb, _p: {"entry_date": "2026-11-05", "pain_now": 3, "notes": "probe"},
    "PlanChangeIn": lambda _kb, _p: {"phase": 1, "reason": "probe"},
    "PatientIn": lambda _kb, _p: {"display_name": "Probe Person"},
    "LoginIn": lambda _kb, _p: {"email": "nobody@nowhere.example", "password": "not the password"},
    "CdsRequest": _cds_request,
}
# Bodies above that name a patient (so a caller can aim them at another clinic's patient).
PATIENT_IN_BODY = {"POST /fhir/QuestionnaireResponse", "CdsRequest"}


def body_builder(
    endpoint: Endpoint, spec: dict[str, Any]
) -> tuple[str, str, Callable[[Any, str], Any]] | None:
    """(content type, key, builder) of a valid body for the route, or None when it takes no body."""
    found = endpoint.body_schema(spec)
    if found is None:
        return None
    ctype, schema = found
    if endpoint.id in BODY_BY_ROUTE:
        return ctype, endpoint.id, BODY_BY_ROUTE[endpoint.id]
    name = ref_name(schema) or ""
    if name in BODY_BY_MODEL:
        return ctype, name, BODY_BY_MODEL[name]
    return ctype, name, lambda _kb, _p: minimal_instance(schema, spec)


def names_patient_in_body(endpoint: Endpoint, spec: dict[str, Any]) -> bool:
    found = body_builder(endpoint, spec)
    return found is not None and found[1] in PATIENT_IN_BODY


def call(
    client: TestClient,
    endpoint: Endpoint,
    spec: dict[str, Any],
    values: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    patient: str | None = None,
) -> Any:
    """Send the route a valid request (a valid body if it takes one) with the given path values.
    `patient` is the patient a body names (default: the one in the path)."""
    values = values or {}
    url = endpoint.url(values)
    kwargs: dict[str, Any] = {"headers": dict(headers or {}), "params": query}
    built = body_builder(endpoint, spec)
    if built is not None:
        ctype, _, build = built
        if patient is None:
            patient = next((v for k, v in values.items() if endpoint.kind(k) == "patient"), "unknown-patient")
        kwargs["content"] = json.dumps(build(client.app.state.store.kb, patient))  # type: ignore[attr-defined]
        kwargs["headers"]["Content-Type"] = ctype
    return client.request(endpoint.method, url, **kwargs)


def leaked(text: str, secrets_: Iterable[str]) -> list[str]:
    return sorted(s for s in secrets_ if s and s in text)


# --------------------------------------------------------------------------- a real server


