"""The provider emulators are tooling beside the product: production code never imports them.

With TELEPHONY=emulator the Twilio edge loads the Twilio emulator in one function (telephony._load_emulator);
nothing else in crm/, telephony/ or triage/ names the package, and a production app never has it in memory.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("crm", "telephony", "triage")
EMULATORS = "emulators"
LOADER = ("telephony/__init__.py", "_load_emulator")  # the one place that loads an emulator, inside a function


def _emulator_imports(tree: ast.AST) -> list[tuple[int, str | None]]:
    """(line, enclosing function or None at module level) of every import of the emulators package."""
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
                continue
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            if any(name == EMULATORS or name.startswith(EMULATORS + ".") for name in names):
                found.append((child.lineno, function))
            visit(child, function)

    visit(tree, None)
    return found


def _production_sources():
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), filename=str(path))


def test_production_code_imports_no_emulator_outside_its_loader():
    found = {(path, function) for path, tree in _production_sources() for _, function in _emulator_imports(tree)}
    assert found <= {LOADER}, f"an emulator imported by production code: {sorted(found - {LOADER}, key=str)}"


def test_the_check_sees_an_emulator_imported(tmp_path):
    # The check above must be able to fail: an import at module level, and one tucked in a function.
    tree = ast.parse("import os\nfrom emulators.twilio import create_emulator_app\n"
                     "def f():\n    import emulators.twilio.driver\n    from emulatorsx import y\n")
    assert _emulator_imports(tree) == [(2, None), (4, "f")]


def test_no_emulator_package_inside_the_production_packages():
    assert not [str(p.relative_to(ROOT)) for package in PRODUCTION for p in (ROOT / package).rglob("*emulator*")
                if p.suffix in ("", ".py") and p.name != "__pycache__"]


def _modules_after_building(telephony: str, instance: Path) -> set[str]:
    """The top-level packages in memory after a fresh process builds the app with TELEPHONY=`telephony`."""
    script = ("import sys\nfrom crm import create_app\n"
              f"create_app({{'TELEPHONY': {telephony!r}, 'TWILIO_ACCOUNT_SID': 'AC' + '1' * 32, "
              "'TWILIO_AUTH_TOKEN': 'token', 'TWILIO_PHONE_NUMBER': '+911800112233', 'TESTING': True, "
              "'DATABASE_URL': 'postgresql://postgres@127.0.0.1:5432/test', 'SECRET_KEY': 'x', "
              "'INSTANCE_PATH': sys.argv[1]})\n"
              "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", script, str(instance)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


def test_an_app_on_twilio_never_loads_the_emulator(tmp_path):
    assert EMULATORS not in _modules_after_building("twilio", tmp_path)


def test_an_app_on_the_emulator_loads_it(tmp_path):
    # The same measure sees the package when it is loaded: the test above can fail.
    assert EMULATORS in _modules_after_building("emulator", tmp_path)
