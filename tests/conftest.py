from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from scapula.engine import assess
from scapula.intake import parse_intake
from scapula.knowledge import Knowledge, load_knowledge

ROOT = Path(__file__).resolve().parent.parent

# An ordinary, busy intake: a desk worker who trains, with plenty of harmless findings. Red flags
# are hidden inside it to prove they still fire among noise.
CROWDED: dict[str, Any] = {
    "age": 38,
    "sex": "female",
    "pain_now": 5,
    "pain_worst_week": 7,
    "duration_weeks": 3,
    "onset": "gradual",
    "side": "right",
    "locations": ["interscapular", "medial_scapular_border", "upper_trapezius", "neck", "posterior_shoulder"],
    "qualities": ["aching", "burning", "tension", "stiffness", "dull"],
    "aggravators": ["sitting", "laptop_work", "looking_down", "rowing", "pull_ups", "stress", "driving"],
    "relievers": ["movement", "heat", "massage_short_term", "changing_position"],
    "patterns": ["end_of_day_spike", "next_day_after_training", "intermittent"],
    "associated": ["headache", "anxiety_low_mood"],
    "history": [],
    "exam": ["forward_head_posture", "rounded_shoulders", "scapular_dyskinesis_observed", "trigger_point_reproduces_pain"],
    "exam_negative": ["spurling_positive"],
    "desk_hours_per_day": 9,
    "laptop_without_external_screen": True,
    "training_volume_change_pct": 25,
    "conservative_care_weeks": 1,
    "improving": True,
}


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.fixture
def crowded() -> dict[str, Any]:
    return json.loads(json.dumps(CROWDED))


def run(data: dict[str, Any], audience: str = "clinician"):
    return assess(parse_intake(data), audience=audience)


# --------------------------------------------------------------------------- time and passwords


class Clock:
    """Real time plus an offset the test controls: `clock.advance(minutes=16)`."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at production cost takes ~150 ms a hash; the service tests log in hundreds of times."""
    from argon2 import PasswordHasher

    from scapula.store import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1), raising=False
    )


# --------------------------------------------------------------------------- a real server


@contextlib.contextmanager
def live_server(app: FastAPI, log_level: str = "warning", keep_alive: int = 30) -> Iterator[str]:
    """Run the app under uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # log_config=None: uvicorn keeps the logging set-up it finds, so its records reach caplog too.
    config = uvicorn.Config(
        app, log_level=log_level, log_config=None, lifespan="off", timeout_keep_alive=keep_alive
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
