"""Kept runs: every training job recorded in a database as it trains, to list, compare and reopen later.

store.py      the RunStore (SQLAlchemy: SQLite in the data folder, or $DLP_DATABASE_URL), RunRecord,
              run_store(), weights as safetensors files
tables.py     its schema
recording.py  record_job (called by start_training), the writer thread, who ran what
view.py       the Runs page without Streamlit: its state (RunsView), the table, settings side by side
"""

from dlcore.runs import view as view  # the page's state: view.from_query, to_query, validate
from dlcore.runs.recording import FLUSH_S, record_job, recording_problem, run_writer, set_who, who_is
from dlcore.runs.store import RunRecord, RunStore, data_dir, database_url, run_store
from dlcore.runs.view import (
    MAX_TICKED,
    STATUSES,
    RunsView,
    metric_choices,
    runs_table,
    settings_diff,
    shown,
    train_state,
)

__all__ = [
    "FLUSH_S",
    "MAX_TICKED",
    "STATUSES",
    "RunsView",
    "metric_choices",
    "runs_table",
    "settings_diff",
    "shown",
    "train_state",
    "view",
    "RunRecord",
    "RunStore",
    "data_dir",
    "database_url",
    "record_job",
    "recording_problem",
    "run_store",
    "run_writer",
    "set_who",
    "who_is",
]
