"""Your own CSV: good tables become datasets, bad ones a message that says what to fix."""

import io

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore.data.csv as csvdata
from dlcore.data import csv_columns, from_csv
from dlcore.errors import DataError

FLOWERS = "sepal,petal,colour,species\n" + "".join(
    f"{5 + (i % 7) * 0.3:.1f},{1 + (i % 3) * 2 + (i % 5) * 0.1:.1f},{['red', 'blue', 'green'][i % 3]},"
    f"{['setosa', 'versicolor', 'virginica'][i % 3]}\n"
    for i in range(60)
)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_text_target_is_classification_with_categories_one_hot_and_inputs_standardised():
    ds = from_csv(FLOWERS.encode(), target="species")
    assert ds.task == "multiclass" and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.feature_names == ["sepal", "petal", "colour=blue", "colour=green", "colour=red"]
    assert ds.input_shape == (5,) and sum(ds.sizes.values()) == 60
    x = ds.train[0]
    assert torch.allclose(x.mean(0), torch.zeros(5), atol=1e-5)
    assert torch.allclose(x.std(0, unbiased=False), torch.ones(5), atol=1e-4)
    # the one-hot column matches the class it was built from (colour and species go together here)
    blue = ds.feature_names.index("colour=blue")
    assert ((x[:, blue] > 0) == (ds.train[1] == 1)).all()


def test_path_upload_and_file_object_all_read(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text(FLOWERS)

    class Upload(io.BytesIO):  # what Streamlit's file_uploader returns: getvalue() and a name
        name = "flowers.csv"

    for source in (path, str(path), Upload(FLOWERS.encode()), open(path, "rb")):
        ds = from_csv(source, target="species")
        assert sum(ds.sizes.values()) == 60
    assert "flowers.csv" in ds.description


def test_numbers_with_many_values_are_regression_with_target_standardised_and_invertible():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"area": rng.uniform(30, 200, 200), "rooms": rng.integers(1, 6, 200)})
    frame["price"] = 3000 * frame.area + 10000 * frame.rooms + rng.normal(0, 1000, 200)
    ds = from_csv(csv_bytes(frame), target="price")
    assert ds.task == "regression" and ds.target_shape == (1,) and ds.num_classes is None
    assert abs(float(ds.train[1].mean())) < 1e-4
    original = frame.price.to_numpy()[ds.indices.test]
    assert np.allclose(ds.target_normalization.invert(ds.test[1])[:, 0].numpy(), original, rtol=1e-5)


def test_few_whole_numbers_are_classes_and_task_can_be_overridden():
    frame = pd.DataFrame({"x": np.arange(40) * 0.5, "grade": [1, 2, 3, 4] * 10})
    assert from_csv(csv_bytes(frame), target="grade").task == "multiclass"
    ds = from_csv(csv_bytes(frame), target="grade", task="regression")
    assert ds.task == "regression" and ds.train[1].dtype == torch.float32


def test_semicolon_separated_files_read():
    ds = from_csv(FLOWERS.replace(",", ";").encode(), target="species")
    assert ds.input_shape == (5,)


def test_decimal_commas_of_semicolon_files_are_numbers():
    european = FLOWERS.replace(",", ";").replace(".", ",").encode()
    ds = from_csv(european, target="species")
    assert ds.feature_names[:2] == ["sepal", "petal"]  # numbers, not categories
    assert csv_columns(european).set_index("column").loc["sepal", "kind"] == "number"


def test_columns_summary_offers_each_column_as_a_target():
    table = csv_columns(FLOWERS.encode())
    assert list(table.column) == ["sepal", "petal", "colour", "species"]
    rows = table.set_index("column")
    assert rows.loc["species", "as_target"] == "classification (3 classes)"
    assert rows.loc["colour", "kind"] == "category" and rows.loc["sepal", "kind"] == "number"


# ---- bad files -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file(content):
    with pytest.raises(DataError, match="is empty") as err:
        from_csv(content, target="y")
    assert err.value.field == "file"


def test_header_without_rows():
    with pytest.raises(DataError, match="no rows of data"):
        from_csv(b"a,b,y\n", target="y")


def test_not_utf8_says_how_to_save_it():
    latin1 = "ville,prix\nMontréal,1\nQuébec,2\n".encode("latin-1")
    with pytest.raises(DataError, match="not UTF-8.*CSV UTF-8"):
        from_csv(latin1, target="prix")


@pytest.mark.parametrize("start", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0"])
def test_excel_workbooks_are_recognised(start):
    with pytest.raises(DataError, match="Excel"):
        from_csv(start + b"\x00" * 40, target="y")


def test_ragged_rows_are_explained():
    with pytest.raises(DataError, match="as many values as the header"):
        from_csv(b"a,b,y\n1,2,3\n4,5,6,7,8\n", target="y")


def test_missing_target_column_suggests_the_closest():
    with pytest.raises(DataError, match="'specis' is not a column.*did you mean 'species'") as err:
        from_csv(FLOWERS.encode(), target="specis")
    assert err.value.field == "target"


def test_no_usable_feature_column_says_why():
    frame = pd.DataFrame(
        {"name": [f"person {i}" for i in range(100)], "empty": [None] * 100, "y": [0, 1] * 50}
    )
    with pytest.raises(
        DataError, match="no usable input column.*'name' \\(text with 100 different values"
    ) as err:
        from_csv(csv_bytes(frame), target="y")
    assert err.value.field == "features"


def test_identifier_columns_are_left_out_with_a_note():
    frame = pd.DataFrame({"id": [f"row-{i}" for i in range(100)], "x": np.arange(100.0), "y": [0, 1] * 50})
    ds = from_csv(csv_bytes(frame), target="y")
    assert ds.feature_names == ["x"]
    assert any("'id'" in note for note in ds.notes)


def test_only_one_class():
    frame = pd.DataFrame({"x": np.arange(20.0), "y": ["spam"] * 20})
    with pytest.raises(DataError, match="only one value \\('spam'\\)") as err:
        from_csv(csv_bytes(frame), target="y")
    assert err.value.field == "target"


def test_a_few_rows_with_missing_values_are_dropped_with_a_note():
    frame = pd.DataFrame({"x": np.arange(100.0), "z": np.arange(100.0) ** 2, "y": [0, 1] * 50})
    frame.loc[[3, 50], "x"] = np.nan
    ds = from_csv(csv_bytes(frame), target="y")
    assert sum(ds.sizes.values()) == 98
    assert any("Dropped 2 of 100 rows" in note and "'x'" in note for note in ds.notes)


def test_many_missing_values_name_the_columns_and_what_to_do():
    frame = pd.DataFrame({"x": np.arange(100.0), "z": np.arange(100.0), "y": [0, 1] * 50})
    frame.loc[:39, "z"] = np.nan
    with pytest.raises(
        DataError, match="40 of 100 rows have missing values, in 'z' \\(40\\).*leave those columns out"
    ):
        from_csv(csv_bytes(frame), target="y")
    ds = from_csv(csv_bytes(frame), target="y", features=["x"])  # ... and leaving it out works
    assert ds.feature_names == ["x"]


def test_file_larger_than_the_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(csvdata, "MAX_BYTES", 1000)
    with pytest.raises(DataError, match="larger than"):
        from_csv(FLOWERS.encode(), target="species")
    path = tmp_path / "big.csv"
    path.write_text(FLOWERS)
    with pytest.raises(DataError, match="'big.csv' is larger than"):
        from_csv(path, target="species")


def test_more_rows_than_the_limit(monkeypatch):
    monkeypatch.setattr(csvdata, "MAX_ROWS", 50)
    with pytest.raises(DataError, match="more than 50 rows"):
        from_csv(FLOWERS.encode(), target="species")


def test_text_target_cannot_be_regression_and_wrong_class_count_is_explained():
    with pytest.raises(DataError, match="holds text") as err:
        from_csv(FLOWERS.encode(), target="species", task="regression")
    assert err.value.field == "task"
    with pytest.raises(DataError, match="3 classes, so the task is 'multiclass'"):
        from_csv(FLOWERS.encode(), target="species", task="binary")
    with pytest.raises(DataError, match="task must be one of"):
        from_csv(FLOWERS.encode(), target="species", task="clustering")


def test_missing_file_and_bad_split_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        from_csv(tmp_path / "nope.csv", target="y")
    with pytest.raises(DataError) as err:
        from_csv(FLOWERS.encode(), target="species", train_fraction=1.5)
    assert err.value.field == "train_fraction"


@settings(max_examples=15, deadline=None)
@given(
    rows=st.integers(20, 200),
    numeric=st.integers(1, 4),
    categories=st.integers(0, 2),
    seed=st.integers(0, 1000),
)
def test_any_clean_table_loads_with_one_row_per_example_and_reproducibly(rows, numeric, categories, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"n{i}": rng.normal(size=rows) for i in range(numeric)})
    for i in range(categories):
        frame[f"c{i}"] = rng.choice(["a", "b", "c"], size=rows)
    frame["y"] = np.arange(rows) % 2
    data = csv_bytes(frame)
    ds = from_csv(data, target="y", seed=seed)
    assert sum(ds.sizes.values()) == rows
    levels = sum(frame[f"c{i}"].nunique() for i in range(categories))
    assert ds.input_shape == (numeric + levels,)
    again = from_csv(data, target="y", seed=seed)
    assert torch.equal(ds.train[0], again.train[0]) and torch.equal(ds.test[1], again.test[1])
    train, val, test = (set(i.tolist()) for i in ds.indices)
    assert not (train & test) and not (train & val) and not (val & test)
