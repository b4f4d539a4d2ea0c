"""The dataset catalogue as a whole: every entry loads, is what it says, splits cleanly, reproduces."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.data import Dataset, info, load, names, options
from dlcore.errors import DataError
from tests.data.test_downloads import offline_cache  # noqa: F401  (a fixture: every entry loads offline)

ALL = names()


@pytest.fixture(scope="module")
def loaded() -> dict[str, Dataset]:
    return {name: load(name) for name in ALL}


def test_catalogue_has_every_family_and_the_promised_sets():
    assert {info(n).family for n in ALL} == {
        "toy2d",
        "tabular",
        "images",
        "sequences",
        "tokens",
        "generative",
    }
    for name in ("circle", "xor", "gaussian", "spiral", "moons", "plane", "multi_gaussian", "blobs"):
        assert name in ALL
    for name in (
        "multi_spiral",
        "iris",
        "wine",
        "breast_cancer",
        "digits",
        "shapes",
        "sine",
        "compound_wave",
    ):
        assert name in ALL
    for name in (
        "memory",
        "wave_classes",
        "reverse",
        "sort",
        "add",
        "ring",
        "grid",
        "two_moons",
        "swiss_roll",
    ):
        assert name in ALL
    assert dlcore.data.load is load  # reachable as dlcore.data


@pytest.mark.parametrize("name", ALL)
def test_every_dataset_loads_with_the_advertised_shapes_task_and_dtypes(name, loaded):
    ds = loaded[name]
    assert ds.name == name and ds.task == info(name).task and ds.family == info(name).family
    for split, (x, y) in ds.splits.items():
        assert len(x) == len(y), split
        assert tuple(x.shape[1:]) == ds.input_shape, split
        assert tuple(y.shape[1:]) == ds.target_shape, split
        if ds.family == "tokens":
            assert x.dtype == torch.int64 and y.dtype == torch.int64
            assert 0 <= int(x.min()) and int(x.max()) < ds.vocab_size and int(y.max()) < ds.vocab_size
        else:
            assert x.dtype == torch.float32 and torch.isfinite(x).all()
        if ds.task in ("binary", "multiclass"):
            assert y.dtype == torch.int64 and y.ndim == 1
            assert ds.num_classes == len(ds.class_names) >= 2
            assert 0 <= int(y.min()) and int(y.max()) < ds.num_classes
        elif ds.task == "regression":
            assert y.dtype == torch.float32 and y.ndim == 2
        elif ds.task == "generation":
            assert y.numel() == 0
    assert len(ds.train[0]) > len(ds.test[0]) > 0
    assert ds.task != "binary" or ds.num_classes == 2


@pytest.mark.parametrize("name", ALL)
def test_splits_never_share_an_example(name, loaded):
    ds = loaded[name]
    train, val, test = (set(i.tolist()) for i in ds.indices)
    assert not (train & val) and not (train & test) and not (val & test)
    assert len(train) == len(ds.indices.train)  # no example twice within a split either


@pytest.mark.parametrize("name", names("toy2d") + names("generative") + names("sequences"))
def test_generated_test_points_are_not_copies_of_training_points(name, loaded):
    ds = loaded[name]
    rows = lambda x: {bytes(r.numpy().tobytes()) for r in x.reshape(len(x), -1)}  # noqa: E731
    assert not rows(ds.train[0]) & rows(ds.test[0])


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_data_and_another_seed_other_data(name, loaded):
    again = load(name, **loaded[name].options)
    other = load(name, **{**loaded[name].options, "seed": 1})
    for split in ("train", "val", "test"):
        for a, b in zip(loaded[name].splits[split], again.splits[split], strict=True):
            assert torch.equal(a, b)
    assert not torch.equal(loaded[name].train[0], other.train[0])


@pytest.mark.parametrize("name", names("tabular") + names("images"))
def test_normalisation_comes_from_the_training_split_only(name, loaded):
    ds = loaded[name]
    x = ds.train[0]
    dims = (0,) if x.ndim == 2 else (0, 2, 3)
    assert torch.allclose(x.mean(dim=dims), torch.zeros(1), atol=1e-4)
    assert torch.allclose(x.std(dim=dims, unbiased=False), torch.ones(1), atol=1e-3)
    assert not torch.allclose(ds.test[0].mean(dim=dims), torch.zeros(1), atol=1e-6)  # measured, not refit


def test_normalize_maps_a_new_raw_digit_exactly_like_the_training_images(loaded):
    from sklearn.datasets import load_digits

    ds = loaded["digits"]
    source = ds.indices.test[0]
    raw = torch.as_tensor(load_digits().images[source], dtype=torch.float32)[None] / 16  # (1, 8, 8) in [0, 1]
    assert torch.allclose(ds.normalize(raw), ds.test[0][0], atol=1e-6)
    assert torch.allclose(ds.normalize(raw[None]), ds.test[0][:1], atol=1e-6)  # a batch too
    assert torch.allclose(ds.denormalize(ds.test[0][0]), raw, atol=1e-6)


def test_normalize_maps_raw_iris_measurements_like_the_training_rows(loaded):
    from sklearn.datasets import load_iris

    ds = loaded["iris"]
    raw = load_iris().data[ds.indices.val[:5]]
    assert torch.allclose(ds.normalize(raw), ds.val[0][:5], atol=1e-5)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(DataError, match="did you mean 'spiral'"):
        load("spirl")


def test_unknown_option_is_named():
    with pytest.raises(DataError, match="no option 'nois' — did you mean 'noise'") as err:
        load("circle", nois=10)
    assert err.value.field == "nois"


def test_fractions_that_leave_no_test_data_are_refused():
    with pytest.raises(DataError, match="no test data") as err:
        load("circle", train_fraction=0.9, val_fraction=0.3)
    assert err.value.field == "val_fraction"


def test_every_option_is_documented_and_its_default_loads():
    for name in ALL:
        for p in options(name):
            assert p.help and p.coerce(p.default) is not None or p.optional


def _bounded(name):
    return [(name, p) for p in options(name) if p.kind in ("int", "float") and p.min is not None]


BOUNDED = [pair for name in ALL for pair in _bounded(name)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BOUNDED), st.floats(0.01, 1e6), st.booleans())
def test_out_of_range_options_raise_a_data_error_naming_the_field(pair, excess, above):
    name, param = pair
    if above and param.max is None:
        return
    value = param.max + excess if above else param.min - excess
    if param.kind == "int":
        value = int(np.ceil(value)) if above else int(np.floor(value))
    with pytest.raises(DataError) as err:
        load(name, **{param.name: value})
    assert err.value.field == param.name
    assert param.name in str(err.value)


TOY = names("toy2d")


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(TOY),
    num_points=st.integers(50, 2000),
    noise=st.integers(0, 50),
    train_fraction=st.floats(0.1, 0.9),
    val_fraction=st.floats(0.0, 0.05),
    features=st.lists(st.sampled_from(list(dlcore.data.FEATURES)), min_size=1, max_size=7, unique=True),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_valid_toy_options_load_inside_the_square(
    name, num_points, noise, train_fraction, val_fraction, features, seed
):
    ds = load(
        name,
        num_points=num_points,
        noise=noise,
        train_fraction=train_fraction,
        val_fraction=val_fraction,
        features=features,
        seed=seed,
    )
    assert sum(ds.sizes.values()) == num_points
    assert ds.input_shape == (len(features),) and ds.feature_names == features
    assert abs(ds.sizes["train"] - train_fraction * num_points) <= (ds.num_classes or 1) + 1
    for raw, (x, _) in zip(ds.raw_2d, ds.splits.values(), strict=True):
        assert len(raw) == 0 or raw.abs().max() <= 6
        assert torch.allclose(dlcore.data.featurize(raw, features), x)


def _valid_value(param, data):
    """A value inside the param's documented range (sizes kept small so the test stays quick)."""
    if param.kind == "bool":
        return data.draw(st.booleans())
    if param.kind == "choice" and getattr(param, "multiple", False):
        return data.draw(st.lists(st.sampled_from(param.choices), min_size=param.min_count, unique=True))
    if param.kind == "choice":
        return data.draw(st.sampled_from(param.choices))
    high = param.max
    if param.name.startswith("num_") or param.name.endswith("_size"):
        high = min(high, param.min + 300)
    if param.kind == "int":
        return data.draw(st.integers(int(param.min), int(high)))
    return data.draw(st.floats(param.min, high))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL), st.data())
def test_any_option_inside_its_range_loads(name, data):
    param = data.draw(st.sampled_from([p for p in options(name) if p.name != "download"]))
    value = _valid_value(param, data)
    try:
        ds = load(name, **{param.name: value})
    except DataError as err:
        # the only refusals allowed inside the ranges: fractions adding up to more than 0.95, more
        # distinct token questions than exist for a short length, or a recall sequence shorter than its
        # default delay
        assert err.field in ("val_fraction", "num_sequences", "delay"), err
        return
    assert ds.options[param.name] == (list(value) if isinstance(value, (list, tuple)) else value)
    assert len(ds.train[0]) > 0


def test_the_shapes_description_names_the_shapes_the_data_has_and_how_to_get_more():
    description = info("shapes").description
    drawn = load("shapes").class_names
    for shape in drawn:
        assert shape in description
    for extra in ("ring", "diamond"):  # not in the default data: named only as what more classes add
        assert extra not in drawn and description.index(extra) > description.index("classes")
