"""Each Classroom page test has its own database (a class, its students, their runs) and a teacher
password."""

from __future__ import annotations

import pytest

from tests.ui.classroom.support import PASSWORD


@pytest.fixture(autouse=True)
def own_classroom(tmp_path, monkeypatch):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", PASSWORD)
