"""Speed of the clinic service over HTTP: latency at a fixed request rate, and ingestion throughput.

    python bench/service.py                                  # SQLite, and PostgreSQL if configured
    python bench/service.py --postgres postgresql://postgres@127.0.0.1:5432/test
    python bench/service.py --seconds 20 --rate 200 --ingest-seconds 10 --workers 2
    python bench/service.py --sweep 150,100,50     # lower rates tried after a miss at --rate

For each database (a SQLite file in a temporary folder; PostgreSQL in a throwaway database
`scapula_bench_<random>` created on the server named by --postgres or SCAPULA_TEST_POSTGRES, dropped at
the end) it migrates and seeds one clinic, starts `uvicorn --factory` with N workers on 127.0.0.1 (a
free port), and drives it from this process with a pool of keep-alive http.client connections:

1. POST /api/patients/{id}/assessments (examples/desk-worker.json) at a fixed rate (open loop);
2. GET /api/patients/{id} at the same fixed rate;
3. POST /api/patients/{id}/tracking as fast as a fixed number of clients can, for --ingest-seconds.

Latency is measured from the moment each request was due, so a server (or client) that falls behind
shows it in the percentiles. Everything listens on 127.0.0.1 only, is bounded in time, and the server
is stopped at the end. Servers start as `scapula serve --workers N` starts them
(`scapula.api.serving`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import json as _json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from _table import markdown_table  # noqa: E402
from scapula.api.serving import DATABASE_ENV  # noqa: E402

DB_ENV = DATABASE_ENV  # the database the server processes open
PASSWORD = "bench password long enough"
EMAIL = "bench@clinic.example"
HARD_LIMIT_S = 2400  # the whole run, whatever happens
GRACE_S = 10  # how long past its schedule a fixed-rate run may go on


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="scapula-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.db"


@contextlib.contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A throwaway database on the server, dropped at the end (no other database is touched)."""
    import psycopg
    from sqlalchemy.engine import make_url

    libpq = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"scapula_bench_{secrets.token_hex(5)}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, patients: int) -> tuple[str, list[str]]:
    """Migrate, create a clinic, a clinician and patients (each assessed once); return a session
    token and the patient ids."""
    from scapula.intake import parse_intake
    from scapula.store import Database, Store

    db = Database(url)
    db.upgrade()
    store = Store(db)
    clinic = store.create_clinic("Bench clinic")
    store.create_user(clinic, EMAIL, "Dr Bench", PASSWORD)
    token, _ = store.login(EMAIL, PASSWORD)
    actor = store.actor(token)
    intake = parse_intake(json.loads((ROOT / "examples" / "desk-worker.json").read_text()))
    ids = []
    for i in range(patients):
        pid = store.create_patient(actor, f"Bench patient {i}")["id"]
        store.add_assessment(actor, pid, intake)
        ids.append(pid)
    db.dispose()
    return token, ids


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int, workers: int, stock: bool) -> list[str]:
    if stock:  # uvicorn's own supervisor (see scapula.api.serving for why it is not the default)
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "scapula.api.serving:app_from_environment",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def error_kinds(log: str) -> dict[str, int]:
    """Exception types at the foot of the server's tracebacks, counted (types only, no messages)."""
    kinds: dict[str, int] = {}
    for line in log.splitlines():
        head = line.split(":", 1)[0].strip()
        if ":" in line and not line.startswith(" ") and head.endswith(("Error", "Exception", "Timeout")):
            kinds[head] = kinds.get(head, 0) + 1
    return kinds


@contextlib.contextmanager
def running_server(
    url: str, workers: int, stock: bool = False
) -> Iterator[tuple[str, list[str], int, Callable[[], str]]]:
    """Start the server; yields its base URL, command, process group id, and a reader of its log."""
    import httpx

    port = free_port()
    command = server_command(port, workers, stock)
    # A file, not a pipe: a chatty server must never block on it. Closed in the finally below.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115
    proc = subprocess.Popen(
        command,
        env={**os.environ, DB_ENV: url},
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )

    def read_log() -> str:
        log.flush()
        log.seek(0)
        return log.read()

    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {read_log()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base, command, proc.pid, read_log
    finally:
        # Our own child and the workers it forked: one process group, ended by its id.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


# --------------------------------------------------------------------------- load


@dataclass
class Result:
    name: str
    sent: int
    ok: int
    errors: dict[int | str, int]
    elapsed: float
    latencies_ms: list[float]
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def cpu_per_request(self) -> str:
        if not self.ok:
            return "n/a"
        return f"{self.server_cpu_s / self.ok * 1000:.1f} / {self.client_cpu_s / self.ok * 1000:.1f} ms"

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))]


class _Reply:
    __slots__ = ("status_code",)

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


class _Http:
    """One keep-alive connection per client thread, on the standard library's http.client: the
    load generator shares the 2 CPUs with the server, and httpx spent about 3.5 ms of CPU per
    request, as much as the server's work it was measuring."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)

    def _send(self, method: str, path: str, body: bytes | None) -> _Reply:
        for attempt in (1, 2):
            try:
                self._conn.request(method, path, body=body, headers=self._headers)
                reply = self._conn.getresponse()
                reply.read()
                return _Reply(reply.status)
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()  # the server closed a kept-alive connection: reconnect once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> _Reply:
        return self._send("GET", path, None)

    def post(self, path: str, json: Any) -> _Reply:
        return self._send("POST", path, _json.dumps(json).encode())

    def close(self) -> None:
        self._conn.close()


def _clients(base: str, token: str) -> Callable[[], Any]:
    local = threading.local()
    made: list[_Http] = []
    lock = threading.Lock()

    def get() -> _Http:
        if not hasattr(local, "client"):
            local.client = _Http(base, token)
            with lock:
                made.append(local.client)
        return local.client

    get.close_all = lambda: [c.close() for c in made]  # type: ignore[attr-defined]
    return get


def fixed_rate(
    name: str,
    base: str,
    token: str,
    request: Callable[[Any, int], Any],
    rate: float,
    seconds: float,
    threads: int = 64,
) -> Result:
    """Open loop: request i is due at start + i/rate whatever happened to the earlier ones. A request
    still waiting for a free client GRACE_S after the schedule ended is dropped (counted as an error
    "dropped"), which bounds the run when the server cannot keep up."""
    client = _clients(base, token)
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: dict[int | str, int] = {}
    lock = threading.Lock()
    done = [0.0]
    start = time.perf_counter() + 0.2
    give_up = start + seconds + GRACE_S

    def one(i: int, due: float) -> None:
        if time.perf_counter() > give_up:
            with lock:
                errors["dropped"] = errors.get("dropped", 0) + 1
            return
        try:
            status = request(client(), i).status_code
        except Exception:
            status = -1
        end = time.perf_counter()
        with lock:
            if 200 <= status < 300:
                latencies.append((end - due) * 1000)
            else:
                errors[status] = errors.get(status, 0) + 1
            done[0] = max(done[0], end)

    with ThreadPoolExecutor(threads) as pool:
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, i, due)
    client.close_all()  # type: ignore[attr-defined]
    return Result(name, total, len(latencies), errors, done[0] - start, latencies)


def closed_loop(
    name: str, base: str, token: str, request: Callable[[Any, int], Any], seconds: float, threads: int
) -> Result:
    """As fast as `threads` clients can, each sending its next request when the last one answered."""
    client = _clients(base, token)
    latencies: list[float] = []
    errors: dict[int | str, int] = {}
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop = time.perf_counter() + seconds
    start = time.perf_counter()

    def worker() -> None:
        while time.perf_counter() < stop:
            with lock:
                i = next(counter)
            t0 = time.perf_counter()
            try:
                status = request(client(), i).status_code
            except Exception:
                status = -1
            with lock:
                if 200 <= status < 300:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors[status] = errors.get(status, 0) + 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    client.close_all()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    return Result(name, len(latencies) + sum(errors.values()), len(latencies), errors, elapsed, latencies)


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of the live processes in a process group (the server launcher and its
    workers), from /proc; 0 where /proc is not available."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def measured(pgid: int, run: Callable[[], Result]) -> Result:
    server0, client0 = group_cpu_seconds(pgid), time.process_time()
    result = run()
    result.server_cpu_s = group_cpu_seconds(pgid) - server0
    result.client_cpu_s = time.process_time() - client0
    return result


def count_entries(url: str) -> int:
    from sqlalchemy import func, select

    from scapula.store import Database
    from scapula.store.models import TrackingEntry

    db = Database(url)
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(TrackingEntry)) or 0
    finally:
        db.dispose()


def run_backend(
    label: str, url: str, args: argparse.Namespace
) -> tuple[list[list[object]], list[list[object]], list[str], dict[str, int]]:
    token, patients = seed(url, args.patients)
    intake = json.loads((ROOT / "examples" / "desk-worker.json").read_text())
    n = len(patients)

    def assess(http: Any, i: int) -> Any:
        return http.post(f"/api/patients/{patients[i % n]}/assessments", json=intake)

    def read(http: Any, i: int) -> Any:
        return http.get(f"/api/patients/{patients[i % n]}")

    def track(http: Any, i: int) -> Any:
        return http.post(
            f"/api/patients/{patients[i % n]}/tracking",
            json={"entry_date": "2026-11-05", "pain_now": i % 11, "notes": f"bench {i}"},
        )

    latency_rows, ingest_rows = [], []
    with running_server(url, args.workers, args.uvicorn_workers) as (base, command, pgid, read_log):
        warm = _Http(base, token)
        for i in range(50):  # warm both workers' caches and pools
            warm.get(f"/api/patients/{patients[i % n]}")
        warm.close()
        # Reads first: the writes of the assessment run would otherwise still be settling.
        for name, fn in (("GET /api/patients/{id}", read), ("POST /api/patients/{id}/assessments", assess)):
            # At the target rate first; if that misses, lower rates until one meets the target, so
            # the table also tells what this machine sustains.
            for rate in [args.rate, *(x for x in args.sweep if x < args.rate)]:
                r = measured(
                    pgid,
                    lambda fn=fn, name=name, rate=rate: fixed_rate(name, base, token, fn, rate, args.seconds),
                )
                print(f"  {label}: {name} at {rate:.0f}/s: {r.ok}/{r.sent} ok in {r.elapsed:.1f} s", file=sys.stderr)
                meets = r.pct(99) < 50 and r.rate >= 0.97 * rate and not r.errors
                latency_rows.append(
                    [
                        label,
                        name,
                        f"{rate:.0f}/s",
                        f"{r.rate:.0f}/s",
                        f"{r.pct(50):.1f} ms",
                        f"{r.pct(99):.1f} ms",
                        f"{max(r.latencies_ms, default=float('nan')):.0f} ms",
                        ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items(), key=str)) or "0",
                        r.cpu_per_request(),
                        "yes" if meets else "no",
                    ]
                )
                if meets or not args.sweep:
                    break
                time.sleep(2)  # let the backlog of the missed run drain
        before = count_entries(url)
        r = measured(
            pgid,
            lambda: closed_loop(
                "POST /api/patients/{id}/tracking", base, token, track, args.ingest_seconds, args.clients
            ),
        )
        stored = count_entries(url) - before
        print(f"  {label}: ingestion: {r.ok} entries in {r.elapsed:.1f} s", file=sys.stderr)
        ingest_rows.append(
            [
                label,
                f"{args.clients}",
                f"{r.rate:.0f}/s",
                f"{r.pct(50):.1f} ms",
                f"{r.pct(99):.1f} ms",
                ", ".join(f"{k}: {v}" for k, v in sorted(r.errors.items(), key=str)) or "0",
                r.cpu_per_request(),
                f"{stored} (of {r.ok} acknowledged)",
            ]
        )
        server_errors = error_kinds(read_log())
    return latency_rows, ingest_rows, command, server_errors


# --------------------------------------------------------------------------- web pages

# The self-check answers of a desk worker (the form fields of /start; tests/web posts them too).
SELF_CHECK = json.loads((ROOT / "examples" / "self-check-form.json").read_text(encoding="utf-8"))


def page_times(repeats: int) -> list[list[object]]:
    """Server time to render the intake page and the result page, measured inside the app (an ASGI
    wrapper around it), on a fresh SQLite database: the first request after start-up, then the
    median and 90th percentile of `repeats` more."""
    import re
    import statistics

    from fastapi.testclient import TestClient

    from scapula.api import create_app

    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="scapula-pages-") as tmp:
        app = create_app(database_url=f"sqlite:///{tmp}/pages.db")
        spent: list[float] = []

        async def timed(scope: Any, receive: Any, send: Any) -> None:
            start = time.perf_counter()
            await app(scope, receive, send)
            spent.append(time.perf_counter() - start)

        with TestClient(timed) as client:  # type: ignore[arg-type]
            pages: list[tuple[str, Callable[[], Any]]] = [
                ("GET /start (intake page)", lambda: client.get("/start")),
            ]
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/start").text)
            form = {**SELF_CHECK, "csrf_token": token.group(1) if token else "", "step": "submit"}
            pages.append(("POST /start (result page)", lambda: client.post("/start", data=form)))
            for name, request in pages:
                spent.clear()
                assert request().status_code == 200, name
                first = spent[0]
                spent.clear()
                for _ in range(repeats):
                    request()
                ordered = sorted(spent)
                rows.append([name, f"{first * 1000:.1f} ms", f"{statistics.median(ordered) * 1000:.1f} ms",
                             f"{ordered[int(0.9 * (len(ordered) - 1))] * 1000:.1f} ms", "< 100 ms"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="Duration of each fixed-rate run.")
    parser.add_argument("--rate", type=float, default=200, help="Requests per second of the fixed-rate runs.")
    parser.add_argument(
        "--sweep",
        type=lambda text: [float(x) for x in text.split(",") if x.strip()],
        default=[150, 100, 75, 50, 25],
        help="Lower rates tried, in order, after a miss at --rate (comma-separated; '' for none).",
    )
    parser.add_argument("--ingest-seconds", type=float, default=10, help="Duration of the ingestion run.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients of the ingestion run.")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes.")
    parser.add_argument(
        "--patients", type=int, default=50, help="Patients seeded (requests cycle over them)."
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SCAPULA_TEST_POSTGRES"),
        help="PostgreSQL server URL (default: $SCAPULA_TEST_POSTGRES); a throwaway database is used.",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="Skip SQLite.")
    parser.add_argument(
        "--uvicorn-workers",
        action="store_true",
        help="Serve with `uvicorn --workers N` itself (keep-alive requests pay ~40 ms; see scapula.api.serving).",
    )
    parser.add_argument("--page-repeats", type=int, default=50, help="Renders of each web page timed.")
    parser.add_argument("--no-http", action="store_true", help="Only time the web pages (no load runs).")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:  # the server (a child of the benchmark), started as `scapula serve --workers N` starts it
        from scapula.api.serving import serve

        serve(os.environ[DB_ENV], "127.0.0.1", args.port, args.workers)
        return

    def give_up(*_: object) -> None:
        raise TimeoutError(f"benchmark exceeded {HARD_LIMIT_S} s")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(HARD_LIMIT_S)

    print("Timing the web pages in process ...", file=sys.stderr)
    pages = page_times(args.page_repeats)
    backends: list[tuple[str, Callable[[], contextlib.AbstractContextManager[str]]]] = []
    if args.no_http:
        pass
    elif not args.no_sqlite:
        backends.append(("SQLite (WAL)", sqlite_database))
    if args.postgres and not args.no_http:
        backends.append(("PostgreSQL", lambda: postgres_database(args.postgres)))
    latency, ingest, commands, failures = [], [], [], []
    for label, database in backends:
        print(f"{label}: seeding and starting uvicorn ...", file=sys.stderr)
        with database() as url:
            rows_l, rows_i, command, server_errors = run_backend(label, url, args)
        failures += [[label, kind, count] for kind, count in sorted(server_errors.items())]
        latency += rows_l
        ingest += rows_i
        commands.append(
            f"{DB_ENV}=<{label} database> " + shlex.join(command).replace(sys.executable, "python")
        )
    signal.alarm(0)

    print(f"\n### Web pages: server time to render (in process, SQLite, {args.page_repeats} renders each)\n")
    print(markdown_table(["page", "first after start-up", "median", "p90", "target"], pages))
    if args.no_http:
        return
    server = "`uvicorn --workers`" if args.uvicorn_workers else "uvicorn processes"
    print(
        f"\n### Latency at a fixed rate ({args.rate:.0f} requests/s for {args.seconds:.0f} s, "
        f"{args.workers} {server}, target p99 < 50 ms)\n"
    )
    print(
        markdown_table(
            [
                "database",
                "request",
                "offered",
                "achieved",
                "p50",
                "p99",
                "max",
                "errors",
                "CPU/request server / load generator",
                "meets target",
            ],
            latency,
        )
    )
    print(
        f"\n### Ingestion of tracking entries ({args.clients} clients, as fast as possible for "
        f"{args.ingest_seconds:.0f} s)\n"
    )
    print(
        markdown_table(
            [
                "database",
                "clients",
                "entries/s",
                "p50",
                "p99",
                "errors",
                "CPU/entry server / load generator",
                "stored",
            ],
            ingest,
        )
    )
    if failures:
        print("\n### Exceptions in the server's log (types only)\n")
        print(markdown_table(["database", "exception", "count"], failures))
    print("\nCommands:\n")
    print("    " + shlex.join(["python", "bench/service.py", *sys.argv[1:]]))
    for command in commands:
        print("    " + command)
    print(
        f"\nMachine: {os.cpu_count()} CPUs, shared by the server, the database and the load generator. "
        "Latency counts from when each request was due; server CPU is the uvicorn processes' (not "
        "PostgreSQL's)."
    )


if __name__ == "__main__":
    main()
