"""What a browser tab remembers: every st.session_state key of the app, and the one way a page holds state.

Keys live here, by the page or package that owns them, so two pages can never pick the same name by
accident and the next developer sees in one place everything a tab keeps. Widget keys (the
`st.session_state[key]` of a bound widget) are named by the code that draws the widget.

`PageState` is how a page holds what the student set up: one frozen, validated object per page,

- read from the link's query parameters on the tab's first visit (a bad link gives notices, not errors),
- replaced whole, never mutated: a change that fails validation is refused with a notice, the old state
  stays, so nothing the student built is lost,
- bound to its widgets: before a widget is drawn its key is set from the state (`bind`), and its
  on_change callback writes the new value back (`on_change`), so presets, links and buttons can change
  any control without the widgets fighting them,
- mirrored to the address bar after every change (`sync_url`): the URL is always a link that reopens it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

import dlcore

# ---------------------------------------------------------------- the tab (ui.session, app.py)
OWNER = "session_owner"  # this tab's id: the owner of every job it starts
JOB = "job"  # the tab's run (Train page; Inspect, Explain and Adversarial read it)

# ---------------------------------------------------------------- Build
BUILD = "build"  # the model being built, read by every page: PageState ui.build.state.BUILD ("build.state")
SPEC_UPLOAD_PARSED = "spec_upload_parsed"  # the spec file last read by the uploader (ui.uploads.parse_once)

# ---------------------------------------------------------------- Train
TRAIN_SETUP = "train_setup"  # the Train page's PageState (dataset, options, settings, roles): its name
TRAIN_PRESET = "train_preset"  # the preset whose dataset and settings the Train page was last set up with
RESUME_CHECKPOINT = "resume_checkpoint"  # the uploaded model: {"name", "bytes", "spec", "use", "note"}
START_WEIGHTS = "start_weights"  # weights kept to start runs from (transfer): {"name", "bytes", "use"}
CHECKPOINT_PARSED = "checkpoint_upload_parsed"  # that file as read once (ui.uploads.parse_once)
DOWNLOADS = "train_downloads"  # the run's checkpoint zip and metrics CSV, made once per run and status
LIVE_VIEW = "train_live_view"  # what the run made last (its samples), when, and what it cost to make

# ---------------------------------------------------------------- 2-D playground
PLAYGROUND = "playground"  # the name of its PageState (ui.playground.STATE)
PLAYGROUND_RUNS = "playground_runs"  # "A"/"B" -> each network's training job and history (ui.playground.runs)
PLAYGROUND_PLAYING = "playground_playing"  # True while Play is on
PLAYGROUND_EDIT = "playground_edit"  # (side, Edge): the weight or bias whose value is being typed
PLAYGROUND_CSV = "pg-csv-parsed"  # the uploaded points file, read once

# ---------------------------------------------------------------- Generative
GENERATIVE = "generative"  # the name of its PageState (ui.generative.state.GENERATIVE)
GENERATIVE_RUN = (
    "generative_run"  # the page's run: its job, dataset and the state it trains (ui.generative.runs)
)
GENERATIVE_PLAYING = "generative_playing"  # True while Play is on
GENERATIVE_CSV = "gen-csv-parsed"  # the uploaded points file, read once
GENERATIVE_DIFFUSION_WALK = "gen_diffusion_walk"  # diffusion: the way from noise to data last walked

# ---------------------------------------------------------------- Inspect and Explain
SUBJECT = "inspect_snapshot"  # the snapshot of the tab's model that Inspect, Explain and Adversarial show
PICKED_UPLOAD = "{page}_upload_parsed"  # per page: the picture uploaded as its input, read once
CONFUSION_CLICK = "inspect_cell_click"  # the confusion cell clicked last: (true class, predicted class)
REWOUND_SUBJECT = "inspect_rewound"  # the Subject of the moment Inspect or Explain is rewound to
EXPLAIN_SANITY = "explain_sanity"  # (method, stages, picture, input) of the last sanity check in this tab
EXPLAIN_LESSON = "explain_lesson"  # the cheating lesson's two trained models and their data

# ---------------------------------------------------------------- Learning
LANDSCAPE = "learning_landscape"  # the loss landscape measured last in this tab (ui.learning.landscape)

# ---------------------------------------------------------------- Rewind (ui.rewind), one pair per slider key
REWIND_JOB = "{key}.job"  # the job whose kept moments the slider under `key` shows (a new job starts live)
REWIND_MODEL = "{key}.model"  # (job id, step, model): the model rebuilt at the step picked on that slider

# ---------------------------------------------------------------- Adversarial
ROBUST_COPY = "adversarial_robust"  # the adversarially trained copy: its job, its source, its ε
ATTACK_CURVES = "adversarial_curves"  # the accuracy-under-attack curves measured last, and of which models

# ---------------------------------------------------------------- Deploy
# Each holds {"subject": the snapshot it was made from, "value": ...}: a new snapshot hides old results.
DEPLOY_EXPORTS = "deploy_exports"  # format -> the dlcore.Export made on click, or the DeployError it raised
DEPLOY_REPORT = "deploy_report"  # the last size / speed / accuracy report (a DataFrame from deploy_report)
DEPLOY_PRUNING = "deploy_pruning"  # the last accuracy-against-sparsity curve and the settings it was run with

# ---------------------------------------------------------------- Lessons (ui.lessons)
LESSON = "lesson"  # the id of the lesson open in this tab: its card is in the sidebar, its id in the URL
LESSONS_PASSED = "lessons_passed"  # the ids of the lessons answered right in this browser session (a set)
LESSON_VERDICT = "lesson_verdict"  # (lesson id, dlcore.lessons.Verdict): what the card's last Check said
LESSONS_FILTER = "lessons_filter"  # the name of the Lessons page's PageState (the level and topic shown)

# ---------------------------------------------------------------- Learning
LEARNING = "learning"  # the name of its PageState (ui.learning.state.LEARNING): tool, stepper, race, sweep
LEARNING_SHOWN = "learning_shown"  # (the stepper's network, how many of its steps are shown)
LEARNING_FINDING = "learning_finding"  # {"setup": what the finder ran on, "value": its LrFinding or error}

# ---------------------------------------------------------------- Sequences (ui.sequences)
SEQUENCES = "sequences"  # the name of the page's PageState (the open tab); each tab's is "sequences.<key>"
SEQ_MEMORY_JOB = "seq_memory_job"  # the memory tab's training job
SEQ_SSM_JOB = "seq_ssm_job"  # the state-space tab's training job
SEQ_RACE_JOB = "seq_race_job"  # the race tab's job (every racer in one job)
SEQ_RACE_RACED = "seq_race_raced"  # the race tab's state that job was started with
SEQ_RACE_FINISHED = "seq_race_finished"  # {(task, delay): {racer: test accuracy}}: races run in this tab
SEQ_EMBEDDINGS = "seq_embeddings"  # the projection drawn last on the embeddings tab, and of what
SEQ_ATTENTION_RUN = "seq_attention_run"  # the attention tab's (job, the tab's state it was started with)
SEQ_LANGUAGE_RUN = "seq_language_run"  # the language tab's (job, the tab's state it was started with)

# ---------------------------------------------------------------- Runs (ui.runs)
RUNS = "runs"  # the name of its PageState (ui.runs.state.RUNS): filters, ticked runs, open section, metric
RUNS_WHO = "runs_who"  # the name this tab's person typed, that their runs are kept under
SEARCH = "runs_search"  # this tab's hyper-parameter search (dlcore.search.Search): its trials are its jobs
SEARCH_PLAN = "runs_search_plan"  # the name of the Search section's PageState (ui.runs.search_plan.PLAN)

# ---------------------------------------------------------------- Classroom (ui.classroom)
CLASSROOM = "classroom"  # the name of its PageState (ui.classroom.state.CLASSROOM): view, code, challenge
CLASS_STUDENT = "class_student"  # the dlcore StudentRecord this tab joined a class as (its owner is OWNER)
CLASS_REJOIN_KEY = "class_rejoin_key"  # the key a student needs to join again under their name, shown once
CLASS_TEACHER = "class_teacher"  # True once the teacher's password was accepted in this tab

S = TypeVar("S")


@dataclass(frozen=True)
class PageState(Generic[S]):
    """One page's state in this tab (see the module docstring).

    `from_query(query) -> (state, problems)` reads a link (problems: sentences for the student, one per
    value it could not use); `to_query(state)` writes one; `validate(state)` raises dlcore.DlcoreError
    with a student's message when a state cannot be used. `name` keys its session entries.
    """

    name: str
    from_query: Callable[[Mapping[str, str]], tuple[S, list[str]]]
    to_query: Callable[[S], dict[str, str]]
    validate: Callable[[S], None]

    @property
    def key(self) -> str:
        return f"{self.name}.state"

    @property
    def notices_key(self) -> str:
        return f"{self.name}.notices"

    def current(self) -> S:
        """This tab's state; on the first visit it comes from the link's query parameters."""
        if self.key not in st.session_state:
            state, problems = self.from_query(st.query_params.to_dict())
            st.session_state[self.key] = state
            if problems:
                st.session_state[self.notices_key] = list(problems)
        return st.session_state[self.key]

    def replace(self, state: S) -> bool:
        """Make `state` current if it is valid; otherwise keep the old one and note why. True if taken."""
        try:
            self.validate(state)
        except dlcore.DlcoreError as err:
            self.notify(err.message)
            return False
        st.session_state[self.key] = state
        return True

    def update(self, change: Callable[[S], S]) -> bool:
        """Apply `change` to the current state (for button and widget callbacks). True if taken."""
        return self.replace(change(self.current()))

    def query(self) -> dict[str, str]:
        """The current state as query parameters."""
        return self.to_query(self.current())

    def sync_url(self) -> None:
        """Write the current state into the address bar (see the module function)."""
        sync_url(self)

    def notify(self, message: str) -> None:
        """Keep `message` to show once on the page's next run."""
        st.session_state.setdefault(self.notices_key, []).append(message)

    def take_notices(self) -> list[str]:
        """The notices not shown yet (a bad link, a refused change); each is returned once."""
        self.current()  # on the first visit, reading the link is what leaves its notices
        return st.session_state.pop(self.notices_key, [])

    def on_change(self, key: str, change: Callable[[S, Any], S]) -> dict[str, Any]:
        """Keyword arguments for a widget whose new value updates the state via `change(state, value)`."""
        return {"key": key, "on_change": self._changed, "args": (key, change)}

    def _changed(self, key: str, change: Callable[[S, Any], S]) -> None:
        self.update(lambda state: change(state, st.session_state[key]))


def query_of(*states: PageState) -> dict[str, str]:
    """The query parameters of these states together (DlcoreError: a model the link cannot carry)."""
    return {name: value for state in states for name, value in state.query().items()}


def sync_url(*states: PageState) -> None:
    """Write these states into the address bar, only when it differs (so nothing flickers). A page whose
    link must reopen more than its own state names them all: the Train page's link carries the model.
    While a lesson is open in this tab its id stays in the link (ui.lessons), so a reload keeps it open."""
    try:
        query = query_of(*states)
    except dlcore.DlcoreError as err:  # a long model and a server that cannot keep it: the page works on
        st.warning(err.message, icon=":material/link_off:")
        return
    if LESSON in st.session_state:
        query[dlcore.lessons.LESSON_PARAM] = st.session_state[LESSON]
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def bind(key: str, value: Any) -> str:
    """Set a widget's value from the state just before the widget is drawn; returns the key."""
    st.session_state[key] = value
    return key
