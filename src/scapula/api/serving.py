"""Running the clinic service: one process, or several sharing one listening socket.

`scapula serve --workers N` and bench/service.py both start the service through `serve`, so the
figures in docs/benchmarks.md are those of the shipped command."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from typing import Any

from fastapi import FastAPI

from ..store import Database, Store
from .app import create_app, ready_to_serve

__all__ = ["DATABASE_ENV", "app_from_environment", "serve"]

DATABASE_ENV = "SCAPULA_SERVE_DATABASE"
"""How the parent tells its worker processes which database to open (they are spawned, not forked)."""


def app_from_environment() -> FastAPI:
    """The app in a worker process (an app factory for uvicorn): the database named by
    `SCAPULA_SERVE_DATABASE`, already migrated by the parent, so workers never race to do it."""
    app = create_app(database_url=os.environ[DATABASE_ENV], migrate=False)
    ready_to_serve()
    return app


def _worker(sock: socket.socket, log_level: str) -> None:
    import uvicorn

    config = uvicorn.Config(app_from_environment, factory=True, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _listening_socket(host: str, port: int) -> socket.socket:
    # `uvicorn --workers N` binds without IPPROTO_TCP, so asyncio never sets TCP_NODELAY on accepted
    # connections and every keep-alive request after the first waits ~40 ms for a delayed ACK on
    # Linux (uvicorn issue #3149). Bound here with the protocol named, the flag is set as it should be.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve(
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    store: Store | None = None,
    log_level: str = "warning",
) -> None:
    """Serve until interrupted. With `workers` > 1, that many processes share one socket: the work
    is CPU-bound Python, so one process per CPU is what lets a clinic's server use its cores."""
    import uvicorn

    if workers <= 1:
        app = create_app(store, database_url=database_url)  # migrates unless given a store
        ready_to_serve()
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    db = Database(database_url)
    db.upgrade()
    db.dispose()
    os.environ[DATABASE_ENV] = database_url
    sock = _listening_socket(host, port)
    spawn = multiprocessing.get_context("spawn")
    children = [spawn.Process(target=_worker, args=(sock, log_level)) for _ in range(workers)]
    for child in children:
        child.start()

    def stop(*_: Any) -> None:
        for child in children:
            if child.pid and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
