"""The run store's fixtures: a store on SQLite in a temporary folder, and the same on a real PostgreSQL
server these tests start themselves (initdb and pg_ctl from Debian's `postgresql` package)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from dlcore.runs import RunStore

POSTGRES_USER = "postgres"  # initdb refuses to run as root: as root, the server runs as this user


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1:]), None
    )
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A URL to a fresh PostgreSQL server on a free port in a temporary folder; skipped where PostgreSQL
    is not installed."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql); .ci/run installs it")
    folder = Path(tempfile.mkdtemp(prefix="dlp-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, POSTGRES_USER)
        as_user = ["runuser", "-u", POSTGRES_USER, "--"]
    data, log, port = folder / "data", folder / "server.log", _free_port()

    def run(*command):
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "dlp", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
    try:
        yield f"postgresql+psycopg://dlp@127.0.0.1:{port}/postgres"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """An empty run store on each database."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = RunStore(url or f"sqlite:///{tmp_path / 'runs.sqlite3'}", tmp_path)
    if url:  # one server for the session: start each test from empty tables
        from dlcore.runs.tables import METADATA

        with store.engine.begin() as conn:
            for table in reversed(METADATA.sorted_tables):
                conn.execute(table.delete())
    yield store
    store.close()
