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


def dlcore_names_used(path: Path) -> set[str]:
    """Names a file takes from dlcore: `from dlcore import X`, `dlcore.X`, `import dlcore.X` (a submodule)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases, names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                if top == "dlcore" and rest:
                    names.add(rest.split(".")[0])
                elif top == "dlcore":
                    aliases.add(alias.asname or "dlcore")
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("dlcore")
        ):
            rest = node.module.partition(".")[2]
            names.update([rest.split(".")[0]] if rest else [alias.name for alias in node.names])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            names.add(node.attr)
    return names


@pytest.mark.parametrize("path", py_files("pages") + py_files("ui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_use_only_names_in_dlcore_all(path):
    import dlcore

    private = dlcore_names_used(path) - set(dlcore.__all__)
    assert not private, f"{path.name} uses {sorted(private)}, which dlcore.__all__ does not list"


def namespace_names_used(path: Path, namespace: str) -> set[str]:
    """Names a file takes from the dlcore.<namespace> package: `from dlcore import <namespace>` then
    `<namespace>.X`, `dlcore.<namespace>.X`, `from dlcore.<namespace> import X`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    roots, aliases, names = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "dlcore":
            aliases.update(alias.asname or alias.name for alias in node.names if alias.name == namespace)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == f"dlcore.{namespace}":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            roots.update(alias.asname or "dlcore" for alias in node.names if alias.name == "dlcore")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in aliases:
            names.add(node.attr)
        elif isinstance(owner, ast.Attribute) and owner.attr == namespace:
            if isinstance(owner.value, ast.Name) and owner.value.id in roots:
                names.add(node.attr)
    return names


# Packages dlcore exports whole (dlcore.plots, dlcore.data, ...) have their own public API: their __all__.
NAMESPACES = ["data", "plots", "attributions", "learning", "classroom", "classroom_view"]


@pytest.mark.parametrize("path", py_files("pages") + py_files("ui"), ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("namespace", NAMESPACES)
def test_pages_and_ui_use_only_names_in_the_all_of_dlcores_packages(path, namespace):
    import dlcore

    public = set(getattr(dlcore, namespace).__all__)
    private = namespace_names_used(path, namespace) - public
    assert not private, (
        f"{path.name} uses {sorted(private)} of dlcore.{namespace}, which its __all__ does not list"
    )


def test_every_name_in_dlcore_all_exists():
    import dlcore

    assert [name for name in dlcore.__all__ if not hasattr(dlcore, name)] == []


def package_root_imports_in_functions(path: Path) -> list[int]:
    """Lines where a function imports the dlcore package root (`import dlcore`, `from dlcore import X`)."""
    lines = []
    for func in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            root = isinstance(node, ast.Import) and any(a.name == "dlcore" for a in node.names)
            root = root or (isinstance(node, ast.ImportFrom) and node.module == "dlcore" and node.level == 0)
            if root:
                lines.append(node.lineno)
    return lines


# __main__ is the command line: like a notebook it uses the public API of a package already imported.
@pytest.mark.parametrize(
    "path", [p for p in py_files("dlcore") if p.name != "__main__.py"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_engine_modules_import_their_siblings_not_the_package_root_inside_functions(path):
    # An import of the package root inside a function hides a cycle: it works only because the root has
    # finished importing by the time the function runs.
    assert package_root_imports_in_functions(path) == [], f"{path.name}: import the sibling module at the top"


def test_every_page_file_is_in_the_navigation():
    from ui.frame import PAGES  # the pages app.py's st.navigation offers

    listed = {path for path, _, _ in PAGES}
    for page in py_files("pages"):
        assert f"pages/{page.name}" in listed, f"{page.name} is not in ui/frame.py's PAGES (the navigation)"
