"""
The import direction: the shared core (`colloquium/`) imports no app, except the project wiring
(`urls.py`, `views.py`, the `loaddemo` command); the apps never reach into each other's views.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WIRING = {
    Path("colloquium/urls.py"),
    Path("colloquium/views.py"),
    Path("colloquium/management/commands/loaddemo.py"),
}
# (package, imported module prefix that it must not import)
FORBIDDEN_BETWEEN_APPS = (("news", "events.views"), ("events", "news.views"))


def imported_modules(path):
    """Every module `path` imports, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def modules_of(package):
    return sorted(
        path.relative_to(ROOT)
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def reaches(module, prefix):
    return module == prefix or module.startswith(f"{prefix}.")


def core_violations(files):
    return [
        f"{path} imports {module}"
        for path in files
        if path not in WIRING
        for module in imported_modules(ROOT / path)
        if reaches(module, "news") or reaches(module, "events")
    ]


def test_the_walk_sees_the_core_and_its_wiring():
    files = modules_of("colloquium")

    assert set(files) >= WIRING
    assert Path("colloquium/publishing.py") in files
    assert "events.models" in set(imported_modules(ROOT / "colloquium/views.py"))


def test_core_imports_no_app_outside_the_wiring():
    assert core_violations(modules_of("colloquium")) == []


def test_a_core_module_importing_an_app_is_caught(tmp_path, monkeypatch):
    # The check itself must fail on a back-edge, or the test above proves nothing.
    (tmp_path / "colloquium").mkdir()
    (tmp_path / "colloquium" / "bad.py").write_text(
        "def f():\n    from news.models import Post\n    import events.views\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert core_violations([Path("colloquium/bad.py")]) == [
        "colloquium/bad.py imports news.models",
        "colloquium/bad.py imports news.models.Post",
        "colloquium/bad.py imports events.views",
    ]


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN_BETWEEN_APPS)
def test_apps_do_not_import_each_others_views(package, forbidden):
    violations = [
        f"{path} imports {module}"
        for path in modules_of(package)
        for module in imported_modules(ROOT / path)
        if reaches(module, forbidden)
    ]

    assert modules_of(package)
    assert violations == []
