"""What the Inspect, Explain and Adversarial pages look at: a snapshot of this tab's training job.

The job (ui.session) owns the model; these pages read a CPU snapshot of it, kept until the student asks
for a new one or the job ends, so charts do not shift under the mouse while training continues (the job
itself records weights and gradients over time for the "over training time" charts). With no job
yet, `offer_quick_model` trains a small CNN on the digits in a few seconds, so no student is stuck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.rewind import rewind_slider, rewound_model
from ui.session import current_job, session_owner, set_job
from ui.state import REWOUND_SUBJECT as REWOUND_KEY
from ui.state import SUBJECT as SNAPSHOT_KEY
from ui.text import plain


def small_cnn(
    name: str,
    input_shape: list[int],
    classes: int,
    widths: tuple[int, ...],
    pools: tuple[int, ...],
    hidden: int,
) -> dict:
    """A spec dict: a 3×3 convolution + ReLU per width (2×2 max-pooling after the blocks in `pools`), then a
    dense head. Small enough to train in seconds on a CPU."""
    layers: list[dict] = []
    for i, width in enumerate(widths):
        layers += [
            {"type": "Conv2d", "out_channels": width, "kernel_size": 3, "padding": 1},
            {"type": "ReLU"},
        ]
        if i in pools:
            layers.append({"type": "MaxPool2d", "kernel_size": 2})
    layers += [
        {"type": "Flatten"},
        {"type": "Linear", "out_features": hidden},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": classes},
    ]
    return {"name": name, "input_shape": input_shape, "layers": layers}


# The quick model for the 8×8 digits: ~99 % test accuracy after a few seconds on a CPU.
QUICK_MODEL = small_cnn("quick digits CNN", [1, 8, 8], 10, (16, 32), (1,), 64)
QUICK_DATASET = "digits"
QUICK_TRAINING = {"epochs": 15, "lr": 3e-3, "batch_size": 32}
QUICK_WAIT_S = 60


@dataclass(eq=False)
class Subject:
    """A snapshot of the job's model and what the pages need with it (computed once per snapshot)."""

    job: Any
    model: Any
    step: int
    epoch: int
    status: str
    cache: dict = field(default_factory=dict)
    rewound: bool = False  # the model as it was at `step`, a moment the job kept (ui.rewind)

    @property
    def dataset(self):
        return self.job.dataset

    @property
    def is_classifier(self) -> bool:
        return dlcore.TASKS.get(self.dataset.task).class_per_example

    @property
    def is_image(self) -> bool:
        return self.dataset.family == "images"

    @property
    def class_names(self) -> list[str]:
        ds = self.dataset
        return list(ds.class_names) or [str(i) for i in range(ds.num_classes or 0)]

    def test_predictions(self):
        """(predicted classes, probabilities) of this snapshot on the whole test split."""
        if "test" not in self.cache:
            self.cache["test"] = dlcore.predict(self.model, self.dataset.test[0])
        return self.cache["test"]

    def caption(self) -> str:
        where = f"epoch {self.epoch}, step {self.step}"
        name = plain(self.job.spec.name or "your model")
        if self.rewound:
            return f"**{name}** on **{self.dataset.name}** as it was at step {self.step}, rewound."
        if self.job.alive:
            return f"A snapshot of **{name}** on **{self.dataset.name}** from {where}; training goes on."
        return f"**{name}** on **{self.dataset.name}**, trained to {where} ({self.status})."


def subject(refresh: bool = False) -> Subject | None:
    """This tab's model as a snapshot, or None when there is no job (or its model was freed)."""
    job = current_job()
    if job is None:
        return None
    held: Subject | None = st.session_state.get(SNAPSHOT_KEY)
    stale = held is None or held.job is not job or held.status != job.status
    if not (refresh or stale):
        return held
    try:
        model = job.snapshot()
    except dlcore.DlcoreError:
        return None
    progress = job.progress()
    held = Subject(job, model, int(progress.get("step") or 0), int(progress.get("epoch") or 0), job.status)
    st.session_state[SNAPSHOT_KEY] = held
    return held


def quick_job(owner: str):
    """Start training the quick digits CNN for `owner`; returns the Job at once."""
    spec = dlcore.ModelSpec.from_dict(QUICK_MODEL)
    ds = dlcore.data.load(QUICK_DATASET)
    return dlcore.start_training(spec, ds, dlcore.TrainConfig(**QUICK_TRAINING), owner=owner)


def start_quick_model() -> None:
    """Train the quick digits CNN as this tab's job and wait for it (a few seconds)."""
    job = quick_job(session_owner())
    set_job(job)
    with st.spinner("Training a small CNN on the 8×8 digits…"):
        wait_for(job, QUICK_WAIT_S)


def wait_for(job, seconds: float) -> bool:
    """Block until `job` ends (True) or `seconds` pass, heartbeating so the job pool keeps it alive."""
    for _ in range(int(seconds * 4)):
        job.heartbeat()
        if job.wait(0.25):
            return True
    return False


def offer_quick_model(why: str, key: str) -> None:
    """Say why there is nothing to show yet and offer the one-click quick model."""
    replaces = " It takes the place of your current model." if current_job() is not None else ""
    st.info(
        f"{why} Train one on the **Train** page, or let the playground train a quick one here: a small "
        f"CNN on the 8×8 handwritten digits, ready in a few seconds.{replaces}",
        icon=":material/psychology:",
    )
    if st.button("Train a quick model", icon=":material/bolt:", type="primary", key=key):
        try:
            start_quick_model()
        except dlcore.DlcoreError as err:
            show_error(err)
            return
        st.rerun()


def require_subject(page: str, *, classifier: bool = False) -> Subject | None:
    """The subject for `page`, or None after explaining what is missing (with the quick-model button)."""
    held = subject()
    if held is None:
        offer_quick_model("There is no trained model to look at yet.", key=f"{page}_quick")
        return None
    if classifier and not held.is_classifier:
        offer_quick_model(
            f"This page looks at class decisions, and your model does {held.dataset.task} on "
            f"{held.dataset.name}.",
            key=f"{page}_quick",
        )
        return None
    return held


def snapshot_bar(held: Subject, key: str) -> Subject:
    """The caption saying what is shown, with a button for a fresh snapshot while training runs."""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.markdown(held.caption())
    if (
        held.job.alive
        and not held.rewound
        and right.button(
            "New snapshot",
            icon=":material/photo_camera:",
            key=key,
            help="Look at the weights as they are now",
        )
    ):
        return subject(refresh=True) or held
    return held


def rewind_bar(held: Subject, key: str) -> Subject:
    """The rewind slider over the moments the job kept; the subject at the chosen one (or `held`, live)."""
    step = rewind_slider(held.job, key)
    model = rewound_model(held.job, key) if step is not None else None
    if model is None:
        return held
    past: Subject | None = st.session_state.get(REWOUND_KEY)
    if past is None or past.model is not model:  # one Subject per moment: its cached results stay
        past = Subject(held.job, model, step, held.epoch, held.status, rewound=True)
        st.session_state[REWOUND_KEY] = past
    return past
