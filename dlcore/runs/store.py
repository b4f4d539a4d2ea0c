"""The run store: every run kept in a database (SQLite in the data folder, or PostgreSQL), its weights as
safetensors files beside it.

    store = run_store()                      # the process's store
    store.runs()                             # RunRecords, newest first
    store.metrics(run_id)                    # its metric rows, a DataFrame
    store.weights(run_id)                    # its final weights, a state dict (never pickle)

The data folder is $DLP_DATA_DIR, else ~/.cache/dl-playground; $DLP_DATABASE_URL (e.g.
postgresql+psycopg://user:pass@host/db) puts the runs of every server of a classroom in one database.
The recording of jobs into it is dlcore.runs.recording.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from sqlalchemy import create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from dlcore.errors import RunError
from dlcore.runs.tables import METADATA, METRICS, RUNS, plain

DATA_DIR_ENV = "DLP_DATA_DIR"
DATABASE_URL_ENV = "DLP_DATABASE_URL"
ALIVE = ("queued", "running", "paused")  # a job's statuses while it may still train
INTERRUPTED = "interrupted"
STALE_S = 60.0  # a run whose writer has been silent this long, on any server, was cut off
MAX_WEIGHT_BYTES = (
    200_000_000  # the largest weights file a run keeps (a 20M-parameter model in float32 is 80 MB)
)
WEIGHT_KINDS = ("final", "best")
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


def data_dir() -> Path:
    """The folder the app keeps its data in: $DLP_DATA_DIR, else ~/.cache/dl-playground."""
    return Path(os.environ.get(DATA_DIR_ENV) or Path.home() / ".cache" / "dl-playground")


def database_url() -> str:
    """$DLP_DATABASE_URL, else the SQLite file runs.sqlite3 in the data folder."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{data_dir() / 'runs.sqlite3'}"


@dataclass(frozen=True)
class RunRecord:
    """One kept run, as the store holds it.

    setup: the RecipeSpec's dict (recipe, a model spec per role, the recipe's options); main_role the role
    shown for the run ("model" when one model trains). config: TrainConfig.to_dict(). dataset and options:
    `dlcore.data.load(dataset, **options)` rebuilds the data. best: the best value of every validation
    score seen (lowest loss, highest accuracy); final: the latest values and, once it ended, the test
    scores. weights: which weights were kept ("final", "best") and their size in bytes. started/ended:
    UTC datetimes; duration_s: training time, pauses not counted.
    """

    id: int
    name: str
    group: str | None
    who: str
    owner: str
    status: str
    message: str
    note: str
    started: datetime
    ended: datetime | None
    setup: dict
    main_role: str
    config: dict
    dataset: str
    options: dict
    seed: int
    device: str
    parameters: int
    steps: int
    epochs: int
    duration_s: float
    best: dict = field(default_factory=dict)
    final: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)

    @property
    def recipe(self) -> str:
        return self.setup["recipe"]

    @property
    def models(self) -> dict[str, dict]:
        """A model spec (dict) per role."""
        return self.setup["models"]

    @property
    def spec(self) -> dict:
        """The main role's model spec (dict)."""
        return self.models[self.main_role]

    @property
    def started_from(self) -> str | None:
        """ "weights" (transfer learning) or "checkpoint" (continued) when the run did not start from fresh
        weights, else None."""
        return self.setup.get("started_from")

    @property
    def model_name(self) -> str:
        """The main model's name, else what it is made of ("Linear ×3")."""
        spec = self.spec
        if spec.get("name"):
            return spec["name"]
        types = [layer.get("type", "?") for layer in spec.get("layers", [])]
        kinds = [t for t in dict.fromkeys(types) if t not in ("ReLU", "Flatten", "Dropout")]
        return " · ".join(f"{t} ×{types.count(t)}" for t in kinds[:3]) or "empty model"

    @property
    def best_score(self) -> tuple[str, float] | None:
        """The headline validation score: (name, value), accuracy when the run had one, else the loss."""
        for name in ("val_accuracy", "val_r2", "val_loss"):
            if self.best.get(name) is not None:
                return name, self.best[name]
        return None

    @property
    def alive(self) -> bool:
        return self.status in ALIVE


@dataclass
class RunUpdate:
    """What a writer's flush changes in one run: its fields, new metric rows (n, step, values), and a
    thinning stride: the run's rows whose n is not a multiple of it are dropped before the new ones go in."""

    run_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple[int, int, dict]] = field(default_factory=list)
    thin_to: int | None = None


class RunStore:
    """Runs in a database: create, update, list, read, rename, note, delete. Thread-safe (one engine, a
    connection per call). Errors from the database become RunError with a message for a person."""

    def __init__(self, url: str | None = None, folder: Path | None = None):
        self.url = url or database_url()
        self.folder = Path(folder) if folder is not None else data_dir()
        self.weights_dir = self.folder / "runs"
        self.engine = _engine(self.url, self.folder)
        try:
            METADATA.create_all(self.engine)
        except SQLAlchemyError as err:
            self.engine.dispose()
            raise RunError(f"the runs database cannot be opened ({_reason(err)})", field="database") from err
        self.interrupted = self.mark_interrupted()

    @property
    def where(self) -> str:
        """Where the runs are kept, for people (no password)."""
        return self.engine.url.render_as_string(hide_password=True)

    # --- writing ------------------------------------------------------------------------------------

    def create_run(self, **fields: Any) -> int:
        """A new run (status, name, setup, config, ... as RUNS's columns); returns its id."""
        now = time.time()
        values = {
            "message": "",
            "note": "",
            "started": now,
            "heartbeat": now,
            "process": PROCESS,
            "best": {},
            "final": {},
            "weights": {},
            **fields,
        }
        with self._begin("save a new run") as conn:
            return conn.execute(insert(RUNS).values(**plain(values))).inserted_primary_key[0]

    def write(self, updates: Iterable[RunUpdate]) -> None:
        """Apply a writer's flush in one transaction: every run's fields, rows and thinning."""
        now = time.time()
        with self._begin("save the runs' progress") as conn:
            for change in updates:
                fields = {"heartbeat": now, "process": PROCESS, **plain(change.fields)}
                conn.execute(update(RUNS).where(RUNS.c.id == change.run_id).values(**fields))
                if change.thin_to:
                    conn.execute(
                        delete(METRICS).where(
                            METRICS.c.run_id == change.run_id, METRICS.c.n % change.thin_to != 0
                        )
                    )
                if change.rows:
                    conn.execute(
                        insert(METRICS),
                        [
                            {"run_id": change.run_id, "n": n, "step": step, "row_values": plain(values)}
                            for n, step, values in change.rows
                        ],
                    )

    def rename(self, run_id: int, name: str) -> None:
        name = " ".join(_storable(name).split())[:200]
        if not name:
            raise RunError("a run's name cannot be empty: type a few words", field="name")
        self._set(run_id, "rename the run", name=name)

    def set_note(self, run_id: int, note: str) -> None:
        self._set(run_id, "save the note", note=_storable(note)[:5000])

    def set_who(self, owner: str, who: str) -> None:
        """Name everyone's runs of `owner` (a browser tab) after the person, as they typed it."""
        with self._begin("save your name") as conn:
            conn.execute(update(RUNS).where(RUNS.c.owner == owner).values(who=_storable(who)))

    def delete(self, run_id: int) -> None:
        """Forget a run: its row, its metrics and its weights files."""
        with self._begin("delete the run") as conn:
            conn.execute(delete(METRICS).where(METRICS.c.run_id == run_id))
            conn.execute(delete(RUNS).where(RUNS.c.id == run_id))
        shutil.rmtree(self._weights_folder(run_id), ignore_errors=True)

    def keep_weights(self, run_id: int, kind: str, state: Mapping[str, torch.Tensor]) -> int:
        """Save a state dict as the run's `kind` ("final" or "best") weights file; returns its size in
        bytes. RunError when it is larger than a run may keep or the disk refuses it."""
        size = sum(t.numel() * t.element_size() for t in state.values())
        if size > MAX_WEIGHT_BYTES:
            raise RunError(
                f"the {kind} weights ({size / 1e6:.0f} MB) are larger than the "
                f"{MAX_WEIGHT_BYTES / 1e6:.0f} MB a run may keep, so they were not saved",
                field="weights",
            )
        folder = self._weights_folder(run_id)
        path = folder / f"{kind}.safetensors"
        part = path.with_suffix(".part")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(part))
            os.replace(part, path)  # a reader never sees half a file
        except OSError as err:
            raise RunError(
                f"the {kind} weights could not be saved ({_reason(err)})", field="weights"
            ) from err
        return size

    def mark_interrupted(self) -> list[int]:
        """Runs still marked as training whose server is gone (a process of this machine that no longer
        runs, or no word from any server for STALE_S seconds) become "interrupted"; returns their ids."""
        now = time.time()
        with self._begin("check for runs cut off by a restart") as conn:
            alive = conn.execute(
                select(RUNS.c.id, RUNS.c.process, RUNS.c.heartbeat).where(RUNS.c.status.in_(ALIVE))
            ).all()
            gone = [row.id for row in alive if _cut_off(row.process, row.heartbeat, now)]
            if gone:
                conn.execute(
                    update(RUNS)
                    .where(RUNS.c.id.in_(gone))
                    .values(
                        status=INTERRUPTED,
                        ended=RUNS.c.heartbeat,
                        message="Interrupted: the server stopped while it trained; its metrics are kept "
                        "up to its last save.",
                    )
                )
        return gone

    # --- reading ------------------------------------------------------------------------------------

    def runs(
        self,
        group: str | None = None,
        *,
        status: str | Iterable[str] | None = None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        """Kept runs, newest first; only those of a search `group`, with a `status` (or one of several),
        of an `owner`, when given."""
        query = select(RUNS).order_by(RUNS.c.started.desc(), RUNS.c.id.desc())
        if group is not None:
            query = query.where(RUNS.c.run_group == group)
        if status is not None:
            query = query.where(RUNS.c.status.in_([status] if isinstance(status, str) else list(status)))
        if owner is not None:
            query = query.where(RUNS.c.owner == owner)
        if limit is not None:
            query = query.limit(limit)
        with self._connect("list the runs") as conn:
            return [_record(row) for row in conn.execute(query)]

    def run(self, run_id: int) -> RunRecord:
        """One run; RunError when there is none with this id (deleted, or another database's)."""
        with self._connect("read the run") as conn:
            row = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
        if row is None:
            raise RunError(f"there is no run {run_id} (it may have been deleted)", field="run")
        return _record(row)

    def metrics(self, run_id: int) -> pd.DataFrame:
        """The run's metric rows, oldest first: step, then every value it logged (train_loss, val_loss,
        val_accuracy, lr, elapsed_s, ...). Long runs are thinned evenly to at most MAX_ROWS rows."""
        query = select(METRICS.c.step, METRICS.c.row_values).where(METRICS.c.run_id == run_id)
        with self._connect("read the run's metrics") as conn:
            rows = conn.execute(query.order_by(METRICS.c.n)).all()
        frame = pd.DataFrame([{**values, "step": step} for step, values in rows])
        if frame.empty:
            return pd.DataFrame({"step": pd.Series(dtype=int)})
        return frame[["step", *[c for c in frame.columns if c != "step"]]]

    def metric_count(self, run_id: int) -> int:
        with self._connect("count the run's metrics") as conn:
            return conn.execute(select(func.count()).where(METRICS.c.run_id == run_id)).scalar_one()

    def weights(self, run_id: int, kind: str = "final") -> dict[str, torch.Tensor]:
        """The run's kept weights ("final": as training ended; "best": at its best validation loss) as a
        state dict (a recipe's under their role, "generator.0.weight"). Read with safetensors: never
        pickle. RunError when the run kept none of this kind (it was interrupted or failed)."""
        if kind not in WEIGHT_KINDS:
            raise RunError(f"weights are 'final' or 'best', not {kind!r}", field="kind")
        path = self._weights_folder(run_id) / f"{kind}.safetensors"
        if not path.is_file():
            raise RunError(
                f"run {run_id} kept no {kind} weights (it did not end normally, or they were too large)",
                field="weights",
            )
        try:
            return load_file(str(path))
        except (SafetensorError, OSError) as err:
            raise RunError(f"run {run_id}'s {kind} weights cannot be read ({_reason(err)})") from err

    def check(self) -> list[str]:
        """The database's own integrity check (SQLite's PRAGMA integrity_check) plus the store's: every
        metric row belongs to a run. Returns the problems found (empty when all is well)."""
        problems = []
        with self._connect("check the database") as conn:
            if self.engine.dialect.name == "sqlite":
                result = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
                problems += [] if result == ["ok"] else result
            orphans = conn.execute(
                select(func.count()).where(~METRICS.c.run_id.in_(select(RUNS.c.id)))
            ).scalar_one()
            if orphans:
                problems.append(f"{orphans} metric rows belong to no run")
        return problems

    def close(self) -> None:
        self.engine.dispose()

    # --- plumbing -----------------------------------------------------------------------------------

    def _weights_folder(self, run_id: int) -> Path:
        return self.weights_dir / str(int(run_id))

    def _set(self, run_id: int, doing: str, **fields: Any) -> None:
        with self._begin(doing) as conn:
            if conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(**fields)).rowcount == 0:
                raise RunError(f"there is no run {run_id} (it may have been deleted)", field="run")

    def _begin(self, doing: str):
        return _Guarded(self.engine.begin, doing)

    def _connect(self, doing: str):
        return _Guarded(self.engine.connect, doing)


class _Guarded:
    """A connection (or transaction) whose database errors become RunError saying what could not be done."""

    def __init__(self, opener, doing: str):
        self.opener, self.doing = opener, doing

    def __enter__(self):
        try:
            self.context = self.opener()
            return self.context.__enter__()
        except SQLAlchemyError as err:
            raise RunError(f"could not {self.doing}: {_reason(err)}", field="database") from err

    def __exit__(self, kind, err, tb):
        try:
            self.context.__exit__(kind, err, tb)
        except SQLAlchemyError as failure:
            raise RunError(f"could not {self.doing}: {_reason(failure)}", field="database") from failure
        if isinstance(err, SQLAlchemyError):
            raise RunError(f"could not {self.doing}: {_reason(err)}", field="database") from err
        return False


def _engine(url: str, folder: Path) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunError(
            f"the data folder {folder} cannot be created ({_reason(err)})", field="database"
        ) from err
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        # WAL: pages read while the writer writes, and a killed server loses no committed write.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _cut_off(process: str, heartbeat: float, now: float) -> bool:
    if process == PROCESS:
        return False
    if now - heartbeat > STALE_S:
        return True
    host, _, pid = process.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _process_runs(int(pid))


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    return True


def _record(row) -> RunRecord:
    values = dict(row._mapping)
    values["group"] = values.pop("run_group")
    for name in ("heartbeat", "process"):
        values.pop(name)
    values["started"] = datetime.fromtimestamp(values["started"], UTC)
    values["ended"] = None if values["ended"] is None else datetime.fromtimestamp(values["ended"], UTC)
    return RunRecord(**values)


def _reason(err: BaseException) -> str:
    """The database's own words, on one line, without SQLAlchemy's links and parameters."""
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    first = text[0] if text else type(err).__name__
    return re.sub(r"\s*\(Background on this error.*", "", first)[:300]


_STORES: dict[tuple[str, str], RunStore] = {}
_STORES_LOCK = threading.Lock()


def run_store() -> RunStore:
    """The process's run store: $DLP_DATABASE_URL if set, else SQLite in the data folder. Opened once per
    place (a test pointing $DLP_DATA_DIR elsewhere gets a store there); runs left "running" by a server
    that is gone are marked interrupted when it opens. RunError when the database cannot be opened."""
    key = (database_url(), str(data_dir()))
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = RunStore(*key)
        return _STORES[key]


def _storable(text: Any) -> str:
    """`text` without NUL characters, which PostgreSQL's text columns refuse (SQLite keeps them)."""
    return str(text).replace("\x00", "")
