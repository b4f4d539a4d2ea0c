"""The import rule: dlcore never imports streamlit; pages and ui use only the public dlcore API."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE_ONLY = ("torch", "captum", "plotly", "numpy", "pandas", "sklearn", "safetensors")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def py_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", py_files("dlcore"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_never_imports_streamlit_ui_or_pages(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in ("streamlit", "ui", "pages")}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", py_files("pages") + py_files("ui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_use_only_the_public_dlcore_api(path):
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in ENGINE_ONLY, f"{path.name} imports {module}: go through dlcore's public API"
        if top == "dlcore":
            # `import dlcore`, `from dlcore import X` and the dlcore.data subpackage are public.
            public = ("dlcore", "dlcore.data")
            assert module in public, f"{path.name} imports {module}: use dlcore's public API"
        if top == "pages":
            pytest.fail(f"{path.name} imports another page ({module})")


def test_every_page_file_is_in_the_navigation():
    app = (ROOT / "app.py").read_text()
    for page in py_files("pages"):
        assert f'"pages/{page.name}"' in app, f"{page.name} is not listed in app.py's st.navigation"
