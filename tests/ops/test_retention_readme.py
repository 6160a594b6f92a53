"""The README's personal-data table says what the retention rules enforce, word for word: one source, the rules."""

from __future__ import annotations

from pathlib import Path

from crm import config
from crm.platform import retention
from tests.conftest import make_app

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Personal data: what is kept, why and for how long"


def _table() -> list[str]:
    section = README.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n#", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| data |")]


def test_the_readme_rows_of_the_sweep_are_the_rules(tmp_path):
    app = make_app(tmp_path)
    expected = retention.table_rows(app)
    written = [line for line in _table() if line.rstrip(" |").split("| ")[-1].startswith("sweep")]
    assert written == expected, "README.md's sweep rows should be:\n" + "\n".join(expected)


def test_every_period_is_a_setting_the_environment_can_give(tmp_path):
    rules = retention.rules(make_app(tmp_path))
    assert {rule.setting for rule in rules} <= set(config.ENV_KEYS)
    assert len({rule.name for rule in rules}) == len(rules)


def test_periods_are_said_as_people_say_them():
    assert [retention.period(d) for d in (1, 30, 365, 1095)] == ["1 day", "30 days", "365 days (1 year)",
                                                                 "1095 days (3 years)"]
