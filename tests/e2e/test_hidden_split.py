"""A classroom challenge's hidden examples never reach a student's browser: a student joins the class,
opens the challenge on Train, trains on its data, sees the results and hands the run in (scored, class by
class, on the hidden examples). Every websocket frame the server sent is decoded (Streamlit's ForwardMsg
protobuf) and every point of every chart and every row of every table is looked up among the hidden
examples. None is there, while hundreds of the student's own examples are (the preview draws them): the
search finds examples when they are sent."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pyarrow as pa
import pytest
from playwright.sync_api import expect

import dlcore
from dlcore.data.catalogue import load_hidden
from tests.e2e.conftest import running_app
from tests.e2e.sent import elements, record_frames
from tests.e2e.test_classroom import open_from_the_sidebar

pytestmark = pytest.mark.e2e
DATASET, PRESET = "spiral", "MLP"  # 2-D points: an example is a pair of coordinates, found in any chart
DIGITS = 5  # coordinates are compared rounded to 5 decimals (charts carry float32 values as text)


@pytest.fixture
def challenge(tmp_path, monkeypatch):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", "projector")
    room = dlcore.classroom_service()
    klass = room.create_class("Hidden split")
    return room.create_challenge(klass.id, "Spiral", DATASET, target=0.5, max_epochs=5)


def join_with_the_spiral_model(page, url: str, code: str) -> None:
    """As a student does: load the MLP (made for spiral) on Build, then join the class on Classroom."""
    page.goto(f"{url}/build")
    name = page.get_by_role("textbox", name="Model name").last
    expect(name).to_have_value("Digits MLP", timeout=90_000)
    page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{PRESET}$")).click()
    expect(name).to_have_value(PRESET, timeout=30_000)
    open_from_the_sidebar(page, "Classroom")
    page.get_by_label("Class code").fill(code)
    page.get_by_label("Your name").fill("Ada")
    page.get_by_role("button", name="Join", exact=True).click()


def numbers(value) -> np.ndarray:
    """A chart's array as numbers: a JSON list, or plotly's typed array ({"dtype", "bdata"})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float).ravel()
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.array([])


def sent_points(frames: list[bytes]) -> set[tuple[float, float]]:
    """Every (x, y) a chart plotted and every pair of numbers in one row of a table."""
    points = set()
    for element in elements(frames):
        kind = element.WhichOneof("type")
        if kind == "plotly_chart":
            for trace in json.loads(element.plotly_chart.spec).get("data", []):
                x, y = numbers(trace.get("x", [])), numbers(trace.get("y", []))
                if len(x) == len(y):
                    points |= {(round(a, DIGITS), round(b, DIGITS)) for a, b in zip(x, y, strict=True)}
        elif kind == "dataframe":
            frame = element.dataframe  # sent whole, or its first rows (the rest only as the browser scrolls)
            data = frame.arrow_data.data or frame.lazy_data.initial_chunk.data
            table = pa.ipc.open_stream(io.BytesIO(data)).read_pandas()
            for row in table.select_dtypes("number").to_numpy(dtype=float):
                points |= {(round(a, DIGITS), round(b, DIGITS)) for a in row for b in row}
    return points


def as_points(coordinates) -> set[tuple[float, float]]:
    return {(round(float(x), DIGITS), round(float(y), DIGITS)) for x, y in coordinates.tolist()}


def test_no_hidden_example_reaches_the_students_browser(challenge, page, helpers):
    frames = record_frames(page)
    code = dlcore.classroom_service().get_class(challenge.class_id).code
    with running_app("hidden-split-server") as url:
        join_with_the_spiral_model(page, url, code)
        page.get_by_role("button", name="Open on Train").click(timeout=60_000)
        page.get_by_role("button", name="Start").click(timeout=60_000)
        page.get_by_text("Test accuracy").first.wait_for(timeout=180_000)  # the run ended: its test results
        open_from_the_sidebar(page, "Classroom")  # the same tab: still the student
        page.get_by_role("button", name="Hand in", exact=True).click(timeout=60_000)
        page.get_by_text("scored on examples you never saw").wait_for(timeout=60_000)  # her hand-ins
        helpers.wait_for_app(page)
        helpers.assert_no_errors(page)
    student = dlcore.data.load(DATASET, **challenge.data_options).raw_2d
    hidden = load_hidden(DATASET, **challenge.data_options).raw_2d.test  # as the server scores on them
    sent = sent_points(frames)
    assert len(sent & as_points(np.concatenate(list(student)))) >= 100  # the search finds examples
    assert not sent & as_points(hidden), f"{len(sent & as_points(hidden))} hidden examples were sent"
    (handed_in,) = dlcore.classroom_service().class_progress(challenge.class_id)[0].hand_ins
    assert handed_in.score is not None and handed_in.per_class  # what the student was shown
