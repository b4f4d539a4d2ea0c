"""Fuzzing what students upload and type: only dlcore errors (messages for a student) may come out.

Spec dicts, spec JSON text and bytes, training settings and CSV bytes, a few hundred cases per run in
all, derandomized so CI sees the same cases every time.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
from dlcore import playground
from tests.spec_strategies import corrupted_specs, valid_specs

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(
        ["Linear", "ReLU", "Sequential", "Residual", "training", "none", "forward", "\ud800", "a\x00"]
    ),
)
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
)
KEYS = st.sampled_from(
    ["type", "name", "layers", "out_features", "p", "kernel_size", "input_shape", "init_std"]
)
LAYER = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["Linear", "ReLU", "Dropout", "Flatten", "Nope"])}),
    lambda inner: st.fixed_dictionaries(
        {"type": st.sampled_from(["Sequential", "Residual"]), "layers": st.lists(inner, max_size=3)}
    ),
    max_leaves=12,
).flatmap(lambda layer: st.dictionaries(KEYS, JSON_LIKE, max_size=3).map(lambda extra: {**layer, **extra}))
SPEC_DICTS = st.one_of(
    corrupted_specs(),
    st.fixed_dictionaries(
        {
            "input_shape": st.sampled_from([[4], [1, 6, 6], [3, 4]]) | JSON_LIKE,
            "layers": st.lists(LAYER, max_size=4),
        },
        optional={"name": JSON_LIKE, "description": JSON_LIKE, "init": JSON_LIKE, "init_std": JSON_LIKE},
    ),
    JSON_LIKE,
)


def read_spec_fully(spec) -> None:
    """What the Build page does with a spec: its summary, its model, its code."""
    dlcore.summarize(spec)
    dlcore.build_model(spec)
    dlcore.to_pytorch_code(spec)


def only_dlcore_errors(action, *args) -> None:
    try:
        action(*args)
    except dlcore.DlcoreError as err:
        assert err.message and len(err.message) < 1000
    # anything else propagates and fails the test with its traceback


@FUZZ
@given(SPEC_DICTS)
def test_fuzzed_spec_dicts_give_only_dlcore_errors(data):
    only_dlcore_errors(lambda: read_spec_fully(dlcore.ModelSpec.from_dict(data)))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), valid_specs().map(json.dumps)))
def test_fuzzed_spec_json_gives_only_dlcore_errors(text):
    only_dlcore_errors(lambda: read_spec_fully(dlcore.ModelSpec.from_json(text)))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            ["lr", "epochs", "batch_size", "loss", "optimizer", "schedule", "weight_decay", "seed"]
        )
        | st.text(max_size=10),
        JSON_LIKE,
        max_size=4,
    )
)
def test_fuzzed_training_settings_give_only_dlcore_errors(values):
    only_dlcore_errors(dlcore.TrainConfig.from_dict, values)


CSV_TEXT = st.lists(
    st.lists(
        st.one_of(st.integers(-5, 5).map(str), st.sampled_from(["", "x", "1,5", "nan", "inf", '"'])),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=6,
).map(lambda rows: "\n".join(",".join(row) for row in rows).encode())


@FUZZ
@given(st.one_of(st.binary(max_size=120), CSV_TEXT))
def test_fuzzed_csv_bytes_give_only_dlcore_errors(data):
    only_dlcore_errors(dlcore.data.csv_columns, data)
    only_dlcore_errors(lambda: dlcore.data.from_csv(data, target=data.split(b",")[0].decode("latin-1")))
    only_dlcore_errors(playground.points_from_csv, io.BytesIO(data))
