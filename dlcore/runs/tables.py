"""The run store's two tables, in SQLAlchemy Core: the same schema on SQLite and PostgreSQL.

Times are seconds since the epoch (floats): both databases keep them exactly and no time zone is
guessed. Settings, specs and scores are JSON columns (json on PostgreSQL, text on SQLite); they never
hold NaN or infinity, which PostgreSQL's JSON rejects (see `plain`).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

METADATA = MetaData()

# SQLite gives an INTEGER PRIMARY KEY its row id (autoincrement); a BIGINT one would have to be set by hand.
_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")

RUNS = Table(
    "dlp_runs",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("run_group", String(100), index=True),  # a search's id: its trials share it
    Column("owner", String(100), nullable=False, index=True),  # the job pool's owner (a browser tab)
    Column("who", String(100), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("message", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("started", Float, nullable=False),
    Column("ended", Float),
    Column("heartbeat", Float, nullable=False),  # the last time its writer wrote it
    Column("process", String(200), nullable=False),  # host:pid of the server that trains it
    Column("setup", JSON, nullable=False),  # RecipeSpec.to_dict(): the recipe, a model spec per role
    Column("main_role", String(50), nullable=False),
    Column("config", JSON, nullable=False),  # TrainConfig.to_dict()
    Column("dataset", String(100), nullable=False),
    Column("options", JSON, nullable=False),  # the dataset's options
    Column("seed", Integer, nullable=False),
    Column("device", String(200), nullable=False),
    Column("parameters", BigInteger, nullable=False, default=0),
    Column("steps", Integer, nullable=False, default=0),
    Column("epochs", Integer, nullable=False, default=0),
    Column("duration_s", Float, nullable=False, default=0.0),  # training time, pauses not counted
    Column("best", JSON, nullable=False),  # the best value of every validation score so far
    Column("final", JSON, nullable=False),  # the latest values, and the test scores at the end
    Column(
        "weights", JSON, nullable=False
    ),  # which weights were kept ("final", "best") -> their size in bytes
)

METRICS = Table(
    "dlp_metrics",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("run_id", ForeignKey("dlp_runs.id", ondelete="CASCADE"), nullable=False),
    Column(
        "n", Integer, nullable=False
    ),  # the row's number among all the run's rows (thinning keeps n % k == 0)
    Column("step", Integer, nullable=False),
    Column("row_values", JSON, nullable=False),  # column name -> value (finite numbers only)
)
Index("dlp_metrics_run", METRICS.c.run_id, METRICS.c.n)


def plain(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (dicts and lists walked): JSON that both
    databases accept."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
