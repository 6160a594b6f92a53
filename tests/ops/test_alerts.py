"""The alert rules and the Grafana dashboard in deploy/ speak of metrics Sampark really serves, and the rules do
what they say on recorded series (promtool's own rule tests, where promtool is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.conftest import REDIS_URL
from tests.live import served
from tests.ops.test_metrics import TOKEN

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "sampark.json"
SUFFIXES = ("_bucket", "_count", "_sum", "_created")


def named(text: str) -> set[str]:
    """Every sampark_* metric named in `text`, without a histogram's sample suffix."""
    names = set(re.findall(r"\bsampark_[a-z_]+", text))
    return {next((n[: -len(s)] for s in SUFFIXES if n.endswith(s)), n) for n in names}


def served_names(tmp_path) -> set[str]:
    # on rq, as in production: the job queue's figures exist only there
    with served(tmp_path, METRICS_TOKEN=TOKEN, REDIS_URL=REDIS_URL, JOBS_EAGER=False) as (_app, base):
        requests.get(f"{base}/healthz", timeout=10)
        text = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).text
    return set(re.findall(r"^# TYPE (sampark_[a-z_]+) ", text, re.MULTILINE))


@pytest.mark.redis
def test_every_metric_the_alerts_and_the_dashboard_use_is_served(tmp_path):
    served_now = served_names(tmp_path)
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    assert named(RULES.read_text()) - served_now == set()
    assert named(exprs) - served_now == set()
    assert len(named(exprs)) >= 10  # the dashboard shows the helpline, not one figure


def test_a_planted_unknown_metric_would_be_caught():
    assert named('max(sampark_queue_waiting) + sampark_made_up_seconds_bucket') == {"sampark_queue_waiting",
                                                                                     "sampark_made_up_seconds"}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian: prometheus)")
def test_the_rules_are_valid_and_pass_their_tests_on_recorded_series():
    checked = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(["promtool", "test", "rules", str(RULE_TESTS)], capture_output=True, text=True, check=False)
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr
