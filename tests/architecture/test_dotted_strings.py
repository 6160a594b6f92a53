"""No dotted-string import crosses a layer.

A job or a hook named by its path ("telephony.jobs.send_message") is an import that no import check sees: crm
would depend on telephony while every `import` line says otherwise. Inside a package a path is fine (rq imports
a job by it); across packages the other side installs a port at start (crm.platform.phone, crm.platform.outbox.install).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("crm", "telephony", "triage", "emulators")
_DOTTED = re.compile(r"(?:" + "|".join(LAYERS) + r")(?:\.[A-Za-z_]\w*)+")


def _names_a_module(path: str) -> bool:
    """Whether `path` (a.b.c...) starts with a module or package of this repository beyond its top package."""
    parts = path.split(".")
    for end in range(2, len(parts) + 1):
        where = ROOT.joinpath(*parts[:end])
        if where.with_suffix(".py").is_file() or (where / "__init__.py").is_file():
            return True
    return False


def crossing_paths(layer: str, tree: ast.AST) -> list[tuple[int, str]]:
    """(line, string) for every string constant in a module of `layer` that names a module of another layer."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and _DOTTED.fullmatch(node.value)
                and node.value.split(".")[0] != layer and _names_a_module(node.value)):
            found.append((node.lineno, node.value))
    return found


def test_no_dotted_string_names_another_layer():
    found = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if hits := crossing_paths(layer, ast.parse(path.read_text(), filename=str(path))):
                found[str(path.relative_to(ROOT))] = hits
    assert found == {}, f"a dotted path crosses a layer (install a port at start instead): {found}"


def test_the_check_sees_a_job_named_across_layers():
    # The check above must be able to fail: crm naming the Twilio edge's module by path is caught; crm naming its
    # own job, or a Flask endpoint that is no module ("telephony.status"), is not.
    tree = ast.parse('SEND_JOB = "telephony.gateway.send_message"\nOWN = "crm.platform.outbox.send"\n'
                     'url = public_url("telephony.status")\nHOOK = "triage.rules"\n')
    assert crossing_paths("crm", tree) == [(1, "telephony.gateway.send_message"), (4, "triage.rules")]
    assert crossing_paths("telephony", ast.parse('x = "crm.platform.outbox.send"\n')) == [(1, "crm.platform.outbox.send")]
