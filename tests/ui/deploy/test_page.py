"""The Deploy page in AppTest: the quick model offered, each export checked and downloadable, the
size / speed / accuracy report, pruning, and an export that fails shown as a message."""

from __future__ import annotations

import pytest

import dlcore
from tests.ui.inspect import support as fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/deploy.py"

trained_job = fixtures.trained_job


def open_page(app, job=None):
    return fixtures.open_page(app, PAGE, job)


def downloads(at) -> list[str]:
    """The labels of the page's download buttons."""
    return [element.proto.label for element in at.get("download_button")]


def test_without_a_model_the_page_offers_a_quick_one(app):
    at = open_page(app)
    assert at.button(key="deploy_quick").label == "Train a quick model"


@pytest.mark.parametrize(
    ("fmt", "file_name"), [("onnx", "model.onnx"), ("torchscript", "model.pt")], ids=["onnx", "torchscript"]
)
def test_each_export_is_checked_against_pytorch_and_offered_for_download(app, trained_job, fmt, file_name):
    at = open_page(app, trained_job)
    at.button(key=f"deploy_export_{fmt}").click().run()
    assert not at.exception and not at.error
    assert any("matches PyTorch" in s.value for s in at.success)
    assert any(label.startswith(f"Download {file_name}") for label in downloads(at))
    at.run()  # the export survives the next rerun
    assert any(label.startswith(f"Download {file_name}") for label in downloads(at))


def test_weights_and_code_are_offered_for_download(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="deploy_export_code").click().run()
    assert not at.exception and not at.error
    assert "Download model.py" in downloads(at) and "Download the weights (.zip)" in downloads(at)


def test_a_failing_export_shows_the_engines_message_not_a_traceback(app, trained_job, monkeypatch):
    def refuse(model, example):
        raise dlcore.DeployError("Layer 'conv2d1' (Conv2d) cannot be exported as ONNX: no reason at all")

    monkeypatch.setattr(dlcore, "export_onnx", refuse)
    at = open_page(app, trained_job)
    at.button(key="deploy_export_onnx").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Layer 'conv2d1' (Conv2d) cannot be exported as ONNX: no reason at all"
    ]
    at.button(key="deploy_export_torchscript").click().run()  # the other formats still work
    assert not at.exception and len(at.error) == 1
    assert any("matches PyTorch" in s.value for s in at.success)


def test_the_report_compares_float32_with_dynamic_int8(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="deploy_run_report").click().run()
    assert not at.exception and not at.error
    table = at.table[0].value
    assert {"float32", "dynamic_int8"} <= set(table["Variant"])
    assert table["How"].map(bool).all()  # every row says how it was made
    assert "the trained model" in table.set_index("Variant")["How"]["float32"]  # with the report's own note
    at.run()  # kept for the next rerun
    assert at.table and not at.exception


def test_pruning_draws_the_curve_and_reads_one_sparsity(app, trained_job):
    at = open_page(app, trained_job)
    at.toggle(key="deploy_prune_fine_tune").set_value(False).run()
    at.button(key="deploy_run_pruning").click().run()
    assert not at.exception and not at.error
    curve = at.session_state["deploy_pruning"]["value"]["curve"]
    assert sorted(set(curve["sparsity"])) == [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    at.select_slider(key="deploy_prune_sparsity").set_value(0.9).run()
    assert not at.exception
    sizes = [m for m in at.metric if m.label == "Compressed size (zip)"]
    assert sizes and sizes[0].delta.startswith("-")  # nine in ten weights are zeros: the file shrinks
