"""Work that thousands of tests would repeat identically, done once per test process or made cheap.

- Each test builds its own app (its own settings and instance folder), and building one spent most of its time
  generating werkzeug's URL builder functions, the same ~490 functions every time, and compiling the same Jinja
  templates again on the first page each test renders. Both depend only on their input (a rule's parsed parts; a
  template's source), so the test process keeps them across apps.
- Staff passwords are hashed with Argon2id at production cost (64 MiB, 3 passes, 4 lanes): about 0.2 s of CPU for
  every staff member a test makes and every login, most of the suite's time. Tests hash at Argon2's lowest cost;
  tests/security/test_password_cost.py checks the production hasher's cost, and the login tests still run the
  real verify path (only its parameters differ).

Production builds one app per process and is not touched by this module.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule

from crm.staff.auth import passwords

PRODUCTION_HASHER = passwords._hasher

_builders: dict[tuple, object] = {}
_original_compile_builder = Rule._compile_builder


def _compile_builder_once(self: Rule, append_unknown: bool = True):
    """werkzeug's builder for a rule, generated once per (rule, defaults, parsed parts, append_unknown)."""
    key = (self.rule, self.subdomain, self.host, repr(sorted((self.defaults or {}).items())), tuple(self._trace),
           append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original_compile_builder(self, append_unknown)
    return builder


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for every app of the test process (keyed by name and source checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def install() -> None:
    """Keep URL builders across the apps of this process and hash passwords cheaply (call once, at start)."""
    Rule._compile_builder = _compile_builder_once
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("not anyone's password")


def share_templates(app) -> None:
    """Let `app` reuse the templates other apps of this process have compiled."""
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
