"""Your own table: a CSV file becomes a standardised dataset, or a message saying what to fix.

Numeric columns are used as they are, text columns with few distinct values become one-hot columns
("colour=red"), and a text column with many distinct values (names, ids) is left out with a note. The
target column decides the task: text or a few whole numbers -> classification, other numbers ->
regression (the `task` argument overrides). Missing values: rows that have them are dropped with a note
when that keeps at least 90% of the rows; otherwise the error names the columns, so the student can fill
them in or leave those columns out (`features=`).
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dlcore.data.catalogue import split_params
from dlcore.data.dataset import Dataset
from dlcore.data.tabular import table_dataset
from dlcore.errors import DataError
from dlcore.params import ParamValueError, coerce_all

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_CATEGORIES = 50  # a text column with more distinct values is an identifier or free text, not a category
MAX_CLASS_NUMBERS = 20  # a numeric target with at most this many whole-number values is taken as classes
MAX_FEATURES = 2000  # after one-hot encoding
# Values read (rows × columns) and values after one-hot encoding (rows × input columns): each bounds the
# memory a file can cost before the work is done. 10 million numbers are 40-80 MB.
MAX_CELLS = 10_000_000
MAX_VALUES = 10_000_000
MAX_MISSING_DROPPED = 0.10  # drop rows with missing values only if that loses at most this share
TASKS = ("classification", "binary", "multiclass", "regression")


def read_csv(source: Any) -> tuple[pd.DataFrame, str]:
    """(table, file name) from a path, bytes, or a file object (an upload); DataError says what is wrong."""
    data, filename = _read_bytes(source)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (a zip) and old .xls files
        raise DataError(
            f"{filename} looks like an Excel workbook, not CSV: save it as CSV and upload that", field="file"
        )
    _check_utf8(data, filename)
    if b"\x00" in data:
        raise DataError(f"{filename} is a binary file, not CSV text", field="file")
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise DataError(
            f"{filename} is empty: it needs a header row with column names and rows of data", field="file"
        )
    frame = _parse(data, filename)
    if frame.empty:
        raise DataError(f"{filename} has column names but no rows of data", field="file")
    if len(frame) > MAX_ROWS:
        raise DataError(
            f"{filename} has more than {MAX_ROWS:,} rows: use a sample of at most {MAX_ROWS:,} rows",
            field="file",
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, filename


def _check_utf8(data: bytes, filename: str) -> None:
    """DataError naming the first byte that is not UTF-8 (checked a piece at a time: no copy of the text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, step = memoryview(data), 1 << 20
    for start in range(0, len(data), step):
        try:
            decoder.decode(view[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as err:
            position = start + err.start - len(decoder.getstate()[0])
            raise DataError(
                f"{filename} is not UTF-8 text (byte {data[position]:#04x} at position {position}): "
                "save it as 'CSV UTF-8' in your spreadsheet program",
                field="file",
            ) from None


def _read_bytes(source: Any) -> tuple[bytes, str]:
    limit = f"{MAX_BYTES // (1024 * 1024)} MB"
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, filename = bytes(source), "The file"
    elif isinstance(source, (str, os.PathLike)):
        filename = f"'{os.path.basename(os.fspath(source))}'"
        if not os.path.isfile(source):
            raise DataError(f"file not found: {os.fspath(source)}", field="file")
        if os.path.getsize(source) > MAX_BYTES:
            raise DataError(f"{filename} is larger than {limit}: use a smaller sample of it", field="file")
        with open(source, "rb") as f:
            data = f.read()
    elif hasattr(source, "getvalue") or hasattr(source, "read"):  # an upload (getvalue) or an open file
        name = os.path.basename(str(getattr(source, "name", "") or ""))
        filename = f"'{name}'" if name else "The file"
        if hasattr(source, "getvalue"):
            data = source.getvalue()
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise DataError(f"cannot read a CSV from {type(source).__name__}: give a file path, bytes or a file")
    if len(data) > MAX_BYTES:
        raise DataError(f"{filename} is larger than {limit}: use a smaller sample of it", field="file")
    return data, filename


def _parse(data: bytes, filename: str) -> pd.DataFrame:
    start = data[:100_000].decode("utf-8-sig", errors="ignore").lstrip()
    header = start.splitlines()[0]
    # Spreadsheets in many countries write ';' (or tabs) between values: use it when the header does.
    sep = max((",", ";", "\t"), key=header.count)
    # ... and those write decimal commas (3,14): read them as numbers.
    decimal = "," if sep != "," and re.search(r"\d,\d", start) else "."
    rows, columns = data.count(b"\n"), header.count(sep) + 1
    if rows * columns > MAX_CELLS:
        raise DataError(
            f"{filename} has about {rows:,} rows × {columns:,} columns = {rows * columns:,} values, more "
            f"than the {MAX_CELLS:,} read here: use a sample with fewer rows or columns",
            field="file",
        )
    try:
        return pd.read_csv(
            io.BytesIO(data),
            encoding="utf-8-sig",
            sep=sep,
            decimal=decimal,
            nrows=MAX_ROWS + 1,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{filename} is empty: it needs a header row with column names and rows of data", field="file"
        ) from None
    except (pd.errors.ParserError, ValueError) as err:
        reason = str(err).strip().splitlines()[-1]
        raise DataError(
            f"{filename} could not be read as CSV ({reason}): check that every row has as many values "
            "as the header",
            field="file",
        ) from None


def _kind(column: pd.Series) -> str:
    """ "number", "category", "text" (too many distinct values to be categories) or "empty"."""
    values = column.dropna()
    if values.empty:
        return "empty"
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return "number"
    return "category" if values.nunique() <= MAX_CATEGORIES else "text"


def _target_task(column: pd.Series) -> str:
    """The task a target column suggests: "classification" or "regression"."""
    values = column.dropna()
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return "classification"
    whole = bool(np.all(np.isclose(values, np.round(values))))
    return "classification" if whole and values.nunique() <= MAX_CLASS_NUMBERS else "regression"


def csv_columns(source: Any) -> pd.DataFrame:
    """One row per column: name, kind, distinct values, missing values, and what it would be as the target.

    For the app to offer a choice of target before loading. Raises DataError for an unreadable file.
    """
    frame, _ = read_csv(source)
    rows = []
    for name in frame.columns:
        column = frame[name]
        kind = _kind(column)
        distinct = int(column.nunique())
        if kind == "empty" or distinct < 2:
            as_target = "not usable (one value)" if kind != "empty" else "not usable (empty)"
        elif _target_task(column) == "regression":
            as_target = "regression"
        else:
            as_target = f"classification ({distinct} classes)"
        rows.append(
            {
                "column": name,
                "kind": kind,
                "distinct": distinct,
                "missing": int(column.isna().sum()),
                "as_target": as_target,
            }
        )
    return pd.DataFrame(rows, columns=["column", "kind", "distinct", "missing", "as_target"])


def from_csv(
    source: Any,
    target: str,
    task: str | None = None,
    *,
    features: Sequence[str] | None = None,
    train_fraction: float = 0.7,
    val_fraction: float = 0.15,
    seed: int = 0,
) -> Dataset:
    """A standardised Dataset from a CSV file (path, bytes or upload).

    target: the column to predict. task: None (inferred), "classification", "binary", "multiclass" or
    "regression". features: the columns to learn from (default: every other usable column).
    Regression targets are standardised too; `ds.target_normalization.invert(prediction)` gives the
    original units. What was left out or dropped is listed in `ds.notes`.
    """
    try:
        split = coerce_all(
            split_params(), {"train_fraction": train_fraction, "val_fraction": val_fraction, "seed": seed}
        )
    except ParamValueError as err:
        raise DataError(str(err), field=err.field) from None
    if not isinstance(target, str):
        raise DataError(
            f"target must be one column name (text), not {type(target).__name__} {str(target)[:60]}",
            field="target",
        )
    if features is not None and (
        isinstance(features, str) or not all(isinstance(name, str) for name in features)
    ):
        raise DataError("features must be a list of column names (text)", field="features")
    frame, filename = read_csv(source)
    _check_column(target, frame.columns, "target", "the column to predict")
    notes: list[str] = []
    chosen = _feature_columns(frame, target, features, notes)
    frame = frame[[*chosen, target]]
    _check_finite(frame)
    frame = _drop_missing(frame, notes)
    task = _resolve_task(frame[target], task)
    _check_encoded_size(frame[chosen])
    encoded = pd.get_dummies(frame[chosen], prefix_sep="=", dtype=np.float32)  # one-hot for category columns
    if task == "regression":
        targets, class_names = frame[target].to_numpy(dtype=np.float64), []
    else:
        classes = sorted(frame[target].unique(), key=lambda v: (str(type(v)), v))
        if len(classes) > MAX_CATEGORIES * 2:
            raise DataError(
                f"target '{target}' has {len(classes)} different values: too many classes; "
                "is it a number to predict (task='regression')?",
                field="task",
            )
        targets = frame[target].map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64)
        class_names = [str(c) for c in classes]
        task = "binary" if len(classes) == 2 else "multiclass"
    what = f"{len(class_names)} classes" if class_names else "regression"
    source_name = "" if filename == "The file" else f" {filename}"
    ds = table_dataset(
        "csv",
        encoded.to_numpy(dtype=np.float32),
        targets,
        task=task,
        feature_names=[str(c) for c in encoded.columns],
        class_names=class_names,
        description=f"Your table{source_name}: {len(frame):,} rows, predict '{target}' ({what}).",
        notes=notes,
        **split,
    )
    ds.options = {"target": target, "task": task, "features": list(chosen), **split}
    return ds


def _check_finite(frame: pd.DataFrame) -> None:
    """DataError naming the first row (line of the file) with an infinite number, and its column."""
    numbers = frame.select_dtypes("number")
    bad = ~np.isfinite(numbers.to_numpy(dtype=np.float64)) & numbers.notna().to_numpy()
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = numbers.iat[row, col]
        raise DataError(
            f"line {int(frame.index[row]) + 2} of the file has {value} in column '{numbers.columns[col]}': "
            "every number must be finite. Fix that value, or delete the row",
            field="file",
        )


def _check_encoded_size(inputs: pd.DataFrame) -> None:
    """Refuse a table whose one-hot encoding would be too wide or too big, before it is built."""
    text = inputs.select_dtypes(exclude=["number", "bool"]).columns
    width = inputs.shape[1] - len(text) + sum(int(inputs[c].nunique()) for c in text)
    if width > MAX_FEATURES:
        raise DataError(
            f"{width:,} input columns after one-hot encoding (limit {MAX_FEATURES:,}): leave out "
            "category columns with many values (features=...)",
            field="features",
        )
    if width * len(inputs) > MAX_VALUES:
        raise DataError(
            f"{len(inputs):,} rows × {width:,} input columns after one-hot encoding = "
            f"{width * len(inputs):,} numbers, more than the {MAX_VALUES:,} that fit here: use fewer rows, "
            "or leave out category columns with many values (features=...)",
            field="features",
        )


def _check_column(name: Any, columns: Sequence[str], field: str, what: str) -> None:
    if name in columns:
        return
    close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    raise DataError(
        f"{what.capitalize()} '{name}' is not a column of the file{hint} "
        f"(columns: {', '.join(map(str, columns))})",
        field=field,
    )


def _feature_columns(
    frame: pd.DataFrame, target: str, features: Sequence[str] | None, notes: list[str]
) -> list[str]:
    asked = features is not None
    candidates = list(features) if asked else [c for c in frame.columns if c != target]
    chosen, skipped = [], []
    for name in candidates:
        _check_column(name, frame.columns, "features", "feature column")
        if name == target:
            raise DataError(f"'{target}' is the target: it cannot also be an input feature", field="features")
        kind = _kind(frame[name])
        if kind == "empty":
            skipped.append(f"'{name}' (empty)")
        elif kind == "text":
            skipped.append(
                f"'{name}' (text with {frame[name].nunique():,} different values, like names or ids)"
            )
        elif frame[name].nunique() < 2:
            skipped.append(f"'{name}' (the same value in every row)")
        else:
            chosen.append(name)
    if skipped:
        notes.append("Left out: " + "; ".join(skipped) + ".")
    if not chosen:
        why = f": {'; '.join(skipped)}" if skipped else ""
        raise DataError(
            f"no usable input column besides the target '{target}'{why}. A feature column needs numbers, "
            f"or text with at most {MAX_CATEGORIES} different values (categories)",
            field="features",
        )
    return chosen


def _drop_missing(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    missing = frame.isna().sum()
    if not missing.any():
        return frame
    complete = frame.dropna()
    lost = len(frame) - len(complete)
    columns = ", ".join(
        f"'{c}' ({n:,})" for c, n in missing[missing > 0].sort_values(ascending=False).items()
    )
    if lost > MAX_MISSING_DROPPED * len(frame) or len(complete) < 10:
        raise DataError(
            f"{lost:,} of {len(frame):,} rows have missing values, in {columns}: fill them in, "
            "or leave those columns out (features=...)",
            field="features",
        )
    notes.append(f"Dropped {lost:,} of {len(frame):,} rows with missing values (in {columns}).")
    return complete


def _resolve_task(column: pd.Series, task: str | None) -> str:
    name = column.name
    if task is not None and task not in TASKS:
        raise DataError(
            f"task must be one of {', '.join(TASKS)} (or None to infer it), not {task!r}", field="task"
        )
    distinct = column.nunique()
    if distinct < 2:
        raise DataError(
            f"target '{name}' has only one value ({column.iloc[0]!r}): there is nothing to learn; "
            "choose another target column or add rows of the other classes",
            field="target",
        )
    inferred = _target_task(column)
    if task == "regression" and inferred == "classification" and not pd.api.types.is_numeric_dtype(column):
        raise DataError(
            f"target '{name}' holds text, not numbers: it can only be classification", field="task"
        )
    if task in ("binary", "multiclass"):
        wanted = "binary" if distinct == 2 else "multiclass"
        if task != wanted:
            raise DataError(
                f"target '{name}' has {distinct} classes, so the task is '{wanted}', not '{task}'",
                field="task",
            )
        return "classification"
    return task or inferred
