"""Inspect's Embeddings tab: the Sequences page's projector over the tab's model, any layer, PCA or t-SNE."""

from __future__ import annotations

import pytest

from tests.ui.inspect.support import open_page, trained_job  # noqa: F401  (the module's quick model)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_embeddings_tab_projects_the_layer_the_output_reads_coloured_by_digit(app, trained_job):  # noqa: F811
    at = open_page(app, "pages/inspect.py", trained_job)
    layer = at.selectbox(key="inspect-embeddings-layer")
    projection = at.session_state["seq_embeddings"][1]
    assert projection.what == f"{layer.value}, PCA"
    assert sorted(set(projection.labels)) == [str(d) for d in range(10)]
    layer.select(layer.options[0]).run()
    assert not at.exception
    assert at.session_state["seq_embeddings"][1].what.startswith(layer.options[0])
