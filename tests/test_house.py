"""The house's size bars: pages stay thin and ui/pages functions stay short enough to read at a glance."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_LINES = 150
MAX_FUNCTION_LINES = 60


def functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_a_page_only_lays_out_and_stays_short(path):
    assert len(path.read_text().splitlines()) <= MAX_PAGE_LINES


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_function_in_ui_or_pages_is_longer_than_a_screen(path):
    long = {name: lines for name, lines in functions(path) if lines > MAX_FUNCTION_LINES}
    assert not long, f"{path.name}: {long} (at most {MAX_FUNCTION_LINES} lines: split it)"
