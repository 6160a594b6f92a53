"""Layering inside crm: the platform imports no area, areas reach each other only through what they declare
public, and crm's root holds only the factory and the settings. Each check is run on a planted violation too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOT_FILES = {"__init__.py", "app.py", "config.py"}
# Not areas: the platform (below every area), the tables (shared by all), the factory and settings at crm's root.
BELOW_AREAS = ("crm.platform", "crm.models")
ROOT_MODULES = ("crm", "crm.app", "crm.config")
# The case domain keeps its path (crm/cases) but is the helpline's core.
AREA_OF_PATH = {"crm.cases": "helpline"}


def _module_name(repo: Path, path: Path) -> str:
    parts = list(path.relative_to(repo).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(repo: Path, dotted: str) -> bool:
    base = repo.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(repo: Path, path: Path) -> list[tuple[int, str]]:
    """(line, module) for every crm module this file imports, at any depth (a function's late import too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "crm"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "crm":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if _is_module(repo, sub) else node.module))
    return found


def area_of(module: str) -> str | None:
    """The area a crm module belongs to, or None for the platform, the tables and crm's root."""
    if module in ROOT_MODULES or any(module == b or module.startswith(b + ".") for b in BELOW_AREAS):
        return None
    for prefix, area in AREA_OF_PATH.items():
        if module == prefix or module.startswith(prefix + "."):
            return area
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "crm" else None


def declared_public(repo: Path) -> dict[str, tuple[str, ...]]:
    """Each area's PUBLIC tuple from its crm/<area>/area.py (read, not imported)."""
    public = {}
    for area_file in sorted((repo / "crm").glob("*/area.py")):
        for node in ast.parse(area_file.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PUBLIC" for t in node.targets):
                public[area_file.parent.name] = tuple(ast.literal_eval(node.value))
    return public


def _sources(repo: Path, under: str = "crm"):
    for path in sorted((repo / under).rglob("*.py")):
        yield path, _module_name(repo, path)


def platform_violations(repo: Path) -> list[str]:
    """Imports of an area (or of the factory) by the platform or the tables."""
    found = []
    for path, module in _sources(repo):
        if not any(module == b or module.startswith(b + ".") for b in BELOW_AREAS):
            continue
        for line, target in _imports(repo, path):
            if area_of(target) is not None or target in ("crm", "crm.app"):
                found.append(f"{path.relative_to(repo)}:{line} imports {target}")
    return found


def crossing_violations(repo: Path) -> list[str]:
    """Imports from one area into another that the other does not declare public."""
    public = declared_public(repo)
    found = []
    for path, module in _sources(repo):
        mine = area_of(module)
        if mine is None:
            continue
        for line, target in _imports(repo, path):
            theirs = area_of(target)
            if theirs is None or theirs == mine:
                continue
            if not any(target == p or target.startswith(p + ".") for p in public.get(theirs, ())):
                found.append(f"{path.relative_to(repo)}:{line} ({mine}) imports {target} ({theirs}'s, not public)")
    return found


def root_violations(repo: Path) -> list[str]:
    """Files at crm's root other than the factory, the settings and the package's __init__."""
    return sorted(p.name for p in (repo / "crm").iterdir() if p.is_file() and p.name not in ROOT_FILES)


def test_the_platform_imports_no_area():
    assert platform_violations(ROOT) == []


def test_areas_reach_each_other_only_through_what_they_declare_public():
    assert crossing_violations(ROOT) == []


def test_crm_root_holds_only_the_factory_and_the_settings():
    assert root_violations(ROOT) == []


def test_every_area_has_one_module_that_plugs_it_in():
    packages = {p.parent.name for p in (ROOT / "crm").glob("*/__init__.py")}
    areas = {p.parent.name for p in (ROOT / "crm").glob("*/area.py")}
    assert packages - areas == {"cases", "models"}  # the case domain is the helpline's; the tables are everyone's
    app = (ROOT / "crm" / "app.py").read_text()
    for area in areas:
        assert f"from crm.{area} import area as {area}" in app


# --- the checks can fail: a tree with each violation planted


def _plant(repo: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return repo


def _tree(tmp_path: Path, **extra: str) -> Path:
    files = {
        "crm/__init__.py": "", "crm/app.py": "", "crm/config.py": "",
        "crm/platform/__init__.py": "", "crm/platform/jobs.py": "from crm.platform import errors\n",
        "crm/platform/errors.py": "", "crm/models/__init__.py": "from crm.platform import errors\n",
        "crm/cases/__init__.py": "", "crm/cases/lifecycle.py": "",
        "crm/helpline/__init__.py": "", "crm/helpline/area.py": "PUBLIC = ('crm.helpline.services', 'crm.cases')\n",
        "crm/helpline/services.py": "", "crm/helpline/desk.py": "",
        "crm/residents/__init__.py": "", "crm/residents/area.py": "PUBLIC = ()\n",
        "crm/residents/cards.py": "from crm.helpline import services\nfrom crm.cases import lifecycle\n",
    }
    files.update({k.replace("__", "/").replace("_py", ".py"): v for k, v in extra.items()})
    return _plant(tmp_path, files)


def test_a_clean_tree_passes_every_check(tmp_path):
    repo = _tree(tmp_path)
    assert (platform_violations(repo), crossing_violations(repo), root_violations(repo)) == ([], [], [])


def test_the_platform_importing_an_area_is_caught(tmp_path):
    repo = _tree(tmp_path, crm__platform__sweeps_py="def run():\n    from crm.helpline import desk\n")
    assert platform_violations(repo) == ["crm/platform/sweeps.py:2 imports crm.helpline.desk"]


def test_the_platform_importing_the_factory_is_caught(tmp_path):
    repo = _tree(tmp_path, crm__platform__worker_py="from crm.app import create_app\n")
    assert platform_violations(repo) == ["crm/platform/worker.py:1 imports crm.app"]


def test_the_tables_importing_an_area_are_caught(tmp_path):
    repo = _tree(tmp_path, crm__models__case_py="import crm.residents.cards\n")
    assert platform_violations(repo) == ["crm/models/case.py:1 imports crm.residents.cards"]


def test_an_area_importing_another_areas_private_module_is_caught(tmp_path):
    repo = _tree(tmp_path, crm__residents__office_py="from crm.helpline.desk import claim\n")
    assert crossing_violations(repo) == [
        "crm/residents/office.py:1 (residents) imports crm.helpline.desk (helpline's, not public)"]


def test_the_case_domain_counts_as_the_helpline(tmp_path):
    # crm/cases is the helpline's core: its importing a residents module is a crossing like any other.
    repo = _tree(tmp_path, crm__cases__replies_py="from crm.residents import cards\n")
    assert crossing_violations(repo) == [
        "crm/cases/replies.py:1 (helpline) imports crm.residents.cards (residents's, not public)"]


def test_a_stray_module_at_crms_root_is_caught(tmp_path):
    repo = _tree(tmp_path, crm__outbox_py="")
    assert root_violations(repo) == ["outbox.py"]
