"""A newcomer's first start of the demo: its own PostgreSQL cluster, then one clear banner once the server listens.

`./run demo` starts a private cluster with deploy/demo-postgres, migrates, seeds and runs wsgi.py; these tests do the
same steps on a cluster in a temporary folder (the checkout's instance/ is never touched).
"""

from __future__ import annotations

import glob
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from crm.platform.extensions import db
from crm.seed import demo
from tests.conftest import REQUIRE, make_app
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "demo-postgres"
BINARIES = glob.glob("/usr/lib/postgresql/*/bin/initdb")


def _cluster(action: str, instance: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run([str(SCRIPT), action, str(instance)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def _need_binaries() -> None:
    if not BINARIES:
        message = "SKIPPED-SERVICE: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def instance():
    """An instance folder with the demo's cluster started in it (stopped and removed afterwards)."""
    _need_binaries()
    # Not pytest's tmp_path: as root the cluster belongs to the user postgres, which must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="sampark-demo-"))
    folder.chmod(0o755)
    try:
        yield folder / "instance"
    finally:
        _cluster("stop", folder / "instance")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def database_url(instance) -> str:
    started = _cluster("start", instance)
    assert started.returncode == 0, started.stderr
    return started.stdout.strip()


def test_the_demo_cluster_is_private_and_starting_it_again_changes_nothing(instance, database_url):
    assert database_url.startswith("postgresql://postgres@/sampark?host=") and str(instance) in database_url
    data = instance / "postgres"
    assert (data / "PG_VERSION").exists() and oct(data.stat().st_mode)[-3:] == "700"
    assert _cluster("status", instance).returncode == 0
    again = _cluster("start", instance)  # a second `./run demo` while it runs
    assert (again.returncode, again.stdout.strip()) == (0, database_url)
    conf = (data / "postgresql.conf").read_text()
    assert "listen_addresses = ''" in conf  # a unix socket in its folder, no TCP port (5432 is the machine's)
    assert conf.count("Sampark demo") == 1


def test_a_stopped_demo_cluster_starts_again_with_its_data(instance, database_url, tmp_path):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS kept (n int)"))
        db.session.execute(text("INSERT INTO kept VALUES (1)"))
        db.session.commit()
        db.engine.dispose()
        assert _cluster("stop", instance).returncode == 0
        assert _cluster("status", instance).returncode != 0
        assert _cluster("stop", instance).returncode == 0  # stopping a stopped cluster is no error
        assert _cluster("start", instance).stdout.strip() == database_url
        assert db.session.scalar(text("SELECT count(*) FROM kept")) == 1
        db.session.execute(text("DROP TABLE kept"))
        db.session.commit()
        db.engine.dispose()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's cluster belongs to another user")
def test_as_root_a_checkout_the_server_user_cannot_enter_gets_its_cluster_linked_in():
    _need_binaries()
    folder = Path(tempfile.mkdtemp(prefix="sampark-demo-root-"))  # mode 0700, as a checkout under /root is
    instance, target = folder / "instance", None
    try:
        started = _cluster("start", instance)
        assert started.returncode == 0, started.stderr
        target = (instance / "postgres").resolve()
        assert (instance / "postgres").is_symlink() and target.parent == Path("/var/lib/sampark-demo")
        assert started.stdout.strip().endswith(f"?host={target}")
        with psycopg.connect(started.stdout.strip()) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == ("sampark",)
    finally:
        _cluster("stop", instance)
        shutil.rmtree(folder, ignore_errors=True)
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)


def _lines(process) -> queue.Queue:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, end: str, timeout: float) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.2).rstrip("\n"))
        except queue.Empty:
            continue
        if end in seen[-1]:
            return seen
    raise AssertionError("no banner within the time; the output was:\n" + "\n".join(seen))


def test_the_demo_server_ends_its_start_with_the_banner_and_no_warning(instance, database_url, tmp_path):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        upgrade()  # flask db upgrade, as ./run demo does
        for _line in demo.seed(residents=30):
            pass
        mobile = demo.portal_resident().mobile[3:]
        db.engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPARK_", "REDIS_URL", "DATABASE_URL"))}
    env |= {"SAMPARK_DEMO": "1", "PORT": str(port), "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    # stdin is not a terminal, as under `./run demo` in a script or an IDE: that is when the warnings used to come.
    process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _lines(process)
        output = _read_until(lines, "Stop with Ctrl-C", timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as page:  # listening by now
            assert page.status == 200 and "Log in" in page.read().decode()
        time.sleep(1.5)  # anything printed after the banner is printed by now
        while not lines.empty():
            output.append(lines.get().rstrip("\n"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    text_ = "\n".join(output)
    assert not any(word in text_.lower() for word in ("warning", "werkzeug", "production")), text_
    banner = text_[text_.index("Sampark is running"):]
    assert f"http://127.0.0.1:{port}/" in banner and "sampark-demo" in banner
    assert all(username in banner for username, *_ in demo.DEMO_STAFF)
    assert f"{mobile[:5]} {mobile[5:]}" in banner and f"/emulator/?number=%2B91{mobile}" in banner
    assert output[-1].strip() == "" and set(output[-2].strip()) == {"="}  # the banner is the last thing printed
