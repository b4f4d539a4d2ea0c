"""The classroom's tables, beside the run store's in the same database (SQLite or PostgreSQL).

Times are seconds since the epoch, as in the runs tables. A hand-in keeps its run's id without a foreign
key: a student may delete the run later, and the score stays.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from dlcore.runs.tables import _ROW_ID

METADATA = MetaData()

CLASSES = Table(
    "dlp_classes",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("code", String(12), nullable=False, unique=True),  # what students type to join
    Column("name", String(100), nullable=False),
    Column("created", Float, nullable=False),
)

STUDENTS = Table(
    "dlp_students",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("class_id", ForeignKey("dlp_classes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(40), nullable=False),
    Column("name_key", String(160), nullable=False),  # case-folded ("Ada" is "ada"; "ß" is "ss": longer)
    Column("owner", String(100), nullable=False, unique=True),  # the run store's owner of their runs
    Column("rejoin_hash", String(64), nullable=False),  # sha256 of the key that lets them rejoin
    Column("joined", Float, nullable=False),
    UniqueConstraint("class_id", "name_key"),
)

CHALLENGES = Table(
    "dlp_challenges",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("class_id", ForeignKey("dlp_classes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("dataset", String(100), nullable=False),
    Column("options", JSON, nullable=False),  # the dataset's options (without the holdout key)
    Column("holdout", String(40), nullable=False),  # the key that chooses the hidden examples
    Column("metric", String(20), nullable=False),
    Column("target", Float, nullable=False),
    Column("max_parameters", BigInteger),  # None: no limit
    Column("max_epochs", Integer),
    Column("is_open", Boolean, nullable=False),
    Column("leaderboard_shared", Boolean, nullable=False),
    Column("created", Float, nullable=False),
)

HAND_INS = Table(
    "dlp_hand_ins",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("challenge_id", ForeignKey("dlp_challenges.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("student_id", ForeignKey("dlp_students.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("run_id", BigInteger, nullable=False),
    Column("score", Float),  # None: the hidden examples could not be scored
    Column("per_class", JSON, nullable=False),  # [{"class", "accuracy", "examples"}] for classifiers
    Column("passed", Boolean, nullable=False),
    Column("problems", JSON, nullable=False),  # the challenge's limits it broke, for the student
    Column("parameters", BigInteger, nullable=False),
    Column("handed_in", Float, nullable=False),
)

# Wrong teacher passwords, per client: every app server sharing the database sees the same burst.
ATTEMPTS = Table(
    "dlp_teacher_attempts",
    METADATA,
    Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    Column("client", String(200), nullable=False, index=True),
    Column("at", Float, nullable=False),
)
